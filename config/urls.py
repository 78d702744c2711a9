from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .front import front_page

api_v1 = [
    path("", include("accounts.api")),
    path("", include("licensing.api")),
    path("", include("helpdesk.requests.api")),
    path("", include("helpdesk.sla.api")),
    path("", include("feedback.api")),
]

urlpatterns = [
    path("", front_page, name="root"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
    path("", include("accounts.urls")),
    path("", include("licensing.urls")),
    path("", include("helpdesk.urls")),
    path("", include("feedback.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
