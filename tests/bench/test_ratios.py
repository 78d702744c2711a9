"""The ratio budgets of `make bench` without a database: budgets as multiples of the
calibration, the vs_peer block against a saved peer result, the peer's harness run as a
child process, and growth between two runs."""

import json
import math
import stat

import pytest

from bench import budgets
from bench.compare import compare, main, page_ratios
from bench.peer import PeerError, load_peer, run_peer, versus_peer

from .peer_sample import PEER_RESULT


def our_report(**overrides) -> dict:
    """The parts of a bench report the ratios read; times chosen so the detail page is
    exactly 20x faster than the peer's, the API list 100x (short of its 150x)."""
    report = {
        "meta": {"started_at": "2026-12-02T04:45:00+00:00",
                 "data_set": {"requests": 100_000}},
        "timings": {
            "request_detail": {"median_ms": 5.4965, "x_calibration": 5.0},
            "api_request_list": {"median_ms": 11.0841, "x_calibration": 10.0},
            "staff_dashboard": {"median_ms": 7.0, "x_calibration": 6.4},
            "company_request_list": {"median_ms": 8.0, "x_calibration": 7.3},
        },
        "throughput": {"request_detail": {"rps": 277.2}},
        "sla_sweep": {"ms_per_item": 0.5},
    }
    report.update(overrides)
    return report


def test_budgets_are_multiples_and_scale_down_to_failing():
    normal = budgets.scaled(1)
    assert normal["page_x_calibration"]["request_detail"] == 8
    assert normal["page_x_calibration"]["company_request_list"] == 12
    assert normal["page_x_calibration"]["staff_search"] == 20
    assert normal["vs_peer_at_least"]["staff_dashboard"] == 500
    assert normal["growth_tolerance"] == 0.2
    zero = budgets.scaled(0)
    assert zero["queries"] == 0
    assert set(zero["page_x_calibration"].values()) == {0}
    assert set(zero["per_item_x_calibration"].values()) == {0}
    assert all(math.isinf(v) for v in zero["vs_peer_at_least"].values())
    assert zero["growth_tolerance"] == 0
    # JSON cannot hold an infinite floor: it is written as null.
    safe = budgets.json_safe(zero)
    assert set(safe["vs_peer_at_least"].values()) == {None}
    json.dumps(safe, allow_nan=False)


def test_versus_peer_gives_times_faster_against_each_target():
    block = versus_peer(our_report(), PEER_RESULT, budgets.scaled(1)["vs_peer_at_least"],
                        source="saved result")
    got = {name: (e.get("times_faster"), e.get("ok")) for name, e in
           block["comparisons"].items()}
    assert got == {
        "request_detail_inprocess": (20.0, True),        # 109.93 / 5.4965
        "request_detail_served": (20.0, True),           # 277.2 / 13.86 (rates)
        "api_request_list": (100.0, False),              # 1108.41 / 11.0841 < 150
        "staff_dashboard": (526.74, True),
        "sla_sweep_per_item": (22.96, True),             # 11.48 / 0.5 per item
        "company_request_list": (2.74, True),            # 21.91 / 8.0 >= 1
    }
    detail = block["comparisons"]["request_detail_inprocess"]
    assert detail["peer"] == "pages.ticket_detail.median_ms"
    assert detail["peer_value"] == 109.93 and detail["at_least"] == 15
    peer = block["peer"]
    assert peer["name"] == "django-helpdesk" and peer["tickets"] == 100_000
    assert peer["finished_minutes_before_our_run"] == 7.3
    assert "note" not in block  # the same sitting


def test_versus_peer_marks_what_is_missing_or_skipped():
    report = our_report(throughput={"skipped": "--no-serve"}, sla_sweep={"ok": False},
                        meta={"started_at": "2026-12-03T09:00:00+00:00"})
    peer = json.loads(json.dumps(PEER_RESULT))
    del peer["pages"]["dashboard"]
    block = versus_peer(report, peer, budgets.scaled(1)["vs_peer_at_least"], source="file")
    comparisons = block["comparisons"]
    assert comparisons["request_detail_served"]["skipped"] == "--no-serve"
    assert "ok" not in comparisons["request_detail_served"]  # not counted either way
    assert comparisons["sla_sweep_per_item"] == {**comparisons["sla_sweep_per_item"],
                                                 "ok": False, "missing": "ours"}
    assert comparisons["staff_dashboard"]["missing"] == "the peer's"
    assert "not from this sitting" in block["note"]


def test_a_saved_peer_result_is_read_and_checked(tmp_path):
    good = tmp_path / "peer.json"
    good.write_text(json.dumps(PEER_RESULT))
    assert load_peer(str(good))["pages"]["ticket_detail"]["median_ms"] == 109.93
    bad = tmp_path / "bad.json"
    bad.write_text('{"something": "else"}')
    with pytest.raises(PeerError, match="not a peer result"):
        load_peer(str(bad))
    with pytest.raises(PeerError, match="cannot read"):
        load_peer(str(tmp_path / "none.json"))


def test_the_peer_harness_runs_as_a_child_without_our_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ours/portal")
    monkeypatch.setenv("PORT", "8000")  # exported by the Makefile for `make run`
    script = tmp_path / "run.sh"
    result = {**PEER_RESULT, "saw_database_url": "${DATABASE_URL:-no}",
              "saw_port": "${PORT:-no}"}
    script.write_text("echo 'progress...' >&2\ncat <<EOF\n" + json.dumps(result) + "\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    data = run_peer(str(tmp_path))
    assert data["saw_database_url"] == data["saw_port"] == "no"
    assert data["escalate"]["ms_per_ticket"] == 11.48
    with pytest.raises(PeerError, match=r"no run\.sh"):
        run_peer(str(tmp_path / "elsewhere"))
    script.write_text("echo 'not json'\n")
    with pytest.raises(PeerError, match="one JSON object"):
        run_peer(str(tmp_path))
    script.write_text("exit 3\n")
    with pytest.raises(PeerError, match="exited with 3"):
        run_peer(str(tmp_path))


def test_growth_allows_a_ratio_twenty_per_cent_higher_and_no_more(tmp_path, capsys):
    base = our_report()
    grown = our_report(meta={"data_set": {"requests": 1_000_000}}, timings={
        "request_detail": {"x_calibration": 6.0},         # +20 %: within
        "api_request_list": {"x_calibration": 12.5},      # +25 %: over
        "staff_dashboard": {"x_calibration": 3.0},        # faster: fine
    })
    assert page_ratios(base)["request_detail"] == 5.0
    block = compare(base, grown)
    assert block["requests"] == 1_000_000 and block["base"]["requests"] == 100_000
    pages = block["pages"]
    assert (pages["request_detail"]["change"], pages["request_detail"]["ok"]) == ("+20%", True)
    assert (pages["api_request_list"]["change"], pages["api_request_list"]["ok"]) == (
        "+25%", False)
    assert pages["staff_dashboard"]["ok"] is True
    assert pages["company_request_list"] == {"base": 7.3, "now": None, "ok": False,
                                             "missing": "not timed in this run"}
    assert block["ok"] is False

    (tmp_path / "a.json").write_text(json.dumps(base))
    (tmp_path / "b.json").write_text(json.dumps(grown))
    assert main([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 1
    assert json.loads(capsys.readouterr().out)["tolerance"] == 0.2
    assert main([str(tmp_path / "a.json"), str(tmp_path / "a.json")]) == 0
