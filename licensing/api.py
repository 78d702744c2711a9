"""Catalogue, eligibility, licences and quote requests under /api/v1/.

Views are thin: input serializers check and resolve the input, one service call or
`eligibility.decide` does the work, output serializers shape the answer. Every read goes
through a queryset's `visible_to(user)`, so rows outside the caller's reach are simply
absent (404).
"""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts import api as accounts_api
from accounts.models import Company
from accounts.workspace import Workspace, resolve_workspace

from . import services
from .eligibility import Decision, decide
from .keys import KEY_FORMAT, normalize_key
from .models import (
    Licence,
    OperatingSystem,
    PaidService,
    PaidServiceCode,
    Product,
    ProductVersion,
    QuoteRequest,
    RequestCategory,
    SystemRequirement,
)
from .versions import validate_version, version_key

# Error bodies (config.api.exception_handler) -------------------------------------------


class ApiErrorSerializer(serializers.Serializer):
    """Every error: a sentence, and field errors under the input's names."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name -> messages; `non_field_errors` for the input as a whole; "
        "empty when the error is not about the input.",
    )


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorSerializer, description=description)


BAD_INPUT = _error("Invalid input: `errors` holds the messages per field.")
NOT_SIGNED_IN = _error("Not signed in, or the token is invalid.")
NOT_FOUND = _error("Not found, or outside the caller's reach (a workspace they are not in).")
FORBIDDEN = _error("The caller may not do this here (e.g. a company member, not an admin).")
WORKSPACE_PARAM = OpenApiParameter(
    "workspace", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description='Only this workspace: "my" or a company slug (404 if the caller is not in '
    "it). Without it, every workspace the caller reaches.",
)


def _workspace_slug(obj) -> str:
    return obj.company.slug if obj.company_id else "my"


def _filter_by_workspace(queryset, request):
    slug = request.query_params.get("workspace")
    if slug is None:
        return queryset
    return queryset.in_workspace(resolve_workspace(request.user, slug[:60]))


# Catalogue -----------------------------------------------------------------------------


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
    responses={200: ProductSerializer(many=True), 401: NOT_SIGNED_IN},
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
    responses={200: CategorySerializer(many=True), 401: NOT_SIGNED_IN},
))
class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer

    def get_queryset(self):
        return RequestCategory.objects.visible_to(self.request.user)


class PaidServiceSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="professional_services, "
                                 "incident_response, premium_support or support_extension.")
    name = serializers.CharField(source="localized_name", read_only=True)
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
    responses={200: PaidServiceSerializer(many=True), 401: NOT_SIGNED_IN, 404: NOT_FOUND},
))
class PaidServiceListView(generics.ListAPIView):
    serializer_class = PaidServiceSerializer

    def get_queryset(self):
        queryset = PaidService.objects.visible_to(self.request.user)
        slug = self.request.query_params.get("workspace")
        if slug is not None:
            queryset = queryset.offered_in(resolve_workspace(self.request.user, slug[:60]).country)
        return queryset


# Eligibility ---------------------------------------------------------------------------


class EligibilityInputSerializer(serializers.Serializer):
    """The facts a decision is made on (DESIGN.md section 3).

    `validated_data` holds model instances: workspace (Workspace), category
    (RequestCategory), product (Product or None), version (ProductVersion or None), os,
    os_version (str or None) and licence_key (normalised, or None). The helpdesk's request
    serializer subclasses it; `decide()` gives the decision on the validated input.
    """

    workspace = accounts_api.WorkspaceField()
    category = serializers.CharField(max_length=40, help_text="A category or topic code.")
    product = serializers.CharField(
        max_length=60, required=False, allow_null=True, allow_blank=True,
        help_text="Product code; required unless the category needs no product check.")
    version = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True,
        help_text="A version of that product, e.g. 21.3.10.")
    os = serializers.ChoiceField(
        choices=OperatingSystem.choices, required=False, allow_null=True, allow_blank=True,
        help_text="The platform the product runs on.")
    os_version = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True,
        help_text="The platform's version, e.g. 10.15.")
    licence_key = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=True,
        help_text=f"Optional activation code ({KEY_FORMAT}); case, spaces and dashes do not "
        "matter. For business software it is the licence checked (4.5b).")

    PRODUCT_FIELDS = ("product", "version", "os", "os_version")

    def _user(self):
        return self.context["request"].user

    def validate_category(self, value):
        category = RequestCategory.objects.visible_to(self._user()).filter(
            code=value.strip()).first()
        if category is None:
            raise serializers.ValidationError(_("There is no category with this code."))
        return category

    def validate_product(self, value):
        if not value:
            return None
        product = (
            Product.objects.visible_to(self._user()).with_catalogue()
            .filter(code=value.strip()).first()
        )
        if product is None:
            raise serializers.ValidationError(_("There is no product with this code."))
        return product

    def validate_version(self, value):
        return self._version_string(value)

    def validate_os_version(self, value):
        return self._version_string(value)

    @staticmethod
    def _version_string(value):
        if not value:
            return None
        validate_version(value)
        return value.strip()

    def validate_licence_key(self, value):
        if value is None or not value.strip():
            return None
        return normalize_key(value)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        category = attrs["category"]
        product = attrs.get("product")
        version_string = attrs.get("version")
        os, os_version = attrs.get("os") or None, attrs.get("os_version")
        errors = {}
        if category.in_scope and category.needs_product:
            for name in self.PRODUCT_FIELDS:
                if not attrs.get(name):
                    errors[name] = [_("Required for this category.")]
        version = None
        if version_string and product is not None:
            wanted = version_key(version_string)
            version = next(
                (v for v in product.versions.all() if version_key(v.version) == wanted), None)
            if version is None:
                errors["version"] = [_("%(product)s has no version %(version)s.") % {
                    "product": product.name, "version": version_string}]
        elif version_string and "product" not in errors:
            errors["product"] = [_("Give the product this version belongs to.")]
        if os_version and not os and "os" not in errors:
            errors["os"] = [_("Give the platform this version belongs to.")]
        if errors:
            raise serializers.ValidationError(errors)
        attrs.update(product=product, version=version, os=os, os_version=os_version,
                     licence_key=attrs.get("licence_key") or None)
        return attrs

    def decide(self, *, on=None) -> Decision:
        """The decision for the validated input (a pure read)."""
        data = self.validated_data
        return decide(workspace=data["workspace"], category=data["category"],
                      product=data["product"], version=data["version"], os=data["os"],
                      os_version=data["os_version"], licence_key=data["licence_key"], on=on)


class OfferSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="support_extension, professional_services, incident_response, "
        "premium_support or community.")
    name = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    clause = serializers.CharField(allow_null=True,
                                   help_text='The clause refused under, e.g. "4.3.2"; null '
                                   "when eligible.")
    reason = serializers.CharField(help_text="For the user, in their language.")
    offers = OfferSerializer(many=True)


class EligibilityView(generics.GenericAPIView):
    serializer_class = EligibilityInputSerializer

    @extend_schema(
        summary="May this request be filed?",
        description="Answers 200 whether eligible or not; a refusal is recorded for staff. "
        "Product, version and OS may be left out for categories that need no product check "
        "(4.1.3, 4.1.4) and for out-of-scope topics.",
        request=EligibilityInputSerializer,
        responses={200: DecisionSerializer, 400: BAD_INPUT, 401: NOT_SIGNED_IN,
                   404: NOT_FOUND},
    )
    def post(self, request):
        serializer = EligibilityInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        decision = serializer.decide()
        data = serializer.validated_data
        services.record_refusal(decision, user=request.user, workspace=data["workspace"],
                                category=data["category"], product=data["product"],
                                version=data["version"], request=request)
        return Response(DecisionSerializer(decision.as_dict()).data)


# Licences ------------------------------------------------------------------------------


class LicenceSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField(
        help_text="The masked activation code (only its last group); null for company "
        "members who are not admins.")
    product = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    plan = serializers.CharField(source="plan.code", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    workspace = serializers.SerializerMethodField(help_text='"my" or the company slug.')
    is_valid = serializers.SerializerMethodField(
        help_text="Active, started and not expired today (clause 4.5b).")

    class Meta:
        model = Licence
        fields = ["id", "key", "product", "product_name", "plan", "plan_name", "seats",
                  "starts_on", "expires_on", "status", "is_valid", "workspace", "claimed_at"]
        read_only_fields = fields

    def get_key(self, licence) -> str | None:
        user = self.context["request"].user
        if licence.company_id is None:
            return licence.masked_key if licence.home_user_id == user.pk else None
        return licence.masked_key if licence.company_id in self._administered() else None

    def _administered(self) -> set[int]:
        if "administered" not in self.context:
            self.context["administered"] = set(
                Company.objects.administered_by(self.context["request"].user)
                .values_list("pk", flat=True))
        return self.context["administered"]

    def get_workspace(self, licence) -> str:
        return _workspace_slug(licence)

    def get_is_valid(self, licence) -> bool:
        return licence.is_valid_on(self.context.get("today") or timezone.localdate())


class LicenceClaimSerializer(serializers.Serializer):
    workspace = accounts_api.WorkspaceField()
    licence_key = serializers.CharField(
        max_length=100, help_text=f"The activation code, {KEY_FORMAT}; case, spaces and "
        "dashes do not matter.")


class RateLimitedError(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"

    def __init__(self, detail, wait: int):
        super().__init__(detail)
        self.wait = wait


def raise_api_error(exc: services.LicensingError):
    """A refused change as the API's answer: 403, 429, or 400 with the field's error."""
    if isinstance(exc, services.NotAllowed):
        raise exceptions.PermissionDenied(exc.message)
    if isinstance(exc, services.RateLimited):
        raise RateLimitedError(exc.message, exc.retry_after)
    raise serializers.ValidationError({exc.field or "non_field_errors": [exc.message]})


@extend_schema_view(
    list=extend_schema(
        summary="Licences",
        description="Licences of every workspace the caller reaches (or of `?workspace=`). "
        "Keys are masked; company members who are not admins see no key.",
        parameters=[WORKSPACE_PARAM],
        responses={200: LicenceSerializer(many=True), 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    ),
    retrieve=extend_schema(
        summary="One licence",
        responses={200: LicenceSerializer, 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a licence by its activation code",
        description="Claims a licence that staff issued and nobody holds yet, for a home "
        "workspace or (company admins only) a company. An unknown key and a key somebody "
        "else holds get the same answer. Too many wrong keys answer 429 for a while.",
        request=LicenceClaimSerializer,
        responses={201: LicenceSerializer, 400: BAD_INPUT, 401: NOT_SIGNED_IN,
                   403: FORBIDDEN, 404: NOT_FOUND,
                   429: _error("Too many wrong activation codes; see Retry-After.")},
    ),
)
class LicenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = LicenceSerializer

    def get_queryset(self):
        queryset = Licence.objects.visible_to(self.request.user).select_related(
            "product", "plan", "company")
        if self.action == "list":
            queryset = _filter_by_workspace(queryset, self.request)
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def create(self, request, *args, **kwargs):
        claim = LicenceClaimSerializer(data=request.data, context={"request": request})
        claim.is_valid(raise_exception=True)
        try:
            licence = services.claim_licence(
                key=claim.validated_data["licence_key"],
                workspace=claim.validated_data["workspace"], user=request.user,
                request=request)
        except services.LicensingError as exc:
            raise_api_error(exc)
        licence = self.get_queryset().get(pk=licence.pk)
        return Response(self.get_serializer(licence).data, status=status.HTTP_201_CREATED)


# Quote requests ------------------------------------------------------------------------


class QuoteSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.code", read_only=True)
    service_name = serializers.CharField(source="service.localized_name", read_only=True)
    category = serializers.SerializerMethodField()
    workspace = serializers.SerializerMethodField(help_text='"my" or the company slug.')
    requester = serializers.SerializerMethodField(help_text="Email of who asked.")

    class Meta:
        model = QuoteRequest
        fields = ["id", "service", "service_name", "workspace", "status", "message", "clause",
                  "category", "staff_reply", "requester", "created_at", "updated_at"]
        read_only_fields = fields

    def get_category(self, quote) -> str | None:
        return quote.category.code if quote.category_id else None

    def get_workspace(self, quote) -> str:
        return _workspace_slug(quote)

    def get_requester(self, quote) -> str | None:
        return quote.requester.email if quote.requester_id else None


class QuoteCreateSerializer(serializers.Serializer):
    workspace = accounts_api.WorkspaceField()
    service = serializers.ChoiceField(choices=PaidServiceCode.choices)
    message = serializers.CharField(max_length=services.QUOTE_MESSAGE_MAX,
                                    help_text="What is needed.")
    category = serializers.CharField(max_length=40, required=False, allow_null=True,
                                     allow_blank=True,
                                     help_text="The category or topic that led to it.")
    clause = serializers.CharField(max_length=16, required=False, allow_blank=True,
                                   help_text='The clause that led to it, e.g. "4.2.5".')

    def validate_category(self, value):
        if not value:
            return None
        category = RequestCategory.objects.visible_to(self.context["request"].user).filter(
            code=value.strip()).first()
        if category is None:
            raise serializers.ValidationError(_("There is no category with this code."))
        return category


@extend_schema_view(
    list=extend_schema(
        summary="Quote requests",
        description="A home user's own; in a company, admins see all and members their own.",
        parameters=[WORKSPACE_PARAM],
        responses={200: QuoteSerializer(many=True), 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    ),
    retrieve=extend_schema(
        summary="One quote request",
        responses={200: QuoteSerializer, 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Ask for a quote for a paid service",
        description="Only for a service offered in the workspace's country (5.2).",
        request=QuoteCreateSerializer,
        responses={201: QuoteSerializer, 400: BAD_INPUT, 401: NOT_SIGNED_IN, 403: FORBIDDEN,
                   404: NOT_FOUND},
    ),
)
class QuoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    serializer_class = QuoteSerializer

    def get_queryset(self):
        queryset = QuoteRequest.objects.visible_to(self.request.user).select_related(
            "service", "company", "requester", "category")
        if self.action == "list":
            queryset = _filter_by_workspace(queryset, self.request)
        return queryset

    def create(self, request, *args, **kwargs):
        form = QuoteCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        workspace: Workspace = data["workspace"]
        try:
            quote = services.request_quote(
                workspace=workspace, user=request.user, service=data["service"],
                message=data["message"], category=data.get("category"),
                clause=data.get("clause", ""), request=request)
        except services.LicensingError as exc:
            raise_api_error(exc)
        quote = self.get_queryset().get(pk=quote.pk)
        return Response(self.get_serializer(quote).data, status=status.HTTP_201_CREATED)


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
