"""Message bodies: plain text or Markdown, rendered to HTML that cannot carry a script.

Python-Markdown passes raw HTML through, so its two HTML processors are removed first (raw
HTML becomes visible text), and the result still goes through nh3 with a small allow-list:
a mistake in one layer is caught by the other.
"""

import threading

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """One converter per thread (a converter keeps state while it works): building one
    costs several times what converting a message does."""
    md = getattr(_local, "markdown", None)
    if md is None:
        md = markdown.Markdown(extensions=["nl2br", "sane_lists", "fenced_code"],
                               output_format="html")
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.markdown = md
    return md


def render(text: str) -> str:
    md = _markdown()
    try:
        html = md.convert(text or "")
    finally:
        md.reset()
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
