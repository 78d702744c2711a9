"""Template filters for the Support Rules, wherever a page or an email shows them.

    {% load support_rules %}
    {{ item.text|clause_markup }}            a line of clause text as safe HTML, links included
    {{ label|cite_clause }}                  "6.4 (unnumbered in the published text)", as
    {{ label|cite_clause:sr.rule_set_id }}   /rules/ shows it: under the rule set in force,
                                             or under the one given (a RuleSet or its id)
"""

from django import template

from ..rules import citing, markup

register = template.Library()


@register.filter
def clause_markup(text: str):
    """A line of clause text (`markup.text_blocks`) as HTML: everything escaped, its links
    to portal pages and http(s) addresses as `<a>` elements (`markup.render_inline`)."""
    return markup.render_inline(str(text or ""))


@register.filter
def cite_clause(label: str, rule_set=None) -> str:
    """A clause label (or several, "6.4, 4.4.5") cited as /rules/ shows it
    (`citing.cite`). Pass the request's `rule_set_id` rather than `rule_set`: the id needs
    no query."""
    return citing.cite(label, rule_set)
