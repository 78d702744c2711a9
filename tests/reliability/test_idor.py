"""Nobody reaches another customer's objects by changing a URL.

The test walks EVERY URL pattern of the portals and the API from the URL resolver (so pages
added later are walked too), fills each pattern's object arguments (workspace slug, request
reference, object id) with the real objects of every customer of a demo-like world, and
asks each customer outside that object's reach to GET and POST it: the answer must be 404,
the same as for an object that does not exist. (405 is accepted only when the view does not
serve that method to anyone.)

A pattern that takes an object argument the test cannot fill fails the test, with the
route: add its kind to `KIND_BY_SEGMENT`. Deliberately public patterns (the Support Rules,
the emailed links whose token is the credential, allauth) and the staff admin are in the
allow-list `PUBLIC`, each with the reason; both are in tests/reliability/urls.py.
"""

from collections import defaultdict

import pytest
from django.test import Client
from django.urls import get_resolver

from .urls import (
    PUBLIC,
    fill,
    object_patterns,
    parameters,
    public_reason,
    served_methods,
    walk,
)
from .world import build_owned_world

pytestmark = pytest.mark.django_db


def test_every_object_url_answers_404_to_everyone_outside_its_reach():
    world = build_owned_world()
    clients = {}
    for user in world.customers:
        clients[user] = Client()
        clients[user].force_login(user)

    patterns = object_patterns()
    routes = {route for route, *_ in patterns}
    # The walk found the object pages of every area, the ones added later included.
    for expected in ("api/v1/requests/<str:reference>/", "company/<slug:slug>/members/",
                     "my/quotes/<int:pk>/", "my/tokens/<int:pk>/revoke/"):
        assert expected in routes, sorted(routes)

    leaks, unfilled = [], []
    checked = 0
    for route, pattern, kind, where in patterns:
        methods = served_methods(pattern)
        candidates = [o for o in world.objects if o.kind == kind or (
            kind == "request" and o.kind == "survey" and "feedback" in route)]
        if where == "home":
            candidates = [o for o in candidates if o.workspace == "my"]
        elif where == "company":
            candidates = [o for o in candidates if o.workspace != "my"]
        # One object per owner and workspace is enough; each is tried by every outsider.
        picked = {}
        for owned in candidates:
            picked.setdefault((owned.owner.pk, owned.workspace), owned)
        reached_by_owner = False
        for owned in picked.values():
            url = fill(route, owned)
            status = clients[owned.owner].get(url).status_code
            reached_by_owner |= status != 404
            for visitor in world.customers:
                if visitor in owned.reach:
                    continue
                for method in ("get", "post", "delete"):
                    if method == "delete" and "delete" not in methods:
                        continue
                    answer = getattr(clients[visitor], method)(url).status_code
                    checked += 1
                    if answer == 404 or (answer == 405 and method not in methods):
                        continue
                    leaks.append(f"{method.upper()} {url} as {visitor.email} -> {answer} "
                                 f"({kind} of {owned.owner.email})")
        if picked and not reached_by_owner:
            unfilled.append(route)
        if not picked:
            unfilled.append(f"{route} (no {kind} in the world)")
    assert not leaks, "\n".join(leaks)
    assert not unfilled, f"the owners themselves got 404 here (wrong fill?): {unfilled}"
    assert checked > 500


def test_the_allow_list_names_only_patterns_that_exist():
    routes = [route for route, _pattern in walk(get_resolver().url_patterns)]
    unused = [prefix for prefix in PUBLIC if not any(r.startswith(prefix) for r in routes)]
    assert not unused, unused
    by_reason = defaultdict(list)
    for route in routes:
        if (why := public_reason(route)) and parameters(route):
            by_reason[why].append(route)
    # Every public pattern with an argument is one of the link kinds the links test covers,
    # the rules versions, the admin or allauth.
    assert by_reason
