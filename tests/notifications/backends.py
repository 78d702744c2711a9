"""Email backends for the tests: a mail server that refuses every message."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingSMTPBackend(BaseEmailBackend):
    """Behaves like the SMTP backend when the server is away: raises SMTPException."""

    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingHeaderBackend(BaseEmailBackend):
    """A backend that refuses the message itself (not a temporary outage)."""

    def send_messages(self, email_messages):
        raise ValueError("Header values may not contain linefeed or carriage return")
