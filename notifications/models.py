from email.utils import make_msgid, parseaddr
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def message_id_domain() -> str:
    """The domain of the sender's address: Message-IDs are made under it (never looked up
    in DNS, as `make_msgid` would do without one)."""
    return _domain_of(settings.DEFAULT_FROM_EMAIL)


@lru_cache(maxsize=8)
def _domain_of(address: str) -> str:
    # Parsing the address costs more than the rest of a Message-ID: once per setting.
    domain = parseaddr(address)[1].rpartition("@")[2]
    return domain.strip().lower() or "localhost"


def new_message_id() -> str:
    """A Message-ID fixed when the row is written, so every try sends the same one and
    replies can name it in In-Reply-To."""
    return make_msgid(domain=message_id_domain())


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Notification.Status.PENDING)


class Notification(models.Model):
    """One email in the outbox, written in the transaction of the change that caused it.

    A row holds everything needed to send it (address, language, template and context, or
    an already rendered message), so this app depends on no other app of the project.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8, default="en")
    template = models.CharField(_("template"), max_length=100, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(_("last queued"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Threading (`notifications.threading`): the emails of one thread key refer to each
    # other with In-Reply-To and References; `headers` are put on the message as they are.
    message_id = models.CharField(_("Message-ID"), max_length=255, default=new_message_id,
                                  blank=True)
    thread = models.CharField(_("thread"), max_length=100, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    # An email that lets its reader act as someone (a password reset, an invitation) keeps
    # that part encrypted here only (`notifications.sealing`), until it is sent.
    carries_credentials = models.BooleanField(_("carries credentials"), default=False)
    sealed = models.TextField(_("sealed part"), blank=True, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_pending_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["thread", "id"], name="notification_thread_idx",
                         condition=~models.Q(thread="")),
        ]

    def __str__(self):
        return f"{self.template or self.subject} -> {self.to} ({self.status})"
