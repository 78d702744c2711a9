"""A company's authorised technical contacts under /api/v1/companies/<slug>/contacts/
(clause 3.3): every member reads them; administrators name one (POST) or set the whole
list (PUT), through the same services as the portal and the admin (which check the plan's
number and audit each change). A company the caller is not in answers 404."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.api_common import error_response
from accounts.errors import DomainError
from accounts.workspace import resolve_workspace

from . import entitlements

MAX_CONTACTS = 100


class ContactSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField(allow_blank=True)


class ContactsSerializer(serializers.Serializer):
    plan = serializers.CharField(allow_null=True, help_text="The code of the company's paid "
                                 "plan; null without a valid licence on one.")
    limit = serializers.IntegerField(allow_null=True, help_text="How many contacts the plan "
                                     "allows; null when every member may file premium "
                                     "requests (or without a paid plan).")
    named = serializers.BooleanField(help_text="False while the company has named nobody "
                                     "and its administrators act as its contacts.")
    contacts = ContactSerializer(many=True, help_text="Who files premium requests now.")


class AddContactSerializer(serializers.Serializer):
    user = serializers.EmailField(help_text="The email of a member of the company.")


class SetContactsSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.EmailField(), max_length=MAX_CONTACTS,
                                  allow_empty=True, help_text="Emails of members of the "
                                  "company; an empty list names nobody.")


NOT_ADMIN = error_response("Only the company's administrators name contacts.")
COMPANY = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH,
                           description="The company's slug (404 if the caller is not in it).")


@extend_schema_view(get=extend_schema(parameters=[COMPANY]),
                    post=extend_schema(parameters=[COMPANY]),
                    put=extend_schema(parameters=[COMPANY]))
class ContactsView(GenericAPIView):
    serializer_class = ContactsSerializer
    pagination_class = None

    def get_company(self):
        workspace = resolve_workspace(self.request.user, self.kwargs["slug"][:60])
        if workspace.company is None:
            raise Http404
        return workspace.company

    @staticmethod
    def _member(company, email: str):
        user = get_user_model().objects.filter(email__iexact=email.strip(),
                                               memberships__company=company).first()
        if user is None:
            raise DomainError(_("%(user)s is not a member of %(company)s.") % {
                "user": email, "company": company.name}, field="user")
        return user

    @staticmethod
    def _body(company) -> dict:
        allowance = entitlements.premium_allowance(company)
        if allowance is None:
            return {"plan": None, "limit": None, "named": False, "contacts": []}
        return {"plan": allowance["plan"].code, "limit": allowance["contacts_limit"],
                "named": allowance["contacts_named"],
                "contacts": [{"email": user.email, "full_name": user.full_name}
                             for user in allowance["contacts"]]}

    @extend_schema(summary="The company's authorised technical contacts",
                   responses={200: ContactsSerializer})
    def get(self, request, slug):
        return Response(self._body(self.get_company()))

    @extend_schema(summary="Name an authorised technical contact",
                   description="Within the number the company's paid plan allows; naming "
                   "someone already named changes nothing.",
                   request=AddContactSerializer,
                   responses={201: ContactsSerializer, 403: NOT_ADMIN})
    def post(self, request, slug):
        company = self.get_company()
        entitlements.require_manager(request.user, company)  # before saying who is a member
        form = AddContactSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        entitlements.add_authorised_contact(
            company=company, user=self._member(company, form.validated_data["user"]),
            by=request.user, request=request)
        return Response(self._body(company), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Set the authorised technical contacts",
                   description="The list becomes the company's named contacts, all or "
                   "nothing: the others are removed. An empty list leaves the "
                   "administrators acting as the contacts.",
                   request=SetContactsSerializer,
                   responses={200: ContactsSerializer, 403: NOT_ADMIN})
    def put(self, request, slug):
        company = self.get_company()
        entitlements.require_manager(request.user, company)
        form = SetContactsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        users = [self._member(company, email) for email in form.validated_data["users"]]
        entitlements.set_authorised_contacts(company=company, users=users, by=request.user,
                                             request=request)
        return Response(self._body(company))


urlpatterns = [
    path("companies/<slug:slug>/contacts/", ContactsView.as_view(), name="api-company-contacts"),
]
