"""What every app's API shares: the error body in the schema and the workspace parameter.

How a refusal becomes an HTTP answer is decided once, in `config.api.exception_handler`;
the generic answers (400, 401, 403, 404, 429) are added to every operation of the schema
there too, so views only describe the answers that are their own.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.fields import empty

from .workspace import resolve_workspace


class ApiErrorSerializer(serializers.Serializer):
    """Every error: a sentence, a stable code, and field errors under the input's names."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable for clients, e.g. `invalid`, `forbidden`, "
                                 "`mfa_required`, `conflict`, `rate_limited`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name -> messages; `non_field_errors` for the input as a whole; "
        "empty when the error is not about the input.",
    )


def error_response(description: str) -> OpenApiResponse:
    """An error answer of one operation, with what it means there."""
    return OpenApiResponse(ApiErrorSerializer, description=description)


WORKSPACE_NOT_FOUND = OpenApiResponse(
    ApiErrorSerializer, description="`workspace` names a company the caller is not in (or "
    "none at all): as if it did not exist.")
WORKSPACE_PARAM = OpenApiParameter(
    "workspace", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description='Only this workspace: "my" or a company slug (404 if the caller is not in '
    "it). Without it, every workspace the caller reaches.",
)


class WorkspaceField(serializers.CharField):
    """`"my"` or a company slug, resolved for the caller; 404 outside their reach."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("help_text", '"my" for the home workspace, or a company slug.')
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        # The slug is checked as a string (type, length) first and resolved last, so the
        # length validator never sees a Workspace.
        slug = super().run_validation(data)
        if slug is None or slug is empty:
            return slug
        return resolve_workspace(self.context["request"].user, slug)


def filter_by_workspace(queryset, request):
    """`?workspace=` narrows a list to one workspace the caller is in (404 otherwise)."""
    slug = request.query_params.get("workspace")
    if slug is None:
        return queryset
    return queryset.in_workspace(resolve_workspace(request.user, slug[:60]))

