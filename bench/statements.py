"""Reading the SQL a measured call makes: statement shapes (literals taken out), the
statements a page repeats (an N+1), and a recorder for long jobs."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

from django.db import connection

REQUESTS_TABLE = "helpdesk_supportrequest"

_NUMBER = re.compile(r"\b\d+(\.\d+)?\b")
_STRING = re.compile(r"'(?:[^']|'')*'")
_IN_LIST = re.compile(r"IN \((?:[^()]|\([^()]*\))*\)")


def query_shape(sql: str) -> str:
    """The SQL with literals taken out, so the same statement for another row looks the
    same: what an N+1 repeats."""
    shape = _STRING.sub("?", sql)
    shape = _IN_LIST.sub("IN (...)", shape)
    return _NUMBER.sub("?", shape)


def repeated_queries(queries: list[dict], baseline: list[dict] | None = None,
                     limit: int = 5) -> list[dict]:
    """Statements run more than once (more often than in `baseline`), most repeated first,
    each with one example."""
    counts = Counter(query_shape(q["sql"]) for q in queries)
    base = Counter(query_shape(q["sql"]) for q in baseline or [])
    example = {}
    for q in queries:
        example.setdefault(query_shape(q["sql"]), q["sql"])
    grown = [(shape, n) for shape, n in counts.items()
             if n > 1 and (baseline is None or n > base.get(shape, 0))]
    grown.sort(key=lambda item: -item[1])
    return [{"times": n, "was": base.get(shape, 0) if baseline is not None else None,
             "sql": example[shape][:600]} for shape, n in grown[:limit]]


class StatementRecorder:
    """Counts every statement, and keeps the SELECTs on the requests table with their
    parameters (for EXPLAIN). Unlike CaptureQueriesContext it has no 9,000-query cap and
    no debug-cursor formatting cost."""

    def __init__(self):
        self.count = 0
        self.selects: dict[str, tuple[str, object]] = {}

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if sql.lstrip()[:6].upper() == "SELECT" and REQUESTS_TABLE in sql:
            self.selects.setdefault(query_shape(sql), (sql, params))
        return execute(sql, params, many, context)

    @contextmanager
    def recording(self):
        with connection.execute_wrapper(self):
            yield self
