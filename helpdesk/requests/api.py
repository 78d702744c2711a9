"""Support requests, their conversation and their files under /api/v1/requests/.

Thin views: every read starts from a `visible_to(user)` queryset (a request outside the
caller's reach is 404, for every method), every change is one call into
the services of `helpdesk.requests`, and the serializers only shape the answer.
"""

import re

from django.db import DatabaseError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts import access
from accounts.api_common import (
    WORKSPACE_NOT_FOUND,
    WORKSPACE_PARAM,
    error_response,
    filter_by_workspace,
)
from accounts.workspace import slug_of
from licensing.api.eligibility import DecisionSerializer, EligibilityInputSerializer
from licensing.intake import PRODUCT_FIELDS, Catalogue, IntakeInvalid, needs_product_check
from licensing.models import RequestCategory

from . import api_rows, conditional, files, filing, lifecycle, service_level, storage, transitions
from .files import file_response
from .models import Attachment, Message, Priority, SupportRequest, UtilityRequest

REFUSED = OpenApiResponse(
    DecisionSerializer,
    description="The Support Rules do not allow this request: the eligibility decision "
    "(the same body as POST /api/v1/eligibility/ answers), with the clause and offers.")
CONFLICT = error_response("The request is not in a state where this can happen.")




# Serializers ---------------------------------------------------------------------------


class RequestSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    workspace = serializers.SerializerMethodField(help_text='"my" or the company slug.')
    requester = serializers.SerializerMethodField(help_text="Email of who filed it.")

    class Meta:
        model = SupportRequest
        fields = ["reference", "status", "subject", "category", "priority", "workspace",
                  "requester", "created_at", "updated_at", "first_response_due",
                  "next_response_due", "resolution_due", "sla_state"]
        read_only_fields = fields

    def get_workspace(self, support_request) -> str:
        return slug_of(support_request)

    def get_requester(self, support_request) -> str | None:
        return support_request.requester.email if support_request.requester_id else None


class FlagSerializer(serializers.Serializer):
    clause = serializers.CharField(help_text='The clause, "4.4.1" to "4.4.6".')
    title = serializers.CharField(source="get_clause_display")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class UtilityRequestSerializer(serializers.ModelSerializer):
    pending = serializers.BooleanField(source="is_pending",
                                       help_text="True until the output file is uploaded.")

    class Meta:
        model = UtilityRequest
        fields = ["id", "utility", "url", "instructions", "created_at", "fulfilled_at",
                  "pending"]
        read_only_fields = fields


