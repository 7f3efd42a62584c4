from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "onestop.insights"
    label = "insights"
