"""The English msgids of the catalogues a Malay page draws on, and a check that a page's
visible text shows none of them: a text still equal to its English msgid was not
translated. The product and service names of the glossary stay as they are, and so does
"Community", which the published Malay Rules (2.1) call by that name."""

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
KEPT_AS_THEY_ARE = {
    "Kaspersky Professional Services", "Professional Services", "Incident Response",
    "Kaspersky Incident Response", "My Kaspersky", "CompanyAccount", "Community",
    "Kaspersky Premium Support", "Premium Support", "Support Portal",
}
# Words that are the same in both languages: a Malay reader sees them in the Malay
# catalogue too.
SAME_IN_MALAY = {"Malaysia"}


@cache
def english_msgids() -> frozenset[str]:
    ids = set()
    for path in CATALOGUES:
        with open(path, "rb") as handle:
            for message in read_po(handle):
                for msgid in (message.id if isinstance(message.id, tuple) else (message.id,)):
                    if msgid and "%" not in msgid and "{" not in msgid:
                        ids.add(msgid.strip())
    return frozenset(ids - KEPT_AS_THEY_ARE - SAME_IN_MALAY)


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