class RequestDetailSerializer(RequestSerializer):
    product = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule_set = serializers.SerializerMethodField(
        help_text="Version of the Support Rules the request was filed under (6.1).")
    decision = DecisionSerializer(
        source="filed_decision.as_dict", read_only=True,
        help_text="The eligibility decision it was filed under: eligible, clause, reason "
        "(in the caller's language) and offers.")
    no_guarantee_flags = FlagSerializer(
        many=True, read_only=True,
        help_text="Conditions of 4.4.1-4.4.6 support noted: no guarantee of success.")
    utility_requests = UtilityRequestSerializer(many=True, read_only=True)
    messages_count = serializers.IntegerField(read_only=True)
    follows_up = serializers.SlugRelatedField(slug_field="reference", read_only=True,
                                              allow_null=True)
    merged_into = serializers.SlugRelatedField(slug_field="reference", read_only=True,
                                               allow_null=True)
    # Read-only model fields lose `allow_blank`; declared here so the schema says that ""
    # (no platform given, not closed) is an answer too.
    os = serializers.ChoiceField(choices=SupportRequest._meta.get_field("os").choices,
                                 allow_blank=True, read_only=True)
    close_reason = serializers.ChoiceField(choices=SupportRequest.CloseReason.choices,
                                           allow_blank=True, read_only=True)
    standard_reason = serializers.ChoiceField(
        choices=SupportRequest.StandardReason.choices, allow_blank=True, read_only=True,
        help_text="Why a request under a licence with a paid plan is handled under Standard "
        "Support; empty otherwise.")
    standard_reason_text = serializers.CharField(
        source="get_standard_reason_display", read_only=True,
        help_text="The same, in the caller's language.")
    description_html = serializers.CharField(
        read_only=True, help_text="The description as HTML: Markdown without raw HTML, "
        "cleaned (empty for a request written without it).")
    special_terms = serializers.SerializerMethodField(
        help_text="The product's own support terms where they differ from the standard ones "
        "(3.4); empty when none.")
    special_terms_url = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "description", "description_html", "product",
                  "version", "os", "os_version", "special_terms", "special_terms_url", "plan",
                  "standard_reason", "standard_reason_text", "rule_set", "decision",
                  "rejection_clause",
                  "close_reason", "close_clause", "follows_up", "merged_into",
                  "no_guarantee_flags", "utility_requests", "messages_count",
                  "first_response_at", "resolved_at", "closed_at", "rejected_at"]
        read_only_fields = fields

    def get_product(self, support_request) -> str | None:
        return support_request.product.code if support_request.product_id else None

    def get_version(self, support_request) -> str | None:
        return support_request.version.version if support_request.version_id else None

    def get_special_terms(self, support_request) -> str:
        return support_request.product.special_terms if support_request.product_id else ""

    def get_special_terms_url(self, support_request) -> str:
        return support_request.product.special_terms_url if support_request.product_id else ""

    def get_rule_set(self, support_request) -> str | None:
        return support_request.rule_set.version if support_request.rule_set_id else None


class RequestCreateSerializer(EligibilityInputSerializer):
    """The eligibility fields and the request's text, parsed by the one request intake
    (`filing.parse_request`); `validated_data["intake"]` holds the result."""

    subject = serializers.CharField(max_length=transitions.MAX_SUBJECT)
    description = serializers.CharField(max_length=transitions.MAX_BODY)
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a priority from the list.")},
        help_text="Normal when not given.")

    def validate(self, attrs):
        user = self.context["request"].user
        try:
            attrs["intake"] = filing.parse_request(
                attrs, workspace=attrs["workspace"], catalogue=Catalogue(user))
        except IntakeInvalid as exc:
            raise serializers.ValidationError(exc.errors) from None
        return attrs


class RequestCreateSchema(OpenApiSerializerExtension):
    """The filing's schema says which fields a category requires, as the intake does: the
    product fields, unless the category is one of those decided without them (read from
    the catalogue when the schema is generated)."""

    target_class = RequestCreateSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        try:
            without_product = sorted(c.code for c in RequestCategory.objects.all()
                                     if not needs_product_check(c))
        except DatabaseError:  # `manage.py spectacular` run before any migration
            return schema
        schema["description"] = (
            f"{', '.join(PRODUCT_FIELDS)} are required unless `category` is one decided "
            "without a product (`needs_product` false in GET /api/v1/categories/, or a "
            f"topic Standard Support does not cover): {', '.join(without_product)}.")
        schema["anyOf"] = [
            {"required": list(PRODUCT_FIELDS),
             "properties": {name: {"type": "string", "minLength": 1}
                            for name in PRODUCT_FIELDS}},
            # A pattern, not an enum: the enum hook would name it as if it were every
            # category.
            {"properties": {"category": {"type": "string", "pattern": "^(?:{})$".format(
                "|".join(re.escape(code) for code in without_product))}}},
        ]
        return schema


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    message = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    purged = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="Null for malware samples unless the caller is staff (who get an "
        "encrypted ZIP, password `infected`), and for purged samples.")

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "sha256", "content_type", "is_sample", "message",
                  "created_at", "purged", "download_url"]
        read_only_fields = fields

    def get_purged(self, attachment) -> bool:
        return attachment.purged_at is not None

    def get_download_url(self, attachment) -> str | None:
        staff = self.context.get("staff", False)
        if attachment.is_sample and (not staff or attachment.purged_at is not None):
            return None
        return (f"/api/v1/requests/{self.context['reference']}/attachments/"
                f"{attachment.pk}/download/")


