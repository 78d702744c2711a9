"""The browser-facing classes: XSS, CSRF, uploads, open redirects, header injection.

Forms are found on the pages themselves (every portal page a customer opens, parsed), so a
form added later is attacked too."""

import contextlib
import io
import itertools
import json
import re
import zipfile
from urllib.parse import urlsplit

from .client import Browser, Form, forms_of
from .context import Context
from .routes import fill, parameters, portal_routes
from .stage import ATTACHMENT_MAX_BYTES

# Forms whose post ends the session or destroys what later cases need: only their CSRF
# protection is tried (a refused post changes nothing).
DESTRUCTIVE = re.compile(r"logout|delete|erase|remove|revoke|cancel|leave|role|password"
                         r"|email|2fa|reauthenticate")
counter = itertools.count(1)


def pages_with_forms(ctx: Context, name: str) -> list[tuple[str, Form]]:
    """(page, form) of every POST form on the pages `name` opens, one per action."""
    actor = ctx.world.actors[name]
    own = ctx.world.tenants[actor.tenant]
    browser = ctx.browser(name)
    found, actions = [], set()
    paths = {"/accounts/email/", "/accounts/password/change/"}
    for route in portal_routes():
        if "get" not in route.methods or (route.home_only != (actor.slug == "my") and (
                route.home_only or "slug" in parameters(route.route))):
            continue
        path = fill(route.route, own, own_workspace=actor.slug)
        if path:
            paths.add(path)
    for path in sorted(paths):
        answer = browser.get(path)
        if answer.status != 200:
            continue
        for form in forms_of(path, answer.text):
            if form.action not in actions:
                actions.add(form.action)
                found.append((path, form))
    return found


def _safe(form: Form) -> bool:
    return not DESTRUCTIVE.search(form.action)


# XSS -------------------------------------------------------------------------------

def _payload() -> tuple[str, list[str]]:
    n = next(counter)
    signatures = [f"<script>atk{n}()</script>", f"<img src=x onerror=atk{n}()>"]
    return f"\"'>{signatures[0]}{signatures[1]}", signatures


def _check_shown(ctx: Context, cls: str, label: str, browser: Browser, path: str,
                 signatures: list[str]) -> None:
    answer = browser.get(path)
    raw = [s for s in signatures if s in answer.text]
    ctx.summary.record(cls, f"GET {path} after {label}", status=answer.status,
                       location=answer.location, body=answer.body,
                       failure=f"unescaped {raw}" if raw else None)


def xss(ctx: Context) -> None:
    planted = ctx.for_each(ctx.bound(ctx.customers, 3), lambda name: _xss(ctx, name))
    _staff_pages(ctx, [s for signatures in planted for s in signatures])


def _staff_pages(ctx: Context, signatures: list[str]) -> None:
    """What the customers planted, as staff (with a second factor) see it in the admin:
    every model's list and its newest rows."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    browser = ctx.browser("supervisor")
    pages = ["/admin/"]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{info}_changelist"))
        newest = model._default_manager.order_by("-pk").values_list("pk", flat=True)
        for pk in ctx.bound(list(newest[:3]), 1):
            with contextlib.suppress(NoReverseMatch):
                pages.append(reverse(f"{info}_change", args=[pk]))
    for path in pages:
        _check_shown(ctx, "xss", "the posts (as staff)", browser, path, signatures)


def _xss(ctx: Context, name: str) -> list[str]:
    cls = "xss"
    browser = ctx.browser(name)
    planted = []
    for page, form in pages_with_forms(ctx, name):
        if not _safe(form) or not form.text_fields:
            continue
        payload, signatures = _payload()
        answer = browser.post(form.action, data=form.data(text=payload))
        raw = [s for s in signatures if s in answer.text]
        ctx.summary.record(cls, f"POST {form.action} as {name}", status=answer.status,
                           location=answer.location, body=answer.body,
                           failure=f"unescaped {raw}" if raw else None)
        planted += signatures
        landed = browser.follow(answer)
        if landed is not None:
            raw = [s for s in signatures if s in landed.text]
            ctx.summary.record(cls, f"GET {answer.location} after POST {form.action}",
                               status=landed.status, location=landed.location,
                               body=landed.body,
                               failure=f"unescaped {raw}" if raw else None)
        _check_shown(ctx, cls, f"POST {form.action}", browser, page, signatures)
    planted += _api_payloads(ctx, name)
    # Everything planted, on every page of the person's workspace.
    actor = ctx.world.actors[name]
    own = ctx.world.tenants[actor.tenant]
    base = "/my" if actor.slug == "my" else f"/company/{actor.slug}"
    for path in [f"{base}/requests/", f"{base}/quotes/", f"{base}/",
                 *(f"{base}/requests/{ref}/" for ref in own.references[-3:])]:
        _check_shown(ctx, cls, "the posts", browser, path, planted)
    return planted


FILING = {"home": ("kaspersky-premium", "21.21"),
          "business": ("endpoint-security-business", "12.8")}


def filing_body(slug: str, text: str) -> dict:
    product, version = FILING["home" if slug == "my" else "business"]
    return {"workspace": slug, "category": "malfunction", "product": product,
            "version": version, "os": "windows", "os_version": "11",
            "subject": text[:200], "description": text}


def _api_payloads(ctx: Context, name: str) -> list[str]:
    """Script through the API's text fields: a filing, a reply, a quote."""
    cls = "xss"
    actor = ctx.world.actors[name]
    browser = ctx.browser(name)
    planted = []
    payload, signatures = _payload()
    answer = browser.api("POST", "/api/v1/requests/", json=filing_body(actor.slug, payload))
    ctx.summary.record(cls, f"POST /api/v1/requests/ as {name}", status=answer.status,
                       body=answer.body)
    planted += signatures
    if answer.status == 201:
        reference = json.loads(answer.body)["reference"]
        ctx.world.tenants[actor.tenant].references.append(reference)
        payload, signatures = _payload()
        answer = browser.api("POST", f"/api/v1/requests/{reference}/messages/",
                             json={"body": payload + " [x](javascript:atk())"})
        ctx.summary.record(cls, f"POST /api/v1/requests/{reference}/messages/ as {name}",
                           status=answer.status, body=answer.body)
        planted += [*signatures, 'href="javascript:']
    payload, signatures = _payload()
    answer = browser.api("POST", "/api/v1/quotes/", json={
        "workspace": actor.slug, "service": "professional_services", "message": payload})
    ctx.summary.record(cls, f"POST /api/v1/quotes/ as {name}", status=answer.status,
                       body=answer.body)
    return planted + signatures


