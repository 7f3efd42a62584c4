from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "onestop.people"
    label = "people"

    def ready(self) -> None:
        from onestop.people import signals

        signals.connect()
