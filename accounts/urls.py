from django.urls import path

from . import views
from .workspace import portal_paths

app_name = "accounts"

urlpatterns = [
    *portal_paths("", views.WorkspaceHomeView.as_view(), "workspace"),
    path("my/profile/", views.ProfileView.as_view(), name="profile"),
    path("my/tokens/", views.ApiTokensView.as_view(), name="api_tokens"),
    path("my/tokens/<int:pk>/revoke/", views.RevokeApiTokenView.as_view(),
         name="revoke_api_token"),
    path("my/delete/", views.EraseAccountView.as_view(), name="erase_account"),
    path("companies/new/", views.CompanyRegistrationView.as_view(), name="register_company"),
    path("company/<slug:slug>/profile/", views.CompanyProfileView.as_view(),
         name="company_profile"),
    path("company/<slug:slug>/members/", views.MembersView.as_view(), name="members"),
    path("company/<slug:slug>/members/<int:pk>/role/", views.MemberChangeView.as_view(),
         {"action": "role"}, name="member_role"),
    path("company/<slug:slug>/members/<int:pk>/remove/", views.MemberChangeView.as_view(),
         {"action": "remove"}, name="member_remove"),
    path("company/<slug:slug>/invitations/<int:pk>/resend/",
         views.InvitationChangeView.as_view(), {"action": "resend"}, name="invitation_resend"),
    path("company/<slug:slug>/invitations/<int:pk>/cancel/",
         views.InvitationChangeView.as_view(), {"action": "cancel"}, name="invitation_cancel"),
    path("invitations/<str:token>/", views.InvitationView.as_view(), name="invitation"),
    path("language/", views.LanguageView.as_view(), name="language"),
]
