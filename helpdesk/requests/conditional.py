"""Conditional GET for a request's pages and the API: an `ETag` built from what the answer
depends on, so a client that already holds it gets 304 without the page being built.

A request's answer changes when the request row does (`updated_at`, which every service
that changes its state sets) or when something is added to it that leaves the row alone
(a no-guarantee flag, a merge, a file): each of those writes a timeline event, so the
newest event's id stands for them. The tag also holds who asks, in which language and
session, and the catalogue's stamp (a renamed category): a cached page never crosses
users, languages or a sign-in, which rotates the CSRF token the page carries.
"""

from __future__ import annotations

import hashlib

from django.contrib.messages import get_messages
from django.db.models import OuterRef, Subquery
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from accounts import registry

from .. import catalogue
from ..slots import REQUEST_ACTIONS
from .models import TimelineEvent


def with_last_event(queryset):
    """Each request with the id of its newest timeline event, as `last_event`."""
    newest = (TimelineEvent.objects.filter(request=OuterRef("pk")).order_by("-pk")
              .values("pk")[:1])
    return queryset.annotate(last_event=Subquery(newest))


def request_state_row(queryset, **lookup):
    """The one request of `queryset` matching `lookup` with only what its tag is made of
    (its state, its newest event, what the links under it look at), in one query; None
    when it is out of reach."""
    return (with_last_event(queryset.filter(**lookup).order_by()).select_related("requester")
            .only("pk", "reference", "status", "first_response_at", "updated_at", "sla_state",
                  "company_id", "home_user_id", "requester__email")
            .first())


def state_of(support_request) -> tuple:
    """What of a request (read with `with_last_event`) its tag is made of. The SLA sweep
    moves `sla_state` without touching `updated_at`; the requester's email is shown too."""
    requester = support_request.requester.email if support_request.requester_id else ""
    return (support_request.pk, support_request.updated_at,
            getattr(support_request, "last_event", None),
            support_request.sla_state, requester)


def etag_for(request, *parts, forms: bool = False) -> str:
    """A strong tag of `parts` and of who asks, how: user, session, language, the
    catalogue's stamp and, for a page with `forms`, the CSRF secret they carry."""
    user = request.user
    if forms:
        get_token(request)  # make sure the secret the page's forms will carry is set
    session = getattr(request, "session", None)
    who = [user.pk, session.session_key if session is not None else "",
           request.META.get("CSRF_COOKIE", ""), translation.get_language(),
           catalogue.memo.stamp()]
    text = "|".join(str(part) for part in (*who, *parts))
    return f'"{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"'


def request_actions(workspace, support_request) -> list[dict]:
    """The links other apps put under a request's page (feedback once answered)."""
    return registry.links(REQUEST_ACTIONS, workspace, support_request)


def page_etag(request, workspace, support_request, actions: list[dict]) -> str:
    """The tag of a request's page in the portal: what `etag_for` holds, the workspace and
    role it is seen in, and the page's `actions` (`request_actions`)."""
    return etag_for(request, workspace.slug, workspace.is_admin, *state_of(support_request),
                    *(link["url"] for link in actions), forms=True)


def not_modified(request, etag: str):
    """The 304 answer when the client's copy is current, else None. A page with a message
    waiting to be shown ("Your reply is sent") is always built."""
    if len(get_messages(request)):
        return None
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        _private(response, etag)
    return response


def tagged(response, etag: str):
    if response.status_code == 200:
        _private(response, etag)
    return response


def _private(response, etag: str) -> None:
    response.headers["ETag"] = etag
    # Kept by the browser only, and asked about again before each use.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language", "Authorization"))
