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


# The error answers every operation can give, whatever its view declares: added to the
# schema after generation (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]), so the schema
# documents every status code a client can meet. An operation's own description of one of
# these wins.
ERROR_COMPONENT = "ApiError"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a sentence, and field errors under the input's names.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Field name -> messages; `non_field_errors` for the input as a "
            "whole; empty when the error is not about the input.",
        },
    },
    "required": ["detail", "errors"],
}
GENERIC_ERRORS = {
    "400": "Invalid input: `errors` holds the messages per field.",
    "401": "Not signed in, or the token is invalid or revoked.",
    "403": "Refused: with session authentication, a missing or wrong CSRF token.",
    "404": "Not found, or outside the caller's reach (or a page past the last one).",
    "415": "The body is not in a media type the operation takes.",
    "429": "Too many requests; the Retry-After header says when to try again.",
}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _generic_errors_for(method: str, operation: dict) -> list[str]:
    codes = ["429"]
    parameters = operation.get("parameters", [])
    if operation.get("security", [{}]) != [{}]:  # not a public operation
        codes.append("401")
        if method in UNSAFE_METHODS:
            codes.append("403")
    if any(p.get("in") == "path" for p in parameters) or any(
            p.get("name") == "page" and p.get("in") == "query" for p in parameters):
        codes.append("404")
    if "requestBody" in operation:
        codes += ["400", "415"]
    return codes


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: document the generic error answers."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _generic_errors_for(method, operation):
                responses.setdefault(code, {
                    "description": GENERIC_ERRORS[code],
                    "content": {"application/json": {"schema": reference}},
                })
            operation["responses"] = dict(sorted(responses.items()))
    return result
