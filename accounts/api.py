from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from . import services
from .models import ApiToken, User
from .workspace import workspaces_of


class UserSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = User
        fields = ["email", "full_name", "country", "language", "time_zone"]
        read_only_fields = fields


class WorkspaceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.SerializerMethodField()
    segment = serializers.CharField()
    country = serializers.CharField()
    is_admin = serializers.BooleanField()

    def get_kind(self, workspace) -> str:
        return "company" if workspace.is_company else "home"


class MeView(generics.GenericAPIView):
    serializer_class = UserSerializer

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class WorkspaceListView(generics.GenericAPIView):
    serializer_class = WorkspaceSerializer
    pagination_class = None

    @extend_schema(responses=WorkspaceSerializer(many=True))
    def get(self, request):
        return Response(WorkspaceSerializer(workspaces_of(request.user), many=True).data)


class ApiTokenSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=100)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = [*ApiTokenSerializer.Meta.read_only_fields, "key"]


class ApiTokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                      mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Personal API tokens: list, create (the key is in the answer, once), revoke."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return ApiToken.objects.visible_to(self.request.user).active()

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.create_api_token(
            request.user, name=serializer.validated_data["name"], request=request
        )
        token.key = key
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.revoke_api_token(instance, by=self.request.user)


router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("workspaces/", WorkspaceListView.as_view(), name="api-workspaces"),
    *router.urls,
]
