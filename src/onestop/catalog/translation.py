"""Catalogue content translated with django-modeltranslation (name_en, name_ru, name_kk, name_ka …)."""

from modeltranslation.translator import TranslationOptions, register

from onestop.catalog import models


@register(models.Agency)
class AgencyTranslation(TranslationOptions):
    fields = ("name", "description")


@register(models.LifeEvent)
class LifeEventTranslation(TranslationOptions):
    fields = ("name", "description")


@register(models.EvidenceType)
class EvidenceTypeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(models.Output)
class OutputTranslation(TranslationOptions):
    fields = ("name", "description")


@register(models.LegalResource)
class LegalResourceTranslation(TranslationOptions):
    fields = ("title",)


@register(models.Service)
class ServiceTranslation(TranslationOptions):
    fields = ("name", "description", "keywords")


@register(models.ServiceEvidence)
class ServiceEvidenceTranslation(TranslationOptions):
    fields = ("note",)


@register(models.Fee)
class FeeTranslation(TranslationOptions):
    fields = ("label",)


@register(models.FeeExemption)
class FeeExemptionTranslation(TranslationOptions):
    fields = ("description",)


@register(models.ServiceFormField)
class ServiceFormFieldTranslation(TranslationOptions):
    fields = ("label", "help_text")
