"""Feedback API: answering an emailed survey link, and feedback on one's own requests.

- `GET/POST /api/v1/feedback/<token>/`: no login; the token is the credential. GET returns
  the survey and the link's state and records nothing; POST answers (once).
- `GET/POST /api/v1/requests/<reference>/feedback/`: the feedback of a request in the
  caller's reach (7.1, 7.2); 404 outside it.
"""

from django.contrib import auth
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.api_common import error_response
from helpdesk.models import SupportRequest

from . import answering, tokens
from .forms import SurveyForm, api_data_to_form
from .language import link_language
from .models import (
    COMMENT_MAX_LENGTH,
    FeedbackRequest,
    FeedbackResponse,
    Question,
    Survey,
)


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The answer field: satisfaction, solved, effort, "
                                           "recommend or comment.")
    kind = serializers.CharField(help_text='"scale", "yes_no" or "text".')
    text = serializers.CharField()
    required = serializers.BooleanField()
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    low_label = serializers.CharField(allow_blank=True)
    high_label = serializers.CharField(allow_blank=True)
    max_length = serializers.IntegerField(allow_null=True)

    def to_representation(self, question: Question):
        scale = question.scale
        return {
            "code": question.code,
            "kind": scale.kind,
            "text": question.localized_text,
            "required": question.is_required,
            "min": scale.minimum,
            "max": scale.maximum,
            "low_label": question.localized_low_label,
            "high_label": question.localized_high_label,
            "max_length": COMMENT_MAX_LENGTH if scale.kind == "text" else None,
        }


class SurveySerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    intro = serializers.CharField(allow_blank=True)
    questions = QuestionSerializer(many=True)

    def to_representation(self, survey: Survey):
        return {
            "code": survey.code,
            "kind": survey.kind,
            "title": survey.localized_title,
            "intro": survey.localized_intro,
            "questions": QuestionSerializer(answering.questions_of(survey), many=True).data,
        }


class AnswerSerializer(serializers.Serializer):
    """The answers; which ones are required depends on the survey's questions."""

    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False,
                                            allow_null=True)
    solved = serializers.BooleanField(required=False, allow_null=True)
    effort = serializers.IntegerField(min_value=1, max_value=5, required=False,
                                      allow_null=True)
    recommend = serializers.IntegerField(min_value=0, max_value=10, required=False,
                                         allow_null=True)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False,
                                    allow_blank=True)


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedbackResponse
        fields = ["satisfaction", "solved", "effort", "recommend", "comment", "channel",
                  "created_at"]
        read_only_fields = fields


class LinkStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open"])
    reference = serializers.CharField(allow_blank=True)
    period = serializers.CharField(allow_blank=True)
    expires_at = serializers.DateTimeField()
    survey = SurveySerializer()


class RequestFeedbackSerializer(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=["open", "answered"])
    survey = SurveySerializer()
    response = ResponseSerializer(allow_null=True)




