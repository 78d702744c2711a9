# No app_name: templates/base.html links the rules page as plain {% url 'rules' %}.
from django.urls import path

from accounts.workspace import portal_paths

from .email import webhooks
from .requests import portal
from .rules import views
from .sla.portal import AuthorisedContactsView

urlpatterns = [
    # Posts of the email provider (django-anymail checks them); 404 unless configured.
    path("email/inbound/<str:provider>/", webhooks.inbound_webhook, name="email-inbound"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:version>/", views.rules_version, name="rules-version"),
    # A company's page only: home users have no authorised contacts.
    path("company/<slug:slug>/contacts/", AuthorisedContactsView.as_view(),
         name="authorised-contacts"),
    # The URLs emails link to and the benchmark measures: requests/, requests/new/,
    # requests/<reference>/. "new/..." comes before "<reference>/" so it is never taken for
    # a reference.
    *portal_paths("requests/", portal.RequestListView.as_view(), "requests"),
    *portal_paths("requests/new/", portal.RequestCreateView.as_view(), "request-new"),
    *portal_paths("requests/new/check/", portal.EligibilityCheckView.as_view(),
                      "request-check"),
    *portal_paths("requests/new/suggestions/", portal.SuggestionsView.as_view(),
                      "request-suggestions"),
    *portal_paths("requests/<str:reference>/", portal.RequestDetailView.as_view(),
                      "request-detail"),
    *portal_paths("requests/<str:reference>/reply/", portal.ReplyView.as_view(),
                      "request-reply"),
    *portal_paths("requests/<str:reference>/upload/", portal.upload, "request-upload"),
    *portal_paths("requests/<str:reference>/files/<int:pk>/",
                      portal.AttachmentDownloadView.as_view(), "request-file"),
]
