"""The OpenAPI schema at /api/schema/ is the API's contract. schemathesis generates requests
for EVERY operation it lists (valid input and deliberately invalid input), sends them
in-process to the WSGI application with a personal API token, and checks every answer:

- never a server error (5xx);
- the status code is one the operation documents;
- the content type is one it documents;
- the body matches the documented schema (error bodies included).

Generated values mostly miss real objects, so each operation also gets a few hand-made
cases aimed at the caller's own objects and at objects outside their reach, and a share
of the generated cases has its path parameters and body fields swapped for real ones.
That way the 200/201/422 answers with real data are checked against the schema too.

`make test` runs a short, derandomized pass: FUZZ_EXAMPLES (default 3) generated cases
per operation, mode (valid / invalid input) and caller. `make fuzz` runs a long one.
"""

import os
from collections import defaultdict

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from accounts.models import ApiToken
from accounts.services import create_api_token
from feedback import tokens

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# The smallest file the upload accepts whatever its name: a PNG signature (the multipart
# part schemathesis sends is named after the field, without an extension).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def _checks():
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(django_db_blocker):
    """The schema, loaded the way a client loads it: a GET of /api/schema/."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def in_process(monkeypatch):
    """Requests go through Django's WSGI handler in this thread, inside the test's
    transaction: the handler must not close that connection at the start or end of each
    request (Django's test client does the same)."""
    from rest_framework.throttling import SimpleRateThrottle

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # The long run sends thousands of requests a minute per caller; throttling has its own
    # test (tests/accounts/test_api_base.py), and 429 is in the schema of every operation.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"anon": "100000/min", "user": "100000/min"})
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def callers(world):
    """The test world with requests, messages and files, licences, quotes and survey links;
    a token per caller: Hana at home and Acme's member."""
    from accounts.workspace import resolve_workspace
    from feedback.models import FeedbackRequest, Survey
    from helpdesk.requests import files, filing, lifecycle
    from licensing.models import OperatingSystem, RequestCategory
    from tests.licensing.factories import LicenceFactory, QuoteRequestFactory

    home, member, globex_admin, acme = (world.home_user, world.acme_member,
                                        world.globex_admin, world.acme)
    home_product, home_version, biz, biz_version = (world.home_product, world.home_v,
                                                    world.biz, world.biz_v)
    acme_licence, globex_licence = world.acme_licence, world.globex_licence
    home_licence = LicenceFactory(product=home_product, home_user=home, plan=world.standard)
    unclaimed = LicenceFactory(product=home_product, plan=world.standard)
    agent = world.agent
    malfunction = RequestCategory.objects.get(code="malfunction")

    def file(user, workspace, product, version):
        return filing.file_request(filing.RequestIntake.of(
            workspace=workspace, category=malfunction, subject="The scan stops",
            description="At 40 per cent.", os=OperatingSystem.WINDOWS, os_version="11",
            product=product, version=version), by=user)

    workspaces = {home: world.home_ws, member: resolve_workspace(member, "acme")}
    products = {home: (home_product, home_version), member: (biz, biz_version)}
    outsider = file(globex_admin, resolve_workspace(globex_admin, "globex"), biz, biz_version)
    outsider_file = files.upload_attachment(
        outsider, by=globex_admin, file=SimpleUploadedFile("globex.txt", b"theirs\n"))
    survey = Survey.objects.get(code=Survey.POST_RESOLUTION)
    callers = {}
    for name, user in (("home", home), ("member", member)):
        workspace = workspaces[user]
        first = file(user, workspace, *products[user])
        lifecycle.add_reply(first, by=user, body="It is **every** time.")
        lifecycle.add_reply(first, by=agent, body="Please try the *quick* scan.")
        attachment = files.upload_attachment(
            first, by=user, file=SimpleUploadedFile("scan.log", b"scan stopped at 40%\n"))
        resolved = lifecycle.resolve_request(file(user, workspace, *products[user]), by=agent,
                                            note="Fixed in the update.")
        link = FeedbackRequest.objects.create(
            survey=survey, support_request=resolved, user=user, company=resolved.company,
            segment=resolved.segment, expires_at=resolved.resolved_at + tokens.answer_max_age())
        quote = QuoteRequestFactory(requester=user,
                                    company=None if user == home else acme)
        _token, key = create_api_token(user, name="fuzz")
        spare, _key = create_api_token(user, name="spare")
        product, version = products[user]
        slug = workspace.slug
        filing_body = {"workspace": slug, "category": "malfunction", "product": product.code,
                  "version": version.version, "os": "windows", "os_version": "11",
                  "subject": "Update fails", "description": "Error 1603 <b>bold</b>"}
        answer = {"satisfaction": 4, "solved": True, "effort": 2, "recommend": 9,
                  "comment": "<script>alert(1)</script> quick"}
        callers[name] = {
            "user": user,
            "key": key,
            "workspace": slug,
            # Real values for path parameters: the caller's own, then one outside reach.
            "reference": [first.reference, resolved.reference, outsider.reference],
            "token": [tokens.make_answer_token(link.token_key), "not-a-token"],
            "slug": ["acme", "globex"],
            "id": {
                "licences": [home_licence.pk if user == home else acme_licence.pk,
                             globex_licence.pk],
                "quotes": [quote.pk],
                "tokens": [spare.pk],
                "attachments": [attachment.pk, outsider_file.pk],
            },
            # Hand-made bodies, by operation: accepted ones and refused ones.
            "bodies": {
                "POST /api/v1/requests/": [
                    filing_body,
                    {**filing_body, "product": "home-free", "version": "3.1"},  # 422, 4.5a
                    {"workspace": slug, "category": "oos_4_2_5", "subject": "On-site visit",
                     "description": "Please come over."},  # 422, out of scope
                    {**filing_body, "workspace": "globex"},  # 404
                ],
                "POST /api/v1/eligibility/": [
                    filing_body, {**filing_body, "version": "1.0"},
                    {"workspace": slug, "category": "licence_recovery"},
                    {**filing_body, "licence_key": "nonsense"},
                ],
                "POST /api/v1/licences/": [
                    {"workspace": "my", "licence_key": unclaimed.key},
                    {"workspace": slug, "licence_key": "AAAAA-BBBBB-CCCCC-DDDDD"},
                ],
                "POST /api/v1/quotes/": [
                    {"workspace": slug, "service": "professional_services",
                     "message": "A visit, please.", "category": "oos_4_2_5",
                     "clause": "4.2.5"},
                ],
                "POST /api/v1/requests/{reference}/messages/": [
                    {"body": "Still broken. [link](javascript:alert(1))"},
                    {"body": "A note", "internal": True},
                ],
                "POST /api/v1/requests/{reference}/feedback/": [answer, {"satisfaction": 9}],
                "POST /api/v1/feedback/{token}/": [answer, {}],
                "POST /api/v1/tokens/": [{"name": "ci"}],
                "POST /api/v1/requests/{reference}/attachments/": [
                    {"file": PNG}, {"file": b"MZ\x90\x00binary"}],
            },
        }
    return callers


def real_values(caller: dict) -> dict:
    """Realistic values for body fields, to swap into generated bodies."""
    return {
        "workspace": st.sampled_from([caller["workspace"], "my", "acme", "globex"]),
        "category": st.sampled_from(["malfunction", "licence_recovery", "oos_4_2_5",
                                     "false_positive"]),
        "product": st.sampled_from(["home-premium", "endpoint", "home-free"]),
        "version": st.sampled_from(["21.21", "12.8", "3.1"]),
        "os": st.sampled_from(["windows", "macos"]),
        "os_version": st.sampled_from(["11", "7"]),
        "service": st.sampled_from(["professional_services", "premium_support"]),
        "satisfaction": st.integers(1, 5),
        "comment": st.sampled_from(["Quick and kind.", "<img src=x onerror=alert(1)>"]),
    }


def path_values(operation, caller: dict) -> dict[str, list]:
    """The caller's real values for each path parameter of `operation`."""
    segments = operation.path.strip("/").split("/")
    values = {}
    for index, segment in enumerate(segments):
        if not (segment.startswith("{") and segment.endswith("}")):
            continue
        name = segment[1:-1]
        if name == "id":
            values[name] = caller["id"].get(segments[index - 1], [])
        elif name in caller:
            values[name] = caller[name]
    return values


def media_type_of(operation) -> str:
    types = operation.schema.get_request_payload_content_types(operation)
    return "application/json" if "application/json" in types else types[0]


def hand_made_cases(operation, caller: dict) -> list:
    """Cases aimed at real objects: every real value of each path parameter, with each
    hand-made body (or none)."""
    paths = path_values(operation, caller)
    bodies = caller["bodies"].get(operation.label, [None])
    combos = [{}]
    for name, values in paths.items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    cases = []
    for combo in combos:
        for body in bodies:
            kwargs = {"path_parameters": combo or None}
            if body is not None:
                kwargs.update(body=dict(body), media_type=media_type_of(operation))
            cases.append(operation.Case(**kwargs))
    return cases


def aim(case, data, operation, caller):
    """Swap some generated path parameters and body fields for real ones."""
    for name, values in path_values(operation, caller).items():
        if values and name in (case.path_parameters or {}) and data.draw(st.booleans()):
            case.path_parameters[name] = data.draw(st.sampled_from(values))
    if isinstance(case.body, dict):
        values = real_values(caller)
        for name in list(case.body):
            if name in values and data.draw(st.booleans()):
                case.body[name] = data.draw(values[name])
    return case


class Run:
    """One caller's run: sends cases, records the statuses seen and the failures."""

    def __init__(self, caller: dict):
        self.caller = caller
        self.checks = _checks()
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.statuses: dict[str, set[int]] = defaultdict(set)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Token {self.caller['key']}"}

    def keep_token_alive(self):
        """A generated DELETE /tokens/{id}/ may revoke the very token in use: make another."""
        key = self.caller["key"]
        if not ApiToken.objects.active().filter(key_hash=ApiToken.hash_key(key)).exists():
            _token, self.caller["key"] = create_api_token(self.caller["user"], name="fuzz")

    def send(self, case) -> None:
        headers = self.headers
        response = case.call(headers=headers)
        self.statuses[case.operation.label].add(response.status_code)
        try:
            case.validate_response(response, checks=self.checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # reported; the run goes on
            found = getattr(exc, "exceptions", [exc])
            self.failures[case.operation.label].append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                + " | ".join(f"{e}".strip() for e in found)[:1500])

    def generated(self, operation, mode) -> None:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def run(case, data):
            if mode.value == "positive":
                aim(case, data, operation, self.caller)
            self.send(case)

        try:
            run()
        except Unsatisfiable:
            # Nothing about the operation can be invalid (a free-text path parameter,
            # say): the invalid-input mode has no case to send.
            assert mode.value == "negative", f"no valid input for {operation.label}"

    def operation(self, operation) -> None:
        from schemathesis import GenerationMode

        cache.clear()
        self.keep_token_alive()
        for case in hand_made_cases(operation, self.caller):
            self.send(case)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            self.keep_token_alive()
            self.generated(operation, mode)


# What a run must have seen, or the fuzzing did not reach the real objects.
MUST_SUCCEED = [
    "GET /api/v1/requests/{reference}/", "GET /api/v1/requests/{reference}/messages/",
    "GET /api/v1/requests/{reference}/attachments/{id}/download/",
    "POST /api/v1/requests/", "POST /api/v1/requests/{reference}/messages/",
    "POST /api/v1/requests/{reference}/attachments/", "GET /api/v1/licences/{id}/",
    "GET /api/v1/feedback/{token}/", "POST /api/v1/feedback/{token}/",
    "POST /api/v1/eligibility/", "DELETE /api/v1/tokens/{id}/",
]


@pytest.mark.parametrize("caller_name", ["home", "member"])
def test_every_operation_answers_as_its_schema_says(api_schema, callers, in_process,
                                                    caller_name):
    run = Run(callers[caller_name])
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25  # every operation of /api/v1/ is in the schema
    # Revoking tokens last, so the rest runs with the caller's first token.
    for operation in sorted(operations, key=lambda op: op.method.lower() == "delete"):
        run.operation(operation)

    problems = {label: sorted(set(items))[:3] for label, items in run.failures.items()}
    assert not problems, "\n\n".join(
        f"{label}:\n  " + "\n  ".join(items) for label, items in problems.items())
    unreached = [label for label in MUST_SUCCEED
                 if not any(200 <= code < 300 for code in run.statuses[label])]
    assert not unreached, {label: sorted(run.statuses[label]) for label in unreached}
    assert 422 in run.statuses["POST /api/v1/requests/"]
    # Objects outside the caller's reach answered 404, never 200.
    assert 404 in run.statuses["GET /api/v1/requests/{reference}/"]


def _api_routes():
    """(path with `{}` for each parameter, method) of every view under /api/v1/, from the
    URL resolver."""
    import re

    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                yield route, pattern.callback

    for route, callback in walk(get_resolver().url_patterns):
        path = "/" + re.sub(r"<[^>]+>|\(\?P<[^>]+>[^)]*\)", "{}", route)
        actions = getattr(callback, "actions", None)
        view = getattr(callback, "cls", None)
        if actions:  # DRF adds "head" to a viewset's actions once it has served a GET
            methods = set(actions) - {"head", "options"}
        elif view is not None:
            methods = {m for m in view.http_method_names
                       if hasattr(view, m) and m not in ("options", "head")}
        else:
            methods = {"get"}
        for method in methods:
            yield path, method


def test_the_schema_documents_every_endpoint_and_every_error_body(api_schema):
    """Every view under /api/v1/ (from the URL resolver, so new ones are included) is in
    the schema with each of its methods, and every error answer documents its body:
    JSON with a `detail` sentence."""
    import re

    documented = set()
    raw = api_schema.raw_schema
    for path, item in raw["paths"].items():
        for method in item:
            documented.add((re.sub(r"\{[^}]+\}", "{}", path), method))
    routes = set(_api_routes())
    assert len(routes) >= 25
    missing = sorted(routes - documented)
    assert not missing, f"views missing from /api/schema/: {missing}"

    components = raw["components"]["schemas"]

    def properties(schema: dict) -> dict:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema.get("properties", {})

    undocumented = []
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            for code, answer in operation["responses"].items():
                if int(code) < 400:
                    continue
                if int(code) == 422:  # a refused filing answers with the decision
                    assert "eligible" in properties(
                        answer["content"]["application/json"]["schema"])
                    continue
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema is None or "detail" not in properties(schema):
                    undocumented.append(f"{method.upper()} {path} {code}")
    assert not undocumented
