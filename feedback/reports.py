"""Feedback results as aggregate queries: CSAT, effort and NPS per month and per queue,
agent, segment or plan.

- CSAT: the share (in %) of satisfaction answers that are 4 or 5.
- Effort: the average of the effort answers (1 = very easy, 5 = very hard).
- NPS: the share of promoters (9-10) minus the share of detractors (0-6), from -100 to 100.
- Solved: the share of "was your problem solved?" answers that are yes.

Every function runs one query, whatever the number of answers.
"""

import csv
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Segment

from .models import FeedbackResponse, Survey


@dataclass
class Row:
    """The measures of one group of answers (a month, a queue, ...)."""

    key: object
    label: str
    responses: int = 0
    csat_answers: int = 0
    csat_satisfied: int = 0
    effort_answers: int = 0
    effort_average: float | None = None
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    solved_answers: int = 0
    solved_yes: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def csat(self) -> float | None:
        return round(100 * self.csat_satisfied / self.csat_answers, 1) if self.csat_answers \
            else None

    @property
    def nps(self) -> float | None:
        if not self.nps_answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_answers, 1)

    @property
    def effort(self) -> float | None:
        return round(self.effort_average, 2) if self.effort_average is not None else None

    @property
    def solved(self) -> float | None:
        return round(100 * self.solved_yes / self.solved_answers, 1) if self.solved_answers \
            else None


AGGREGATES = {
    "responses": Count("pk"),
    "csat_answers": Count("satisfaction"),
    "csat_satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
    "effort_answers": Count("effort"),
    "effort_average": Avg("effort"),
    "nps_answers": Count("recommend"),
    "promoters": Count("pk", filter=Q(recommend__gte=9)),
    "detractors": Count("pk", filter=Q(recommend__lte=6)),
    "solved_answers": Count("solved"),
    "solved_yes": Count("pk", filter=Q(solved=True)),
}

_REQUEST = "feedback_request__support_request__"
# dimension -> (key lookup, label lookups); labels come from the same query.
DIMENSIONS = {
    "queue": (f"{_REQUEST}queue_id", [f"{_REQUEST}queue__name"]),
    "agent": (f"{_REQUEST}assignee_id",
              [f"{_REQUEST}assignee__full_name", f"{_REQUEST}assignee__email"]),
    "segment": ("feedback_request__segment", []),
    "plan": (f"{_REQUEST}plan_id", [f"{_REQUEST}plan__name"]),
}
DIMENSION_CHOICES = [
    ("queue", _("Queue")), ("agent", _("Agent")), ("segment", _("Segment")), ("plan", _("Plan")),
]


def _as_datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime(value.year, value.month, value.day))


def responses(start: date | datetime | None = None, end: date | datetime | None = None,
              survey: str | None = None) -> QuerySet:
    """Answers given in [start, end), optionally of one survey (by code)."""
    qs = FeedbackResponse.objects.all()
    if start is not None:
        qs = qs.filter(created_at__gte=_as_datetime(start))
    if end is not None:
        qs = qs.filter(created_at__lt=_as_datetime(end))
    if survey:
        qs = qs.filter(feedback_request__survey__code=survey)
    return qs


def _row(key, label, values: dict) -> Row:
    return Row(key=key, label=label, **{name: values[name] for name in AGGREGATES})


def summary(start=None, end=None, survey=None) -> Row:
    """All answers of the range in one row."""
    values = responses(start, end, survey).aggregate(**AGGREGATES)
    return _row(None, str(_("All")), values)


