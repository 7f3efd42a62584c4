from modeltranslation.translator import TranslationOptions, register

from onestop.centres.models import Centre


@register(Centre)
class CentreTranslation(TranslationOptions):
    fields = ("name", "address")
