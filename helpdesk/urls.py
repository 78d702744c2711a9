# No app_name: templates/base.html links the rules page as plain {% url 'rules' %}.
from django.urls import path

from accounts.workspace import HOME_SLUG

from .requests import portal
from .rules import views


def _in_both_portals(route: str, view, name: str) -> list:
    """`company/<slug>/<route>` and `my/<route>` under ONE name, so a page links with
    `{% url name slug=workspace.slug %}` whichever portal it is in.

    The home pattern passes slug="my" as a default argument (which WorkspaceMixin resolves
    to the home workspace). It must come after the company one: Django's reverse() tries
    the later pattern first, and only the home pattern accepts exactly slug="my".
    tests/portal/test_urls.py holds both directions to it.
    """
    return [
        path(f"company/<slug:slug>/{route}", view, name=name),
        path(f"my/{route}", view, {"slug": HOME_SLUG}, name=name),
    ]


urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/<str:version>/", views.rules_version, name="rules-version"),
    # The URLs emails link to and the benchmark measures: requests/, requests/new/,
    # requests/<reference>/. "new/..." comes before "<reference>/" so it is never taken for
    # a reference.
    *_in_both_portals("requests/", portal.RequestListView.as_view(), "requests"),
    *_in_both_portals("requests/new/", portal.RequestCreateView.as_view(), "request-new"),
    *_in_both_portals("requests/new/check/", portal.EligibilityCheckView.as_view(),
                      "request-check"),
    *_in_both_portals("requests/new/suggestions/", portal.SuggestionsView.as_view(),
                      "request-suggestions"),
    *_in_both_portals("requests/<str:reference>/", portal.RequestDetailView.as_view(),
                      "request-detail"),
    *_in_both_portals("requests/<str:reference>/reply/", portal.ReplyView.as_view(),
                      "request-reply"),
    *_in_both_portals("requests/<str:reference>/upload/", portal.upload, "request-upload"),
    *_in_both_portals("requests/<str:reference>/files/<int:pk>/",
                      portal.AttachmentDownloadView.as_view(), "request-file"),
]
