"""How the API knows who calls: a personal token or the portal's session. Both apply the
access layer's second-factor requirement before any view runs, so staff without one are
refused on every operation, customers' ones included."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import access
from .models import ApiToken


class SessionAuthentication(authentication.SessionAuthentication):
    """The portal's sign-in cookie (with CSRF for writes)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            access.require_second_factor(result[0])
        return result


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` with a personal token, looked up by its hash."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        access.require_second_factor(token.user)
        now = timezone.now()
        # One write a minute at most: the timestamp is for people, not for accounting.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("Personal API token, sent as `Token <key>`."),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = SessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
