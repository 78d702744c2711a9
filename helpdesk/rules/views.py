from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .models import RuleSet
from .rendering import clauses_html
from .services import current_rule_set


def _rules_page(request, rule_set: RuleSet | None, current: RuleSet | None):
    versions = (
        RuleSet.objects.published()
        .order_by("-effective_from", "-pk")
        .only("pk", "version", "title", "title_ms", "effective_from")
    )
    context = {
        "rule_set": rule_set,
        "clauses_html": clauses_html(rule_set) if rule_set is not None else "",
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
