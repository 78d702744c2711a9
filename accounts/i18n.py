import unicodedata
from functools import cache

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils import translation
from django_countries import countries


def localized(obj, field: str) -> str:
    """`obj.<field>` in the active language: the Malay twin `<field>_ms` where the page is
    in Malay and staff filled it in, else the English one."""
    if translation.get_language() == "ms":
        value = getattr(obj, f"{field}_ms", "")
        if value:
            return value
    return getattr(obj, field)


@cache
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (ValueError, UnknownLocaleError):
        return {}


def _active_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def country_name(code) -> str:
    """A country's name in the active language. The names are CLDR's (through Babel, which
    the catalogues are compiled with): django-countries has none in Malay."""
    code = str(code or "").upper()
    if not code:
        return ""
    return _territories(_active_language()).get(code) or str(countries.name(code)) or code


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    with translation.override(language):
        named = ((country.code, country_name(country.code)) for country in countries)
        # Accents do not move a name out of its letter ("Åland" sorts with the A's).
        return tuple(sorted(named, key=lambda choice: unicodedata.normalize(
            "NFKD", choice[1]).casefold()))


def country_choices() -> tuple[tuple[str, str], ...]:
    """Every country a CountryField takes, named and sorted in the active language."""
    return _country_choices(_active_language())
