"""The customer's own words out of an email: HTML turned into plain text, and the quoted
history and the signature taken off, in English and Malay.

Every pattern is compiled once, when this module is imported.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage

# Malay mail programs' quote headers, signatures and notices, in the shape of
# mail-parser-reply's language entries. A greeting such as "Terima kasih" ends the message
# only on a line of its own, so "Terima kasih, it works now" stays.
MALAY = {
    "wrote_header": r"^((?:> ?)*Pada\s(?:.+?\s?.+?)\s?menulis:)$",
    "from_header": (r"((?:(?:^|\n|\n(?:> ?)*)[* ]*(?:Daripada|Dihantar|Kepada|Subjek|Perkara"
                    r"|Tarikh|Sk|Salinan):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})"),
    "disclaimers": ["PENAFIAN:", "Penafian:", "SULIT:", "Sulit:"],
    "signatures": [r"Terima kasih[.,!]?\s*$", r"Salam hormat[.,]?\s*$",
                   r"Yang benar[.,]?\s*$", r"Sekian,? terima kasih[.,!]?\s*$"],
    "sent_from": "Dihantar dari|Dihantar daripada",
}
LANGUAGES = ["ms", "en"]


class _WithMalay(EmailMessage):
    def _get_language_regex(self, language: str, regex_key: str) -> str:
        if language == "ms":
            value = MALAY[regex_key]
            return "|".join(value) if isinstance(value, list) else value
        return super()._get_language_regex(language, regex_key)


# mail-parser-reply builds its patterns for every message; build them once here.
_prototype = _WithMalay(text="", languages=list(LANGUAGES))
_HEADER, _SIGNATURE, _DISCLAIMERS = (_prototype.HEADER_REGEX, _prototype.SIGNATURE_REGEX,
                                     _prototype.DISCLAIMERS_REGEX)


class _ReplyParser(_WithMalay):
    HEADER_REGEX = _HEADER
    SIGNATURE_REGEX = _SIGNATURE
    DISCLAIMERS_REGEX = _DISCLAIMERS


_QUOTED_LINE = re.compile(r"^\s*>")
_BLANK_RUNS = re.compile(r"\n{3,}")


def latest_reply(text: str) -> str:
    """The newest part of an email's text: without the quoted history, the signature and
    the notices mail servers append."""
    if not text.strip():
        return ""
    replies = _ReplyParser(text=text, languages=list(LANGUAGES)).read().replies
    body = replies[0].body if replies else text
    lines = body.split("\n")
    while lines and (_QUOTED_LINE.match(lines[-1]) or not lines[-1].strip()):
        lines.pop()  # a quoted block at the end that no header introduced
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


# HTML -------------------------------------------------------------------------------------

_BLOCKS = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3",
                     "h4", "h5", "h6", "pre", "hr", "section", "article", "header",
                     "footer", "address", "dd", "dt"})
_SKIPPED = frozenset({"script", "style", "head", "title", "blockquote", "template", "svg",
                      "object", "iframe"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base",
                   "wbr", "source", "embed", "param", "track"})
# Where mail programs put the quoted history (everything from here on is not new) ...
_QUOTE_STARTS = (("class", "gmail_quote"), ("id", "appendonsend"), ("id", "divrplyfwdmsg"),
                 ("class", "moz-cite-prefix"), ("class", "yahoo_quoted"),
                 ("id", "mail-editor-reference-message-container"))
# ... and their signature blocks.
_SIGNATURES = (("class", "gmail_signature"), ("class", "moz-signature"),
               ("id", "signature"), ("id", "applemailsignature"))


def _marked(attrs, markers) -> bool:
    values = {name: (value or "").lower() for name, value in attrs}
    return any(marker in values.get(name, "").split() or values.get(name) == marker
               for name, marker in markers)


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0  # > 0 inside an element whose text is left out
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if self.skip_depth:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        if _marked(attrs, _QUOTE_STARTS):
            self.done = True
            return
        if tag in _SKIPPED or _marked(attrs, _SIGNATURES):
            if tag not in _VOID:
                self.skip_depth = 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if self.done or tag in _VOID:
            return
        if self.skip_depth:
            self.skip_depth -= 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.done and not self.skip_depth:
            self.parts.append(data)


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML email: its words and line breaks, without markup, scripts,
    styles, quoted history or signature blocks. The text is stored as a message and
    rendered like any typed one (Markdown without raw HTML, then cleaned), so nothing of
    the HTML reaches a page."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # badly broken markup: keep what was read
        pass
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(extractor.parts).split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
