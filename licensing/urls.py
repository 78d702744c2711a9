from accounts.workspace import portal_paths

from . import views

app_name = "licensing"

urlpatterns = [
    *portal_paths("licences/", views.LicenceListView.as_view(), "licences"),
    *portal_paths("quotes/", views.QuoteListView.as_view(), "quotes"),
    *portal_paths("quotes/new/", views.QuoteCreateView.as_view(), "quote-new"),
    *portal_paths("quotes/<int:pk>/", views.QuoteDetailView.as_view(), "quote"),
]
