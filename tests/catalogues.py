"""The English msgids of the catalogues a Malay page draws on, and a check that a page's
visible text shows none of them: a text still equal to its English msgid was not
translated. Left out: the product and service names of the glossary, which stay as they
are, and the msgids whose Malay is the same word ("Status", "Platform", "Community" as the
published Malay Rules (2.1) call it)."""

from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

BASE_DIR = Path(__file__).resolve().parents[1]
ALLAUTH = Path(__import__("allauth").__file__).parent
CATALOGUES = [
    BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po",
    ALLAUTH / "locale" / "en" / "LC_MESSAGES" / "django.po",
]
MALAY_CATALOGUES = [
    BASE_DIR / "locale" / "ms" / "LC_MESSAGES" / "django.po",
    BASE_DIR / "accounts" / "allauth_locale" / "ms" / "LC_MESSAGES" / "django.po",
]
KEPT_AS_THEY_ARE = {
    "Kaspersky Professional Services", "Professional Services", "Incident Response",
    "Kaspersky Incident Response", "My Kaspersky", "CompanyAccount", "Community",
    "Kaspersky Premium Support", "Premium Support",
}


def _messages(path: Path):
    with open(path, "rb") as handle:
        yield from (message for message in read_po(handle) if message.id)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


@cache
def english_msgids() -> frozenset[str]:
    ids = {msgid.strip() for path in CATALOGUES for message in _messages(path)
           for msgid in _ids(message) if "%" not in msgid and "{" not in msgid}
    same_in_malay = {message.id.strip() for path in MALAY_CATALOGUES
                     for message in _messages(path) if message.string == message.id}
    return frozenset(ids - same_in_malay - KEPT_AS_THEY_ARE)


class _Texts(HTMLParser):
    """Text nodes a reader sees (not scripts, styles, or the options of a closed list),
    and the words on buttons and in placeholders."""

    HIDDEN = {"script", "style", "option", "template"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")
        if attributes.get("placeholder"):
            self.texts.append(attributes["placeholder"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def english_left_in(texts) -> list[str]:
    """The texts (stripped, and without a trailing colon) that equal an English msgid."""
    ids = english_msgids()
    return sorted({text for text in texts
                   if text.strip() in ids or text.strip().rstrip(":") in ids})
