from django.apps import AppConfig


class OfficeConfig(AppConfig):
    """The back-office screens for officers and agency heads."""

    name = "onestop.office"
    label = "office"
