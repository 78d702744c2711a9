"""Demo queues, the demo agent and a few requests in every state (DESIGN.md section 8).

Runs after accounts.demo and licensing.demo. Requests are filed and moved through their
states by the request services, as people would, so the demo shows real timelines and
emails. Idempotent: a demo request is found again by its requester and subject.

Only demo-owned rows are touched: the requests this seed files are listed in
`demo["requests"]`, and whatever runs after it (due times here, the feedback demo) works on
those alone, never on a real customer's requests.
"""

import os
from datetime import time, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.access import AGENTS, SUPERVISORS
from accounts.demo import _user
from accounts.models import Segment
from accounts.registry import sync_staff_groups
from accounts.workspace import Workspace, resolve_workspace
from licensing.models import OperatingSystem, RequestCategory

from .models import (
    AuthorisedContact,
    OpeningHours,
    Priority,
    Queue,
    QueueRoute,
    ReplyTemplate,
    RuleSet,
    SelfHelpResource,
    SlaTarget,
    SupportCalendar,
    SupportRequest,
)
from .requests import filing, lifecycle, timed
from .rules.services import load_published_rules
from .sla import sweep

QUEUES = [
    # name, segment, default for the segment
    ("Home and mobile", Segment.HOME, True),
    ("Small business", Segment.SMALL_BUSINESS, True),
    ("Medium and large business", Segment.MEDIUM_LARGE_BUSINESS, True),
    ("Virus lab", Segment.HOME, False),
]
# Samples go to the virus lab whatever the segment (4.1.2 a, b).
LAB_CATEGORIES = ["false_positive", "undetected_malware"]

WORKDAYS = range(5)
OFFICE = (time(9, 0), time(18, 0))
# Support hours (clause 2.2): country ("" = the default), name, time zone, public holidays
# of (country, state), {segment: {weekday: [(opens, closes)]}}.
CALENDARS = [
    ("MY", "Malaysia", "Asia/Kuala_Lumpur", ("MY", "KUL"),
     dict.fromkeys(Segment.values, dict.fromkeys(WORKDAYS, (OFFICE,)))),
    ("SG", "Singapore", "Asia/Singapore", ("SG", ""), {
        Segment.HOME: {**dict.fromkeys(WORKDAYS, ((time(9, 0), time(21, 0)),)),
                       5: ((time(10, 0), time(16, 0)),)},
        Segment.SMALL_BUSINESS: dict.fromkeys(WORKDAYS, (OFFICE,)),
        Segment.MEDIUM_LARGE_BUSINESS: dict.fromkeys(WORKDAYS, ((time(8, 0), time(20, 0)),)),
    }),
    ("", "Default", "UTC", ("", ""),
     dict.fromkeys(Segment.values, dict.fromkeys(WORKDAYS, ((time(8, 0), time(17, 0)),)))),
]
# Premium Support targets in business minutes: first response, next response, resolution,
# and whether they count around the clock (critical: 24x7).
PREMIUM_TARGETS = {
    Priority.CRITICAL: (60, 120, 480, True),
    Priority.HIGH: (240, 480, 1440, False),
    Priority.NORMAL: (480, 960, 2880, False),
    Priority.LOW: (960, 1920, 4800, False),
}


def _calendars() -> int:
    """The support calendars; hours only for a calendar made now, so staff edits stay."""
    made = 0
    for country, place, zone, (holiday_country, subdivision), segments in CALENDARS:
        for segment, week in segments.items():
            calendar, created = SupportCalendar.objects.get_or_create(
                country=country, segment=segment, defaults={
                    "name": f"{place} · {Segment(segment).label}", "time_zone": zone,
                    "holiday_country": holiday_country, "holiday_subdivision": subdivision})
            if created:
                made += 1
                OpeningHours.objects.bulk_create(
                    OpeningHours(calendar=calendar, weekday=day, opens=opens, closes=closes)
                    for day, spans in week.items() for opens, closes in spans)
    return made


def _premium_targets(plan) -> None:
    for priority, (first, following, resolution, around) in PREMIUM_TARGETS.items():
        SlaTarget.objects.get_or_create(plan=plan, priority=priority, defaults={
            "first_response_minutes": first, "next_response_minutes": following,
            "resolution_minutes": resolution, "around_the_clock": around})


def _queues(agent, supervisor) -> dict[str, Queue]:
    queues = {}
    for name, segment, is_default in QUEUES:
        queue, _ = Queue.objects.get_or_create(
            name=name, defaults={"segment": segment, "is_default": is_default})
        queue.agents.add(agent)
        queue.supervisors.add(supervisor)
        queues[name] = queue
    for code in LAB_CATEGORIES:
        category = RequestCategory.objects.filter(code=code).first()
        if category is not None:
            QueueRoute.objects.get_or_create(category=category, segment="",
                                             defaults={"queue": queues["Virus lab"]})
    return queues


