from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("my/licences/", views.LicenceListView.as_view(), name="home_licences"),
    path("my/quotes/", views.QuoteListView.as_view(), name="home_quotes"),
    path("my/quotes/new/", views.QuoteCreateView.as_view(), name="home_quote_new"),
    path("my/quotes/<int:pk>/", views.QuoteDetailView.as_view(), name="home_quote"),
    path("company/<slug:slug>/licences/", views.LicenceListView.as_view(),
         name="company_licences"),
    path("company/<slug:slug>/quotes/", views.QuoteListView.as_view(), name="company_quotes"),
    path("company/<slug:slug>/quotes/new/", views.QuoteCreateView.as_view(),
         name="company_quote_new"),
    path("company/<slug:slug>/quotes/<int:pk>/", views.QuoteDetailView.as_view(),
         name="company_quote"),
]
