from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "template", "subject", "language", "status", "attempts",
                    "sent_at", "carries_credentials"]
    list_filter = ["status", "template", "language", "carries_credentials"]
    search_fields = ["to", "template", "subject"]
    date_hierarchy = "created_at"
    # The sealed part of an email carrying credentials is never shown, not even sealed.
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "sealed"]
    fields = readonly_fields
    actions = ["send_again"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Queue failed notifications again"))
    def send_again(self, request, queryset):
        ids = list(queryset.filter(status=Notification.Status.FAILED).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.PENDING, attempts=0, queued_at=timezone.now()
        )
        for pk in ids:
            services.enqueue_delivery(pk)
        self.message_user(
            request,
            ngettext("%d notification queued again.", "%d notifications queued again.",
                     len(ids)) % len(ids),
            messages.SUCCESS,
        )
