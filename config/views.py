from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def healthz(request):
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def _json_error(detail: str, code: str, status: int) -> JsonResponse:
    """The API's error body (`config.api`), for answers Django gives before any view."""
    return JsonResponse({"detail": detail, "code": code, "errors": {}}, status=status)


def page_not_found(request, exception):
    if _wants_json(request):
        return _json_error(_("Not found."), "not_found", 404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return _json_error(_("Server error."), "error", 500)
    return render(request, "500.html", status=500)


def permission_denied(request, exception):
    if _wants_json(request):
        return _json_error(_("Permission denied."), "permission_denied", 403)
    return render(request, "403.html", status=403)


def bad_request(request, exception):
    """A request refused before any view; under its field when the refusal names one
    (`accounts.text_input`)."""
    field = getattr(exception, "field", None)
    message = str(exception.message) if field else _("Bad request.")
    if _wants_json(request):
        return JsonResponse({"detail": message, "code": "invalid",
                             "errors": {field: [message]} if field else {}}, status=400)
    return render(request, "400.html", {"field": field, "message": message}, status=400)
