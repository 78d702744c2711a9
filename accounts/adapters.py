from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation

from notifications.services import queue_message


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails go through the outbox like every other email."""

    def save_user(self, request, user, form, commit=True):
        # Someone who signs up on the Malay pages gets their emails in Malay from the start
        # (the verification email included); they can change it on their profile.
        language = translation.get_language()
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit)

    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language() or "en"
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        queue_message(message, language=language)
