"""What each case found, and the one JSON summary `make attack` prints.

A case *reached a view* when the portal's own code answered it, not something in front of
it. It did not when the answer is:

- no answer at all (connection error, timeout);
- the HTTPS redirect (a Location on https:// to the same host): the proxy header was lost;
- a redirect to the sign-in page: the session the case meant to use was not there (every
  case is sent by a signed-in person or token, except the sign-in cases themselves, which
  post to the sign-in view and are answered by it);
- 429: a rate limit stopped it before the view;
- 414 or 431: the server's own limit on the request line or headers refused it;
- a CSRF refusal (403 naming CSRF) when the case was not a CSRF case.

Everything else counts, 4xx included: a 404 for another tenant's object is the view's answer.
The suite fails when any case failed, any answer was a 5xx, or fewer than REACHED_SHARE of
all cases reached a view (then the suite tested the front door, not the portal).
"""

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

REACHED_SHARE = 0.9
LOGIN_PATH = "/accounts/login/"
# The first failures of each class are listed; the count says how many there were.
LISTED_FAILURES = 40


@dataclass
class ClassResult:
    cases: int = 0
    reached_view: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


def is_csrf_refusal(status: int | None, body: bytes) -> bool:
    return status == 403 and b"CSRF" in body[:5000]


def reached_view(status: int | None, location: str, body: bytes, *,
                 csrf_case: bool = False) -> bool:
    if status is None or status in (414, 429, 431):
        return False
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(location)
        if target.scheme == "https":  # SECURE_SSL_REDIRECT answered, not a view
            return False
        if target.path.startswith(LOGIN_PATH):
            return False
    return csrf_case or not is_csrf_refusal(status, body)


def markers_in(body: bytes | str, markers: set[str]) -> list[str]:
    """The markers (another tenant's references, addresses, keys) a response shows."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return sorted(marker for marker in markers if marker and marker in text)


class Summary:
    def __init__(self):
        self.classes: dict[str, ClassResult] = defaultdict(ClassResult)
        self._lock = threading.Lock()  # cases of different people run side by side

    def record(self, cls: str, label: str, *, status: int | None, location: str = "",
               body: bytes = b"", failure: str | None = None, csrf_case: bool = False,
               reached: bool | None = None) -> None:
        """One case of class `cls`. `failure` says what went wrong, if anything; a 5xx is a
        failure by itself. `reached` overrides the reading of the answer (for cases that
        are not one HTTP exchange)."""
        if reached is None:
            reached = reached_view(status, location, body, csrf_case=csrf_case)
        with self._lock:
            self._add(self.classes[cls], label, status, failure, reached)

    @staticmethod
    def _add(result: ClassResult, label: str, status: int | None, failure: str | None,
             reached: bool) -> None:
        result.cases += 1
        result.reached_view += bool(reached)
        # A check made without an HTTP exchange (an email rendered) has no status.
        result.statuses["not HTTP" if status is None and reached
                        else str(status or "no answer")] += 1
        if status is not None and status >= 500:
            result.server_errors += 1
            failure = failure or "server error"
        if status is None and failure is None:
            failure = "no answer"
        if failure:
            answer = "" if status is None and reached else f" -> {status}"
            result.failures.append(f"{label}{answer}: {failure}")

    def as_dict(self, **extra) -> dict:
        classes = {}
        for name, result in sorted(self.classes.items()):
            classes[name] = {
                "cases": result.cases, "reached_view": result.reached_view,
                "server_errors": result.server_errors,
                "statuses": dict(sorted(result.statuses.items())),
                "failure_count": len(result.failures),
                "failures": result.failures[:LISTED_FAILURES],
            }
        cases = sum(r.cases for r in self.classes.values())
        reached = sum(r.reached_view for r in self.classes.values())
        totals = {
            "cases": cases, "reached_view": reached,
            "reached_share": round(reached / cases, 3) if cases else 0.0,
            "failures": sum(len(r.failures) for r in self.classes.values()),
            "server_errors": sum(r.server_errors for r in self.classes.values()),
        }
        return {"classes": classes, "totals": totals, "passed": passed(totals), **extra}


def passed(totals: dict) -> bool:
    return (totals["cases"] > 0 and not totals["failures"] and not totals["server_errors"]
            and totals["reached_share"] >= REACHED_SHARE)
