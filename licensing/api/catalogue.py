"""The catalogue under /api/v1/: products, categories and topics, paid services."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from accounts.api_common import WORKSPACE_PARAM
from accounts.workspace import resolve_workspace

from ..models import PaidService, Product, ProductVersion, RequestCategory, SystemRequirement


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = SystemRequirement
        fields = ["os", "min_os_version"]


class ProductVersionSerializer(serializers.ModelSerializer):
    supported = serializers.SerializerMethodField(
        help_text="Supported today: no end of support, or not yet reached (clause 4.3.2).")
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = ProductVersion
        fields = ["version", "supported", "release_date", "end_of_support", "requirements"]

    def get_supported(self, version) -> bool:
        return version.is_supported_on(self.context.get("today") or timezone.localdate())


class ProductSerializer(serializers.ModelSerializer):
    versions = ProductVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["code", "name", "segment", "kind", "special_terms", "special_terms_url",
                  "versions"]


@extend_schema_view(get=extend_schema(
    summary="The product catalogue",
    description="Products (3.1, 3.2) with their versions, support lifecycle (4.3.2) and "
    "minimum system requirements (4.3.1); special terms where they differ (3.4).",
    responses={200: ProductSerializer(many=True)},
))
class ProductListView(generics.ListAPIView):
    serializer_class = ProductSerializer

    def get_queryset(self):
        return Product.objects.visible_to(self.request.user).with_catalogue()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="localized_name", read_only=True)
    description = serializers.CharField(source="localized_description", read_only=True)
    paid_service = serializers.SerializerMethodField(
        help_text="The paid service that covers an out-of-scope topic (5.1), or null.")

    class Meta:
        model = RequestCategory
        fields = ["code", "name", "description", "clause", "in_scope", "needs_licence",
                  "needs_product", "takes_sample", "paid_service"]

    def get_paid_service(self, category) -> str | None:
        return category.paid_service or None


@extend_schema_view(get=extend_schema(
    summary="Request categories and out-of-scope topics",
    description="Categories covered by Standard Support (4.1.x) and topics it does not "
    "cover (4.2.x), in the caller's language.",
    responses={200: CategorySerializer(many=True)},
))
class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer

    def get_queryset(self):
        return RequestCategory.objects.visible_to(self.request.user)


class PaidServiceSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="professional_services, "
                                 "incident_response, premium_support or support_extension.")
    name = serializers.CharField(source="localized_name", read_only=True)
    description = serializers.CharField(source="localized_description", read_only=True,
                                        help_text="In the caller's language.")
    countries = serializers.SerializerMethodField(
        help_text="Country codes where it is offered; empty means every country (5.2).")

    class Meta:
        model = PaidService
        fields = ["code", "name", "description", "url", "countries"]

    def get_countries(self, service) -> list[str]:
        return [country.code for country in service.countries]


@extend_schema_view(get=extend_schema(
    summary="Paid services",
    description="Services outside Standard Support (5.1). With `?workspace=`, only those "
    "offered in that workspace's country (5.2), i.e. those a quote can be asked for.",
    parameters=[WORKSPACE_PARAM],
    responses={200: PaidServiceSerializer(many=True)},
))
class PaidServiceListView(generics.ListAPIView):
    serializer_class = PaidServiceSerializer

    def get_queryset(self):
        queryset = PaidService.objects.visible_to(self.request.user)
        slug = self.request.query_params.get("workspace")
        if slug is not None:
            queryset = queryset.offered_in(resolve_workspace(self.request.user, slug[:60]).country)
        return queryset
