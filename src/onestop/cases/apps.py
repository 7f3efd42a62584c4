from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Back office: applications bundling services, cases at agencies, SLA clocks, decisions, outputs."""

    name = "onestop.cases"
    label = "cases"
