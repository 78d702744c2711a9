"""Side by side with the peer (DESIGN.md section 10): django-helpdesk at 100,000 tickets,
measured by its own harness on this machine in the same sitting, right before our run.

`run_peer(folder)` runs `bash <folder>/run.sh` (which prints one JSON object on stdout and
its progress on stderr); `load_peer(path)` reads a result saved earlier. `versus_peer`
turns the peer's figures and ours into "times faster" ratios, each against its target
(`bench.budgets.PEER_TARGETS`). No folder of the peer is named here: it is given on each
run (`make bench PEER=<folder>` or `PEER_RESULT=<file>`).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

# Our environment is the project's; the peer's harness builds its own. (PORT among them:
# the Makefile exports the port `make run` serves on, and the harness would serve there.)
_NOT_FOR_THE_PEER = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG",
                     "CACHE_KEY_PREFIX", "DJANGO_ENV", "SECRET_KEY", "VIRTUAL_ENV",
                     "PYTHONPATH", "PORT"}
# A peer result older than this (before our run started) is not from the same sitting.
SAME_SITTING_MINUTES = 60

# name -> (our figure, the peer's figure, what the ratio is). "time": the peer's time over
# ours; "rate": our requests per second over the peer's.
COMPARISONS = {
    "request_detail_inprocess": ("timings.request_detail.median_ms",
                                 "pages.ticket_detail.median_ms", "time"),
    "request_detail_served": ("throughput.request_detail.rps",
                              "pages.ticket_detail.req_s", "rate"),
    "api_request_list": ("timings.api_request_list.median_ms",
                         "pages.ticket_list_json.median_ms", "time"),
    "staff_dashboard": ("timings.staff_dashboard.median_ms",
                        "pages.dashboard.median_ms", "time"),
    "sla_sweep_per_item": ("sla_sweep.ms_per_item", "escalate.ms_per_ticket", "time"),
    "company_request_list": ("timings.company_request_list.median_ms",
                             "pages.ticket_list_html.median_ms", "time"),
}


class PeerError(Exception):
    pass


def run_peer(folder: str, *, stderr=None) -> dict:
    """Run the peer's harness and return the JSON object it prints."""
    script = Path(folder) / "run.sh"
    if not script.is_file():
        raise PeerError(f"no run.sh in {folder!r}: PEER must be the peer harness's folder")
    env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_THE_PEER}
    result = subprocess.run(  # noqa: S603 - the harness the caller named
        ["bash", str(script)], stdout=subprocess.PIPE, stderr=stderr,  # noqa: S607
        env=env, text=True, check=False)
    if result.returncode != 0:
        raise PeerError(f"{script} exited with {result.returncode}")
    return _parse(result.stdout, str(script))


def load_peer(path: str) -> dict:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise PeerError(f"cannot read the peer result {path!r}: {exc}") from None
    return _parse(text, path)


def _parse(text: str, source: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        raise PeerError(f"{source} did not give one JSON object") from None
    if not isinstance(data, dict) or "pages" not in data:
        raise PeerError(f"{source} is not a peer result (no 'pages')")
    return data


def figure(data: dict, dotted: str):
    """The number at `a.b.c` in `data`, or None."""
    value = data
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _skipped(report: dict, ours: str) -> str | None:
    """Why our side of a comparison was not measured on purpose in this run, if it was."""
    section = report.get(ours.split(".", 1)[0])
    if isinstance(section, dict) and "skipped" in section:
        return section["skipped"]
    return None


def versus_peer(report: dict, peer: dict, targets: dict, *, source: str) -> dict:
    """The vs_peer block: each comparison's two figures, how many times faster we are,
    and whether that reaches its target."""
    comparisons = {}
    for name, (ours_key, peer_key, kind) in COMPARISONS.items():
        target = targets[name]
        ours, theirs = figure(report, ours_key), figure(peer, peer_key)
        entry: dict = {"ours": ours_key, "ours_value": ours, "peer": peer_key,
                       "peer_value": theirs,
                       "at_least": None if target == float("inf") else target}
        skipped = _skipped(report, ours_key)
        if skipped:
            entry["skipped"] = skipped
        elif not ours or not theirs:
            entry.update(ok=False, missing="ours" if not ours else "the peer's")
        else:
            ratio = theirs / ours if kind == "time" else ours / theirs
            entry.update(times_faster=round(ratio, 2), ok=ratio >= target)
        comparisons[name] = entry
    block = {
        "peer": {
            "name": peer.get("peer"), "source": source,
            "finished_at": peer.get("finished_at"),
            "tickets": (peer.get("seed") or {}).get("n_tickets"),
            "versions": peer.get("versions"),
            "hello_median_ms": figure(peer, "hello.median_ms"),
            "hello_req_s": figure(peer, "hello.req_s"),
        },
        "comparisons": comparisons,
    }
    gap = _minutes_before(peer.get("finished_at"), report.get("meta", {}).get("started_at"))
    if gap is not None:
        block["peer"]["finished_minutes_before_our_run"] = gap
        if gap > SAME_SITTING_MINUTES or gap < -1:
            block["note"] = ("the peer result is not from this sitting: machines here differ "
                             "from day to day by a third or more, so these ratios are rough")
    return block


def _minutes_before(peer_finished: str | None, ours_started: str | None) -> float | None:
    try:
        peer_at = datetime.fromisoformat(peer_finished)
        ours_at = datetime.fromisoformat(ours_started)
    except (TypeError, ValueError):
        return None
    return round((ours_at - peer_at).total_seconds() / 60, 1)
