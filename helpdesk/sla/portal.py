"""A company's authorised technical contacts in its portal (clause 3.3): its
administrators name and remove them, within the number the paid plan allows. Every change
is one call of `entitlements`, which checks and audits it, as for the API and the admin."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.errors import DomainError
from accounts.forms import add_domain_error
from accounts.workspace import WorkspaceMixin

from . import entitlements


class AddContactForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Member"),
                                  queryset=get_user_model().objects.none())

    def __init__(self, *args, company, named, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(memberships__company=company, is_active=True)
            .exclude(pk__in=[user.pk for user in named]).order_by("email"))
        self.fields["user"].label_from_instance = (
            lambda user: f"{user.full_name} ({user.email})" if user.full_name else user.email)


class AuthorisedContactsView(WorkspaceMixin, TemplateView):
    """`/company/<slug>/contacts/`, for the company's administrators."""

    template_name = "helpdesk/portal/contacts.html"
    workspace_admin_required = True

    def dispatch(self, request, *args, **kwargs):
        if "slug" not in kwargs:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        company = self.workspace.company
        named = [contact.user for contact in entitlements.named_contacts(company)]
        allowance = entitlements.premium_allowance(company)
        limit = allowance["contacts_limit"] if allowance else None
        return super().get_context_data(
            allowance=allowance, named=named,
            may_name=allowance is not None and limit is not None,
            full=limit is not None and len(named) >= limit,
            form=form or AddContactForm(company=company, named=named), **kwargs)

    def post(self, request, *args, **kwargs):
        company = self.workspace.company
        if "remove" in request.POST:
            contact = next((c for c in entitlements.named_contacts(company)
                            if str(c.user_id) == request.POST["remove"]), None)
            if contact is not None:
                entitlements.remove_authorised_contact(company=company, user=contact.user,
                                                       by=request.user, request=request)
                messages.success(request, _("%(user)s is no longer an authorised contact.") % {
                    "user": contact.user.email})
            return redirect(request.path)
        named = [contact.user for contact in entitlements.named_contacts(company)]
        form = AddContactForm(request.POST, company=company, named=named)
        if form.is_valid():
            user = form.cleaned_data["user"]
            try:
                entitlements.add_authorised_contact(company=company, user=user,
                                                    by=request.user, request=request)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("%(user)s is now an authorised contact.") % {
                    "user": user.email})
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=400)
