from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Back office: applications bundling services, cases at agencies, SLA clocks, decisions, outputs."""

    name = "onestop.cases"
    label = "cases"

    def ready(self) -> None:
        # The exchange cannot import the back office (it sits below it), so the back office tells
        # it how to find the open application or case a call names (purpose binding).
        from onestop.cases.matters import resolve_matter
        from onestop.exchange.purposes import register_matter_resolver

        register_matter_resolver(resolve_matter)