def _validated(survey: Survey, data) -> dict:
    form = SurveyForm(answering.questions_of(survey), data=api_data_to_form(data))
    if form.is_valid():
        return form.answers
    errors = {("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
              for k, v in form.errors.items()}
    raise ValidationError(errors)


LINK_ERROR = error_response("The link is not valid (tampered, or not a survey link), or the "
                            "answers are not: `errors` says which.")
LINK_GONE = error_response("The survey was answered already (`used`) or the link expired "
                           "(`expired`).")
LINK_LANGUAGE = ("The survey's texts and messages are in the language of the signed-in "
                 "reader, else the one the client asks for (Accept-Language, or the portal's "
                 "language cookie), else the recipient's: the link's page follows the same "
                 "rule.")
LINK_MESSAGES = {
    "used": gettext_lazy("This survey has already been answered."),
    "expired": gettext_lazy("This link has expired."),
    "invalid": gettext_lazy("This link is not valid."),
}


def _link_error(error: tokens.TokenError) -> Response:
    return Response({"detail": str(LINK_MESSAGES[error.reason]), "code": error.reason,
                     "errors": {}}, status=error.status)



class FeedbackLinkView(GenericAPIView):
    """An emailed survey link; no login. A tampered or wrong-purpose token answers 400,
    a used or expired one 410."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = AnswerSerializer

    def _language(self, feedback_request) -> str:
        """The language `feedback.language` decides, as the link's page does: the token is
        the credential here, so the signed-in reader is read from the session, as the page
        reads them."""
        request = self.request._request
        return link_language(request, feedback_request.user, reader=auth.get_user(request))

    def _state(self, feedback_request: FeedbackRequest) -> dict:
        return {
            "state": "open",
            "reference": (feedback_request.support_request.reference
                          if feedback_request.support_request_id else ""),
            "period": feedback_request.period,
            "expires_at": serializers.DateTimeField().to_representation(
                feedback_request.expires_at),
            "survey": SurveySerializer(feedback_request.survey).data,
        }

    @extend_schema(operation_id="feedback_link_read", description=LINK_LANGUAGE, responses={
        200: LinkStateSerializer, 400: LINK_ERROR, 410: LINK_GONE})
    def get(self, request, token):
        try:
            feedback_request = answering.find_by_token(token)
        except tokens.TokenError as exc:
            return _link_error(exc)
        with translation.override(self._language(feedback_request)):
            return Response(self._state(feedback_request))

    @extend_schema(operation_id="feedback_link_answer", description=LINK_LANGUAGE,
                   request=AnswerSerializer, responses={
        201: ResponseSerializer, 400: LINK_ERROR, 410: LINK_GONE})
    def post(self, request, token):
        try:
            feedback_request = answering.find_by_token(token)
        except tokens.TokenError as exc:
            return _link_error(exc)
        language = self._language(feedback_request)
        with translation.override(language):
            answers = _validated(feedback_request.survey, request.data)
        try:
            response = answering.answer(feedback_request, answers=answers, channel="api",
                                       language=language)
        except answering.AlreadyAnswered:
            return _link_error(tokens.UsedToken())
        return Response(ResponseSerializer(response).data, status=status.HTTP_201_CREATED)


class RequestFeedbackView(GenericAPIView):
    """The feedback of one of the caller's requests (company admins: any of the company's).
    POST gives it, once per request, at any time."""

    serializer_class = AnswerSerializer

    def get_support_request(self, reference):
        return get_object_or_404(SupportRequest.objects.visible_to(self.request.user),
                                 reference=reference)

    def _feedback(self, support_request):
        # The request was looked up within the caller's reach; its feedback goes with it.
        return (
            FeedbackRequest.objects.select_related("survey", "response")
            .filter(support_request=support_request).first()
        )

    def _body(self, support_request, feedback_request):
        response = getattr(feedback_request, "response", None) if feedback_request else None
        survey = feedback_request.survey if feedback_request else get_object_or_404(
            Survey, code=Survey.POST_RESOLUTION)
        return {
            "reference": support_request.reference,
            "state": "answered" if response is not None else "open",
            "survey": SurveySerializer(survey).data,
            "response": ResponseSerializer(response).data if response is not None else None,
        }

    @extend_schema(operation_id="request_feedback_read",
                   responses={200: RequestFeedbackSerializer})
    def get(self, request, reference):
        support_request = self.get_support_request(reference)
        return Response(self._body(support_request, self._feedback(support_request)))

    @extend_schema(operation_id="request_feedback_answer", request=AnswerSerializer,
                   responses={201: RequestFeedbackSerializer,
                              403: error_response("Only the request's customer gives "
                                                  "feedback on it (`not_customer`)."),
                              409: error_response("Feedback on this request has already "
                                                  "been given (`already_answered`).")})
    def post(self, request, reference):
        support_request = self.get_support_request(reference)
        feedback_request = self._feedback(support_request)
        survey = feedback_request.survey if feedback_request else get_object_or_404(
            Survey, code=Survey.POST_RESOLUTION)
        answering.answer_support_request(support_request, answers=_validated(survey, request.data),
                                       respondent=request.user, channel="api",
                                       language=translation.get_language())
        return Response(self._body(support_request, self._feedback(support_request)),
                        status=status.HTTP_201_CREATED)


urlpatterns = [
    path("feedback/<str:token>/", FeedbackLinkView.as_view(), name="api-feedback-link"),
    path("requests/<str:reference>/feedback/", RequestFeedbackView.as_view(),
         name="api-request-feedback"),
]
