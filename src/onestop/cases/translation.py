from modeltranslation.translator import TranslationOptions, register

from onestop.cases.models import ReasonCode


@register(ReasonCode)
class ReasonCodeTranslation(TranslationOptions):
    fields = ("label", "legal_ground")
