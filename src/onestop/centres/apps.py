from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "onestop.centres"
    label = "centres"
