"""The history of each bench request: its service level as the product's SLA clock computes
it, its conversation (messages, internal notes, a few attachments), its timeline and its
post-resolution feedback.

A mixin of `bench.seed.Seeder`, like `bench.seed_people`.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

from helpdesk.sla import clock as sla_clock

from .seed_people import COUNTRY

LARGE_DETAIL_MESSAGES = 20
LARGE_DETAIL_ATTACHMENTS = 5
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# What the SLA hooks leave on a request, copied from the unsaved object into its row.
SLA_COLUMNS = [*sla_clock.SLA_FIELDS, "sla_paused_at", "sla_paused_minutes"]

CUSTOMER_LINES = [
    "The scan stops at {n} per cent and the application stops answering.",
    "After the update the computer starts slowly; it began on {n} March.",
    "The licence is shown as expired although it was renewed {n} days ago.",
    "I attached the report from the utility. The error code is {n}.",
    "It happens on {n} computers out of our fleet, all with the same build.",
    "Thank you, that worked. The problem is gone after the restart.",
    "I still see the warning. Here is the screenshot and the trace log.",
    "We cannot install the agent: the installer ends with error 1603 ({n}).",
]
STAFF_LINES = [
    "Thank you for the details. Could you send the **trace logs** of the application?",
    "Please run GetSystemInfo and upload the report here.",
    "This is a known issue fixed in the next patch; install patch {n} and restart.",
    "We reproduced the problem in the lab; a fix is in progress.",
    "Allow the update server address in your proxy and run the update again.",
    "The database update was blocked by the firewall rule {n}; see the article.",
]
NOTE_LINES = [
    "Looks like the known installer issue; checking with L2.",
    "Customer is on build {n}; escalate if the patch does not help.",
]


class HistorySeeding:
    # Service level -----------------------------------------------------------------------

    def _clock(self, plan_id: int, priority: str, segment: str):
        """`clock_for` the plan and priority in the bench country and `segment` (None under
        Standard Support), looked up once per combination: each lookup reads the target
        and the support calendar."""
        key = (plan_id, priority, segment)
        if key not in self._clocks:
            self._clocks[key] = sla_clock.clock_for(
                plan=self.catalogue.plans[plan_id], priority=priority, country=COUNTRY,
                segment=segment)
        return self._clocks[key]

    @contextmanager
    def clocks_looked_up_once(self):
        """The clock hooks look up a request's clock (`clock_of`: two queries) on each call;
        during the seed they get the one `_clock` looked up, as `start_clock(clock=...)`
        lets a data seed do."""
        def clock_of(sr):
            return self._clock(sr.plan_id, sr.priority, sr.segment)

        with mock.patch.object(sla_clock, "clock_of", clock_of):
            yield

    def _sla(self, row: dict, status: str) -> None:
        """The due times, reminder instants and state the product stores for this request:
        an unsaved request goes through the SLA hooks the request services call at each
        step of its life (filed, answered, asked for information, settled), then
        the state is brought to the anchor (at risk once a reminder instant has passed).
        The reminders and escalations a sweep would have sent are not written. Standard
        Support leaves every field empty."""
        from helpdesk.models import SupportRequest

        clock = self._clock(row["plan_id"], row["priority"], row["segment"])
        if clock is None:
            return
        Status = SupportRequest.Status
        sr = SupportRequest(**row)  # no pk: the hooks look up no notices sent for it
        fields: list[str] = []
        sr.status = Status.NEW
        sla_clock.start_clock(sr, row["created_at"], clock=clock)
        answered, asked = row.get("first_response_at"), row.get("waiting_since")
        if answered is not None:
            waiting = asked == answered  # the first answer asked for information
            sr.status = Status.WAITING_ON_CUSTOMER if waiting else Status.OPEN
            sla_clock.staff_responded(sr, answered, fields, first=True, waiting=waiting)
        if asked is not None and asked != answered:  # information asked for later
            sr.status = Status.WAITING_ON_CUSTOMER
            sla_clock.staff_responded(sr, asked, fields, first=False, waiting=True)
        settled_at = row.get("resolved_at") or row.get("rejected_at") or row.get("closed_at")
        if status in ("resolved", "closed", "rejected"):
            # A closed request was resolved first, unless the customer went silent.
            sr.status = Status.RESOLVED if row.get("resolved_at") else status
            sla_clock.settled(sr, settled_at, fields)
        else:
            sr.status = status
            sla_clock.refresh(sr, self.anchor, fields, sent=set())
        for name in SLA_COLUMNS:
            row[name] = getattr(sr, name)

    # Conversation ------------------------------------------------------------------------

    def _conversation(self, pk: int, row: dict, status: str, staff: dict, role: str,
                      end: datetime, feedback: str | None) -> None:
        from helpdesk.models import Attachment, Message, TimelineEvent

        rng = self.rng
        created = row["created_at"]
        customer = row["requester_id"]
        agent = row["assignee_id"] or rng.choice(staff["agents"])
        counts = {"new": (0, 1), "open": (1, 3), "waiting_on_customer": (2, 4),
                  "resolved": (2, 5), "closed": (2, 6), "rejected": (1, 1)}
        low, high = counts[status]
        n_messages = {"detail_large": LARGE_DETAIL_MESSAGES, "detail_small": 1}.get(
            role, rng.randint(low, high))
        write = self.writer.add
        write(TimelineEvent, request_id=pk, kind="filed", actor_id=customer, is_internal=False,
              data={"rule_set": None, "on_behalf": False, "follows_up": None},
              created_at=created)
        if row["assignee_id"]:
            write(TimelineEvent, request_id=pk, kind="assigned", actor_id=agent,
                  is_internal=True, data={"to": agent}, created_at=created + HOUR / 4)
        span = max((end - created).total_seconds(), 60.0)
        times = sorted(created + timedelta(seconds=rng.uniform(0.1, 1.0) * span)
                       for _ in range(n_messages))
        attach_on = set()
        if role == "detail_large":
            attach_on = set(range(0, LARGE_DETAIL_MESSAGES,
                                  LARGE_DETAIL_MESSAGES // LARGE_DETAIL_ATTACHMENTS))
        elif n_messages and rng.random() < 0.02:
            attach_on = {0}
        for k, at in enumerate(times):
            from_staff = k % 2 == 1
            internal = from_staff and role != "detail_large" and rng.random() < 0.12
            n = rng.randint(1, 9999)
            if internal:
                text = rng.choice(NOTE_LINES).format(n=n)
            elif from_staff:
                text = rng.choice(STAFF_LINES).format(n=n)
            else:
                text = rng.choice(CUSTOMER_LINES).format(n=n)
            message = write(Message, request_id=pk, author_id=agent if from_staff else customer,
                            is_internal=internal, from_staff=from_staff, body=text,
                            body_html=f"<p>{text}</p>", created_at=at)
            kind = "note_added" if internal else "replied" if from_staff else "customer_replied"
            write(TimelineEvent, request_id=pk, kind=kind,
                  actor_id=agent if from_staff else customer, is_internal=internal, data={},
                  created_at=at)
            if k in attach_on:
                digest = f"{rng.getrandbits(256):064x}"
                write(Attachment, request_id=pk, message_id=message, uploaded_by_id=customer,
                      file=f"bench/{digest[:2]}/{digest}.log", original_name=f"trace-{n}.log",
                      size=rng.randint(2_000, 4_000_000), content_type="text/plain",
                      sha256=digest, is_sample=False, created_at=at, purged_at=None)
        if status != "new":
            write(TimelineEvent, request_id=pk, kind="status_changed", actor_id=agent,
                  is_internal=False, data={"from": "new", "to": "open"},
                  created_at=created + HOUR / 4)
        final = {"waiting_on_customer": ("information_requested", row.get("waiting_since")),
                 "resolved": ("resolved", row.get("resolved_at")),
                 "closed": ("closed", row.get("closed_at")),
                 "rejected": ("rejected", row.get("rejected_at"))}.get(status)
        if final and final[1]:
            write(TimelineEvent, request_id=pk, kind=final[0], actor_id=agent,
                  is_internal=False, data={"to": status}, created_at=final[1])
        if status in ("resolved", "closed") and role != "dispatch" and row.get("resolved_at"):
            self._feedback(pk, row, forced=feedback)

    def _feedback(self, pk: int, row: dict, forced: str | None = None) -> None:
        from feedback.models import FeedbackRequest, FeedbackResponse

        rng, anchor = self.rng, self.anchor
        resolved = row["resolved_at"]
        if forced is None and resolved < anchor - 30 * DAY and rng.random() < 0.4:
            return  # older requests were not all surveyed
        sent = min(resolved + DAY, anchor - HOUR)
        answered = None
        if forced == "answered" or (forced is None and rng.random() < 0.45):
            answered = min(sent + timedelta(hours=rng.uniform(0.5, 96)), anchor - 10 * (
                timedelta(minutes=1)))
        portal = answered is not None and rng.random() < 0.2
        customer = row["requester_id"]
        request_pk = self.writer.add(
            FeedbackRequest, survey_id=self.catalogue.survey_id, support_request_id=pk,
            user_id=customer, company_id=row["company_id"], segment=row["segment"],
            period="", origin="portal" if portal else "email",
            token_key=f"{rng.getrandbits(96):024x}", created_at=sent,
            sent_at=None if portal else sent,
            reminded_at=None if answered or rng.random() < 0.5 else sent + 5 * DAY,
            expires_at=sent + 30 * DAY, answered_at=answered,
        )
        if answered is None:
            return
        satisfaction = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 6])[0]
        self.writer.add(
            FeedbackResponse, feedback_request_id=request_pk, respondent_id=customer,
            channel="portal" if portal else "link", language="en",
            satisfaction=satisfaction, solved=satisfaction >= 3,
            effort=rng.randint(1, 5), recommend=rng.randint(0, 10),
            comment="" if rng.random() < 0.7 else "Quick and clear answer, thank you.",
            created_at=answered,
        )
