from modeltranslation.translator import TranslationOptions, register

from onestop.queueing.models import Queue


@register(Queue)
class QueueTranslation(TranslationOptions):
    fields = ("name",)