# CSRF ------------------------------------------------------------------------------

def csrf(ctx: Context) -> None:
    """Every form posted without its token, and the session-authenticated API without the
    header, must be refused with 403. Destructive forms go last."""
    ctx.for_each(ctx.bound(ctx.customers, 3), lambda name: _csrf(ctx, name))


def _csrf(ctx: Context, name: str) -> None:
    cls = "csrf"
    browser = ctx.browser(name)
    forms = sorted(pages_with_forms(ctx, name), key=lambda item: not _safe(item[1]))
    for _page, form in forms:
        answer = browser.post(form.action, data=form.data(), csrf=False)
        ctx.summary.record(cls, f"POST {form.action} without token as {name}",
                           status=answer.status, location=answer.location,
                           body=answer.body, csrf_case=True,
                           failure=None if answer.status == 403 else "accepted without "
                           "the CSRF token")
    slug = ctx.world.actors[name].slug
    for path, body in (("/api/v1/requests/", filing_body(slug, "CSRF")),
                       ("/api/v1/tokens/", {"name": "csrf"}),
                       ("/api/v1/quotes/", {"workspace": slug, "message": "CSRF",
                                            "service": "professional_services"})):
        answer = browser.send("POST", path, json=body)  # cookie, no X-CSRFToken
        ctx.summary.record(cls, f"POST {path} by session without token as {name}",
                           status=answer.status, body=answer.body, csrf_case=True,
                           failure=None if answer.status == 403 else "accepted without "
                           "the CSRF token")


# Uploads ---------------------------------------------------------------------------

def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (50 * 1024 * 1024))
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
# (name, content, what must happen): "refused", or "any" (either, checked on download).
UPLOADS = [
    ("../../../../etc/passwd.txt", b"path traversal\n", "any"),
    ("..\\..\\boot.ini.txt", b"windows traversal\n", "any"),
    ("scan\x00.png", PNG, "any"),
    ("invoice.pdf.exe", b"MZ\x90\x00\x03binary", "any"),
    ("photo.png.html", b"<html><body><script>atk()</script></body></html>", "refused"),
    ("notes.txt", b"<html><body><script>atk()</script></body></html>", "refused"),
    ("logo.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="atk()"><rect/></svg>',
     "refused"),
    ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="atk()"/>', "refused"),
    ("big.log", b"A" * (ATTACHMENT_MAX_BYTES + 1), "refused"),
    ("bomb.zip", None, "any"),
    ('quote".txt', b"a quote in the name\n", "any"),
    ("line\r\nX-Injected: 1.txt", b"a line break in the name\n", "any"),
    ("\u202etxt.exe", b"right-to-left override\n", "any"),
]


