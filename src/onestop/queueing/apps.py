from django.apps import AppConfig


class QueueingConfig(AppConfig):
    """Front office: queues, tickets, appointments, counters' work profiles, kiosks and boards."""

    name = "onestop.queueing"
    label = "queueing"

    def ready(self) -> None:
        from onestop.queueing import intake

        intake.connect_signals()
