from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Data exchange between agencies' registries (X-Road message protocol for REST, r1)."""

    name = "onestop.exchange"
    label = "exchange"

    def ready(self) -> None:
        from onestop.exchange import tasks  # noqa: F401  (registers the periodic log sealer)
