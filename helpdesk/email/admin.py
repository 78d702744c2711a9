"""The email channel in the staff admin: every received email with what became of it (and
why one was ignored), its original for download, and the request page's email panel."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError

from ..requests.models import SupportRequest
from ..requests.permissions import may_work
from . import services
from .models import InboundEmail, ReplyAddressRevocation

PANEL_CAP = 20


def original_response(inbound_email: InboundEmail) -> HttpResponse:
    """The message exactly as received, as a download (never shown in the browser)."""
    response = HttpResponse(bytes(inbound_email.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{inbound_email.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "transport", "status", "reason",
                    "request_link", "size"]
    list_filter = ["status", "reason", "transport"]
    search_fields = ["=sender", "subject", "=dedupe_key", "=request__reference"]
    search_help_text = _("A sender's address, a request's reference, a Message-ID, or words "
                         "of the subject.")
    list_select_related = ["request"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ["process_again"]
    exclude = ["raw"]
    readonly_fields = ["dedupe_key", "transport", "original", "size", "truncated",
                       "envelope_recipient", "sender", "subject", "received_at", "status",
                       "reason", "detail", "attempts", "processed_at", "user", "request",
                       "message"]

    def get_queryset(self, request):
        # The originals can be large: the list and the page read them only to download.
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what came in and why it was ignored

    @admin.display(description=_("request"), ordering="request__reference")
    def request_link(self, obj):
        if obj.request_id is None:
            return ""
        url = reverse("admin:helpdesk_supportrequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)

    @admin.display(description=_("original message"))
    def original(self, obj):
        url = reverse("admin:helpdesk_inboundemail_original", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download (.eml)"))

    def get_urls(self):
        return [
            path("<int:pk>/original/", self.admin_site.admin_view(self.original_view),
                 name="helpdesk_inboundemail_original"),
            path("revoke/<int:request_pk>/", self.admin_site.admin_view(self.revoke_view),
                 name="helpdesk_inboundemail_revoke"),
            *super().get_urls(),
        ]

    def original_view(self, request, pk):
        inbound_email = get_object_or_404(InboundEmail, pk=pk)
        if not self.has_view_permission(request, inbound_email):
            raise PermissionDenied
        return original_response(inbound_email)

    def revoke_view(self, request, request_pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        support_request = SupportRequest.objects.filter(pk=request_pk).first()
        if support_request is None:
            raise Http404
        try:
            services.revoke_reply_addresses(support_request, by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, gettext(
                "The reply addresses of %(reference)s were revoked; the next email carries "
                "a new one.") % {"reference": support_request.reference}, messages.SUCCESS)
        return redirect(reverse("admin:helpdesk_supportrequest_change", args=[request_pk]))

    @admin.action(description=_("Process the selected failed emails again"),
                  permissions=["process"])
    def process_again(self, request, queryset):
        count = len(services.process_again(queryset))
        self.message_user(request, ngettext("%d email queued again.", "%d emails queued again.",
                                            count) % count, messages.SUCCESS)

    def has_process_permission(self, request):
        return request.user.has_perm("helpdesk.change_inboundemail")


@admin.register(ReplyAddressRevocation)
class ReplyAddressRevocationAdmin(admin.ModelAdmin):
    list_display = ["revoked_at", "request", "user", "revoked_by"]
    list_select_related = ["request", "user", "revoked_by"]
    readonly_fields = ["request", "user", "revoked_at", "revoked_by"]
    search_fields = ["=request__reference"]

    def has_add_permission(self, request):
        return False  # from the request's page, which checks who may work it

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def request_email_panel(request, workspace, support_request):
    """The staff request page's panel: the emails that came in about the request (which
    replies came by email, and why any was ignored), with their originals."""
    if support_request is None:
        return None
    emails = list(InboundEmail.objects.filter(request=support_request).select_related("message")
                  .defer("raw").order_by("-received_at", "-pk")[:PANEL_CAP])
    return {
        "support_request": support_request,
        "inbound_emails": emails,
        # The work page's request carries whether its queue is the user's (`in_my_queue`).
        "may_revoke": request is not None and may_work(
            request.user, support_request, in_queue=getattr(support_request, "in_my_queue", None)),
    }
