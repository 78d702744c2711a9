from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("my/", views.WorkspaceHomeView.as_view(), name="home"),
    path("company/<slug:slug>/", views.WorkspaceHomeView.as_view(), name="company"),
    path("invitations/<str:token>/", views.InvitationView.as_view(), name="invitation"),
    path("language/", views.LanguageView.as_view(), name="language"),
]
