"""The Support Rules as versioned data: loading the published files, publishing, drafting a
new version. (Displaying a clause text: `markup.py`.)"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit

from . import files
from .models import Clause, RuleSet


def current_rule_set() -> RuleSet | None:
    """The rule set in force today (the newest published one already effective)."""
    return RuleSet.objects.current()


@transaction.atomic
def load_published_rules(version: str | None = None) -> RuleSet:
    """Create or bring up to date the rule set of a version's data files and publish it:
    `version`, or by default the newest one there are files for (`helpdesk.rules.files`).

    Idempotent: the rule set is keyed by its version and each clause by (rule set, label),
    so running it again changes no row count; a clause staff added that the files do not
    list is left alone. The files are read and checked in full first, so a file that
    cannot be loaded (RulesFileError) changes nothing. Returns the rule set in force
    afterwards (the loaded one, unless a newer published version has already taken effect).
    """
    rules = files.read_rules(version)
    rule_set, created = RuleSet.objects.update_or_create(
        version=rules.version,
        defaults={
            "title": rules.title,
            "title_ms": rules.title_ms,
            "effective_from": rules.effective_from,
            "is_published": True,
        },
    )
    # The order of the files; steps of ten leave room for staff to insert clauses between.
    fields = [(clause.label, {"is_unnumbered": clause.is_unnumbered, "title": clause.title,
                              "title_ms": clause.title_ms, "text": clause.text,
                              "text_ms": clause.text_ms, "position": position * 10})
              for position, clause in enumerate(rules.clauses, start=1)]
    if created:
        # A new version's clauses in one INSERT; the rule set's own save has already told
        # every cache of rules to forget (they watch RuleSet and Clause alike).
        Clause.objects.bulk_create(Clause(rule_set=rule_set, label=label, **values)
                                   for label, values in fields)
    else:
        for label, values in fields:
            Clause.objects.update_or_create(rule_set=rule_set, label=label, defaults=values)
    return current_rule_set() or rule_set


class RulesError(Exception):
    """A rule-set change that is not allowed; the message is meant for staff."""


def publish_rule_set(rule_set: RuleSet, *, by=None, request=None) -> bool:
    """Publish a draft rule set. Returns False when it was already published.

    A published version is readable at /rules/<version>/ from then on, and becomes the one
    in force on its effective date.
    """
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
        if locked.is_published:
            return False
        if not locked.clauses.exists():
            raise RulesError(
                _("Rule set %(version)s has no clauses, so it was not published.")
                % {"version": locked.version}
            )
        locked.is_published = True
        locked.save(update_fields=["is_published"])
        audit.record(
            "rules.published",
            actor=by,
            obj=locked,
            request=request,
            version=locked.version,
            effective_from=locked.effective_from.isoformat(),
        )
    rule_set.is_published = True
    return True


def copy_as_draft(rule_set: RuleSet, *, by=None, request=None) -> RuleSet:
    """A new unpublished rule set with the same clauses, effective today, to be edited into
    the next version. Its version is today's date (with a suffix if that is taken)."""
    today = timezone.localdate()
    with transaction.atomic():
        version = today.isoformat()
        suffix = 1
        while RuleSet.objects.filter(version=version).exists():
            suffix += 1
            version = f"{today.isoformat()}-{suffix}"
        draft = RuleSet.objects.create(
            version=version,
            title=rule_set.title,
            title_ms=rule_set.title_ms,
            effective_from=today,
            is_published=False,
        )
        Clause.objects.bulk_create(
            Clause(
                rule_set=draft,
                label=c.label,
                is_unnumbered=c.is_unnumbered,
                title=c.title,
                title_ms=c.title_ms,
                text=c.text,
                text_ms=c.text_ms,
                position=c.position,
            )
            for c in rule_set.clauses.all()
        )
        audit.record(
            "rules.drafted",
            actor=by,
            obj=draft,
            request=request,
            version=draft.version,
            copied_from=rule_set.version,
        )
    return draft
