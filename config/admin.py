from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access


class PortalAdminSite(admin.AdminSite):
    """The support staff's workplace. Staff sign in through allauth (rate limits and MFA
    apply); staff the access layer does not trust yet (no second factor where
    ADMIN_REQUIRES_MFA is on) are sent to set one up."""

    # Lazy: the class is built once, at import, before any request picks a language.
    site_header = gettext_lazy("Support desk")
    site_title = gettext_lazy("Support desk")
    index_title = gettext_lazy("Dashboard")
    # The desk's own links in the header (templates/admin/base_site.html) leave the page's
    # width to the work list.
    enable_nav_sidebar = False
    # The sections of the app list in the order staff use them; the others follow by name.
    APP_ORDER = ("helpdesk", "feedback", "licensing", "accounts")

    def get_app_list(self, request, app_label=None):
        # Asked twice a page (the page's list and `each_context`), each time checking every
        # model's permissions: built once per request.
        built = request.__dict__.setdefault("_admin_app_lists", {})
        if app_label not in built:
            built[app_label] = self._app_list(request, app_label)
        return built[app_label]

    def _app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        by_label = {app["app_label"]: app for app in apps}
        # allauth's "account" app is called "Accounts" too: its email addresses join ours,
        # so the list has one Accounts section.
        addresses = by_label.get("account")
        if addresses is not None and "accounts" in by_label:
            merged = by_label["accounts"]["models"] + addresses["models"]
            by_label["accounts"]["models"] = sorted(merged, key=lambda m: str(m["name"]))
            apps = [app for app in apps if app is not addresses]
        order = {label: i for i, label in enumerate(self.APP_ORDER)}
        return sorted(apps, key=lambda app: (order.get(app["app_label"], len(order)),
                                             str(app["name"])))

    def has_permission(self, request) -> bool:
        """The support desk is for agents and supervisors (`accounts.access`): the staff
        groups, with the second factor the deployment requires."""
        return access.is_agent(request.user)

    def _safe_next(self, request) -> str:
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("admin:index", current_app=self.name)

    def login(self, request, extra_context=None):
        """The admin has no login form of its own: staff sign in through allauth."""
        user = request.user
        if user.is_authenticated:
            if self.has_permission(request):
                return redirect(self._safe_next(request))
            return redirect("accounts:workspace")
        return redirect_to_login(self._safe_next(request), reverse("account_login"))

    def index(self, request, extra_context=None):
        from helpdesk.requests.dashboard import staff_dashboard  # apps load after the admin site

        extra_context = {**(extra_context or {}),
                         "helpdesk_dashboard": staff_dashboard(request.user)}
        return super().index(request, extra_context)

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            user = request.user
            if request.path == reverse("admin:logout", current_app=self.name):
                return wrapped(request, *args, **kwargs)
            if access.second_factor_missing(user):
                messages.warning(
                    request, _("Set up an authenticator app before you use the support desk.")
                )
                return redirect("mfa_activate_totp")
            if not self.has_permission(request):
                # Straight to allauth's login with the page asked for as `next` (one hop,
                # no nested admin login URL); signed-in non-staff go to their portal.
                if user.is_authenticated:
                    return redirect("accounts:workspace")
                return redirect_to_login(request.get_full_path(), reverse("account_login"))
            return wrapped(request, *args, **kwargs)

        return guarded
