"""Reply templates ("macros"): named texts in English and Malay that fill the reply box, or
the form of one action, in the customer's language (`rendering.fill`)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.i18n import localized
from licensing.models import RequestCategory

from ..requests.transitions import MAX_BODY


class ReplyTemplate(models.Model):
    class Action(models.TextChoices):
        REPLY = "reply", _("Reply only")
        REQUEST_INFORMATION = "request_information", _("Request information")
        REQUEST_UTILITY = "request_utility", _("Request a utility run")
        RESOLVE = "resolve", _("Resolve")
        REJECT = "reject", _("Reject under its clause")

    name = models.CharField(_("name (English)"), max_length=100)
    name_ms = models.CharField(_("name (Malay)"), max_length=100, blank=True)
    body = models.TextField(_("text (English)"), max_length=MAX_BODY)
    body_ms = models.TextField(
        _("text (Malay)"), max_length=MAX_BODY, blank=True,
        help_text=_("Used for customers who chose Malay; empty: they get the English text."))
    action = models.CharField(
        _("action"), max_length=24, choices=Action, default=Action.REPLY,
        help_text=_("What picking the template prepares: a reply, or the form of an action "
                    "the agent then confirms."))
    category = models.ForeignKey(
        RequestCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("category"),
        help_text=_("Offered only on requests of this category; empty: on every request."))
    clause = models.CharField(
        _("clause"), max_length=16, blank=True,
        help_text=_("The clause {clause} and {clause_link} stand for; a rejection is made "
                    "under it. Empty: the clause the request was refused or rejected under."))
    utility = models.CharField(_("utility"), max_length=100, blank=True,
                               help_text=_("For “request a utility run”: the tool to run."))
    utility_url = models.URLField(_("utility download link"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)
    code = models.SlugField(
        _("code"), max_length=60, unique=True, null=True, blank=True, editable=False,
        help_text=_("Set on the templates the demo data made, so it finds them again."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["position", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def localized_name(self) -> str:
        return localized(self, "name")

    def clean(self):
        from ..requests.lifecycle import REJECTION_CLAUSE
        from .rendering import unknown_placeholders

        errors = {}
        for field in ("body", "body_ms"):
            unknown = unknown_placeholders(getattr(self, field))
            if unknown:
                errors[field] = _("Unknown placeholders: %(names)s.") % {
                    "names": ", ".join("{" + name + "}" for name in unknown)}
        self.clause = self.clause.strip()
        if self.action == self.Action.REJECT and not REJECTION_CLAUSE.match(self.clause):
            errors["clause"] = _("A rejection needs the clause it is made under: 4.2.1 to "
                                 "4.2.14, 4.3.1, 4.3.2, 4.5a or 4.5b.")
        if self.action == self.Action.REQUEST_UTILITY and not self.utility.strip():
            errors["utility"] = _("Name the utility the customer should run.")
        if errors:
            raise ValidationError(errors)
