"""Template filters for the Support Rules, wherever a page or an email shows them.

    {% load support_rules %}
    {{ item.text|clause_markup }}   a line of clause text as safe HTML, links included
"""

from django import template

from ..rules import markup

register = template.Library()


@register.filter
def clause_markup(text: str):
    """A line of clause text (`markup.text_blocks`) as HTML: everything escaped, its links
    to portal pages and http(s) addresses as `<a>` elements (`markup.render_inline`)."""
    return markup.render_inline(str(text or ""))
