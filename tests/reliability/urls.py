"""The URL patterns of the portals and the API, walked from the URL resolver, and how to
fill their object arguments with the objects of `tests.reliability.world`. Used by the IDOR
test (tests/reliability/test_idor.py) and the page tests (headers, escaping)."""

import contextlib
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Route prefixes not walked here, and why.
PUBLIC = {
    "rules/": "the Support Rules are public (DESIGN.md section 1); versions by number",
    "feedback/unsubscribe/": "the signed, expiring token is the credential (no login); "
    "tests/reliability/test_links.py",
    "feedback/": "the emailed survey link: a signed, single-use, expiring token is the "
    "credential (no login); tests/reliability/test_links.py",
    "api/v1/feedback/": "the same survey link for API clients",
    "invitations/": "the token (hashed, single-use, expiring) is the credential; accepting "
    "checks the invited address; tests/reliability/test_links.py",
    "accounts/": "allauth: sign-in, sign-up, email confirmation and password reset keys "
    "are its own single-use credentials; tests/reliability/test_links.py",
    "admin/": "the staff admin: customers are sent to their portal, never shown an object "
    "(tests/accounts/test_login.py, tests/helpdesk/test_admin.py)",
    "email/inbound/": "the email provider's webhook: HTTP basic auth and the provider's "
    "signature are the credential; tests/helpdesk/email/test_transports.py",
    "api/schema/": "the public API description",
    "api/docs/": "the public API description",
}
# The argument names that point at an object, and what an integer id means after each
# route segment.
OBJECT_ARGUMENTS = {"slug", "reference", "pk", "id", "token", "key", "version"}
KIND_BY_SEGMENT = {
    "tokens": "token",
    "members": "membership",
    "invitations": "invitation",
    "quotes": "quote",
    "surveys": "survey",
    "licences": "licence",
    "files": "attachment",
    "attachments": "attachment",
}
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rname>[^>]+)>[^)]*\)")


def walk(patterns, prefix=""):
    """(route, URLPattern) for every pattern, with nested routes joined."""
    for pattern in patterns:
        piece = str(pattern.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + piece)
        elif isinstance(pattern, URLPattern):
            yield prefix + piece, pattern


def parameters(route: str) -> list[str]:
    return [m.group("name") or m.group("rname") for m in PARAM.finditer(route)]


def public_reason(route: str) -> str | None:
    return next((why for prefix, why in PUBLIC.items() if route.startswith(prefix)), None)


def kind_of(route: str, names: list[str]) -> str:
    """What object a pattern's arguments name."""
    ids = [n for n in names if n in {"pk", "id"}]
    if ids:
        segments = route.split("/")
        index = next(i for i, s in enumerate(segments) if PARAM.search(s) and (
            PARAM.search(s).group("name") or PARAM.search(s).group("rname")) in ids)
        kind = KIND_BY_SEGMENT.get(segments[index - 1])
        if kind is None:
            pytest.fail(f"{route}: add what an id after {segments[index - 1]!r} is to "
                        "KIND_BY_SEGMENT")
        return kind
    if "reference" in names:
        return "request"
    if names == ["slug"]:
        return "company"
    pytest.fail(f"{route}: the test does not know how to fill {names}")


def fill(route: str, owned) -> str:
    """The URL of `route` for the object `owned`."""
    obj = owned.obj
    values = {"slug": owned.workspace, "pk": obj.pk, "id": obj.pk}
    if owned.kind in ("request",):
        values["reference"] = obj.reference
    elif owned.kind == "attachment":
        values["reference"] = obj.request.reference
    elif owned.kind == "survey" and obj.support_request_id:
        values["reference"] = obj.support_request.reference

    def substitute(match):
        return str(values[match.group("name") or match.group("rname")])

    return "/" + PARAM.sub(substitute, route)


def served_methods(pattern) -> set[str]:
    callback = pattern.callback
    if getattr(callback, "actions", None):
        return set(callback.actions) - {"head", "options"}
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return {"get", "post"}  # a function view: assumed to serve both
    return {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}


def object_patterns():
    """(route, pattern, kind, workspace kind) of every walked pattern with an object."""
    found = []
    for route, pattern in walk(get_resolver().url_patterns):
        names = [n for n in parameters(route) if n in OBJECT_ARGUMENTS]
        if not names or public_reason(route):
            continue
        defaults = pattern.default_args or {}
        if route.startswith("my/") or defaults.get("slug") == "my":
            where = "home"
        elif "slug" in names:
            where = "company"
        else:
            where = "any"  # the API: every workspace the caller reaches
        found.append((route, pattern, kind_of(route, names), where))
    return found


def _gets(pattern) -> bool:
    return "get" in served_methods(pattern)


def portal_pages(world) -> list[tuple[object, str]]:
    """(who, URL) of every page of the portals a customer of `world` opens with a GET: the
    pages without object arguments as the home user (and, for company pages, Acme's
    admin), and every object page as the object's owner."""
    pages = []
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/", "accounts/")) or not _gets(pattern):
            continue
        names = [n for n in parameters(route) if n in OBJECT_ARGUMENTS]
        if not names and not public_reason(route):
            pages.append((world.home_user, "/" + route))
    for route, pattern, kind, where in object_patterns():
        if route.startswith("api/") or not _gets(pattern):
            continue
        seen = set()
        for owned in world.objects:
            if owned.kind != kind or (where == "home") != (owned.workspace == "my"):
                continue
            if (owned.owner.pk, owned.workspace) in seen:
                continue
            seen.add((owned.owner.pk, owned.workspace))
            pages.append((owned.owner, fill(route, owned)))
    return pages


def admin_pages() -> list[str]:
    """The admin's index, and the list, add and first change page of every model."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    pages = ["/admin/"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        with contextlib.suppress(NoReverseMatch):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return pages
