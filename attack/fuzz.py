"""Unicode fuzzing: awkward text into every form field, every JSON field and every query
parameter. Any answer is fine except a server error (5xx)."""

import json
from urllib.parse import urlencode

from .context import Context
from .routes import api_routes, fill, parameters
from .web import DESTRUCTIVE, pages_with_forms

CLASS = "fuzz"
TEXTS = {
    "lone surrogate": "scan \udcff stops",
    "high surrogate": "\ud800",
    "right-to-left": "\u202egol.exe \u200f\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "zero-width": "a\u200bb\u200c\u200d\ufeffc",
    "emoji": "\U0001f6e1\ufe0f\U0001f469\u200d\U0001f4bb \U0001f1f2\U0001f1fe",
    "NUL": "a\x00b",
    "long": "A" * 100_000,
    "combining": "e\u0301" * 2_000,
    "non-character": "\uffff\ufffe",
}
SHORT_TEXTS = ["lone surrogate", "right-to-left", "emoji", "NUL", "long"]


def _texts(ctx: Context) -> dict[str, str]:
    return {k: v for k, v in TEXTS.items() if not ctx.short or k in SHORT_TEXTS}


def _form_body(data: dict) -> bytes:
    """A urlencoded body that keeps text no UTF-8 encoder would take (lone surrogates)."""
    return urlencode(data, encoding="utf-8", errors="surrogatepass").encode("ascii")


def forms(ctx: Context) -> None:
    ctx.for_each(ctx.bound(ctx.customers, 2), lambda name: _forms(ctx, name))


def _forms(ctx: Context, name: str) -> None:
    browser = ctx.browser(name)
    for _page, form in pages_with_forms(ctx, name):
        if DESTRUCTIVE.search(form.action) or not form.text_fields:
            continue
        for label, text in _texts(ctx).items():
            data = form.data(text=text)
            data["csrfmiddlewaretoken"] = browser.csrf_token
            answer = browser.send("POST", form.action, data=_form_body(data), headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            ctx.summary.record(CLASS, f"POST {form.action} {label} as {name}",
                               status=answer.status, location=answer.location,
                               body=answer.body)


def _schema_body(ctx: Context, operation: dict, text: str) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    if "$ref" in schema:
        schema = ctx.schema["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    body = {}
    for prop, spec in schema.get("properties", {}).items():
        if spec.get("readOnly"):
            continue
        kind = spec.get("type")
        if kind == "integer":
            body[prop] = 1
        elif kind == "boolean":
            body[prop] = True
        elif kind == "array":
            body[prop] = [text]
        else:  # strings and choices (a `$ref` to an enum) alike
            body[prop] = text
    return body


def api(ctx: Context) -> None:
    ctx.for_each(ctx.bound(["home", "acme_member"], 1, 2), lambda name: _api(ctx, name))


def _api(ctx: Context, name: str) -> None:
    actor = ctx.world.actors[name]
    own = ctx.world.tenants[actor.tenant]
    browser = ctx.browser(name)
    for route in api_routes(ctx.schema):
        path = fill(route.route, own) if parameters(route.route) else f"/{route.route}"
        if path is None:
            continue
        item = ctx.schema["paths"]["/" + route.route]
        for method in sorted(route.methods - {"delete"}):
            operation = item[method]
            queries = [p["name"] for p in operation.get("parameters", [])
                       if p.get("in") == "query"]
            for label, text in _texts(ctx).items():
                # Query strings stay under the server's request-line limit (4 KB).
                query = "?" + urlencode(dict.fromkeys(queries, text[:500]),
                                        errors="surrogatepass") if queries else ""
                body = _schema_body(ctx, operation, text) if method != "get" else None
                payload = None if body is None else json.dumps(body).encode()
                answer = browser.send(method.upper(), path + query, api_token=True,
                                      data=payload, headers={
                                          "Content-Type": "application/json"})
                ctx.summary.record(CLASS, f"{method.upper()} {path} {label} as {name}",
                                   status=answer.status, body=answer.body)


def run(ctx: Context) -> None:
    api(ctx)
    forms(ctx)
