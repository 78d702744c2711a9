"""Quote requests for paid services under /api/v1/quotes/ (clauses 5.1, 5.2)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.api_common import (
    WORKSPACE_NOT_FOUND,
    WORKSPACE_PARAM,
    WorkspaceField,
    error_response,
    filter_by_workspace,
)
from accounts.workspace import Workspace, slug_of

from .. import quotes
from ..models import PaidServiceCode, QuoteRequest, RequestCategory


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
        return slug_of(quote)

    def get_requester(self, quote) -> str | None:
        return quote.requester.email if quote.requester_id else None


class QuoteCreateSerializer(serializers.Serializer):
    workspace = WorkspaceField()
    service = serializers.ChoiceField(choices=PaidServiceCode.choices)
    message = serializers.CharField(max_length=quotes.QUOTE_MESSAGE_MAX,
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
        responses={200: QuoteSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One quote request",
        responses={200: QuoteSerializer},
    ),
    create=extend_schema(
        summary="Ask for a quote for a paid service",
        description="Only for a service offered in the workspace's country (5.2).",
        request=QuoteCreateSerializer,
        responses={201: QuoteSerializer, 404: WORKSPACE_NOT_FOUND,
                   403: error_response("Only for one's own workspace.")},
    ),
)
class QuoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    serializer_class = QuoteSerializer

    def get_queryset(self):
        queryset = QuoteRequest.objects.visible_to(self.request.user).select_related(
            "service", "company", "requester", "category")
        if self.action == "list":
            queryset = filter_by_workspace(queryset, self.request)
        return queryset

    def create(self, request, *args, **kwargs):
        form = QuoteCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        workspace: Workspace = data["workspace"]
        quote = quotes.request_quote(
            workspace=workspace, user=request.user, service=data["service"],
            message=data["message"], category=data.get("category"),
            clause=data.get("clause", ""), request=request)
        quote = self.get_queryset().get(pk=quote.pk)
        return Response(self.get_serializer(quote).data, status=status.HTTP_201_CREATED)
