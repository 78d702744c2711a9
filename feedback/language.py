"""The language a survey link answers in: the same rule for its page and for the API.

1. The signed-in reader's own choice (their profile's language), as on every page.
2. Else the language the client asks for: the portal's language switch (its cookie), or
   an Accept-Language header naming a language the portal speaks.
3. Else the language of the email the link came in, the recipient's.

So a link opened by someone who said nothing about language reads like the email it came
in, and anyone who did say something is listened to, on both faces alike.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def _supported(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def link_language(request, recipient, reader=None) -> str:
    """The language of a survey link's page or API answer (see the module's rule).
    `request` is Django's HttpRequest; `reader` whoever is signed in (by default
    `request.user`), the recipient or anybody else."""
    reader = reader if reader is not None else getattr(request, "user", None)
    if reader is not None and reader.is_authenticated and _supported(reader.language):
        return _supported(reader.language)
    chosen = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))
    if chosen:
        return chosen
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE",
                                                                    "")):
        if code != "*" and (asked := _supported(code)):
            return asked
    return _supported(recipient.language) or settings.LANGUAGE_CODE
