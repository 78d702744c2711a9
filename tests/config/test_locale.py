"""The Malay catalogue is complete: every interface string has a Malay translation."""

import io
import os
import re
from functools import cache
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

BASE_DIR = Path(__file__).resolve().parents[2]
LOCALE = BASE_DIR / "locale"

# What the portal's catalogue leaves out: the virtualenv, run-time files, allauth's Malay
# (a catalogue of its own) and the attack suite. The command brings both catalogues up to
# date from everything else; the test below reads the same files.
NOT_EXTRACTED = (".venv", "var", "accounts/allauth_locale", "attack")
EXTRACT_COMMAND = ("manage.py makemessages -l ms -l en --no-obsolete "
                   + " ".join(f"--ignore={path}" for path in NOT_EXTRACTED))
# Django's translation functions, as makemessages names them to xgettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_lazy": None, "gettext_noop": None,
            "ngettext_lazy": (1, 2), "pgettext_lazy": ((1, "c"), 2),
            "npgettext_lazy": ((1, "c"), 2, 3)}
# Most modules translate nothing: they are not worth tokenizing.
MAY_TRANSLATE = re.compile(rb"gettext|(?<!\w)_\s*\(")


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


def _as_python(path: Path) -> bytes | None:
    """The file as Python source with its translation calls, as makemessages reads it."""
    if path.suffix == ".py":
        source = path.read_bytes()
        return source if MAY_TRANSLATE.search(source) else None
    if path.suffix in (".html", ".txt"):
        # templatize keeps the template's layout, whose indentation is not Python's.
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        return "\n".join(line.lstrip() for line in code.splitlines()).encode()
    return None


def messages_in_code(root: Path) -> dict:
    """{(context, msgid or (singular, plural)): "path:line"} of every translatable text
    in the Python modules and templates under `root`."""
    found = {}
    for directory, subdirectories, names in os.walk(root):
        here = Path(directory)
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")
                             and (here / name).relative_to(root).as_posix() not in NOT_EXTRACTED]
        for name in names:
            source = _as_python(here / name)
            if source is None:
                continue
            for line, message, _notes, context in extract(
                    "python", io.BytesIO(source), keywords=KEYWORDS,
                    options={"encoding": "utf-8"}):
                msgid = message if isinstance(message, str) else tuple(message)
                found.setdefault((context, msgid), f"{(here / name).relative_to(root)}:{line}")
    return found


@cache
def _portal_messages() -> dict:
    return messages_in_code(BASE_DIR)


def test_every_text_marked_in_the_code_is_in_the_malay_catalogue():
    """A new or reworded `gettext(...)` or `{% translate %}` fails here until the catalogue
    is extracted again (and the test above, until it is translated)."""
    catalogued = {(message.context, message.id) for message in _catalog("ms") if message.id}
    missing = sorted(f"{where}: {msgid!r}" for (context, msgid), where
                     in _portal_messages().items() if (context, msgid) not in catalogued)
    assert not missing, (f"{len(missing)} not in the Malay catalogue; run `{EXTRACT_COMMAND}` "
                         f"and translate them: {missing[:10]}")


def test_the_extraction_finds_texts_marked_in_modules_and_templates(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        'notice = gettext("Saved.")\n'
        'label = pgettext_lazy("verb", "Open")\n'
        'count = ngettext("%d file", "%d files", n) % n\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "{% load i18n %}\n  <p>{% translate 'Welcome' %}</p>\n"
        "  {% blocktranslate count counter=n %}{{ counter }} reply{% plural %}"
        "{{ counter }} replies{% endblocktranslate %}\n")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "cached.py").write_text('gettext("Left out")\n')

    assert set(messages_in_code(tmp_path)) == {
        (None, "Saved."), ("verb", "Open"), (None, ("%d file", "%d files")),
        (None, "Welcome"), (None, ("%(counter)s reply", "%(counter)s replies")),
    }


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
