"""The budgets of `make bench` (DESIGN.md section 10).

The machines differ from day to day by a third or more, so no budget is an absolute time:
a page's budget is a multiple of the calibration page's median measured in the same run
(`bench.calibration`), a cost per item is a multiple of it too, the peer targets are
ratios to the peer measured in the same sitting, and growth compares ratios between two
runs. Only the query counts and the query plans are absolute.

`scaled(scale)` multiplies every budget by `scale` (`--budget-scale`); 0 makes every
budget fail, which the self-test relies on: a ceiling becomes 0, a floor (`at least`)
becomes infinite and the growth tolerance 0.
"""

from __future__ import annotations

import math

# SQL queries per page, whatever the number of rows (and the same with 1 and 50 rows).
QUERIES = 15

# In-process median of each timed page, at most this many times the calibration's.
PAGE_RATIOS = {
    "request_detail": 8.0,
    "api_request_list": 8.0,
    "staff_dashboard": 8.0,
    "company_request_list": 12.0,
    "admin_request_changelist": 20.0,
    "admin_request_change": 20.0,
    "staff_search": 20.0,
}

# Cost per item of the background work, at most this many times the calibration's median.
# DESIGN.md section 10 puts them at about 0.3 ms (feedback dispatch, per request surveyed)
# and 2 ms (inbound email, per message) on a quiet machine, where the calibration page
# takes about 1.6 ms (2-core machine, 2026-12-02: medians of 1.5 to 1.6 ms in blocks of
# 100 calls when nothing else ran, 1.3 ms at best): 0.3 / 1.6 and 2 / 1.6, rounded.
PER_ITEM_RATIOS = {
    "feedback_dispatch": 0.2,
    "inbound_email": 1.25,
}

# Side by side with the peer (django-helpdesk at 100,000 tickets, run in the same sitting
# right before): at least this many times faster. Budgets only when a peer result is given.
PEER_TARGETS = {
    "request_detail_inprocess": 15.0,
    "request_detail_served": 15.0,
    "api_request_list": 150.0,
    "staff_dashboard": 500.0,
    "sla_sweep_per_item": 20.0,
    "company_request_list": 1.0,
}

# Growth: each ratio to the calibration at most this much above the base run's
# (a 1,000,000-request run against the 100,000 one).
GROWTH_TOLERANCE = 0.20


def _at_least(target: float, scale: float) -> float:
    return math.inf if scale <= 0 else round(target / scale, 3)


def scaled(scale: float = 1.0) -> dict:
    """Every budget of a run, multiplied by `scale` (floors divided by it)."""
    return {
        "queries": int(QUERIES * scale),
        "page_x_calibration": {k: round(v * scale, 3) for k, v in PAGE_RATIOS.items()},
        "per_item_x_calibration": {k: round(v * scale, 3) for k, v in PER_ITEM_RATIOS.items()},
        "vs_peer_at_least": {k: _at_least(v, scale) for k, v in PEER_TARGETS.items()},
        "growth_tolerance": round(GROWTH_TOLERANCE * scale, 3),
        "explain": "no Seq Scan on the requests table in the sweep and dispatch plans",
    }


def json_safe(budgets: dict) -> dict:
    """The budgets as JSON can hold them (an infinite floor is written as null)."""
    def safe(value):
        if isinstance(value, dict):
            return {k: safe(v) for k, v in value.items()}
        return None if isinstance(value, float) and math.isinf(value) else value

    return safe(budgets)
