"""The API's shared pieces: pagination and error bodies."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = _("That page does not exist.")


def exception_handler(exc, context):
    """DRF's handler, with every error as JSON `{"detail": ..., "errors": {...}}`.

    Field errors stay under their field names in `errors`, so clients show them next to
    the right input; anything else gets a `detail` sentence.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": str(_("Some of the input is not valid.")), "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"]), "errors": {}}
    return response
