from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("feedback/thanks/", views.ThanksView.as_view(), name="thanks"),
    path("feedback/unsubscribe/<str:token>/", views.UnsubscribeView.as_view(),
         name="unsubscribe"),
    path("feedback/<str:token>/", views.AnswerByTokenView.as_view(), name="answer"),
    path("my/feedback/", views.FeedbackSectionView.as_view(), name="my"),
    path("my/feedback/surveys/<int:pk>/", views.AnswerPendingView.as_view(), name="my_pending"),
    path("my/feedback/requests/<str:reference>/", views.AnswerRequestView.as_view(),
         name="my_request"),
    path("company/<slug:slug>/feedback/", views.FeedbackSectionView.as_view(), name="company"),
    path("company/<slug:slug>/feedback/surveys/<int:pk>/", views.AnswerPendingView.as_view(),
         name="company_pending"),
    path("company/<slug:slug>/feedback/requests/<str:reference>/",
         views.AnswerRequestView.as_view(), name="company_request"),
]
