"""Growth (DESIGN.md section 10): each timed page's ratio to the calibration in one run,
against the same ratio in a base run, typically 1,000,000 requests against 100,000. A
ratio may grow by at most the tolerance (20 %); one that shrinks is fine. Ratios, not
times, so the two runs may be on different days.

    make bench SCALE=100000                                  # saves var/bench/result-100000.json
    make bench SCALE=1000000 COMPARE=var/bench/result-100000.json

or, on two saved reports, `python -m bench.compare BASE.json NEW.json`: prints the growth
block as JSON and exits 1 when a ratio grew more than the tolerance.
"""

from __future__ import annotations

import json
import sys

from .budgets import GROWTH_TOLERANCE


def page_ratios(report: dict) -> dict[str, float]:
    """timing name -> its median as a multiple of the calibration."""
    return {name: entry["x_calibration"] for name, entry in report.get("timings", {}).items()
            if isinstance(entry, dict) and entry.get("x_calibration") is not None}


def compare(base: dict, new: dict, tolerance: float = GROWTH_TOLERANCE) -> dict:
    """The growth block: each page's ratio in both runs and its change."""
    before, after = page_ratios(base), page_ratios(new)
    pages = {}
    for name, was in before.items():
        now = after.get(name)
        if now is None:
            pages[name] = {"base": was, "now": None, "ok": False,
                           "missing": "not timed in this run"}
            continue
        change = now / was - 1
        pages[name] = {"base": was, "now": now, "change": f"{change:+.0%}",
                       "ok": change <= tolerance}
    meta = base.get("meta", {})
    return {
        "base": {"requests": meta.get("data_set", {}).get("requests"),
                 "started_at": meta.get("started_at")},
        "requests": new.get("meta", {}).get("data_set", {}).get("requests"),
        "tolerance": tolerance,
        "pages": pages,
        "ok": bool(pages) and all(entry["ok"] for entry in pages.values()),
    }


def load(path: str) -> dict:
    with open(path) as handle:
        return json.load(handle)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m bench.compare BASE.json NEW.json\n")
        return 2
    block = compare(load(argv[0]), load(argv[1]))
    sys.stdout.write(json.dumps(block, indent=2) + "\n")
    return 0 if block["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
