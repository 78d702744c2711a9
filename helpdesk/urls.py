# No app_name: templates/base.html links the rules page as plain {% url 'rules' %}.
from django.urls import path

from . import views

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/<str:version>/", views.rules_version, name="rules-version"),
]
