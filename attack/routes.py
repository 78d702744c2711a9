"""Every URL pattern of the portals (walked from the URL resolver) and every operation of
the API (from its OpenAPI schema), with their object arguments filled with a tenant's
objects."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Not walked for tenancy, and why: the credential of these is in the URL itself (survey,
# unsubscribe and invitation links, allauth's keys), they are public (the Rules, the API
# description), belong to the provider's webhook, or are the staff admin (its own cases).
NOT_WALKED = ("rules/", "feedback/unsubscribe/", "invitations/", "accounts/",
              "email/inbound/", "api/schema/", "api/docs/", "api/v1/feedback/", "admin/",
              "healthz")
PUBLIC_FEEDBACK = re.compile(r"^feedback/<str:token>/$")
# Django's `<converter:name>`, a regex group `(?P<name>...)`, OpenAPI's `{name}`.
PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>|\(\?P<(?P<rname>[^>]+)>[^)]*\)"
                   r"|\{(?P<oname>[^}]+)\}")
KIND_BY_SEGMENT = {
    "tokens": "token", "members": "membership", "invitations": "invitation",
    "quotes": "quote", "surveys": "survey", "licences": "licence", "files": "attachment",
    "attachments": "attachment",
}


@dataclass
class Route:
    route: str  # "company/<slug:slug>/requests/<str:reference>/", or an API path
    methods: set[str]
    home_only: bool  # served under /my/ only


def _walk(patterns, prefix=""):
    for pattern in patterns:
        piece = str(pattern.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + piece)
        elif isinstance(pattern, URLPattern):
            yield prefix + piece, pattern


def _methods(pattern) -> set[str]:
    callback = pattern.callback
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return {"get", "post"}
    return {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}


def portal_routes() -> list[Route]:
    """Every page of the portals (the API has its own walk, from its schema)."""
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(NOT_WALKED) or route.startswith("api/") \
                or PUBLIC_FEEDBACK.match(route):
            continue
        home_only = (pattern.default_args or {}).get("slug") == "my"
        found.append(Route(route, _methods(pattern), home_only))
    return found


def api_routes(schema: dict) -> list[Route]:
    found = []
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/feedback/"):
            continue
        found.append(Route(path.lstrip("/"), {m for m in item if m in (
            "get", "post", "put", "patch", "delete")}, False))
    return found


def parameters(route: str) -> list[str]:
    return [m.group("name") or m.group("rname") or m.group("oname")
            for m in PARAM.finditer(route)]


def _kind_before(route: str, name: str) -> str | None:
    segments = route.split("/")
    for index, segment in enumerate(segments):
        match = PARAM.fullmatch(segment)
        if match and name in match.groups():
            return KIND_BY_SEGMENT.get(segments[index - 1])
    return None


def fill(route: str, tenant, *, own_workspace: str | None = None) -> str | None:
    """`route` as a path to `tenant`'s objects, or None when the tenant has no such
    object. Under /company/<slug>/ the slug is the tenant's unless `own_workspace` says
    whose workspace to ask in (another tenant's object through one's own workspace)."""
    values = {}
    for name in parameters(route):
        if name == "slug":
            slug = own_workspace or tenant.slug
            if slug == "my":
                return None
            values[name] = slug
        elif name == "reference":
            kind = _kind_before(route, "pk") or _kind_before(route, "id")
            if kind == "attachment":
                if not tenant.attachments:
                    return None
                values["reference"], values["pk"] = tenant.attachments[0]
                values["id"] = values["pk"]
            elif tenant.references:
                values[name] = tenant.references[0]
            else:
                return None
        elif name in ("pk", "id"):
            if name in values:
                continue
            kind = _kind_before(route, name)
            ids = tenant.ids.get(kind or "", [])
            if not ids:
                return None
            values[name] = ids[0]
        else:
            return None
    return "/" + PARAM.sub(lambda m: str(values[m.group("name") or m.group("rname")
                                              or m.group("oname")]), route)