class MessageSerializer(serializers.ModelSerializer):
    request = serializers.SlugRelatedField(
        slug_field="reference", read_only=True,
        help_text="The request the message is on: a reply to a settled request opens a new "
        "one that follows it up.")
    author = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "request", "author", "from_staff", "is_internal", "body", "body_html",
                  "created_at"]
        read_only_fields = fields

    def get_author(self, message) -> str | None:
        return message.author.get_full_name() if message.author_id else None


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=transitions.MAX_BODY,
                                 help_text="Plain text or Markdown (no HTML).")
    internal = serializers.BooleanField(
        default=False, required=False,
        help_text="Staff only: an internal note, never shown to the customer.")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    message = serializers.IntegerField(required=False, allow_null=True,
                                       help_text="Id of the caller's message it goes with.")
    utility_request = serializers.IntegerField(
        required=False, allow_null=True,
        help_text="Id of the utility request whose output this is (6.2).")


# Views ----------------------------------------------------------------------------------

STATUS_PARAM = OpenApiParameter(
    "status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description="Only these statuses, comma-separated: "
    + ", ".join(SupportRequest.Status.values) + ".")
SEARCH_PARAM = OpenApiParameter(
    "search", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description="A reference, or words of the subject.")


class RequestScopedMixin:
    """Resolves the request named in the URL once, within the caller's reach (else 404)."""

    def get_support_request(self) -> SupportRequest:
        if not hasattr(self, "_support_request"):
            self._support_request = get_object_or_404(
                SupportRequest.objects.visible_to(self.request.user).select_related(
                    "category", "company"),
                reference=self.kwargs["reference"])
        return self._support_request

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reference": self.kwargs["reference"],
                "staff": access.is_agent(self.request.user)}


