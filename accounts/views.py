from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from . import services
from .errors import DomainError
from .forms import (
    ApiTokenForm,
    CompanyNameForm,
    CompanyRegistrationForm,
    EraseAccountForm,
    InvitationForm,
    LanguageForm,
    ProfileForm,
    RoleForm,
    add_domain_error,
)
from .models import ApiToken, Company, Invitation, Membership
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
        except DomainError as exc:
            return render(request, self.template_name,
                          {"invitation": invitation, "error": exc.message}, status=409)
        messages.success(request, _("Welcome to %(company)s.") % {
            "company": membership.company.name})
        return redirect(reverse("accounts:workspace", kwargs={"slug": membership.company.slug}))


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("accounts:profile")

    def get_initial(self):
        user = self.request.user
        return {"full_name": user.full_name, "country": user.country.code,
                "language": user.language, "time_zone": user.time_zone}

    def form_valid(self, form):
        services.update_profile(self.request.user, **form.cleaned_data)
        translation.activate(form.cleaned_data["language"])
        messages.success(self.request, _("Your profile is saved."))
        response = super().form_valid(form)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"],
                            max_age=365 * 24 * 3600, samesite="Lax",
                            secure=self.request.is_secure())
        return response


class ApiTokensView(LoginRequiredMixin, FormView):
    """Personal API tokens: the new key is shown once, on the page that created it."""

    template_name = "accounts/api_tokens.html"
    form_class = ApiTokenForm

    def get_context_data(self, **kwargs):
        kwargs["tokens"] = ApiToken.objects.visible_to(self.request.user).active()
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            token, key = services.create_api_token(
                self.request.user, name=form.cleaned_data["name"], request=self.request
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(
            self.get_context_data(form=ApiTokenForm(), new_token=token, new_key=key)
        )


class RevokeApiTokenView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(ApiToken.objects.visible_to(request.user).active(), pk=pk)
        services.revoke_api_token(token, by=request.user)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("accounts:api_tokens")


class EraseAccountView(LoginRequiredMixin, FormView):
    template_name = "accounts/erase_account.html"
    form_class = EraseAccountForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        user = self.request.user
        try:
            services.erase_account(user)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, _("Your personal data has been erased."))
        return redirect(settings.LOGIN_URL)


class CompanyRegistrationView(LoginRequiredMixin, FormView):
    template_name = "accounts/company_register.html"
    form_class = CompanyRegistrationForm

    def get_initial(self):
        # A company is most often in its registering employee's country.
        return {"country": self.request.user.country.code}

    def form_valid(self, form):
        company = services.register_company(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, _(
            "%(company)s is registered. Our staff will verify it; you can invite your "
            "colleagues meanwhile.") % {"company": company.name})
        return redirect("accounts:workspace", slug=company.slug)


class CompanyProfileView(WorkspaceMixin, FormView):
    """Company name, editable by its admins; country and segment change only through staff,
    because they decide support hours and paid services."""

    template_name = "accounts/company_profile.html"
    form_class = CompanyNameForm

    def dispatch(self, request, *args, **kwargs):
        if "slug" not in kwargs:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.workspace.company}

    def post(self, request, *args, **kwargs):
        if not self.workspace.is_admin:
            raise Http404
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        company = Company.objects.get(pk=self.workspace.company.pk)
        services.rename_company(company, name=form.cleaned_data["name"], by=self.request.user)
        messages.success(self.request, _("The company profile is saved."))
        return redirect("accounts:company_profile", slug=company.slug)


class MembersView(WorkspaceMixin, FormView):
    """Company admins invite people, change roles and remove members."""

    template_name = "accounts/members.html"
    form_class = InvitationForm
    workspace_admin_required = True

    def dispatch(self, request, *args, **kwargs):
        if "slug" not in kwargs:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        company = self.workspace.company
        kwargs["members"] = (
            Membership.objects.visible_to(self.request.user)
            .filter(company=company).select_related("user").order_by("role", "user__email")
        )
        kwargs["invitations"] = (
            Invitation.objects.visible_to(self.request.user).filter(company=company).pending()
        )
        kwargs["roles"] = Membership.Role.choices
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            services.invite_member(company=self.workspace.company, by=self.request.user,
                                   **form.cleaned_data)
        except DomainError as exc:
            form.add_error("email", exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Invitation sent to %(email)s.") % {
            "email": form.cleaned_data["email"]})
        return redirect("accounts:members", slug=self.workspace.slug)


class MemberChangeView(WorkspaceMixin, View):
    """Change a member's role, or remove them: removing asks first on a page of its own (a
    plain link and form, so the confirmation works without JavaScript)."""

    workspace_admin_required = True

    def _membership(self, request, pk) -> Membership:
        return get_object_or_404(
            Membership.objects.visible_to(request.user).filter(company=self.workspace.company)
            .select_related("user"),
            pk=pk,
        )

    def get(self, request, slug, pk, action):
        if action != "remove":
            return redirect("accounts:members", slug=slug)
        return render(request, "accounts/member_remove.html",
                      {"workspace": self.workspace, "membership": self._membership(request, pk)})

    def post(self, request, slug, pk, action):
        membership = self._membership(request, pk)
        try:
            if action == "remove":
                services.remove_member(membership, by=request.user)
                messages.success(request, _("%(email)s is no longer a member.") % {
                    "email": membership.user.email})
            else:
                form = RoleForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("Choose a valid role."))
                else:
                    services.change_role(membership, role=form.cleaned_data["role"],
                                         by=request.user)
                    messages.success(request, _("The role of %(email)s is changed.") % {
                        "email": membership.user.email})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:members", slug=slug)


class InvitationChangeView(WorkspaceMixin, View):
    """Send a pending invitation again, or cancel it."""

    workspace_admin_required = True

    def post(self, request, slug, pk, action):
        invitation = get_object_or_404(
            Invitation.objects.visible_to(request.user).filter(company=self.workspace.company)
            .select_related("company"),
            pk=pk,
        )
        try:
            if action == "resend":
                services.resend_invitation(invitation, by=request.user)
                messages.success(request, _("The invitation to %(email)s is sent again, with a "
                                            "new link.") % {"email": invitation.email})
            else:
                services.cancel_invitation(invitation, by=request.user)
                messages.success(request, _("The invitation to %(email)s is cancelled.") % {
                    "email": invitation.email})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:members", slug=slug)
