"""The clauses of each version of the Support Rules as HTML, per language.

Their text is parsed and marked up (`markup.text_blocks`) for every reader of /rules/
otherwise, and it changes only when staff publish or edit: so each process keeps what it
rendered until a rule set or a clause changes anywhere (`accounts.process_memo`; the app's
`ready` imports this module, so every process that saves one tells the others).
"""

from django.template.loader import render_to_string
from django.utils import translation

from accounts.process_memo import ProcessMemo

from .markup import text_blocks
from .models import Clause, RuleSet

# (rule set id, language) -> HTML
rendered_clauses = ProcessMemo("rules-clauses", dict)
rendered_clauses.watch(RuleSet, Clause)


def clauses_html(rule_set: RuleSet) -> str:
    language = translation.get_language()
    pages = rendered_clauses.get()
    key = (rule_set.pk, language)
    if key not in pages:
        in_malay = language == "ms"
        clauses = []
        for clause in rule_set.clauses.order_by("position", "pk"):
            # A clause without its Malay text is shown in English: say so to screen readers.
            clause.title_fallback = in_malay and not clause.title_ms
            clause.text_fallback = in_malay and not clause.text_ms
            clause.blocks = text_blocks(clause.localized_text)
            clauses.append(clause)
        pages[key] = render_to_string("helpdesk/includes/rule_clauses.html",
                                      {"clauses": clauses})
    return pages[key]
