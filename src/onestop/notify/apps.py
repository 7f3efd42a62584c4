from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notifications: an outbox of messages to citizens and staff, sent by channel plugins."""

    name = "onestop.notify"
    label = "notify"
