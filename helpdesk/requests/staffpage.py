"""What the staff's work page of one request reads (the admin's change page): the
conversation with its files, the timeline as readable lines, the eligibility decision as a
sentence, and the customer's context beside the conversation. Each part is a fixed number
of queries whatever the size of the conversation or of the customer's history."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Count, DateTimeField, F, Value, Window
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Language, Membership
from licensing.models import Licence, OperatingSystem, SupportPlan

from ..replies.rendering import offered_for
from ..rules.models import Clause
from ..sla import calendars
from ..sla.entitlements import licence_year, premium_requests_used
from . import timeline
from .lifecycle import REJECTION_CLAUSE
from .models import (
    Attachment,
    Message,
    NoGuaranteeFlag,
    SupportRequest,
    TimelineEvent,
    UtilityRequest,
)

CONVERSATION_CAP = 50
TIMELINE_CAP = 100
ATTACHMENT_CAP = 200
OTHER_REQUESTS_SHOWN = 5
LICENCES_SHOWN = 8


def conversation(support_request: SupportRequest) -> dict:
    """The last CONVERSATION_CAP messages (oldest first), each with its files as `files`,
    the files of no message, and the number of messages in all. Two queries."""
    messages = list(
        Message.objects.filter(request=support_request).select_related("author")
        .annotate(total=Window(Count("pk"))).order_by("-created_at", "-pk")
        [:CONVERSATION_CAP])[::-1]
    by_message: dict[int | None, list[Attachment]] = {}
    for attachment in (Attachment.objects.filter(request=support_request)
                       .order_by("created_at", "pk")[:ATTACHMENT_CAP]):
        by_message.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.files = by_message.get(message.pk, [])
    return {"messages": messages, "total": messages[0].total if messages else 0,
            "cap": CONVERSATION_CAP, "loose_files": by_message.get(None, [])}


def conditions(support_request: SupportRequest) -> dict[str, list[dict]]:
    """The request's no-guarantee flags (4.4.x) and utility runs asked for (6.2), in one
    query: {"flags": [{"clause", "title", "note"}], "utilities": [{"utility", "pending",
    "answered_at"}]}."""
    text, moment = CharField(), DateTimeField()
    flags = NoGuaranteeFlag.objects.filter(request=support_request).order_by().annotate(
        c_kind=Value("flag", output_field=text), c_answered=Value(None, output_field=moment),
    ).values_list("c_kind", "clause", "note", "created_at", "c_answered")
    utilities = UtilityRequest.objects.filter(request=support_request).order_by().annotate(
        c_kind=Value("utility", output_field=text),
    ).values_list("c_kind", "utility", "instructions", "created_at", "fulfilled_at")
    found: dict[str, list[dict]] = {"flags": [], "utilities": []}
    for kind, name, text_, _created, answered in sorted(flags.union(utilities, all=True),
                                                        key=lambda row: (row[0], row[3])):
        if kind == "flag":
            title = NoGuaranteeFlag.Clause(name).label if name in NoGuaranteeFlag.Clause.values \
                else ""
            found["flags"].append({"clause": name, "title": title, "note": text_})
        else:
            found["utilities"].append({"utility": name, "pending": answered is None,
                                       "answered_at": answered})
    found["flags"].sort(key=lambda flag: _natural(flag["clause"]))
    return found


def timeline_lines(support_request: SupportRequest) -> list[timeline.Line]:
    events = list(TimelineEvent.objects.filter(request=support_request).select_related("actor")
                  .order_by("-created_at", "-pk")[:TIMELINE_CAP])[::-1]
    return timeline.lines(events)


def decision_summary(support_request: SupportRequest) -> dict | None:
    """The decision the request was filed under, for a sentence in the reader's language:
    eligible or not, the clause, the reason, the names of what was offered."""
    if not isinstance(support_request.decision, dict) or not support_request.decision:
        return None
    decision = support_request.filed_decision
    return {"eligible": decision.eligible, "clause": decision.clause or "",
            "reason": decision.reason, "offers": [offer.name for offer in decision.offers]}


def _natural(label: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label)]


def choice_lists(support_request: SupportRequest) -> dict[str, list[tuple]]:
    """The work page's short lists, in one query: the agents to assign to, the support
    plans, the clauses a rejection may cite (of the rule set the request was filed under)
    and the reply templates that fit the request; each a list of (id or value, label) in
    the active language."""
    text = CharField()

    def part(queryset, kind, label, extra, extra_ms):
        return queryset.order_by().annotate(
            c_kind=Value(kind, output_field=text), c_label=label, c_extra=extra,
            c_extra_ms=extra_ms).values_list("c_kind", "pk", "c_label", "c_extra",
                                             "c_extra_ms")

    empty = Value("", output_field=text)
    parts = [
        part(access.agents(), "agent", F("email"), F("full_name"), empty),
        part(SupportPlan.objects.all(), "plan", F("name"), empty, empty),
        part(offered_for(support_request), "template", F("name"), F("name_ms"),
             Cast("position", output_field=text)),
    ]
    if support_request.rule_set_id:
        parts.append(part(Clause.objects.filter(rule_set_id=support_request.rule_set_id,
                                                label__regex=REJECTION_CLAUSE.pattern),
                          "clause", F("label"), F("title"), F("title_ms")))
    rows: dict[str, list] = {"agent": [], "plan": [], "template": [], "clause": []}
    for kind, pk, label, extra, extra_ms in parts[0].union(*parts[1:], all=True):
        rows[kind].append((pk, label, extra or "", extra_ms or ""))
    malay = get_language() == "ms"

    def localized(english, malay_text):
        return malay_text if malay and malay_text else english

    return {
        "agent": [(pk, f"{name} <{email}>" if name else email) for pk, email, name, _x
                  in sorted(rows["agent"], key=lambda row: row[1])],
        "plan": [(pk, name) for pk, name, _x, _y in sorted(rows["plan"],
                                                          key=lambda row: row[1])],
        "template": [(pk, localized(name, name_ms)) for pk, name, name_ms, _position
                     in sorted(rows["template"], key=lambda row: (int(row[3] or 0), row[1]))],
        "clause": [(label, f"{label} {localized(title, title_ms)}") for _pk, label, title,
                   title_ms in sorted(rows["clause"], key=lambda row: _natural(row[1]))],
    }


def platform(support_request: SupportRequest) -> str:
    if not support_request.os:
        return ""
    try:
        name = str(OperatingSystem(support_request.os).label)
    except ValueError:
        name = support_request.os
    return f"{name} {support_request.os_version}".strip()


# The customer's context -------------------------------------------------------------------

def licence_state(licence: Licence, today) -> tuple[str, str]:
    """(css class, words) of a licence's state today."""
    if licence.status == Licence.Status.REVOKED:
        return "bad", _("revoked")
    if licence.expires_on < today:
        return "bad", _("expired %(date)s") % {"date": licence.expires_on.isoformat()}
    if licence.starts_on > today:
        return "warn", _("starts %(date)s") % {"date": licence.starts_on.isoformat()}
    return "ok", _("valid until %(date)s") % {"date": licence.expires_on.isoformat()}