def by_month(start=None, end=None, survey=None) -> list[Row]:
    """One row per calendar month that has answers, oldest first."""
    rows = (
        responses(start, end, survey)
        .annotate(month=TruncMonth("created_at"))
        .values("month").annotate(**AGGREGATES).order_by("month")
    )
    result = []
    for values in rows:
        month = values["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month) if timezone.is_aware(month) else month
            month = month.date()
        result.append(_row(month, month.strftime("%Y-%m"), values))
    return result


def by_dimension(dimension: str, start=None, end=None, survey=None) -> list[Row]:
    """One row per queue, agent, segment or plan, largest first; answers without one (a
    periodic survey has no queue) are grouped under "none"."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    key_lookup, label_lookups = DIMENSIONS[dimension]
    qs = responses(start, end, survey)
    names = {"key": F(key_lookup)}
    names.update({f"label{i}": F(lookup) for i, lookup in enumerate(label_lookups)})
    rows = (
        qs.annotate(**names).values(*names).annotate(**AGGREGATES)
        .order_by("-responses", "key")
    )
    segments = dict(Segment.choices)
    result = []
    for values in rows:
        key = values["key"]
        labels = [values[f"label{i}"] for i in range(len(label_lookups))]
        if dimension == "segment":
            label = str(segments.get(key, key or _("None")))
        else:
            label = next((str(v) for v in labels if v), "") or str(_("None"))
        result.append(_row(key, label, values))
    return result


# Charts ---------------------------------------------------------------------------------

MEASURES = {
    "csat": (_("CSAT: share of satisfied answers"), 0, 100),
    "effort": (_("Average effort (1-5)"), 1, 5),
    "nps": (_("NPS"), -100, 100),
}
CHART_WIDTH, CHART_HEIGHT, BAR_GAP, BAR_MAX_WIDTH, PAD = 600, 160, 4, 48, 14


def chart(rows: list[Row], measure: str) -> dict:
    """Coordinates for a server-rendered SVG bar chart of `measure` over `rows` (no
    script): bars grow from the zero line (or the scale's minimum), values outside the
    scale are clipped."""
    title, low, high = MEASURES[measure]
    span = high - low
    baseline = max(low, 0) if low >= 0 else 0
    zero_y = PAD + CHART_HEIGHT - (baseline - low) / span * CHART_HEIGHT
    slot = CHART_WIDTH / max(len(rows), 1)
    width = round(max(min(slot - BAR_GAP, BAR_MAX_WIDTH), 1), 1)
    bars = []
    for i, row in enumerate(rows):
        value = getattr(row, measure)
        center = round(i * slot + slot / 2, 1)
        bar = {"x": round(center - width / 2, 1), "center": center, "width": width,
               "label": row.label, "value": value, "y": round(zero_y, 1), "height": 0,
               "negative": False}
        if value is not None:
            clipped = min(max(value, low), high)
            y_value = PAD + CHART_HEIGHT - (clipped - low) / span * CHART_HEIGHT
            top, bottom = min(y_value, zero_y), max(y_value, zero_y)
            bar.update(y=round(top, 1), height=round(max(bottom - top, 1), 1),
                       negative=value < baseline)
        # Where the value is written: above the bar, or under it when it points down.
        bar["value_y"] = round(bar["y"] + bar["height"] + 12 if bar["negative"]
                               else bar["y"] - 3, 1)
        bars.append(bar)
    return {"measure": measure, "title": title, "low": low, "high": high, "bars": bars,
            "width": CHART_WIDTH, "height": CHART_HEIGHT + 2 * PAD + 16,
            "label_y": CHART_HEIGHT + 2 * PAD + 12, "zero_y": round(zero_y, 1)}


def csat_per_agent_panel(request, workspace, period) -> dict | None:
    """Satisfaction per agent for the staff's response-time report (the helpdesk's
    `staff.reports` slot), over answers given in the report's period; None for staff who
    may not read survey results."""
    if not request.user.has_perm("feedback.view_feedbackresponse"):
        return None
    start, end = period["start"], period["end"]
    rows = by_dimension("agent", start, end, Survey.POST_RESOLUTION)
    return {"rows": rows, "chart": chart(rows, "csat"), "start": start, "end": end}


# CSV ------------------------------------------------------------------------------------

CSV_HEADER = ["group", "key", "label", "responses", "csat_percent", "csat_answers",
              "average_effort", "effort_answers", "nps", "nps_answers", "solved_percent",
              "solved_answers"]


def _cell(value) -> str:
    """A spreadsheet cannot run a label as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(out, groups: list[tuple[str, list[Row]]]) -> None:
    """Rows of several groupings ("month", "queue", ...) into one CSV file object."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for group, rows in groups:
        for row in rows:
            writer.writerow([_cell(v) for v in (
                group, row.key, row.label, row.responses, row.csat, row.csat_answers,
                row.effort, row.effort_answers, row.nps, row.nps_answers, row.solved,
                row.solved_answers,
            )])
