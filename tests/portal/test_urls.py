"""The URL contract (emails link to these pages; the benchmark measures them), and the one
name per page that serves both portals."""

import pytest
from django.urls import resolve, reverse

from helpdesk.requests import portal

NAMES = {
    "requests": ({}, "requests/"),
    "request-new": ({}, "requests/new/"),
    "request-check": ({}, "requests/new/check/"),
    "request-suggestions": ({}, "requests/new/suggestions/"),
    "request-detail": ({"reference": "INC-2026-000123"}, "requests/INC-2026-000123/"),
    "request-reply": ({"reference": "INC-2026-000123"}, "requests/INC-2026-000123/reply/"),
    "request-upload": ({"reference": "INC-2026-000123"}, "requests/INC-2026-000123/upload/"),
    "request-file": ({"reference": "INC-2026-000123", "pk": 7},
                     "requests/INC-2026-000123/files/7/"),
}


@pytest.mark.parametrize("name", NAMES)
def test_one_name_reverses_into_either_portal(name):
    kwargs, tail = NAMES[name]
    assert reverse(name, kwargs={"slug": "my", **kwargs}) == f"/my/{tail}"
    assert reverse(name, kwargs={"slug": "acme", **kwargs}) == f"/company/acme/{tail}"


@pytest.mark.parametrize("path, view", [
    ("/my/requests/", portal.RequestListView),
    ("/my/requests/new/", portal.RequestCreateView),
    ("/my/requests/INC-2026-000123/", portal.RequestDetailView),
    ("/company/acme/requests/", portal.RequestListView),
    ("/company/acme/requests/new/", portal.RequestCreateView),
    ("/company/acme/requests/INC-2026-000123/", portal.RequestDetailView),
])
def test_the_contract_urls_reach_the_portal_views(path, view):
    match = resolve(path)
    assert match.func.view_class is view
    assert match.kwargs["slug"] == ("my" if path.startswith("/my/") else "acme")


def test_the_rules_routes_keep_their_names():
    assert reverse("rules") == "/rules/"
    assert reverse("rules-version", args=["2022-04-07"]) == "/rules/2022-04-07/"
