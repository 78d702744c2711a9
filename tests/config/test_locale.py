"""The Malay catalogue is complete: every interface string has a Malay translation."""

from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def _catalog(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def test_every_malay_message_is_translated_and_not_fuzzy():
    catalog = _catalog("ms")
    missing = [
        message.id for message in catalog
        if message.id and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert not missing, f"{len(missing)} untranslated or fuzzy: {missing[:10]}"


def test_malay_catalogue_uses_one_plural_form():
    assert _catalog("ms").plural_forms == "nplurals=1; plural=0;"


def test_malay_translations_keep_their_placeholders():
    problems = [(message.id, errors) for message, errors in _catalog("ms").check()]
    assert not problems, problems[:5]


# django-allauth ships no Malay; the portal keeps the Malay of the pages and emails it uses.
ALLAUTH_MALAY = Path(__file__).resolve().parents[2] / "accounts" / "allauth_locale"
# allauth's parts the portal does not install or link to.
ALLAUTH_UNUSED = ("socialaccount", "usersessions", "idp", "headless", "templates/socialaccount",
                  "templates/usersessions", "templates/idp", "templates/openid",
                  "templates/mfa/webauthn", "mfa/webauthn")


def _allauth_malay():
    with open(ALLAUTH_MALAY / "ms" / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def test_the_allauth_malay_catalogue_is_complete_and_keeps_placeholders():
    catalog = _allauth_malay()
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    assert not catalog.fuzzy
    missing = [m.id for m in catalog if m.id and (m.fuzzy or not m.string or (
        isinstance(m.string, tuple) and not all(m.string)))]
    assert not missing, missing[:10]
    assert not [(m.id, errors) for m, errors in catalog.check()]


def test_the_allauth_malay_catalogue_covers_every_message_of_the_parts_used():
    """A newer allauth with new text on the sign-in, sign-up, email, password or
    two-factor pages fails here until the text has its Malay."""
    import allauth

    source = Path(allauth.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    with open(source, "rb") as handle:
        used = {(m.context, m.id) for m in read_po(handle) if m.id and any(
            not path.startswith(ALLAUTH_UNUSED) for path, _line in m.locations)}
    translated = {(m.context, m.id) for m in _allauth_malay() if m.id}
    assert used - translated == set()
