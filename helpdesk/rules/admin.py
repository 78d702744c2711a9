"""Admin for the versioned Support Rules (imported by helpdesk/admin.py).

Who may edit is decided by the model permissions (`helpdesk.change_ruleset`,
`helpdesk.change_clause`, ...), granted to the supervisors' group.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import BooleanField, Case, Count, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services as rules
from .models import Clause, RuleSet

TEXT_HELP = _(
    'A line starting with "- " is shown as a list item; indent it with two spaces '
    "for a sub-list. Any other line is a paragraph. A link is written [link text](target), "
    "the target being the name of a portal page (accounts:workspace) or an https:// address."
)


class ClauseInline(admin.StackedInline):
    model = Clause
    extra = 0
    ordering = ["position", "pk"]
    fields = [("label", "position", "is_unnumbered"), ("title", "title_ms"), ("text", "text_ms")]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 60})},
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in ("text", "text_ms"):
            field.help_text = TEXT_HELP
        return field


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "title",
        "effective_from",
        "is_published",
        "in_force",
        "clause_count",
        "created_at",
    ]
    list_filter = ["is_published"]
    search_fields = ["version", "title", "title_ms"]
    ordering = ["-effective_from", "-pk"]
    fields = ["version", "title", "title_ms", "effective_from", "is_published", "created_at"]
    readonly_fields = ["is_published", "created_at"]
    inlines = [ClauseInline]
    actions = ["publish", "copy_as_draft"]

    def get_queryset(self, request):
        current = rules.current_rule_set()
        in_force = (
            Case(
                When(pk=current.pk, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            if current
            else Value(False, output_field=BooleanField())
        )
        return (
            super()
            .get_queryset(request)
            .annotate(clause_total=Count("clauses"), is_in_force=in_force)
        )

    @admin.display(description=_("clauses"), ordering="clause_total")
    def clause_count(self, obj):
        return obj.clause_total

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj):
        return obj.is_in_force

    def view_on_site(self, obj):
        if obj.is_published:
            return reverse("rules-version", args=[obj.version])
        return None

    @admin.action(description=_("Publish the selected rule sets"), permissions=["change"])
    def publish(self, request, queryset):
        published = 0
        for rule_set in queryset.filter(is_published=False):
            try:
                if rules.publish_rule_set(rule_set, by=request.user, request=request):
                    published += 1
            except rules.RulesError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(
            request,
            ngettext("%d rule set published.", "%d rule sets published.", published) % published,
            messages.SUCCESS if published else messages.WARNING,
        )

    @admin.action(description=_("Copy as a new draft version"), permissions=["add"])
    def copy_as_draft(self, request, queryset):
        for rule_set in queryset:
            draft = rules.copy_as_draft(rule_set, by=request.user, request=request)
            self.message_user(
                request,
                _("Draft %(version)s created from %(source)s; edit it, then publish it.")
                % {"version": draft.version, "source": rule_set.version},
                messages.SUCCESS,
            )