@extend_schema_view(
    get=extend_schema(
        summary="Support requests",
        description="Requests of every workspace the caller reaches (or of `?workspace=`): "
        "a home user's own; in a company, admins see all and members their own.",
        parameters=[WORKSPACE_PARAM, STATUS_PARAM, SEARCH_PARAM],
        responses={200: RequestSerializer(many=True),
                   400: error_response("A status in `status` that does not exist.")},
    ),
    post=extend_schema(
        summary="File a support request",
        description="The eligibility fields plus subject, description and an optional "
        "priority. The request is filed only if the Support Rules allow it; otherwise the "
        "answer is 422 with the eligibility decision (and the refusal is recorded). A "
        "company staff have not verified yet cannot file (403 on `workspace`).",
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer,
                   403: error_response("The company is not verified yet (`workspace`)."),
                   404: WORKSPACE_NOT_FOUND,
                   422: REFUSED},
    ),
)
class RequestListView(generics.ListCreateAPIView):
    serializer_class = RequestSerializer

    def get_queryset(self):
        queryset = SupportRequest.objects.visible_to(self.request.user).for_list()
        params = self.request.query_params
        queryset = filter_by_workspace(queryset, self.request)
        if statuses := params.get("status"):
            wanted = [s.strip() for s in statuses.split(",") if s.strip()]
            unknown = set(wanted) - set(SupportRequest.Status.values)
            if unknown:
                raise serializers.ValidationError({"status": [
                    _("Unknown status: %(status)s.") % {"status": ", ".join(sorted(unknown))}]})
            queryset = queryset.filter(status__in=wanted)
        if search := params.get("search", "").strip()[:200]:
            queryset = queryset.filter(Q(reference__iexact=search) | Q(subject__icontains=search))
        return queryset.order_by("-created_at", "-pk")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*api_rows.LIST_COLUMNS))
        # The page's rows and the total stand for the answer: a client holding it gets 304
        # without the rows being serialized again.
        etag = conditional.etag_for(
            request, "api-list", request.get_full_path(), self.paginator.page.paginator.count,
            *(api_rows.list_state(row) for row in page))
        if response := conditional.not_modified(request, etag):
            return response
        return conditional.tagged(self.get_paginated_response(api_rows.represent(page)), etag)

    def create(self, request, *args, **kwargs):
        form = RequestCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        support_request = filing.file_request(form.validated_data["intake"], by=request.user,
                                              http_request=request)
        detail = _detail_queryset(request.user).get(pk=support_request.pk)
        return Response(RequestDetailSerializer(detail, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _detail_queryset(user):
    messages = Message.objects.filter(request=OuterRef("pk"))
    if not access.is_agent(user):
        messages = messages.public()
    count = messages.order_by().values("request").annotate(n=Count("pk")).values("n")
    return conditional.with_last_event(SupportRequest.objects.visible_to(user).for_detail()
                                       ).annotate(messages_count=Coalesce(Subquery(count), 0))


class PrioritySerializer(serializers.Serializer):
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        error_messages={"invalid_choice": gettext_lazy("Choose a priority from the list.")})


@extend_schema_view(
    get=extend_schema(
        summary="One support request",
        description="With the decision it was filed under, the rules version, due times (paid "
        "plans only; null under Standard Support), no-guarantee flags with their clauses and "
        "pending utility requests.",
        responses={200: RequestDetailSerializer},
    ),
    patch=extend_schema(
        summary="Change a request's priority (staff)",
        description="Staff working the request set its priority; under a paid plan the due "
        "times are computed again for the new priority, and the customer is emailed when a "
        "promised time moves.",
        request=PrioritySerializer,
        responses={200: RequestDetailSerializer,
                   403: error_response("Only staff working the request change it."),
                   409: CONFLICT},
    ),
)
class RequestDetailView(generics.RetrieveAPIView):
    serializer_class = RequestDetailSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return _detail_queryset(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        if request.headers.get("If-None-Match"):
            state = conditional.request_state_row(
                SupportRequest.objects.visible_to(request.user), reference=kwargs["reference"])
            if state is None:
                raise Http404
            if response := conditional.not_modified(request, self.etag(state)):
                return response
        support_request = self.get_object()
        return conditional.tagged(Response(self.get_serializer(support_request).data),
                                  self.etag(support_request))

    def etag(self, support_request) -> str:
        return conditional.etag_for(self.request, "api-detail",
                                    *conditional.state_of(support_request))

    def patch(self, request, *args, **kwargs):
        support_request = self.get_object()
        form = PrioritySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        service_level.change_priority(support_request, by=request.user,
                                      priority=form.validated_data["priority"])
        return Response(self.get_serializer(self.get_queryset().get(pk=support_request.pk)).data)


@extend_schema_view(
    get=extend_schema(
        summary="The conversation of a request",
        description="Public replies, oldest first; staff also see internal notes.",
        responses={200: MessageSerializer(many=True)},
    ),
    post=extend_schema(
        summary="Reply to a request",
        description="A customer reply re-opens a request waiting on them, or a resolved one "
        "within the reopen window; after that, or once closed, it opens a new request that "
        "follows this one up (its `request` says which; the rules apply, so it can be 422). "
        "Only staff may write internal notes.",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer,
                   403: error_response("Only staff working the request write internal notes."),
                   409: CONFLICT, 422: REFUSED},
    ),
)
class MessageListView(RequestScopedMixin, generics.ListCreateAPIView):
    serializer_class = MessageSerializer

    def get_queryset(self):
        return (Message.objects.visible_to(self.request.user)
                .filter(request=self.get_support_request())
                .select_related("author", "request").order_by("created_at", "pk"))

    def create(self, request, *args, **kwargs):
        support_request = self.get_support_request()
        form = MessageCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = lifecycle.add_reply(support_request, by=request.user,
                                      body=form.validated_data["body"],
                                      internal=form.validated_data["internal"])
        message = Message.objects.select_related("author", "request").get(pk=message.pk)
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Files of a request",
        description="Malware samples are listed as metadata only (name, size, SHA-256); "
        "only staff can download them, as a ZIP encrypted with the password `infected`.",
        responses={200: AttachmentSerializer(many=True)},
    ),
    post=extend_schema(
        summary="Upload a file",
        description="multipart/form-data. The size limit is checked before the file is "
        "read, the type is sniffed from the content (images, PDF, text and logs, archives); "
        "on a false-positive or undetected-malware request the file is a sample and any "
        "type is taken. With `utility_request`, the upload answers that utility request "
        "and re-opens the request once nothing else is awaited.",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 409: CONFLICT},
    ),
)
class AttachmentListView(RequestScopedMixin, generics.ListCreateAPIView):
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything parses the body (session auth's CSRF check reads it): the limit
        # handler drops an oversize file while it streams in, instead of after.
        if request.method == "POST":
            request.upload_handlers.insert(0, storage.AttachmentSizeLimitHandler(request))
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return (Attachment.objects.visible_to(self.request.user)
                .filter(request=self.get_support_request()).order_by("created_at", "pk"))

    def create(self, request, *args, **kwargs):
        support_request = self.get_support_request()
        form = AttachmentUploadSerializer(data=request.data)
        if not form.is_valid():
            if getattr(request._request, "upload_too_large", False):
                raise serializers.ValidationError({"file": [storage.too_large_message()]})
            raise serializers.ValidationError(form.errors)
        data = form.validated_data
        message = utility_request = None
        if data.get("message"):
            message = Message.objects.visible_to(request.user).filter(
                request=support_request, pk=data["message"]).first()
            if message is None:
                raise serializers.ValidationError(
                    {"message": [_("There is no such message on this request.")]})
        if data.get("utility_request"):
            utility_request = support_request.utility_requests.filter(
                pk=data["utility_request"]).first()
            if utility_request is None:
                raise serializers.ValidationError(
                    {"utility_request": [_("There is no such utility request on this "
                                           "request.")]})
        attachment = files.upload_attachment(
            support_request, by=request.user, file=data["file"], message=message,
            utility_request=utility_request)
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)


