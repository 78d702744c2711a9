from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class PortalAdminSite(admin.AdminSite):
    """The support staff's workplace. Staff sign in through allauth (rate limits and MFA
    apply); where ADMIN_REQUIRES_MFA is on, staff without TOTP are sent to set it up."""

    site_header = _("Support desk")
    site_title = _("Support desk")
    index_title = _("Dashboard")

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not request.user.is_staff:
            return redirect("accounts:home")
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            user = request.user
            if (
                settings.ADMIN_REQUIRES_MFA
                and user.is_authenticated
                and user.is_staff
                and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
            ):
                messages.warning(
                    request, _("Set up an authenticator app before you use the support desk.")
                )
                return redirect("mfa_activate_totp")
            return wrapped(request, *args, **kwargs)

        return guarded
