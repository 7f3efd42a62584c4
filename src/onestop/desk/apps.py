from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "onestop.desk"
    label = "desk"
