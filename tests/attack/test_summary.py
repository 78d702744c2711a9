"""The attack suite's own logic (attack/): what counts as reaching a view, what is a leak,
and when the summary fails the run. The suite itself runs with `make attack`."""

import pytest

from attack.client import forms_of
from attack.routes import fill
from attack.summary import Summary, markers_in, reached_view
from attack.world import Tenant


@pytest.mark.parametrize(("status", "location", "body", "csrf_case", "reached"), [
    (200, "", b"<html>", False, True),
    (404, "", b"Not found", False, True),  # another tenant's object: the view's answer
    (302, "/my/requests/", b"", False, True),
    (301, "https://127.0.0.1:8000/my/", b"", False, False),  # the HTTPS redirect
    (302, "/accounts/login/?next=/my/", b"", False, False),  # the session was lost
    (429, "", b"", False, False),
    (403, "", b"CSRF verification failed. Request aborted.", False, False),
    (403, "", b"CSRF verification failed. Request aborted.", True, True),
    (403, "", b'{"code": "mfa_required"}', False, True),
    (None, "", b"", False, False),
])
def test_what_reaches_a_view(status, location, body, csrf_case, reached):
    assert reached_view(status, location, body, csrf_case=csrf_case) is reached


def test_a_leak_is_another_tenants_marker_in_the_body():
    markers = {"INC-2026-000007", "admin@globex.example", "GLBX0-ESB00-ACTIV-E0001"}
    page = b"<td>INC-2026-000001</td><td>admin@globex.example</td>"
    assert markers_in(page, markers) == ["admin@globex.example"]
    assert markers_in(b"<td>INC-2026-000001</td>", markers) == []


def test_the_summary_fails_on_a_failure_a_server_error_or_too_few_reached_views():
    clean = Summary()
    for _ in range(9):
        clean.record("tenancy", "GET /my/", status=200)
    clean.record("tenancy", "GET /my/requests/X/", status=404)
    assert clean.as_dict()["passed"]

    leaked = Summary()
    leaked.record("tenancy", "GET /my/", status=200, failure="leak: shows ['x']")
    result = leaked.as_dict()
    assert not result["passed"]
    assert result["classes"]["tenancy"]["failures"] == ["GET /my/ -> 200: leak: shows ['x']"]

    crashed = Summary()
    crashed.record("fuzz", "POST /api/v1/quotes/", status=500)
    assert crashed.as_dict()["totals"]["server_errors"] == 1
    assert not crashed.as_dict()["passed"]

    redirected = Summary()
    for _ in range(9):
        redirected.record("xss", "GET /my/", status=200)
    redirected.record("xss", "GET /my/", status=301, location="https://127.0.0.1/my/")
    redirected.record("xss", "GET /my/", status=429)
    result = redirected.as_dict()
    assert result["totals"]["reached_share"] == round(9 / 11, 3)
    assert not result["passed"]  # under 90 per cent reached a view


def test_a_check_made_without_http_counts_and_reports_its_failure():
    summary = Summary()
    summary.record("outbox", "email 'invitation': stored", status=None, reached=True,
                   failure="credential link in clear")
    summary.record("outbox", "email 'invitation': plain text", status=None, reached=True,
                   failure="")
    result = summary.as_dict()["classes"]["outbox"]
    assert (result["cases"], result["reached_view"]) == (2, 2)
    assert result["statuses"] == {"not HTTP": 2}
    assert result["failures"] == ["email 'invitation': stored: credential link in clear"]


def test_urls_are_filled_with_the_tenants_objects():
    globex = Tenant(name="globex", slug="globex", references=["INC-2026-000007"],
                    ids={"quote": [3], "membership": [5]},
                    attachments=[("INC-2026-000007", 11)])
    assert fill("company/<slug:slug>/quotes/<int:pk>/", globex) == "/company/globex/quotes/3/"
    # Another tenant's object asked for through one's own workspace.
    assert fill("company/<slug:slug>/requests/<str:reference>/", globex,
                own_workspace="acme") == "/company/acme/requests/INC-2026-000007/"
    assert fill("api/v1/requests/{reference}/attachments/{id}/download/", globex) == \
        "/api/v1/requests/INC-2026-000007/attachments/11/download/"
    assert fill("company/<slug:slug>/invitations/<int:pk>/resend/", globex) is None
    assert fill("my/requests/<str:reference>/", globex) == "/my/requests/INC-2026-000007/"


def test_forms_are_read_from_the_page():
    page = """
    <form method="get" action="/search/"><input name="q"></form>
    <form method="post" action="reply/" enctype="multipart/form-data">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <textarea name="body">old</textarea>
      <select name="priority"><option value="">-</option><option value="high">High</option>
      </select>
      <input type="checkbox" name="notify" value="yes" checked>
      <input type="file" name="file">
      <button type="submit" name="go">Send</button>
    </form>"""
    (form,) = forms_of("/my/requests/INC-1/", page)
    assert form.action == "/my/requests/INC-1/reply/"
    assert form.multipart
    assert form.file_fields == ["file"]
    assert form.data(text="<x>") == {"csrfmiddlewaretoken": "t", "body": "<x>",
                                     "priority": "high", "notify": "yes"}
