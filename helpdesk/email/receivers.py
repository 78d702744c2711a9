"""The email channel's part in erasing an account (`accounts.services.erase_account`): the
originals of the person's emails go with their other personal data; the record of what
became of each email stays, as their requests do."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import InboundEmail


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="helpdesk.email.erased")
def forget_erased_senders_emails(sender, instance, **kwargs) -> None:
    if instance.erased_at is None:
        return
    InboundEmail.objects.filter(user=instance).exclude(raw=b"").update(
        raw=b"", sender="", subject="", envelope_recipient="", detail="")
