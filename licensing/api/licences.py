"""Licences under /api/v1/licences/: the caller's, and claiming one by its key."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts import access
from accounts.api_common import (
    WORKSPACE_NOT_FOUND,
    WORKSPACE_PARAM,
    WorkspaceField,
    error_response,
    filter_by_workspace,
)
from accounts.workspace import slug_of

from .. import licences
from ..keys import KEY_FORMAT, KEY_INPUT_PATTERN, MAX_KEY_INPUT
from ..models import Licence


class LicenceSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField(
        help_text="The masked activation code (only its last group); null for company "
        "members who are not admins.")
    product = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    plan = serializers.CharField(source="plan.code", read_only=True)
    plan_name = serializers.CharField(source="plan.localized_name", read_only=True)
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
            administered, _member_of = access.memberships(self.context["request"].user)
            self.context["administered"] = set(administered)
        return self.context["administered"]

    def get_workspace(self, licence) -> str:
        return slug_of(licence)

    def get_is_valid(self, licence) -> bool:
        return licence.is_valid_on(self.context.get("today") or timezone.localdate())


@extend_schema_field({"type": "string", "pattern": KEY_INPUT_PATTERN,
                      "maxLength": MAX_KEY_INPUT})
class ActivationCodeField(serializers.CharField):
    """An activation code as typed. The schema gives its pattern; the claim service checks
    it (`keys.normalize_key`), so a malformed code is refused and recorded like any other
    wrong one."""


class LicenceClaimSerializer(serializers.Serializer):
    workspace = WorkspaceField()
    licence_key = ActivationCodeField(
        max_length=MAX_KEY_INPUT, help_text=f"The activation code, {KEY_FORMAT}; case, "
        "spaces and dashes do not matter.")


@extend_schema_view(
    list=extend_schema(
        summary="Licences",
        description="Licences of every workspace the caller reaches (or of `?workspace=`). "
        "Keys are masked; company members who are not admins see no key.",
        parameters=[WORKSPACE_PARAM],
        responses={200: LicenceSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One licence",
        responses={200: LicenceSerializer},
    ),
    create=extend_schema(
        summary="Add a licence by its activation code",
        description="Claims a licence that staff issued and nobody holds yet, for a home "
        "workspace or (company admins only) a company. An unknown key and a key somebody "
        "else holds get the same answer. Too many wrong keys answer 429 for a while.",
        request=LicenceClaimSerializer,
        responses={201: LicenceSerializer, 404: WORKSPACE_NOT_FOUND,
                   403: error_response("Only a company's administrators add its licences."),
                   429: error_response("Too many wrong activation codes; see Retry-After.")},
    ),
)
class LicenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = LicenceSerializer

    def get_queryset(self):
        queryset = Licence.objects.visible_to(self.request.user).select_related(
            "product", "plan", "company")
        if self.action == "list":
            queryset = filter_by_workspace(queryset, self.request)
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def create(self, request, *args, **kwargs):
        claim = LicenceClaimSerializer(data=request.data, context={"request": request})
        claim.is_valid(raise_exception=True)
        licence = licences.claim_licence(
            key=claim.validated_data["licence_key"],
            workspace=claim.validated_data["workspace"], user=request.user, request=request)
        licence = self.get_queryset().get(pk=licence.pk)
        return Response(self.get_serializer(licence).data, status=status.HTTP_201_CREATED)
