"""Self-help of clause 2.1."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.i18n import localized
from licensing.models import ProductSegment


class SelfHelpResource(models.Model):
    """Self-help of clause 2.1: knowledge base articles, the Community, online courses."""

    class Kind(models.TextChoices):
        KNOWLEDGE_BASE = "knowledge_base", _("Knowledge base")
        COMMUNITY = "community", _("Community")
        COURSE = "course", _("Online course")

    segment = models.CharField(_("segment"), max_length=16, choices=ProductSegment)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    title_ms = models.CharField(
        _("title (Malay)"), max_length=200, blank=True,
        help_text=_("For a resource not in Malay, how Malay readers see its title."))
    url = models.URLField(_("link"))
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True,
        help_text=_("Words that suggest this resource, separated by spaces."),
    )
    is_active = models.BooleanField(_("listed"), default=True)

    class Meta:
        verbose_name = _("self-help resource")
        verbose_name_plural = _("self-help resources")
        ordering = ["segment", "kind", "title"]

    def __str__(self):
        return self.title

    @property
    def localized_title(self) -> str:
        return localized(self, "title")
