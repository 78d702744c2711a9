"""How an email's parts are rendered: the HTML part is HTML (escaped as any page), the
subject and the plain-text part are not, so a company called `Acme & Sons <Ltd>` reads
as it is spelt there instead of `Acme &amp; Sons &lt;Ltd&gt;`. Every email, the outbox's
templates and allauth's alike, is rendered through these."""

from django.template.context import make_context
from django.template.loader import get_template, render_to_string


def render_html(template_name: str, context: dict, request=None) -> str:
    return render_to_string(template_name, context, request)


def render_text(template_name: str, context: dict, request=None) -> str:
    """A plain-text part: the template's variables are put in as they are, unescaped."""
    template = get_template(template_name).template
    return template.render(make_context(context, request, autoescape=False))


def render_subject(template_name: str, context: dict, request=None) -> str:
    """A subject on one line (a line break would end the header), unescaped."""
    return " ".join(render_text(template_name, context, request).split())
