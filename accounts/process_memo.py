"""Small tables read once and kept in each process's memory, with an invalidation that
reaches every process.

A `ProcessMemo` holds what its loader built from the database together with the stamp
it was built under. The stamp lives in the shared cache (Redis or the database cache,
whatever CACHES names); saving or deleting a row of a watched model puts a new stamp
there once the transaction commits (so no process can rebuild from what it read before
the commit) and drops this process's copy at once. Each process compares its stamp with
the shared one once per web request (the first time the memo is used in it) and, outside
a request (tasks, commands), on every use.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

# Every memo of the process, for the test suite to empty between tests.
_memos: list = []

# Per request (thread or task): a set of the memos already checked in it, or None outside a
# request.
_request = Local()


class ProcessMemo:
    def __init__(self, name: str, loader: Callable[[], object]):
        self.name = name
        self.key = f"process-memo:{name}"
        self._loader = loader
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._value = None
        _memos.append(self)

    def get(self):
        """The memo's value, rebuilt when another process (or this one) changed a watched
        row since it was built."""
        checked = getattr(_request, "checked", None)
        value = self._value
        if value is not None and checked is not None and self.name in checked:
            return value
        stamp = self.shared_stamp()
        with self._lock:
            if self._value is None or stamp is None or stamp != self._stamp:
                self._value, self._stamp = self._loader(), stamp
            value = self._value
        if checked is not None:
            checked.add(self.name)
        return value

    def stamp(self) -> str | None:
        """The stamp the value in use was built under (checked as `get` checks it)."""
        self.get()
        return self._stamp

    def reload(self):
        """Build the value again now (a row asked for is not in it)."""
        with self._lock:
            self._value = self._loader()
            return self._value

    def shared_stamp(self) -> str | None:
        """The stamp in the shared cache, put there if missing; None when the cache does
        not answer (then every use reads the database, rather than trust a stale copy)."""
        try:
            stamp = cache.get(self.key)
            if stamp is None:
                cache.add(self.key, uuid.uuid4().hex, None)
                stamp = cache.get(self.key)
        except Exception:  # the cache server is down: correct, only slower
            logger.warning("process memo %s: the shared cache does not answer", self.name,
                           exc_info=True)
            return None
        return stamp

    def forget(self, **kwargs) -> None:
        """A watched row changed: drop this process's copy now, every other process's
        once the change is committed."""
        self.clear()
        checked = getattr(_request, "checked", None)
        if checked is not None:
            checked.discard(self.name)
        transaction.on_commit(self._bump, robust=True)

    def clear(self) -> None:
        with self._lock:
            self._value, self._stamp = None, None

    def _bump(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, None)

    def watch(self, *models) -> None:
        for model in models:
            label = model._meta.label_lower
            post_save.connect(self.forget, sender=model, weak=False,
                              dispatch_uid=f"process-memo-{self.name}-save-{label}")
            post_delete.connect(self.forget, sender=model, weak=False,
                                dispatch_uid=f"process-memo-{self.name}-delete-{label}")


def clear_all() -> None:
    """Drop this process's copy of every memo (the test suite, between tests)."""
    for memo in _memos:
        memo.clear()


def _request_started(**kwargs) -> None:
    _request.checked = set()


def _request_finished(**kwargs) -> None:
    _request.checked = None


request_started.connect(_request_started, dispatch_uid="process-memo-request-started")
request_finished.connect(_request_finished, dispatch_uid="process-memo-request-finished")
