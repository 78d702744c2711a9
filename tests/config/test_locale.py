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
