"""Citing a clause to a customer the way /rules/ shows it.

Some paragraphs of the published text carry no number; the portal labels them (3.3, 3.4,
5.1, 5.2, 6.1-6.4) and /rules/ says so next to the label. A bare "clause 6.4" in an email
would send the customer looking for a number the published text does not have, so every
citation goes through `cite()` (templates: the `cite_clause` filter of `support_rules`),
which knows the unnumbered labels from the Clause rows (`is_unnumbered`) of the rule set a
request was filed under, or of the rule set in force.

Lists and emails cite often, so the labels are not read per citation: one snapshot of
every rule set's unnumbered labels and of the rule set in force (two queries) lives in the
shared cache, and for the length of a web request in the request's own memory too. Saving
or deleting a rule set or a clause drops the shared copy (at once and again after the
commit, so another process cannot keep what it read before the commit); the snapshot also
says which day it was built on, as the rule set in force can change at midnight.
"""

from __future__ import annotations

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext

from .models import Clause, RuleSet

CACHE_KEY = "helpdesk:rules:unnumbered:v1"
# A safety net only: every change through the ORM drops the entry at once.
CACHE_SECONDS = 6 * 3600

# Per request: set to a dict when a request starts, back to None when it ends, so the
# snapshot is never kept past the request that read it.
_request = Local()


def cite(label: str, rule_set: RuleSet | int | None = None) -> str:
    """`label` as /rules/ shows it: "6.4 (unnumbered in the published text)" in the active
    language for a label the published text leaves unnumbered, the label alone otherwise.

    `rule_set` is the rule set (or its id) the citation is made under, such as the one a
    request was filed under; by default the one in force. A close clause holds several
    labels ("6.4, 4.4.5"): each is cited. Runs no query once the snapshot is cached.
    """
    labels = [part.strip() for part in str(label or "").split(",") if part.strip()]
    if not labels:
        return ""
    unnumbered = unnumbered_labels(rule_set)
    note = gettext("unnumbered in the published text")
    return ", ".join(f"{one} ({note})" if one in unnumbered else one for one in labels)


def unnumbered_labels(rule_set: RuleSet | int | None = None) -> frozenset[str]:
    """The labels of `rule_set` (default: the rule set in force) that the published text
    leaves unnumbered; empty when there is no such rule set."""
    snapshot = _snapshot()
    if isinstance(rule_set, RuleSet):
        rule_set = rule_set.pk
    elif not rule_set:  # None, or "" from a template variable that is not there
        rule_set = snapshot["current"]
    try:
        rule_set = int(rule_set)
    except (TypeError, ValueError):
        return frozenset()
    return snapshot["unnumbered"].get(rule_set, frozenset())


def _snapshot() -> dict:
    memo = getattr(_request, "memo", None)
    if memo is not None and "snapshot" in memo:
        return memo["snapshot"]
    today = timezone.localdate().isoformat()
    snapshot = cache.get(CACHE_KEY)
    if snapshot is None or snapshot.get("as_of") != today:
        snapshot = _build(today)
        cache.set(CACHE_KEY, snapshot, CACHE_SECONDS)
    if memo is not None:
        memo["snapshot"] = snapshot
    return snapshot


def _build(today: str) -> dict:
    current = RuleSet.objects.only("pk").current()
    unnumbered: dict[int, set[str]] = {}
    for rule_set_id, label in Clause.objects.filter(is_unnumbered=True).values_list(
            "rule_set_id", "label"):
        unnumbered.setdefault(rule_set_id, set()).add(label)
    return {
        "as_of": today,
        "current": current.pk if current else None,
        "unnumbered": {pk: frozenset(labels) for pk, labels in unnumbered.items()},
    }


def forget(**kwargs) -> None:
    """Drop the snapshot after a rule set or a clause changed (signal receiver)."""
    cache.delete(CACHE_KEY)
    memo = getattr(_request, "memo", None)
    if memo is not None:
        memo.clear()
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def _request_started(**kwargs) -> None:
    _request.memo = {}


def _request_finished(**kwargs) -> None:
    _request.memo = None


for _model in (RuleSet, Clause):
    post_save.connect(forget, sender=_model, dispatch_uid=f"rules-citing-{_model.__name__}")
    post_delete.connect(forget, sender=_model,
                        dispatch_uid=f"rules-citing-delete-{_model.__name__}")
request_started.connect(_request_started, dispatch_uid="rules-citing-request-started")
request_finished.connect(_request_finished, dispatch_uid="rules-citing-request-finished")
