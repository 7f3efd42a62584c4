from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo country: a deterministic generator of a fictional state's catalogue, centres and people."""

    name = "onestop.demo"
    label = "demo"
