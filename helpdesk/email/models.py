"""What the email channel keeps: every message received, as received, and the revoked
reply addresses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..requests.models import Message, SupportRequest


class InboundEmail(models.Model):
    """One message as a transport handed it over, stored before anything else is done with
    it, so a crash between receiving and processing loses nothing."""

    class Transport(models.TextChoices):
        IMAP = "imap", _("IMAP mailbox")
        WEBHOOK = "webhook", _("Provider webhook")
        PIPE = "pipe", _("Mail server pipe")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        ACCEPTED = "accepted", _("Added to a request")
        ANSWERED = "answered", _("Answered")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        AUTO_REPLY = "auto_reply", _("Automatic reply (out of office, list or bulk mail)")
        BOUNCE = "bounce", _("Bounce or delivery report")
        LOOP = "loop", _("Sent by the portal itself")
        BAD_TOKEN = "bad_token", _("Reply address unknown, tampered with or revoked")
        SENDER_MISMATCH = "sender_mismatch", _("Sender is not the recipient of the reply address")
        NOT_ALLOWED = "not_allowed", _("Sender may no longer reply to the request")
        RATE_LIMITED = "rate_limited", _("Too many messages from this sender")
        TOO_LARGE = "too_large", _("Larger than the size limit")
        EMPTY = "empty", _("No text and no files")
        NO_TOKEN = "no_token", _("New email without a request: answered with the form's link")
        NO_TOKEN_QUIET = "no_token_quiet", _(
            "New email without a request: already answered today")
        REFUSED = "refused", _("The Support Rules refused a follow-up request")
        ERROR = "error", _("Could not be processed")

    dedupe_key = models.CharField(
        _("Message-ID"), max_length=255, unique=True,
        help_text=_("The message's Message-ID, or its SHA-256 when it has none: the same "
                    "message received twice is stored once."))
    transport = models.CharField(_("received by"), max_length=8, choices=Transport)
    raw = models.BinaryField(_("original message"), editable=False)
    size = models.PositiveIntegerField(_("size in bytes"))
    truncated = models.BooleanField(
        _("kept in part"), default=False,
        help_text=_("Over the size limit: only its header was kept."))
    envelope_recipient = models.CharField(_("delivered to"), max_length=254, blank=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    status = models.CharField(_("status"), max_length=10, choices=Status,
                              default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason, blank=True)
    detail = models.TextField(_("details"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("customer"))
    request = models.ForeignKey(SupportRequest, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="inbound_emails",
                                verbose_name=_("request"))
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="inbound_email", verbose_name=_("message"))

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["received_at"], name="inbound_pending_idx",
                         condition=Q(status="pending")),
            models.Index(fields=["sender", "received_at"], name="inbound_sender_idx"),
            models.Index(fields=["request", "received_at"], name="inbound_request_idx"),
        ]

    def __str__(self):
        return f"{self.sender or '?'}: {self.subject or self.dedupe_key}"


class ReplyAddressRevocation(models.Model):
    """Reply addresses of a request (of one recipient, or of all) issued before
    `revoked_at` no longer work; the next email about the request carries a new one."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE,
                                related_name="reply_address_revocations",
                                verbose_name=_("request"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("recipient"),
                             help_text=_("Empty revokes the addresses of every recipient."))
    revoked_at = models.DateTimeField(_("revoked"), default=timezone.now)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("revoked reply address")
        verbose_name_plural = _("revoked reply addresses")
        ordering = ["-revoked_at"]
        indexes = [models.Index(fields=["request", "revoked_at"], name="reply_revoked_idx")]

    def __str__(self):
        return f"{self.request_id} {self.user_id or '*'} {self.revoked_at:%Y-%m-%d %H:%M}"
