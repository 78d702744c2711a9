"""Who else has a request open: each agent's work page says "I am here" every minute
(static/js/desk.js, no websockets), and hears who else said so within `WINDOW`.

Kept in the shared cache (Redis in production), not the database: it is a hint that may
be lost, never a record. Two agents arriving at once may each miss the other for one
beat; the next beat puts it right.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WINDOW = timedelta(minutes=5)
BEAT_SECONDS = 60


def _key(request_pk: int) -> str:
    return f"helpdesk:presence:v1:{request_pk}"


def seen(request_pk: int, user, *, now=None) -> list[dict]:
    """Note that `user` has the request open now; the others who had it open within the
    window, most recent first: `{"name", "minutes"}` (minutes since their last beat)."""
    now = (now or timezone.now()).timestamp()
    entries = cache.get(_key(request_pk)) or {}
    if not isinstance(entries, dict):
        entries = {}
    window = WINDOW.total_seconds()
    entries = {uid: entry for uid, entry in entries.items()
               if isinstance(entry, list | tuple) and len(entry) == 2
               and now - entry[1] < window}
    others = sorted(((name, at) for uid, (name, at) in entries.items()
                     if uid != str(user.pk)), key=lambda entry: -entry[1])
    entries[str(user.pk)] = [user.get_full_name(), now]
    cache.set(_key(request_pk), entries, int(window))
    return [{"name": name, "minutes": int((now - at) // 60)} for name, at in others]


def sentence(others: list[dict]) -> str:
    """"Also being worked on by …", or "" when nobody else is there."""
    if not others:
        return ""
    names = ", ".join(other["name"] for other in others)
    minutes = min(other["minutes"] for other in others)
    if minutes < 1:
        when = _("now")
    else:
        when = ngettext("%(minutes)d minute ago", "%(minutes)d minutes ago", minutes) % {
            "minutes": minutes}
    return _("Also being worked on by %(names)s (seen %(when)s).") % {"names": names,
                                                                      "when": when}