def _check_download(ctx: Context, browser: Browser, label: str, url: str) -> None:
    answer = browser.api("GET", url)
    disposition = answer.headers.get("Content-Disposition", "")
    problems = []
    if answer.status == 200:
        if not disposition.startswith("attachment"):
            problems.append(f"Content-Disposition {disposition!r}")
        if answer.headers.get("X-Content-Type-Options") != "nosniff":
            problems.append("no nosniff")
        if re.search(r"[\r\n]|\.\./|\.\.\\", disposition):
            problems.append(f"unsafe name in {disposition!r}")
    ctx.summary.record("uploads", f"GET {url} ({label})", status=answer.status,
                       body=answer.body, failure="; ".join(problems) or None)


def uploads(ctx: Context) -> None:
    cls = "uploads"
    for name in ctx.bound(["home", "acme_member"], 1, 2):
        actor = ctx.world.actors[name]
        browser = ctx.browser(name)
        reference = ctx.world.tenants[actor.tenant].references[0]
        base = "/my" if actor.slug == "my" else f"/company/{actor.slug}"
        for filename, content, expected in UPLOADS:
            content = _zip_bomb() if content is None else content
            files = {"file": (filename, content, "application/octet-stream")}
            path = f"/api/v1/requests/{reference}/attachments/"
            answer = browser.api("POST", path, files=files)
            failure = None
            if answer.status == 201 and expected == "refused":
                failure = f"{filename!r} accepted"
            ctx.summary.record(cls, f"POST {path} {filename!r} as {name}",
                               status=answer.status, body=answer.body, failure=failure)
            if answer.status == 201:
                url = json.loads(answer.body).get("download_url")
                if url:
                    _check_download(ctx, browser, filename, urlsplit(url).path)
            # The portal's upload form, the same file.
            page = f"{base}/requests/{reference}/"
            browser.get(page)
            answer = browser.post(f"{page}upload/", files=files)
            accepted = answer.status in (302, 303) and "error" not in answer.location
            shown = browser.get(page).text if accepted else ""
            failure = None
            if expected == "refused" and accepted and filename.split("/")[-1] in shown:
                failure = f"{filename!r} accepted by the portal"
            ctx.summary.record(cls, f"POST {page}upload/ {filename!r} as {name}",
                               status=answer.status, location=answer.location,
                               body=answer.body, failure=failure)


# Open redirects and header injection -----------------------------------------------

TARGETS = ["https://evil.example/", "//evil.example/", "/\\evil.example/",
           "https:evil.example", "\\\\evil.example", "javascript:atk()",
           "/%0d%0aSet-Cookie:%20atk=1", "https://127.0.0.1@evil.example/"]


def _redirect_failure(ctx: Context, answer) -> str | None:
    location = answer.location
    if re.search(r"[\r\n]", location) or "atk=1" in answer.headers.get("Set-Cookie", ""):
        return f"header injection: {location!r}"
    target = urlsplit(location.replace("\\", "/"))
    ours = urlsplit(ctx.base_url).netloc
    if target.scheme.lower() in ("javascript", "data"):
        return f"Location {location!r}"
    if target.netloc and target.netloc != ours and target.netloc.split(":")[0] not in (
            "127.0.0.1", "localhost"):
        return f"Location to another host: {location!r}"
    return None


def redirects(ctx: Context) -> None:
    cls = "redirects"
    actor = ctx.world.actors["home"]
    for target in ctx.bound(TARGETS, 4):
        browser = Browser(ctx.base_url)
        browser.get(f"/accounts/login/?next={target}")
        answer = browser.post(f"/accounts/login/?next={target}", data={
            "login": actor.email, "password": actor.password, "next": target})
        ctx.summary.record(cls, f"sign in with next={target!r}", status=answer.status,
                           location=answer.location, body=answer.body,
                           reached=answer.status in (200, 302),
                           failure=_redirect_failure(ctx, answer))
        answer = browser.post("/language/", data={"language": "en", "next": target})
        ctx.summary.record(cls, f"language with next={target!r}", status=answer.status,
                           location=answer.location, body=answer.body,
                           failure=_redirect_failure(ctx, answer))
        answer = browser.get(f"/admin/login/?next={target}")
        ctx.summary.record(cls, f"admin sign-in with next={target!r}", status=answer.status,
                           location=answer.location, body=answer.body,
                           reached=answer.status is not None and answer.status < 500,
                           failure=_redirect_failure(ctx, answer))
        answer = browser.post(f"/accounts/logout/?next={target}", data={"next": target})
        ctx.summary.record(cls, f"sign out with next={target!r}", status=answer.status,
                           location=answer.location, body=answer.body,
                           reached=answer.status is not None and answer.status < 500,
                           failure=_redirect_failure(ctx, answer))


def run(ctx: Context) -> None:
    xss(ctx)
    uploads(ctx)
    redirects(ctx)
    csrf(ctx)
