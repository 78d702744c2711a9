"""The support desk's licensing screens: catalogue, licences (masked keys, audited reveal,
CSV import), plans, paid services, categories, quote requests and product feedback.

Every change to a licence or a quote goes through the services of `licences`, `imports` and
`quotes`, which audit it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_base import VisibleRowsAdmin
from accounts.errors import DomainError

from . import (
    imports,
    licences,
    product_feedback_admin,  # noqa: F401 - ideas of refused feature requests (4.2.1)
    quotes,
)
from .keys import KEY_FORMAT, is_whole_key, normalize_key
from .models import (
    Licence,
    PaidService,
    Product,
    ProductVersion,
    QuoteRequest,
    RequestCategory,
    SupportPlan,
    SystemRequirement,
)

# Catalogue -----------------------------------------------------------------------------


class SystemRequirementFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """One requirement per platform and line of it, across the rows sent together (the
        database refuses a second one)."""
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if form.errors or not data or data.get("DELETE"):
                continue
            platform = (data.get("os"), form.instance.line)
            if platform in seen:
                raise ValidationError(_("Each platform, and each line of it such as Windows "
                                        "Server, takes one requirement."))
            seen.add(platform)


class SystemRequirementInline(admin.TabularInline):
    model = SystemRequirement
    formset = SystemRequirementFormSet
    extra = 1


class ProductVersionInline(admin.TabularInline):
    """Versions of a product; each links to its own page for its system requirements."""

    model = ProductVersion
    extra = 0
    fields = ["version", "release_date", "end_of_support", "requirements_summary"]
    readonly_fields = ["requirements_summary"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("requirements")

    @admin.display(description=_("minimum system requirements"))
    def requirements_summary(self, version):
        if version.pk is None:
            return "—"
        return ", ".join(str(r) for r in version.requirements.all()) or _(
            "none yet: every platform is refused (4.3.1)")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "segment", "kind", "is_active"]
    list_filter = ["segment", "kind", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [ProductVersionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "release_date", "end_of_support", "is_supported"]
    list_filter = ["product__segment", "product"]
    search_fields = ["product__name", "product__code", "version"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
    inlines = [SystemRequirementInline]

    @admin.display(boolean=True, description=_("supported"))
    def is_supported(self, version):
        return version.supported


@admin.register(SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_paid", "yearly_request_allowance",
                    "authorised_contacts"]
    list_filter = ["is_paid"]
    search_fields = ["name", "code"]


@admin.register(PaidService)
class PaidServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "offered_in", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("offered in"))
    def offered_in(self, service):
        return ", ".join(c.code for c in service.countries) or _("every country")


@admin.register(RequestCategory)
class RequestCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "clause", "name", "in_scope", "needs_product", "needs_licence",
                    "takes_sample", "paid_service", "position", "is_active"]
    list_filter = ["in_scope", "needs_product", "takes_sample", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["code", "name", "name_ms", "clause"]
    ordering = ["-in_scope", "position", "code"]


# Licences ------------------------------------------------------------------------------


class HolderFilter(admin.SimpleListFilter):
    title = _("held by")
    parameter_name = "holder"

    def lookups(self, request, model_admin):
        return [("unclaimed", _("Nobody (unclaimed)")), ("company", _("A company")),
                ("home", _("A home user"))]

    def queryset(self, request, queryset):
        if self.value() == "unclaimed":
            return queryset.unclaimed()
        if self.value() == "company":
            return queryset.filter(company__isnull=False)
        if self.value() == "home":
            return queryset.filter(home_user__isnull=False)
        return queryset


class LicenceAddForm(forms.ModelForm):
    key = forms.CharField(
        label=_("activation code"), required=False, max_length=64,
        help_text=_("%(form)s; leave empty to generate one.") % {"form": KEY_FORMAT})

    class Meta:
        model = Licence
        fields = ["key", "product", "plan", "seats", "starts_on", "expires_on",
                  "order_number", "purchaser_email"]

    def clean_key(self):
        raw = self.cleaned_data.get("key")
        if not raw:
            return ""
        key = normalize_key(raw)
        if Licence.objects.filter(key=key).exists():
            raise ValidationError(_("A licence with this activation code already exists."))
        return key


class LicenceImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with the header line: %(columns)s. Dates as YYYY-MM-DD; an empty "
                    "plan_code means Standard Support. If any line is wrong, nothing is "
                    "imported.") % {"columns": ", ".join(imports.CSV_COLUMNS)})


@admin.register(Licence)
class LicenceAdmin(VisibleRowsAdmin):
    """Keys are masked everywhere; the full key is shown by an audited "reveal" only."""

    list_display = ["masked_key_display", "product", "plan", "seats", "starts_on",
                    "expires_on", "status", "holder", "order_number", "purchaser_email"]
    list_filter = ["status", HolderFilter, "product", "plan", "expires_on"]
    list_select_related = ["product", "plan", "company", "home_user"]
    search_fields = ["order_number", "purchaser_email"]  # and the key: get_search_results
    search_help_text = _("A whole activation code, an order number or the purchaser's "
                         "email. A partial code is looked up only from a licence-recovery "
                         "request (clause 4.1.3).")
    date_hierarchy = "expires_on"
    actions = ["revoke", "reinstate", "release"]
    change_form_template = "admin/licensing/licence/change_form.html"
    change_list_template = "admin/licensing/licence/change_list.html"
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LicenceAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return LicenceAddForm.Meta.fields
        return ["masked_key_display", "product", "plan", "seats", "starts_on", "expires_on",
                "order_number", "purchaser_email", "status", "company", "home_user",
                "claimed_at", "claimed_by", "issued_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["masked_key_display", "status", "company", "home_user", "claimed_at",
                "claimed_by", "issued_at"]

    # No `ordering`: a list sorted by key would let anyone page their way to a key (4.1.3).
    @admin.display(description=_("activation code"))
    def masked_key_display(self, licence):
        return licence.masked_key

    @admin.display(description=_("held by"))
    def holder(self, licence):
        return licence.company or licence.home_user or "—"

    def get_search_results(self, request, queryset, search_term):
        """A whole activation code goes through the one audited key look-up (4.1.3); no
        part of a key matches here, so the list cannot be used to rebuild one."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if is_whole_key(term):
            try:
                found = licences.find_licences_by_key(term, by=request.user, request=request)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return queryset.none(), False
            return queryset.filter(pk__in=[licence.pk for licence in found]), False
        condition = Q(order_number__iexact=term) | Q(purchaser_email__icontains=term)
        if len(term) >= 3:
            condition |= Q(order_number__icontains=term)
        return queryset.filter(condition), False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            licence = licences.issue_licence(
                key=data.get("key") or None, product=data["product"], plan=data["plan"],
                seats=data["seats"], starts_on=data["starts_on"], expires_on=data["expires_on"],
                order_number=data.get("order_number", ""),
                purchaser_email=data.get("purchaser_email", ""), by=request.user,
                request=request)
            obj.pk, obj.key, obj.issued_at = licence.pk, licence.key, licence.issued_at
            obj._state.adding = False
            return
        changes = {name: data[name] for name in form.changed_data
                   if name in licences.LICENCE_EDITABLE_FIELDS}
        licences.update_licence(Licence.objects.get(pk=obj.pk), by=request.user,
                                request=request, **changes)

    @staticmethod
    def _run(request, queryset, action) -> int:
        return sum(bool(action(licence, by=request.user, request=request))
                   for licence in queryset)

    @admin.action(description=_("Revoke the selected licences"), permissions=["change"])
    def revoke(self, request, queryset):
        count = self._run(request, queryset, licences.revoke_licence)
        self.message_user(request, ngettext("%d licence revoked.", "%d licences revoked.",
                                            count) % count, messages.SUCCESS)

    @admin.action(description=_("Reinstate the selected licences"), permissions=["change"])
    def reinstate(self, request, queryset):
        count = self._run(request, queryset, licences.reinstate_licence)
        self.message_user(request, ngettext("%d licence reinstated.",
                                            "%d licences reinstated.", count) % count,
                          messages.SUCCESS)

    @admin.action(description=_("Release the selected licences from their holders"),
                  permissions=["change"])
    def release(self, request, queryset):
        count = self._run(request, queryset, licences.release_licence)
        self.message_user(request, ngettext("%d licence released.", "%d licences released.",
                                            count) % count, messages.SUCCESS)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="licensing_licence_import"),
            path("<int:pk>/reveal/", self.admin_site.admin_view(self.reveal_view),
                 name="licensing_licence_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, pk):
        """GET asks to confirm; only the POST shows the key, and records who saw it."""
        licence = get_object_or_404(Licence.objects.select_related("product"), pk=pk)
        if not self.has_change_permission(request, licence):
            raise PermissionDenied
        key = None
        if request.method == "POST":
            key = licences.reveal_key(licence, by=request.user, request=request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Activation code of %(licence)s") % {"licence": licence},
            "licence": licence, "key": key, "opts": self.model._meta, "original": licence,
        }
        return TemplateResponse(request, "admin/licensing/licence/reveal.html", context)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LicenceImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = imports.import_licences_csv(form.cleaned_data["file"], by=request.user,
                                                  request=request)
            if result.ok:
                self.message_user(request, ngettext(
                    "%d licence imported.", "%d licences imported.", result.created
                ) % result.created, messages.SUCCESS)
                return redirect(reverse("admin:licensing_licence_changelist"))
            self.message_user(request, _("Nothing was imported: correct the lines below and "
                                         "upload the file again."), messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import sold licences"), "form": form, "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/licensing/licence/import.html", context)


# Quote requests ------------------------------------------------------------------------


class QuoteRequestForm(forms.ModelForm):
    class Meta:
        model = QuoteRequest
        fields = ["status", "staff_reply"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        try:
            quotes.check_transition(self.instance, status)
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        return status


@admin.register(QuoteRequest)
class QuoteRequestAdmin(VisibleRowsAdmin):
    form = QuoteRequestForm
    list_display = ["pk", "service", "workspace", "requester", "clause", "status",
                    "created_at", "updated_at"]
    list_filter = ["status", "service"]
    list_select_related = ["service", "company", "home_user", "requester"]
    search_fields = ["requester__email", "company__name", "message"]
    date_hierarchy = "created_at"
    readonly_fields = ["service", "workspace", "requester", "category", "clause", "message",
                       "created_at", "updated_at"]
    fields = ["service", "workspace", "requester", "category", "clause", "message", "status",
              "staff_reply", "created_at", "updated_at"]
    actions = ["mark_quoted", "mark_accepted", "mark_declined"]

    def has_add_permission(self, request):
        return False  # customers ask for quotes; staff answer them

    @admin.display(description=_("workspace"))
    def workspace(self, quote):
        return quote.company or (quote.home_user and _("home user %(email)s") % {
            "email": quote.home_user.email}) or "—"

    def save_model(self, request, obj, form, change):
        try:
            quotes.update_quote(QuoteRequest.objects.get(pk=obj.pk), by=request.user,
                                status=form.cleaned_data["status"],
                                staff_reply=form.cleaned_data["staff_reply"], request=request)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def _move(self, request, queryset, status):
        moved, refused = 0, 0
        for quote in queryset:
            try:
                quotes.update_quote(quote, by=request.user, status=status, request=request)
                moved += 1
            except DomainError:
                refused += 1
        self.message_user(request, ngettext("%d quote request updated.",
                                            "%d quote requests updated.", moved) % moved,
                          messages.SUCCESS)
        if refused:
            self.message_user(request, ngettext(
                "%d quote request could not take this status.",
                "%d quote requests could not take this status.", refused) % refused,
                messages.WARNING)

    @admin.action(description=_("Mark as quoted"), permissions=["change"])
    def mark_quoted(self, request, queryset):
        self._move(request, queryset, QuoteRequest.Status.QUOTED)

    @admin.action(description=_("Mark as accepted"), permissions=["change"])
    def mark_accepted(self, request, queryset):
        self._move(request, queryset, QuoteRequest.Status.ACCEPTED)

    @admin.action(description=_("Mark as declined"), permissions=["change"])
    def mark_declined(self, request, queryset):
        self._move(request, queryset, QuoteRequest.Status.DECLINED)

