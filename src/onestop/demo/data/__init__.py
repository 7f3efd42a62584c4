"""The demo country's fixed content: places, agencies, the catalogue, centres and name lists.

Everything here is plain data (no randomness, no database); ``onestop.demo.generator`` turns it, with
a fixed seed, into the plan that ``seed_demo`` writes through the services.
"""

from __future__ import annotations


def tr(en: str, ru: str = "", kk: str = "", ka: str = "") -> dict[str, str]:
    """A translated text; languages left empty are omitted so modeltranslation falls back to English."""
    values = {"en": en, "ru": ru, "kk": kk, "ka": ka}
    return {lang: text for lang, text in values.items() if text}