def customer_context(support_request: SupportRequest, *, now: datetime | None = None) -> dict:
    """Who the customer is and where they stand: their other requests, the workspace's
    licences with the premium allowance used this licence year, their company and role,
    language, local time, and whether support hours are on for them now. Three queries,
    four with a paid licence (the allowance), with a warm calendar cache."""
    now = now or timezone.now()
    customer = support_request.customer
    company = support_request.company if support_request.company_id else None
    zone_name = (getattr(customer, "time_zone", "") or settings.DEFAULT_USER_TIME_ZONE)
    zone = ZoneInfo(zone_name)
    today = timezone.localdate(now)

    others = []
    if customer is not None:
        # One more than shown says whether there are more, without counting a busy
        # customer's thousands (request_requester_idx reads only these rows).
        others = list(
            SupportRequest.objects.filter(requester=customer).exclude(pk=support_request.pk)
            .select_related("category").order_by("-created_at", "-pk")
            [:OTHER_REQUESTS_SHOWN + 1])
    owner = ({"company": company} if company is not None
             else {"home_user_id": support_request.home_user_id, "company__isnull": True})
    licences = list(Licence.objects.filter(**owner).select_related("product", "plan")
                    .order_by("-expires_on", "pk")[:LICENCES_SHOWN])
    rows = []
    for licence in licences:
        state, words = licence_state(licence, today)
        rows.append({"licence": licence, "state": state, "words": words,
                     "this_request": licence.pk == support_request.licence_id})

    country = company.country if company is not None else getattr(customer, "country", "")
    return {
        "customer": customer,
        "company": company,
        "role": _role(support_request),
        "language": _language_name(getattr(customer, "language", "")),
        "local_time": now.astimezone(zone),
        "time_zone": zone_name,
        "hours": calendars.hours_for(country, support_request.segment, zone_name, now=now),
        "others": others[:OTHER_REQUESTS_SHOWN],
        "more_others": len(others) > OTHER_REQUESTS_SHOWN,
        "licences": rows,
        "allowance": _allowance(support_request, licences, today),
    }


def _role(support_request) -> str:
    role = getattr(support_request, "requester_role", None)
    if not support_request.company_id or not role:
        return ""
    return str(Membership.Role(role).label)


def _language_name(code: str) -> str:
    try:
        return str(Language(code).label)
    except ValueError:
        return code


def _allowance(support_request, licences: list[Licence], today) -> dict | None:
    """Premium requests used this licence year, of the request's licence when it is on a
    paid plan, else of the workspace's first valid licence on one."""
    paid = [licence for licence in licences if licence.plan.is_paid]
    licence = next((lic for lic in paid if lic.pk == support_request.licence_id), None) or next(
        (lic for lic in paid if lic.is_valid_on(today)), None)
    if licence is None:
        return None
    allowance = licence.plan.yearly_request_allowance
    used = premium_requests_used(licence, today)
    start, end = licence_year(licence, today)
    return {"licence": licence, "plan": licence.plan, "allowance": allowance, "used": used,
            "left": None if allowance is None else max(allowance - used, 0),
            "year_start": start, "year_end": end}
