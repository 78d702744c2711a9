from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from notifications.services import queue_message

from .models import Membership
from .workspace import portal_url


@dataclass(frozen=True)
class EmailSite:
    """What allauth's email templates call `current_site` (the sites framework is not
    installed): the portal's name in the email's language, and the host it was asked on."""

    name: str
    domain: str


# What allauth puts in the context of an email that lets its reader act as the account
# holder: a password-reset or confirmation link, a one-time code. Such an email is stored
# sealed in the outbox.
CREDENTIALS = ("password_reset_url", "activate_url", "key", "code")


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails go through the outbox like every other email, and a person signing
    in lands where they work."""

    def get_login_redirect_url(self, request):
        """The one place that decides where a signed-in person starts (after signing in,
        confirming their email, or opening `/`): staff at the support desk, company
        administrators and members in their company's portal (one they administer first),
        everyone else in their own portal. A `next` the person followed still wins."""
        user = request.user
        if user.is_staff:
            return reverse("admin:index")
        membership = (
            Membership.objects.filter(user=user).select_related("company")
            .order_by("role", "company__name").first()
        )
        if membership is not None:
            return portal_url("accounts:workspace", membership.company.slug)
        return reverse("accounts:workspace")

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
        request = allauth_context.request
        with translation.override(language):
            site = EmailSite(
                name=gettext(settings.SITE_NAME),
                domain=request.get_host() if request is not None
                else urlsplit(settings.SITE_URL).netloc,
            )
            message = self.render_mail(template_prefix, email,
                                       {"email": email, "current_site": site, **context})
        queue_message(message, language=language,
                      carries_credentials=any(name in context for name in CREDENTIALS))
