from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from notifications.services import queue_message


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails go through the outbox like every other email."""

    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language() or "en"
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        queue_message(message, language=language)
