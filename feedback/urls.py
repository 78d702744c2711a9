from django.urls import path

from accounts.workspace import portal_paths

from . import views

app_name = "feedback"

urlpatterns = [
    path("feedback/thanks/", views.ThanksView.as_view(), name="thanks"),
    path("feedback/unsubscribe/<str:token>/", views.UnsubscribeView.as_view(),
         name="unsubscribe"),
    path("feedback/<str:token>/", views.AnswerByTokenView.as_view(), name="answer"),
    *portal_paths("feedback/", views.FeedbackSectionView.as_view(), "section"),
    *portal_paths("feedback/surveys/<int:pk>/", views.AnswerPendingView.as_view(), "survey"),
    *portal_paths("feedback/requests/<str:reference>/", views.AnswerRequestView.as_view(),
                  "request"),
]
