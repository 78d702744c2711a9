"""Portal pages: a workspace's licences (and adding one by its key), and quote requests."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView

from accounts.errors import DomainError, RateLimited
from accounts.forms import add_domain_error
from accounts.workspace import WorkspaceMixin, portal_url

from . import licences, quotes
from .forms import ClaimLicenceForm, QuoteRequestForm
from .models import Licence, PaidService, QuoteRequest


class LicenceListView(WorkspaceMixin, FormView):
    """The workspace's licences. Home users and company admins see the masked key and may
    add a licence; company members see product, seats and expiry only."""

    template_name = "licensing/licences.html"
    form_class = ClaimLicenceForm

    def get_context_data(self, **kwargs):
        kwargs["licences"] = (
            Licence.objects.visible_to(self.request.user).in_workspace(self.workspace)
            .select_related("product", "plan")
        )
        kwargs["show_keys"] = self.workspace.is_admin
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if not self.workspace.is_admin:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            licence = licences.claim_licence(key=form.cleaned_data["licence_key"],
                                             workspace=self.workspace, user=self.request.user,
                                             request=self.request)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = 429 if isinstance(exc, RateLimited) else 400
            return self.render_to_response(self.get_context_data(form=form), status=status)
        messages.success(self.request, _("%(product)s (%(key)s) is added.") % {
            "product": licence.product.name, "key": licence.masked_key})
        return redirect(portal_url("licensing:licences", self.workspace))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class QuoteListView(WorkspaceMixin, TemplateView):
    template_name = "licensing/quotes.html"

    def get_context_data(self, **kwargs):
        kwargs["quotes"] = (
            QuoteRequest.objects.visible_to(self.request.user).in_workspace(self.workspace)
            .select_related("service", "requester")
        )
        kwargs["services"] = PaidService.objects.offered_in(self.workspace.country)
        kwargs["new_quote_url"] = portal_url("licensing:quote-new", self.workspace)
        return super().get_context_data(**kwargs)


class QuoteCreateView(WorkspaceMixin, FormView):
    """Ask for a quote: from the list of services, or from a refused request, which links
    here with ?service=...&category=...&clause=..."""

    template_name = "licensing/quote_form.html"
    form_class = QuoteRequestForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "country": self.workspace.country}

    def get_initial(self):
        return {name: self.request.GET.get(name, "")[:40]
                for name in ("service", "category", "clause")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            quote = quotes.request_quote(
                workspace=self.workspace, user=self.request.user, service=data["service"],
                message=data["message"], category=data["category"], clause=data["clause"],
                request=self.request)
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your quote request is sent. We will email you "
                                         "when our staff answer."))
        return redirect(portal_url("licensing:quote", self.workspace, pk=quote.pk))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class QuoteDetailView(WorkspaceMixin, DetailView):
    template_name = "licensing/quote_detail.html"
    context_object_name = "quote"

    def get_object(self, queryset=None):
        return get_object_or_404(
            QuoteRequest.objects.visible_to(self.request.user).in_workspace(self.workspace)
            .select_related("service", "requester", "category"),
            pk=self.kwargs["pk"],
        )