def _file_demo_request(user, workspace, subject, *, category="malfunction", product=None,
                       version=None, os=OperatingSystem.WINDOWS, os_version="11",
                       licence_key=None, description="",
                       priority=Priority.NORMAL) -> tuple[SupportRequest, bool]:
    existing = SupportRequest.objects.filter(requester=user, subject=subject).first()
    if existing is not None:
        return existing, False
    category = RequestCategory.objects.get(code=category)
    needs_product = category.in_scope and category.needs_product
    request = filing.file_request(filing.RequestIntake.of(
        workspace=workspace, category=category, subject=subject,
        description=description or f"{subject}. It started after the last update.",
        product=product if needs_product else None,
        version=version if needs_product else None,
        os=os if needs_product else "", os_version=os_version if needs_product else "",
        licence_key=licence_key, priority=priority), by=user)
    return request, True


def _age(request: SupportRequest, **fields) -> None:
    """Move a demo request's clocks into the past, so timed states look real."""
    SupportRequest.objects.filter(pk=request.pk).update(**fields)


SELF_HELP = [
    # (segment, kind, language, title, url, keywords)
    ("home", "knowledge_base", "en", "Home products: knowledge base",
     "https://support.example.com/home/", "install update licence activation error"),
    ("home", "knowledge_base", "ms", "Perisian kediaman: pangkalan pengetahuan",
     "https://support.example.com/ms/home/", "pasang kemas kini lesen pengaktifan ralat"),
    ("home", "community", "en", "Community forum for home users",
     "https://community.example.com/", "question forum users tips"),
    ("home", "course", "en", "Online course: getting started at home",
     "https://academy.example.com/home-basics/", "training course learn"),
    ("business", "knowledge_base", "en", "Business products: knowledge base",
     "https://support.example.com/business/", "deploy policy server endpoint update"),
    ("business", "knowledge_base", "ms", "Perisian perniagaan: pangkalan pengetahuan",
     "https://support.example.com/ms/business/", "pasang dasar pelayan titik akhir"),
    ("business", "community", "en", "Community forum for business users",
     "https://community.example.com/business/", "administrator forum deployment"),
    ("business", "course", "en", "Online course: endpoint security administration",
     "https://academy.example.com/endpoint-admin/", "training administration course"),
]


def _self_help() -> None:
    for segment, kind, language, title, url, keywords in SELF_HELP:
        SelfHelpResource.objects.get_or_create(
            url=url, language=language,
            defaults={"segment": segment, "kind": kind, "title": title, "keywords": keywords},
        )


