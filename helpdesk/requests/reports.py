"""Response times for the staff: how long customers waited for a first response and for a
resolution, per queue, agent (the request's assignee) and plan, over the requests filed in
a period. Charts and a CSV file; the feedback app adds satisfaction per agent to the page
through the `staff.reports` slot.

Times are wall-clock hours from filing, what the customer lived through (the SLA report
counts business minutes against targets). Each grouping is one aggregate query on
PostgreSQL; on SQLite, which has no percentile, the medians are taken from the rows.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, F, Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import SupportRequest

DIMENSIONS = {
    # dimension -> (key, label lookups, title)
    "queue": ("queue_id", ["queue__name"], _("Queue")),
    "agent": ("assignee_id", ["assignee__full_name", "assignee__email"], _("Agent")),
    "plan": ("plan_id", ["plan__name"], _("Plan")),
}
DEFAULT_DAYS = 90
CHART_WIDTH, ROW_HEIGHT, LABEL_WIDTH = 640, 22, 200


class Median(Aggregate):
    """PostgreSQL's continuous median of an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass
class Row:
    key: object
    label: str
    filed: int = 0
    responded: int = 0
    first_response_median: timedelta | None = None
    first_response_average: timedelta | None = None
    resolved: int = 0
    resolution_median: timedelta | None = None
    resolution_average: timedelta | None = None

    @staticmethod
    def hours(value: timedelta | None) -> float | None:
        return round(value.total_seconds() / 3600, 1) if value is not None else None

    @property
    def first_response_hours(self):
        return self.hours(self.first_response_median)

    @property
    def first_response_average_hours(self):
        return self.hours(self.first_response_average)

    @property
    def resolution_hours(self):
        return self.hours(self.resolution_median)

    @property
    def resolution_average_hours(self):
        return self.hours(self.resolution_average)


def _filed_in(start: date, end: date):
    def midnight(day):
        return timezone.make_aware(datetime.combine(day, time(0, 0)))

    return SupportRequest.objects.filter(created_at__gte=midnight(start),
                                         created_at__lt=midnight(end))


def _label(values: dict, lookups: list[str]) -> str:
    return next((str(values[lookup]) for lookup in lookups if values.get(lookup)), "") \
        or gettext("None")


def response_times(dimension: str, start: date, end: date) -> list[Row]:
    """One row per queue, agent or plan of the requests filed in [start, end), busiest
    first."""
    key, labels, _title = DIMENSIONS[dimension]
    first = F("first_response_at") - F("created_at")
    resolution = F("resolved_at") - F("created_at")
    requests = _filed_in(start, end)
    if connection.vendor != "postgresql":
        return _in_python(requests, key, labels, first, resolution)
    # A time before the filing (rows moved by hand or by an import) is no wait at all.
    answered = Q(first_response_at__gte=F("created_at"))
    settled = Q(resolved_at__gte=F("created_at"))
    rows = requests.values(key, *labels).annotate(
        filed=Count("pk"),
        responded=Count("pk", filter=answered),
        first_median=Median(first, filter=answered),
        first_average=Avg(first, filter=answered),
        resolved=Count("pk", filter=settled),
        resolution_median=Median(resolution, filter=settled),
        resolution_average=Avg(resolution, filter=settled),
    ).order_by("-filed", key)
    return [Row(key=values[key], label=_label(values, labels), filed=values["filed"],
                responded=values["responded"], first_response_median=values["first_median"],
                first_response_average=values["first_average"], resolved=values["resolved"],
                resolution_median=values["resolution_median"],
                resolution_average=values["resolution_average"]) for values in rows]


def _in_python(requests, key, labels, first, resolution) -> list[Row]:
    groups: dict[object, dict] = {}
    for values in requests.values(key, *labels).annotate(first=first, resolution=resolution):
        group = groups.setdefault(values[key], {"label": _label(values, labels), "filed": 0,
                                                "first": [], "resolution": []})
        group["filed"] += 1
        for measure in ("first", "resolution"):
            if values[measure] is not None and values[measure] >= timedelta():
                group[measure].append(values[measure])

    def median(values):
        return statistics.median(values) if values else None

    def mean(values):
        return sum(values, timedelta()) / len(values) if values else None

    rows = [Row(key=k, label=g["label"], filed=g["filed"], responded=len(g["first"]),
                first_response_median=median(g["first"]),
                first_response_average=mean(g["first"]), resolved=len(g["resolution"]),
                resolution_median=median(g["resolution"]),
                resolution_average=mean(g["resolution"])) for k, g in groups.items()]
    return sorted(rows, key=lambda row: (-row.filed, str(row.key)))


def chart(rows: list[Row], measure: str, title: str) -> dict:
    """A horizontal bar chart of `measure` (hours) per row, drawn by the template as SVG
    (no script)."""
    values = [getattr(row, measure) for row in rows]
    top = max([v for v in values if v is not None], default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 60
    bars = [{"label": row.label, "value": value, "y": i * ROW_HEIGHT,
             "width": round(span * value / top, 1) if value is not None else 0,
             "text_x": LABEL_WIDTH + (round(span * value / top, 1) if value else 0) + 6}
            for i, (row, value) in enumerate(zip(rows, values, strict=True))]
    return {"title": title, "bars": bars, "width": CHART_WIDTH, "label_width": LABEL_WIDTH,
            "height": max(len(rows), 1) * ROW_HEIGHT, "bar_height": ROW_HEIGHT - 6}


class ReportForm(forms.Form):
    start = forms.DateField(label=_("Filed from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("until (excluded)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def period(self) -> tuple[date, date]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or timezone.localdate() + timedelta(days=1)
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS)
        return (start, end) if start < end else (end - timedelta(days=1), end)


CSV_HEADER = ["group", "key", "label", "filed", "responded", "first_response_median_hours",
              "first_response_average_hours", "resolved", "resolution_median_hours",
              "resolution_average_hours"]


def _cell(value) -> str:
    """A spreadsheet never runs a label as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def report_response(request, admin_context: dict, opts):
    form = ReportForm(request.GET or None)
    start, end = form.period()
    groups = [(name, DIMENSIONS[name][2], response_times(name, start, end))
              for name in DIMENSIONS]
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="response-times-{start:%Y%m%d}-{end:%Y%m%d}.csv"')
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for name, _title, rows in groups:
            for row in rows:
                writer.writerow([_cell(v) for v in (
                    name, row.key, row.label, row.filed, row.responded,
                    row.first_response_hours, row.first_response_average_hours, row.resolved,
                    row.resolution_hours, row.resolution_average_hours)])
        return response
    query = request.GET.copy()
    query["format"] = "csv"
    period = {"start": start, "end": end}
    return TemplateResponse(request, "admin/helpdesk/supportrequest/reports.html", {
        **admin_context,
        "title": gettext("Response times"),
        "opts": opts,
        "form": form,
        "period": period,
        "sections": [{"name": name, "title": title, "rows": rows, "charts": [
            chart(rows, "first_response_hours", gettext("Median first response (hours)")),
            chart(rows, "resolution_hours", gettext("Median resolution (hours)"))]}
            for name, title, rows in groups],
        "csv_query": query.urlencode(),
    })
