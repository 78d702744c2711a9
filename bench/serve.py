"""Served throughput: gunicorn (3 sync workers on a free local port) against the bench
database, loaded by `wrk` in its own process. Requests per second are reported; there is
no budget. Skipped, with the reason, when wrk is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
WORKERS = 3
CONNECTIONS = 8
THREADS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str, headers: dict) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict:
    result: dict = {}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["rps"] = round(float(match.group(1)), 1)
    if match := re.search(r"(\d+) requests in", output):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        result["non_2xx"] = int(match.group(1))
    latency = {}
    for pct in ("50", "90", "99"):
        if match := re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\b", output, re.M):
            latency[f"p{pct}"] = round(_ms(*match.groups()), 2)
    if latency:
        result["latency_ms"] = latency
    if match := re.search(r"Socket errors: (.*)", output):
        result["socket_errors"] = match.group(1).strip()
    return result


def measure_throughput(targets: dict, *, duration: int = 10, out=sys.stderr) -> dict:
    """`targets`: name -> (path, headers). Runs gunicorn with the current environment's
    DATABASE_URL (the bench database) and wrk against each path."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (make bench installs Debian's wrk when "
                "it can); throughput not measured"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": "false", "API_USER_RATE": "100000000/min",
           "API_ANON_RATE": "100000000/min", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers",
         str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=out)
    results: dict = {"server": f"gunicorn, {WORKERS} sync workers",
                     "load": f"wrk -t{THREADS} -c{CONNECTIONS} -d{duration}s"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _status(f"{base}/healthz", {}) == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                return {"skipped": "gunicorn did not start", **results}
            time.sleep(0.3)
        for name, (path, headers) in targets.items():
            out.write(f"  throughput: {name} ({duration} s)\n")
            url = base + path
            status = _status(url, headers)
            command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency"]
            for key, value in headers.items():
                command += ["-H", f"{key}: {value}"]
            run = subprocess.run([*command, url], capture_output=True, text=True,  # noqa: S603
                                 timeout=duration + 60, check=False)
            entry = {"path": path, "status": status, **parse_wrk(run.stdout)}
            if status == 404:
                entry["note"] = "missing: the page answers 404, so this measures the 404 page"
            if run.returncode != 0:
                entry["error"] = (run.stderr or run.stdout).strip()[:300]
            results[name] = entry
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results
