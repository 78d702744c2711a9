"""The markup of a clause text, and turning it into safe HTML.

A clause text is plain text with two conventions, the same in the data files and in the
admin, so staff never write HTML:

- lines: a line starting with "- " is a list item, one starting with whitespace and "- " an
  item of the previous item's sub-list, any other non-empty line a paragraph
  (`text_blocks`);
- links: `[link text](target)`, where the target is either the name of a portal URL that
  takes no arguments ("accounts:workspace", optionally followed by "?query" and "#fragment") or
  an http(s) address. The published text says "lihat di sini" ("see here") for pages the
  portal serves (the self-help and support hours of /my/) and for pages only the vendor
  publishes; a URL name keeps the link right when the portal's paths change.

`render_inline` escapes everything and turns only the well-formed links with an allowed
target into `<a>` elements; any other target stays text. `link_problems` names what is
wrong with a text's links, for the files and the admin to refuse it before it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# The link text may not hold brackets or line breaks; the target no whitespace or
# parentheses, so "[x](javascript:alert(1))" is never a link.
LINK = re.compile(r"\[(?P<text>[^\[\]\n]+)\]\((?P<target>[^()\s]+)\)")
URL_NAME = re.compile(
    r"^(?P<name>[A-Za-z_][\w-]*(?::[A-Za-z_][\w-]*)*)"
    r"(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>[A-Za-z][\w-]*))?$"
)
_EXTERNAL = ("http://", "https://")
# Characters a valid address does not need and markup does: refused outright, even though
# the href would be escaped, so an odd address is caught when it is written.
_UNSAFE_IN_URL = re.compile(r"[\"'<>`\\]")
_validate_url = URLValidator(schemes=["http", "https"])


def link_url(target: str) -> str | None:
    """The address a link target stands for, or None when the target is not allowed: an
    http(s) URL as it is, a portal URL name reversed (it must take no arguments)."""
    if target.startswith(_EXTERNAL):
        if _UNSAFE_IN_URL.search(target):
            return None
        try:
            _validate_url(target)
        except ValidationError:
            return None
        return target
    match = URL_NAME.match(target)
    if match is None:
        return None
    try:
        url = reverse(match["name"])
    except NoReverseMatch:
        return None
    if match["query"]:
        url += "?" + urlencode(parse_qsl(match["query"], keep_blank_values=True))
    if match["fragment"]:
        url += "#" + match["fragment"]
    return url


def link_problems(text: str) -> list[str]:
    """What is wrong with the links of `text` (empty when nothing): a target that is neither
    a portal URL name nor an http(s) address, or brackets that look like a link but are
    not one (a typo would otherwise show "[di sini](...)" on the page)."""
    problems = []
    for match in LINK.finditer(text):
        if link_url(match["target"]) is None:
            problems.append(
                _("The link “%(text)s” points to “%(target)s”, which is neither the name of "
                  "a portal page nor an http(s) address.")
                % {"text": match["text"], "target": match["target"]})
    if "](" in LINK.sub("", text):
        problems.append(_("Write a link as [link text](target), with no spaces or brackets "
                          "in the target."))
    return problems


def render_inline(text: str) -> SafeString:
    """One line of clause text as HTML: escaped, with its allowed links as `<a>` elements.
    A link to another site says so to the browser (no referrer, no opener)."""
    parts: list[SafeString] = []
    position = 0
    for match in LINK.finditer(text):
        parts.append(conditional_escape(text[position:match.start()]))
        url = link_url(match["target"])
        if url is None:
            parts.append(conditional_escape(match["text"]))
        elif url.startswith(_EXTERNAL):
            parts.append(format_html('<a href="{}" rel="external noopener noreferrer">{}</a>',
                                     url, match["text"]))
        else:
            parts.append(format_html('<a href="{}">{}</a>', url, match["text"]))
        position = match.end()
    parts.append(conditional_escape(text[position:]))
    return format_html_join("", "{}", ((part,) for part in parts))


def plain_text(text: str) -> str:
    """The text as a reader sees it, links replaced by their text (for searching and for
    checks on what the page says, not for display: it is not escaped)."""
    return LINK.sub(lambda match: match["text"], text)


# Lines ------------------------------------------------------------------------------------


@dataclass
class ListItem:
    text: str
    children: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A paragraph (`items` empty) or a list (`text` empty)."""

    text: str = ""
    items: list[ListItem] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return bool(self.items)


def text_blocks(text: str) -> list[Block]:
    """Split a clause text into paragraphs and lists: a line starting with "- " is a list
    item, one starting with whitespace and "- " an item of the previous item's sub-list,
    any other non-empty line a paragraph. The texts stay as written (links included);
    the template renders each with `render_inline` (the `clause_markup` filter)."""
    blocks: list[Block] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        is_item = line.startswith("- ") or line == "-"
        if not is_item:
            blocks.append(Block(text=line))
            continue
        item_text = line[2:].strip()
        nested = raw[:1].isspace()
        if not blocks or not blocks[-1].is_list:
            blocks.append(Block())
            nested = False
        items = blocks[-1].items
        if nested and items:
            items[-1].children.append(item_text)
        else:
            items.append(ListItem(text=item_text))
    return blocks