# Reply templates agents use every day: code, (name, Malay name), category, clause, action,
# English text, Malay text. Made once: staff edits stay, and nothing else is touched.
REPLY_TEMPLATES = [
    ("demo-ask-for-logs", ("Ask for trace logs", "Minta log jejak"), None, "",
     ReplyTemplate.Action.REQUEST_INFORMATION,
     "Hello {customer_name},\n\nThank you for your request {reference}. To find out what goes "
     "wrong in {product} {version}, we need the application's trace logs:\n\n"
     "1. Open the application's settings and turn on tracing (Support > Traces).\n"
     "2. Make the problem happen once more.\n"
     "3. Turn tracing off and attach the trace files to your reply here.\n\n"
     "Our support hours for you: {support_hours}.\n\nKind regards,\n{agent_name}",
     "Salam sejahtera {customer_name},\n\nTerima kasih atas permintaan anda {reference}. "
     "Untuk mengetahui punca masalah pada {product} {version}, kami memerlukan log jejak "
     "aplikasi:\n\n"
     "1. Buka tetapan aplikasi dan hidupkan jejak (Sokongan > Jejak).\n"
     "2. Ulangi masalah tersebut sekali lagi.\n"
     "3. Matikan jejak dan lampirkan fail jejak pada balasan anda di sini.\n\n"
     "Waktu sokongan kami untuk anda: {support_hours}.\n\nSalam hormat,\n{agent_name}"),
    ("demo-false-positive-received", ("False positive: file received",
                                      "Positif palsu: fail diterima"),
     "false_positive", "", ReplyTemplate.Action.REPLY,
     "Hello {customer_name},\n\nWe have received the file you sent with {reference} and "
     "passed it to our virus lab. If the detection is a false positive, it is removed in a "
     "coming database update, and we will tell you here.\n\nUntil then, if you trust the "
     "file's source, you can add it to the exclusions of {product}.\n\n"
     "Kind regards,\n{agent_name}",
     "Salam sejahtera {customer_name},\n\nKami telah menerima fail yang anda hantar bersama "
     "{reference} dan menyerahkannya kepada makmal virus kami. Jika pengesanan itu positif "
     "palsu, ia akan dibuang dalam kemas kini pangkalan data yang akan datang, dan kami akan "
     "memaklumkan anda di sini.\n\nSementara itu, jika anda mempercayai sumber fail "
     "tersebut, anda boleh menambahnya pada senarai pengecualian {product}.\n\n"
     "Salam hormat,\n{agent_name}"),
    ("demo-not-covered-remote-session", ("Not covered: remote session (Professional "
                                         "Services)",
                                         "Tidak diliputi: sesi jauh (Perkhidmatan "
                                         "Profesional)"),
     None, "4.2.5", ReplyTemplate.Action.REJECT,
     "Hello {customer_name},\n\nOn-site and remote support sessions are not covered by "
     "Standard Support (clause {clause}: {clause_link}). They can be bought within Kaspersky "
     "Professional Services: you can ask for a quote from your portal.\n\nFor anything "
     "Standard Support covers, file a new request and we will gladly help.\n\n"
     "Kind regards,\n{agent_name}",
     "Salam sejahtera {customer_name},\n\nSesi Sokongan Tapak dan Sokongan Jauh tidak "
     "diliputi oleh Sokongan Standard (fasal {clause}: {clause_link}). Sesi ini boleh dibeli "
     "dalam Perkhidmatan Profesional Kaspersky: anda boleh meminta sebut harga daripada "
     "portal anda.\n\nUntuk perkara yang diliputi oleh Sokongan Standard, sila hantar "
     "permintaan baharu dan kami sedia membantu.\n\nSalam hormat,\n{agent_name}"),
    ("demo-version-end-of-support", ("Version no longer supported (support extension)",
                                     "Versi tidak lagi disokong (pembaharuan sokongan)"),
     None, "4.3.2", ReplyTemplate.Action.REJECT,
     "Hello {customer_name},\n\n{product} {version} is no longer supported (clause {clause}: "
     "{clause_link}), so we cannot work on {reference} for this version. Please update to a "
     "supported version: with a valid licence the update is free, and most problems of "
     "older versions are fixed in the newer ones.\n\nIf you need to stay on this version, "
     "a support extension can be bought on request: you can ask for a quote from your "
     "portal.\n\nKind regards,\n{agent_name}",
     "Salam sejahtera {customer_name},\n\n{product} {version} tidak lagi disokong (fasal "
     "{clause}: {clause_link}), jadi kami tidak dapat menangani {reference} untuk versi ini. "
     "Sila kemas kini kepada versi yang disokong: dengan Lesen yang sah kemas kini adalah "
     "percuma, dan kebanyakan masalah versi lama telah dibaiki dalam versi yang lebih "
     "baharu.\n\nJika anda perlu kekal pada versi ini, pembaharuan sokongan boleh dibeli "
     "atas permintaan: anda boleh meminta sebut harga daripada portal anda.\n\n"
     "Salam hormat,\n{agent_name}"),
]


def _reply_templates() -> int:
    made = 0
    for position, (code, (name, name_ms), category, clause, action, body, body_ms) in \
            enumerate(REPLY_TEMPLATES):
        _template, created = ReplyTemplate.objects.get_or_create(code=code, defaults={
            "name": name, "name_ms": name_ms, "body": body, "body_ms": body_ms,
            "action": action, "clause": clause, "position": (position + 1) * 10,
            "category": RequestCategory.objects.filter(code=category).first()
            if category else None})
        made += created
    return made


