from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import services
from .forms import LanguageForm
from .models import Membership
from .workspace import WorkspaceMixin


class WorkspaceHomeView(WorkspaceMixin, TemplateView):
    """The start page of a workspace: `/my/` or `/company/<slug>/`."""

    template_name = "accounts/workspace_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.workspace.is_company:
            context["members"] = (
                Membership.objects.visible_to(self.request.user)
                .filter(company=self.workspace.company)
                .select_related("user")
                .order_by("role", "user__email")
                if self.workspace.is_admin
                else None
            )
        return context


class LanguageView(View):
    """Switch the interface language; a signed-in user keeps the choice on their profile."""

    def post(self, request):
        form = LanguageForm(request.POST)
        target = request.POST.get("next") or "/"
        if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                               request.is_secure()):
            target = "/"
        response = HttpResponseRedirect(target)
        if form.is_valid():
            language = form.cleaned_data["language"]
            if request.user.is_authenticated and request.user.language != language:
                request.user.language = language
                request.user.save(update_fields=["language"])
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                                max_age=365 * 24 * 3600, samesite="Lax",
                                secure=request.is_secure())
        return response


class InvitationView(LoginRequiredMixin, View):
    """GET shows the invitation; only the POST accepts it."""

    template_name = "accounts/invitation.html"

    def get(self, request, token):
        invitation = services.find_invitation(token)
        return render(request, self.template_name, {"invitation": invitation},
                      status=200 if invitation and invitation.is_pending else 410)

    def post(self, request, token):
        invitation = services.find_invitation(token)
        if invitation is None:
            return render(request, self.template_name, {"invitation": None}, status=410)
        try:
            membership = services.accept_invitation(invitation, user=request.user)
        except services.AccountError as exc:
            return render(request, self.template_name,
                          {"invitation": invitation, "error": str(exc)}, status=409)
        messages.success(request, _("Welcome to %(company)s.") % {
            "company": membership.company.name})
        return redirect(reverse("accounts:company", kwargs={"slug": membership.company.slug}))


def root(request):
    if request.user.is_authenticated:
        return redirect("accounts:home")
    return redirect(settings.LOGIN_URL)
