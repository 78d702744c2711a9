"""Email backends that a worker process of the reliability tests is given (EMAIL_BACKEND)."""

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend

GATE_SECONDS = 60


class GatedFileBackend(FileBackend):
    """The file backend (one file per message batch, in EMAIL_URL's folder) behind a gate.

    On each send it leaves an `entered-*` marker in MAIL_GATE_DIR and waits until the test
    creates `MAIL_GATE_DIR/open`: a mail server that hangs, so the test can kill the worker
    while it holds the message and before anything is written.
    """

    def send_messages(self, email_messages):
        gate = Path(os.environ["MAIL_GATE_DIR"])
        (gate / f"entered-{os.getpid()}-{time.monotonic_ns()}").touch()
        deadline = time.monotonic() + GATE_SECONDS
        while not (gate / "open").exists():
            if time.monotonic() > deadline:
                raise smtplib.SMTPServerDisconnected("the gate never opened")
            time.sleep(0.05)
        return super().send_messages(email_messages)