def seed(demo: dict, out) -> None:
    # The shipped rules only when none are in force yet: reloading them would undo what
    # staff edited (new versions of the files are loaded with `load_rules`).
    if RuleSet.objects.current() is None:
        load_published_rules()
    sync_staff_groups()
    password = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
    agent = _user("agent@example.com", password, full_name="Amir Agent", is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS))
    staff = demo["staff"]
    staff.groups.add(Group.objects.get(name=SUPERVISORS))
    _queues(agent, staff)
    demo.update(agent=agent)
    calendars_made = _calendars()
    _self_help()
    templates_made = _reply_templates()
    # Every Premium Support tier answers on the same targets; the tiers differ in their
    # yearly allowance and contacts.
    for plan in [demo.get("premium_plan"), *demo.get("premium_tiers", {}).values()]:
        if plan is not None:
            _premium_targets(plan)
    if "globex" in demo and "globex_admin" in demo:
        # Globex's administrator is its authorised technical contact for Premium Support.
        AuthorisedContact.objects.get_or_create(company=demo["globex"],
                                                user=demo["globex_admin"])

    if "home_version" not in demo or "business_version" not in demo:
        out("Helpdesk: no demo catalogue, so no demo requests.")
        return
    home, acme_member, acme_admin, globex_admin = (
        demo["home"], demo["acme_member"], demo["acme_admin"], demo["globex_admin"])
    home_ws = Workspace(user=home)
    acme_member_ws = resolve_workspace(acme_member, "acme")
    acme_admin_ws = resolve_workspace(acme_admin, "acme")
    globex_ws = resolve_workspace(globex_admin, "globex")
    home_product = {"product": demo["home_product"], "version": demo["home_version"]}
    business = {"product": demo["business_product"], "version": demo["business_version"]}
    made = 0
    demo_requests: list[SupportRequest] = []
    demo["requests"] = demo_requests

    def _file(*args, **kwargs) -> tuple[SupportRequest, bool]:
        request, created = _file_demo_request(*args, **kwargs)
        demo_requests.append(request)
        return request, created

    # new
    _r, created = _file(home, home_ws, "Scan stops at 40 per cent", **home_product)
    made += created

    # open: an agent took it and answered
    r, created = _file(acme_member, acme_member_ws, "Update fails with error 1603", **business)
    if created:
        lifecycle.assign_to_me(r, by=agent)
        lifecycle.add_reply(r, by=agent, body="Thank you. Which build of Windows is it?")
        lifecycle.add_reply(r, by=acme_member, body="Windows 11 23H2.")
        lifecycle.add_reply(r, by=agent, internal=True,
                           body="Looks like the known installer issue; checking with L2.")
        made += 1

    # waiting on the customer: a utility run (6.2)
    r, created = _file(acme_admin, acme_admin_ws, "Endpoint agent uses 100% CPU", **business)
    if created:
        lifecycle.assign_to_me(r, by=agent)
        lifecycle.request_utility_run(
            r, by=agent, utility="GetSystemInfo",
            url="https://support.kaspersky.com/common/diagnostics/3632",
            instructions="Run GetSystemInfo on an affected computer and upload the report.")
        made += 1

    # waiting, reminded, then closed for no response (6.4)
    r, created = _file(home, home_ws, "Licence not recognised after reinstall",
                       **home_product)
    if created:
        lifecycle.assign_to_me(r, by=agent)
        lifecycle.set_no_guarantee_flag(
            r, by=agent, clause="4.4.5",
            note="We need the application's trace logs to reproduce the problem.")
        lifecycle.request_information(r, by=agent, body="Please send the trace logs.")
        long_ago = timezone.now() - timedelta(days=30)
        _age(r, waiting_since=long_ago, reminded_at=long_ago + timedelta(days=3))
        timed.close_for_no_response(r.pk)
        made += 1

    # resolved (within the reopen window)
    r, created = _file(globex_admin, globex_ws, "Database update stuck at 0%",
                       category="database_update", **business)
    if created:
        lifecycle.assign_to_me(r, by=agent)
        lifecycle.resolve_request(r, by=agent,
                                 note="The update server address was blocked by the proxy; "
                                 "allow it and run the update again.")
        made += 1

    # closed after the reopen window
    r, created = _file(acme_member, acme_member_ws, "Where do I download the installer?",
                       category="howto_download")
    if created:
        lifecycle.assign_to_me(r, by=agent)
        lifecycle.resolve_request(r, by=agent, note="From the CompanyAccount downloads page.")
        _age(r, resolved_at=timezone.now() - timedelta(days=30))
        timed.close_after_reopen_window(r.pk)
        made += 1

    # rejected under a clause
    r, created = _file(globex_admin, globex_ws, "Please configure our firewall rules",
                       **business)
    if created:
        lifecycle.reject_request(
            r, by=agent, clause="4.2.2",
            reason="Configuring your devices is not covered by Standard Support (4.2.2); "
            "Professional Services can help.")
        made += 1

    # open on Premium Support: due times, reminders and escalation at work
    r, created = _file(globex_admin, globex_ws, "Managed endpoints stop reporting to the server",
                       priority=Priority.HIGH, **business)
    if created:
        lifecycle.assign_to_me(r, by=agent)
        lifecycle.add_reply(r, by=agent, body="We are on it. Can you send the server's "
                           "trace logs from the last hour?")
        made += 1

    # Demo requests filed before the plan had targets get their due times now.
    backfilled = sweep.backfill(
        SupportRequest.objects.filter(pk__in=[r.pk for r in demo_requests]))
    out(f"Helpdesk: queues, agent@example.com (group {AGENTS}), {calendars_made} new support "
        f"calendars, {templates_made} new reply templates, Premium Support targets, {made} new "
        f"demo requests"
        f"{f', due times for {backfilled} older ones' if backfilled else ''}.")
