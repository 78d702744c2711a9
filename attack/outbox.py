"""What the cases left in the outbox and the admin, checked from the inside: every email
renders without a line break in its subject (header injection), plain-text parts are not
HTML-escaped (finding 5), credential links are not readable in the outbox or its admin
(finding 4); and activation codes are found in the admin only by the whole key, with no
sortable key column (finding 2, Rules 4.1.3)."""

import json
import re

from .context import Context
from .web import filing_body

# The credential links the outbox must not hold in clear: password reset and invitations.
CREDENTIAL_LINK = re.compile(r"/accounts/password/reset/key/[^\s\"'<]+"
                             r"|/invitations/[^\s\"'/<]{16,}")
HTML_ESCAPES = re.compile(r"&(?:amp|lt|gt|quot|#x27|#39);")


def _plant_emails(ctx: Context) -> None:
    """A subject with CR/LF filed through the API, a company name with `&` and `<` that an
    invitation carries, and a password reset: emails the checks below then read."""
    from accounts import services
    from accounts.models import Company, User

    for name in ctx.bound(["home", "acme_member"], 1, 2):
        actor = ctx.world.actors[name]
        body = filing_body(actor.slug, "Scan fails")
        body["subject"] = "Scan fails\r\nBcc: atk@evil.example"
        answer = ctx.browser(name).api("POST", "/api/v1/requests/", json=body)
        ctx.summary.record("headers", f"POST /api/v1/requests/ subject with CR/LF as {name}",
                           status=answer.status, body=answer.body)
    initech = Company.objects.get(slug="initech")
    admin = User.objects.get(email="admin@initech.example")
    services.rename_company(initech, name="Initech & Sons <Ltd>", by=admin)
    services.invite_member(company=initech, email="second@initech.example", role="member",
                           by=admin)
    browser = ctx.fresh_browser("home2")
    browser.get("/accounts/password/reset/")
    answer = browser.post("/accounts/password/reset/", data={"email": "home2@example.com"})
    ctx.summary.record("outbox", "POST /accounts/password/reset/ for home2",
                       status=answer.status, location=answer.location, body=answer.body)


def emails(ctx: Context) -> None:
    from notifications.models import Notification
    from notifications.services import render

    _plant_emails(ctx)
    supervisor = ctx.browser("supervisor")
    rows = list(Notification.objects.order_by("-pk"))
    for notification in ctx.bound(rows, 80):
        label = f"email {notification.template or 'rendered'!r} to {notification.to}"
        try:
            message = render(notification)
        except Exception as exc:  # any failure to render is the finding
            ctx.summary.record("outbox", label, status=None, reached=True,
                               failure=f"does not render: {type(exc).__name__}: {exc}"[:300])
            continue
        subject = str(message.subject)
        ctx.summary.record("headers", f"{label}: subject", status=None, reached=True,
                           failure="CR/LF in the subject" if re.search(r"[\r\n]", subject)
                           else "")
        escaped = sorted(set(HTML_ESCAPES.findall(f"{subject}\n{message.body}")))
        ctx.summary.record("outbox", f"{label}: plain text", status=None, reached=True,
                           failure=f"HTML-escaped plain text ({', '.join(escaped)}) "
                           f"(finding 5)" if escaped else "")
        stored = "\n".join([notification.subject, notification.body_text,
                            notification.body_html, json.dumps(notification.context)])
        link = CREDENTIAL_LINK.search(stored)
        ctx.summary.record("outbox", f"{label}: stored", status=None, reached=True,
                           failure=f"credential link in clear in the outbox: {link.group()}"
                           f" (finding 4)" if link else "")
        if link:
            path = f"/admin/notifications/notification/{notification.pk}/change/"
            answer = supervisor.get(path)
            shown = link.group() in answer.text
            ctx.summary.record("outbox", f"GET {path}", status=answer.status,
                               location=answer.location, body=answer.body,
                               failure="credential link shown in the admin (finding 4)"
                               if shown else None)


def key_lookup(ctx: Context) -> None:
    """Rules 4.1.3 in the admin: a fragment of a key finds nothing, the whole key finds
    its licence, and the key column does not sort."""
    from licensing.models import Licence

    cls = "key lookup"
    browser = ctx.browser("supervisor")
    changelist = "/admin/licensing/licence/"
    for licence in ctx.bound(list(Licence.objects.exclude(company=None).order_by("pk")), 2):
        row = f"/admin/licensing/licence/{licence.pk}/change/"
        compact = licence.key.replace("-", "")
        for fragment in (licence.key[:5], compact[5:13], licence.key[-5:]):
            answer = browser.get(f"{changelist}?q={fragment}")
            ctx.summary.record(cls, f"GET {changelist}?q={fragment}", status=answer.status,
                               location=answer.location, body=answer.body,
                               failure="a key fragment finds the licence (finding 2)"
                               if row in answer.text else None)
        answer = browser.get(f"{changelist}?q={licence.key}")
        ctx.summary.record(cls, f"GET {changelist}?q=<whole key>", status=answer.status,
                           location=answer.location, body=answer.body,
                           failure=None if row in answer.text else
                           "the whole key does not find its licence")
    answer = browser.get(changelist)
    ctx.summary.record(cls, f"GET {changelist} (sorting)", status=answer.status,
                       location=answer.location, body=answer.body,
                       failure="the key column sorts (finding 2)"
                       if re.search(r'class="[^"]*sortable[^"]*column-key', answer.text)
                       else None)


def run(ctx: Context) -> None:
    emails(ctx)
    key_lookup(ctx)
