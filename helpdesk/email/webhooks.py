"""Inbound email from a provider's webhook, through django-anymail.

Anymail's view for the provider checks the post (HTTP basic auth with
INBOUND_EMAIL_WEBHOOK_SECRET, and the provider's own signature where it signs) and turns it
into a message; the receiver below stores it as IMAP and the pipe do. Without a provider
configured, or with one that neither signs nor is given a secret, the URL answers 404.
"""

from __future__ import annotations

import logging
from importlib import import_module

from anymail.signals import inbound
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from .inbound import receive
from .models import InboundEmail

logger = logging.getLogger(__name__)

# provider -> (anymail's inbound view, the view's keyword for the signing key, or None
# where the provider does not sign and basic auth is the only check)
PROVIDERS = {
    "mailgun": ("anymail.webhooks.mailgun.MailgunInboundWebhookView", "webhook_signing_key"),
    "postal": ("anymail.webhooks.postal.PostalInboundWebhookView", "webhook_key"),
    "postmark": ("anymail.webhooks.postmark.PostmarkInboundWebhookView", None),
    "sendgrid": ("anymail.webhooks.sendgrid.SendGridInboundWebhookView", None),
    "mailjet": ("anymail.webhooks.mailjet.MailjetInboundWebhookView", None),
    "sparkpost": ("anymail.webhooks.sparkpost.SparkPostInboundWebhookView", None),
}


def _view_class(path: str):
    module, _dot, name = path.rpartition(".")
    return getattr(import_module(module), name)


def _provider_view(provider: str):
    """Anymail's view for the configured provider, with the configured secrets; None when
    the webhook is off or could not check who posts."""
    if provider != settings.INBOUND_EMAIL_PROVIDER or provider not in PROVIDERS:
        return None
    path, key_argument = PROVIDERS[provider]
    secret, signing_key = settings.INBOUND_EMAIL_WEBHOOK_SECRET, settings.INBOUND_EMAIL_SIGNING_KEY
    if key_argument is None and not secret:
        logger.error("The %s inbound webhook needs INBOUND_EMAIL_WEBHOOK_SECRET", provider)
        return None
    if key_argument is not None and not signing_key:
        logger.error("The %s inbound webhook needs INBOUND_EMAIL_SIGNING_KEY", provider)
        return None
    options = {"basic_auth": [secret] if secret else []}
    if key_argument is not None:
        options[key_argument] = signing_key
    return _view_class(path).as_view(**options)


@csrf_exempt
def inbound_webhook(request, provider: str):
    view = _provider_view(provider.lower())
    if view is None:
        raise Http404
    return view(request)


def _raw_bytes(message) -> bytes:
    try:
        return message.as_bytes()
    except (UnicodeError, LookupError, ValueError):
        # Headers the serialiser cannot encode: keep the text as it was given.
        return message.as_string().encode("utf-8", errors="surrogateescape")


def store_inbound(sender, event, esp_name, **kwargs) -> None:
    """Anymail's `inbound` signal: store the message and hand it to the worker. An error
    here answers 500, so the provider posts it again later: nothing is lost."""
    message = event.message
    receive(_raw_bytes(message), transport=InboundEmail.Transport.WEBHOOK,
            envelope_recipient=message.envelope_recipient or "")


inbound.connect(store_inbound, dispatch_uid="helpdesk.email.store_inbound")
