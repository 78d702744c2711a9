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


# The format characters `PageDates` writes itself; any other falls back to Django's.
_DAY_AND_TIME = {
    "j": lambda d, months: str(d.day),
    "d": lambda d, months: f"{d.day:02d}",
    "m": lambda d, months: f"{d.month:02d}",
    "Y": lambda d, months: str(d.year),
    "H": lambda d, months: f"{d.hour:02d}",
    "i": lambda d, months: f"{d.minute:02d}",
    "M": lambda d, months: months["M"][d.month],
    "F": lambda d, months: months["F"][d.month],
}


class PageDates:
    """Formats many datetimes of one page in a named format (such as SHORT_DATETIME_FORMAT),
    in the active language and time zone, as the `date` filter would.

    The format and the month names are looked up once for the page, not per cell: a list
    of 50 requests formats a few hundred dates, and the filter's lookups through the lazy
    translation machinery were a large share of the page.
    """

    def __init__(self, format_name: str):
        from django.utils import formats
        from django.utils.dates import MONTHS, MONTHS_3

        self.format = formats.get_format(format_name)
        self._months = {"M": {n: str(name).title() for n, name in MONTHS_3.items()},
                        "F": {n: str(name) for n, name in MONTHS.items()}}
        self._parts = []
        escaped = False
        for char in self.format:
            if escaped:
                self._parts.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char in _DAY_AND_TIME:
                self._parts.append(_DAY_AND_TIME[char])
            elif char.isalpha():  # a character this class does not write
                self._parts = None
                break
            else:
                self._parts.append(char)

    @staticmethod
    def iso(value) -> str:
        """The `date:'c'` of a <time datetime>: ISO 8601 on the reader's clock."""
        from django.utils import timezone

        if value is None:
            return ""
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()

    def __call__(self, value) -> str:
        if value is None:
            return ""
        from django.utils import dateformat, timezone

        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if self._parts is None:
            return dateformat.format(value, self.format)
        months = self._months
        return "".join(part if isinstance(part, str) else part(value, months)
                       for part in self._parts)
