from modeltranslation.translator import TranslationOptions, register

from onestop.exchange.models import DataService, Purpose


@register(DataService)
class DataServiceTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Purpose)
class PurposeTranslation(TranslationOptions):
    fields = ("name",)
