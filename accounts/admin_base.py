"""What every admin of customers' rows shares: its rows come from the model's `visible_to`
(the access layer, `accounts.access`), as the portals' and the API's do. Who may open the
admin at all is the site's decision (`config.admin.PortalAdminSite.has_permission`)."""

from django.contrib import admin


class VisibleRowsAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        queryset = self.model._default_manager.visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset
