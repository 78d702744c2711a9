from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .admin_base import VisibleRowsAdmin
from .errors import DomainError
from .models import ApiToken, AuditEvent, Company, Invitation, Membership, User


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "company"]
    fields = ["user", "company", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "country", "language", "is_staff", "is_active",
                    "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language", "groups"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined", "erased_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "country", "language", "time_zone"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role,
                             initial=Membership.Role.ADMIN)


@admin.register(Company)
class CompanyAdmin(VisibleRowsAdmin):
    list_display = ["name", "slug", "country", "segment", "is_verified", "created_at"]
    list_filter = ["is_verified", "segment", "country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["verify"]
    change_form_template = "admin/accounts/company/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # Verification goes through its action, which records who verified and tells the
        # company's admins.
        return ["is_verified", "created_at"] if obj else ["created_at"]

    @admin.action(description=_("Verify the selected companies"), permissions=["change"])
    def verify(self, request, queryset):
        companies = list(queryset.filter(is_verified=False))
        for company in companies:
            services.verify_company(company, by=request.user)
        self.message_user(request, ngettext("%d company verified.", "%d companies verified.",
                                            len(companies)) % len(companies), messages.SUCCESS)

    def get_urls(self):
        return [
            path("<int:pk>/invite/", self.admin_site.admin_view(self.invite_view),
                 name="accounts_company_invite"),
            *super().get_urls(),
        ]

    def invite_view(self, request, pk):
        company = get_object_or_404(Company, pk=pk)
        if not self.has_change_permission(request, company):
            return redirect("admin:index")
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.invite_member(company=company, email=form.cleaned_data["email"],
                                       role=form.cleaned_data["role"], by=request.user)
            except DomainError as exc:
                form.add_error("email", exc.message)
            else:
                self.message_user(request, _("Invitation sent to %(email)s.") % {
                    "email": form.cleaned_data["email"]}, messages.SUCCESS)
                return redirect(reverse("admin:accounts_company_change", args=[company.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite someone to %(company)s") % {"company": company.name},
            "form": form, "company": company, "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/company/invite.html", context)


@admin.register(Invitation)
class InvitationAdmin(VisibleRowsAdmin):
    list_display = ["email", "company", "role", "created_at", "expires_at", "accepted_at",
                    "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["company", "email", "role", "invited_by", "created_at", "expires_at",
                       "accepted_at", "accepted_by", "revoked_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "name", "prefix"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_api_token(token, by=request.user)
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.",
                                            len(tokens)) % len(tokens), messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "company", "home_user",
                    "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor__email", "object_repr", "object_id", "action"]
    list_select_related = ["actor", "company", "home_user"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
