"""POST /api/v1/eligibility/: may this request be filed? (DESIGN.md section 3)"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from accounts.api_common import WORKSPACE_NOT_FOUND, WorkspaceField

from .. import intake
from ..keys import KEY_FORMAT
from ..models import OperatingSystem


class EligibilityInputSerializer(serializers.Serializer):
    """The facts a decision is made on. The fields describe the input for the schema; the
    intake parser (`licensing.intake`) checks and resolves it, as for every other face, and
    `validated_data["facts"]` holds the result. The request serializer extends it."""

    workspace = WorkspaceField()
    category = serializers.CharField(max_length=intake.MAX_CODE_LENGTH,
                                     help_text="A category or topic code.")
    product = serializers.CharField(
        max_length=intake.MAX_CODE_LENGTH, required=False, allow_null=True, allow_blank=True,
        help_text="Product code; required unless the category needs no product check.")
    version = serializers.CharField(
        max_length=intake.MAX_VERSION_LENGTH, required=False, allow_null=True,
        allow_blank=True, help_text="A version of that product, e.g. 21.3.10.")
    # The choice's message is the intake's, which never repeats what it could not read.
    os = serializers.ChoiceField(
        choices=OperatingSystem.choices, required=False, allow_null=True, allow_blank=True,
        error_messages={"invalid_choice": gettext_lazy("Choose a platform from the list.")},
        help_text="The platform the product runs on.")
    os_version = serializers.CharField(
        max_length=intake.MAX_VERSION_LENGTH, required=False, allow_null=True,
        allow_blank=True, help_text="The platform's version, e.g. 10.15.")
    licence_key = serializers.CharField(
        max_length=intake.MAX_KEY_INPUT_LENGTH, required=False, allow_null=True,
        allow_blank=True, help_text=f"Optional activation code ({KEY_FORMAT}); case, "
        "spaces and dashes do not matter. For business software it is the licence checked "
        "(4.5b).")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = self.context["request"].user
        try:
            attrs["facts"] = intake.parse_eligibility(
                attrs, workspace=attrs["workspace"], catalogue=intake.Catalogue(user))
        except intake.IntakeInvalid as exc:
            raise serializers.ValidationError(exc.errors) from None
        return attrs


class OfferSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="support_extension, professional_services, incident_response, "
        "premium_support, community, knowledge_base, online_courses or product_feedback.")
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
        responses={200: DecisionSerializer, 404: WORKSPACE_NOT_FOUND},
    )
    def post(self, request):
        serializer = EligibilityInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        decision = intake.check(serializer.validated_data["facts"], by=request.user,
                                http_request=request)
        return Response(DecisionSerializer(decision.as_dict()).data)
