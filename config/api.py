"""The API's shared pieces: pagination, and the one mapping of refusals to HTTP answers."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.errors import DomainError, InvalidState, NotAllowed, RateLimited
from licensing.eligibility import Refused


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_message = _("That page does not exist.")

    def get_page_size(self, request):
        """A page size that is not a whole number from 1 up is refused (400), not quietly
        replaced by the default; one above the maximum is capped."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("Give a whole number of results per page, from 1 (at most %(max)d are "
                  "returned).") % {"max": self.max_page_size}]})
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request, paginator):
        """Digits only: Python's int() would also take " 1", "+1" or "1_0", and DRF "last"."""
        raw = request.query_params.get(self.page_query_param, "1")
        if not (raw.isascii() and raw.isdigit()):
            raise exceptions.ValidationError({self.page_query_param: [
                _("Give the page as a whole number, from 1.")]})
        return raw

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (f"Results per page: {self.page_size} when not "
                                             f"given, at most {self.max_page_size}.")
        return parameters


# The status of each kind of refusal; the most specific class that matches wins.
DOMAIN_STATUS = [
    (Refused, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (RateLimited, status.HTTP_429_TOO_MANY_REQUESTS),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (InvalidState, status.HTTP_409_CONFLICT),
    (DomainError, status.HTTP_400_BAD_REQUEST),
]


def domain_error_response(exc: DomainError) -> Response:
    """A service's refusal as the API answers it: a refused request gets its decision (the
    same body as POST /api/v1/eligibility/), anything else the error body, with the
    sentence under the input it is about."""
    code = next(code for cls, code in DOMAIN_STATUS if isinstance(exc, cls))
    if isinstance(exc, Refused):
        return Response(exc.decision.as_dict(), status=code)
    errors = {exc.field: [exc.message]} if exc.field else {}
    response = Response({"detail": exc.message, "code": exc.code, "errors": errors},
                        status=code)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def exception_handler(exc, context):
    """DRF's handler, with every error as JSON `{"detail": ..., "code": ..., "errors": {...}}`.

    Field errors stay under their field names in `errors`, so clients show them next to
    the right input; anything else gets a `detail` sentence. A service's refusal
    (`DomainError`) is mapped here and nowhere else.
    """
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
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
        response.data = {"detail": str(_("Some of the input is not valid.")), "code": "invalid",
                         "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"detail": str(data["detail"]),
                         "code": code if isinstance(code, str) else "error", "errors": {}}
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
        "code": {"type": "string", "description": "Stable for clients: `invalid`, "
                 "`forbidden`, `mfa_required`, `conflict`, `rate_limited`, `not_found`, "
                 "`not_authenticated`, `throttled`..."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Field name -> messages; `non_field_errors` for the input as a "
            "whole; empty when the error is not about the input.",
        },
    },
    "required": ["detail", "code", "errors"],
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
    elif any(p.get("in") == "query" for p in parameters):
        codes.append("400")  # a query parameter that is not valid (a page size, a filter)
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
