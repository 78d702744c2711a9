"""The licensing part of /api/v1/: catalogue, eligibility, licences and quote requests.

Views are thin: input serializers hand the input to the intake or a service, output
serializers shape the answer, and every read goes through a queryset's `visible_to(user)`,
so rows outside the caller's reach are simply absent (404).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .catalogue import CategoryListView, PaidServiceListView, ProductListView
from .eligibility import EligibilityView
from .licences import LicenceViewSet
from .quotes import QuoteViewSet

router = SimpleRouter()
router.register("licences", LicenceViewSet, basename="api-licence")
router.register("quotes", QuoteViewSet, basename="api-quote")

urlpatterns = [
    path("products/", ProductListView.as_view(), name="api-products"),
    path("categories/", CategoryListView.as_view(), name="api-categories"),
    path("services/", PaidServiceListView.as_view(), name="api-paid-services"),
    path("eligibility/", EligibilityView.as_view(), name="api-eligibility"),
    *router.urls,
]
