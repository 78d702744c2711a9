"""Versioned Support Rules: each published rule set and its clauses (clause 1, 6.1)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.i18n import localized

from .markup import link_problems


class RuleSetQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def current(self):
        """The rule set in force today: the newest published one already effective."""
        return (
            self.published()
            .filter(effective_from__lte=timezone.localdate())
            .order_by("-effective_from", "-pk")
            .first()
        )


class RuleSet(models.Model):
    """One published version of the Support Rules; requests record the one they were
    filed under (6.1). Older versions stay readable."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title = models.CharField(_("title (English)"), max_length=200)
    title_ms = models.CharField(_("title (Malay)"), max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"))
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.title} ({self.version})"

    @property
    def localized_title(self) -> str:
        return localized(self, "title")


class Clause(models.Model):
    """One clause of a rule set, by its label ("4.2.14", "4.5b", or a label the portal gives
    a paragraph the published text leaves unnumbered, such as "3.3")."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="clauses")
    label = models.CharField(_("label"), max_length=16)
    is_unnumbered = models.BooleanField(
        _("unnumbered in the published text"), default=False,
        help_text=_("The label is the portal's own; the published text carries no number."),
    )
    title = models.CharField(_("title (English)"), max_length=200)
    title_ms = models.CharField(_("title (Malay)"), max_length=200, blank=True)
    text = models.TextField(_("text (English)"))
    text_ms = models.TextField(_("text (Malay)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "label"], name="clause_unique_label"),
        ]

    def __str__(self):
        return f"{self.label} {self.localized_title}"

    def clean(self):
        # The same check as the data files: a link the page could not show is refused here
        # rather than shown as "[di sini](...)" to customers.
        errors = {name: problems for name in ("text", "text_ms")
                  if (problems := link_problems(getattr(self, name)))}
        if errors:
            raise ValidationError(errors)

    @property
    def localized_title(self) -> str:
        return localized(self, "title")

    @property
    def localized_text(self) -> str:
        return localized(self, "text")
