from modeltranslation.translator import TranslationOptions, register

from onestop.core.models import Region


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)
