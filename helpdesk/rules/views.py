from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from .markup import text_blocks
from .models import RuleSet
from .services import current_rule_set


def _rules_page(request, rule_set: RuleSet | None, current: RuleSet | None):
    clauses = []
    if rule_set is not None:
        in_malay = translation.get_language() == "ms"
        for clause in rule_set.clauses.order_by("position", "pk"):
            # A clause without its Malay text is shown in English: say so to screen readers.
            clause.title_fallback = in_malay and not clause.title_ms
            clause.text_fallback = in_malay and not clause.text_ms
            clause.blocks = text_blocks(clause.localized_text)
            clauses.append(clause)
    versions = (
        RuleSet.objects.published()
        .order_by("-effective_from", "-pk")
        .only("pk", "version", "title", "title_ms", "effective_from")
    )
    context = {
        "rule_set": rule_set,
        "clauses": clauses,
        "current": current,
        "is_current": rule_set is not None and current is not None and rule_set.pk == current.pk,
        "is_upcoming": rule_set is not None and rule_set.effective_from > timezone.localdate(),
        "versions": versions,
    }
    return render(request, "helpdesk/rules.html", context)


@require_safe
def rules(request):
    """The Support Rules in force, in the active language (public)."""
    current = current_rule_set()
    return _rules_page(request, current, current)


@require_safe
def rules_version(request, version: str):
    """One published version of the Support Rules, kept readable after it is replaced."""
    rule_set = get_object_or_404(RuleSet.objects.published(), version=version)
    return _rules_page(request, rule_set, current_rule_set())
