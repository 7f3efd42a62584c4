"""Languages: the switcher works on every page, catalogue content follows the interface language
with English as the fallback, and an unknown language gives English."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.portal.sample import Catalogue
from tests.portal.test_pages import text

pytestmark = pytest.mark.django_db


def switch_to(client, language: str, next_url: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


@pytest.mark.parametrize(
    "path",
    ["/", "/search?q=birth", "/life-events/birth/", "/agencies/justice/", "/services/birth-registration/"],
)
def test_language_switcher_is_on_every_page_and_returns_to_it(client, catalogue: Catalogue, path):
    html = client.get(path).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert f'name="next" type="hidden" id="language-next" value="{path.replace("&", "&amp;")}"' in html
    for code in ("ru", "kk", "ka"):
        assert f'name="language" value="{code}"' in html
    response = switch_to(client, "kk", path)
    assert response.status_code == 302
    assert response["Location"] == path


def test_kazakh_interface_and_catalogue_content_after_switching(client, catalogue: Catalogue):
    switch_to(client, "kk")
    response = client.get("/services/birth-registration/")
    html = response.content.decode()
    assert '<html lang="kk">' in html
    page = text(response)
    assert "Баланың тууын тіркеу" in page  # the service's Kazakh name
    assert "Әділет министрлігі" in page  # the agency's Kazakh name
    assert "Мемлекет мұны сіз үшін өзі алады" in page  # "The state fetches this for you"
    assert "The state fetches this for you" not in page


def test_missing_translation_falls_back_to_english(client, catalogue: Catalogue):
    switch_to(client, "kk")
    page = text(client.get("/"))
    assert "Register your address" in page  # no Kazakh name: English, not an empty link
    assert "Баланың дүниеге келуі" in page


@pytest.mark.parametrize("language", ["ru", "kk", "ka"])
def test_each_language_translates_the_home_page(client, catalogue: Catalogue, language):
    switch_to(client, language)
    page = text(client.get("/"))
    assert "Find a public service" not in page
    assert "Browse by life event" not in page


def test_unknown_language_gives_english(client, catalogue: Catalogue):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="en">' in response.content.decode()
    switch_to(client, "xx")
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()
    assert "Find a public service" in text(response)
    assert settings.LANGUAGE_CODE == "en"


def test_browser_language_is_honoured_before_any_choice(client, catalogue: Catalogue):
    response = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in response.content.decode()