class _FirstRenderer(BaseContentNegotiation):
    """A download answers with the file whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    summary="Download a file",
    description="Always as an attachment. A malware sample downloads only for staff, as a "
    "ZIP encrypted (AES) with the password `infected`; every such download is audited. For "
    "anyone else a sample is 404.",
    responses={(200, "*/*"): OpenApiResponse(
                   OpenApiTypes.BINARY, description="The file, in the type sniffed from its "
                   "content when it was uploaded; a sample as application/zip."),
               409: CONFLICT},
)
class AttachmentDownloadView(generics.GenericAPIView):
    content_negotiation_class = _FirstRenderer
    serializer_class = AttachmentSerializer

    def get(self, request, reference, pk):
        attachment = get_object_or_404(
            Attachment.objects.visible_to(request.user).select_related("request"),
            request__reference=reference, pk=pk)
        if attachment.is_sample and not access.is_agent(request.user):
            raise Http404  # never served to customers: as if it were not there
        return file_response(attachment, by=request.user, http_request=request)


urlpatterns = [
    path("requests/", RequestListView.as_view(), name="api-requests"),
    path("requests/<str:reference>/", RequestDetailView.as_view(), name="api-request"),
    path("requests/<str:reference>/messages/", MessageListView.as_view(),
         name="api-request-messages"),
    path("requests/<str:reference>/attachments/", AttachmentListView.as_view(),
         name="api-request-attachments"),
    path("requests/<str:reference>/attachments/<int:pk>/download/",
         AttachmentDownloadView.as_view(), name="api-request-attachment-download"),
]
