"""What every email about a request carries besides its text: a thread per request and
recipient, the recipient's own reply address, and the automatic-mail markers.

The outbox (`notifications`) stays generic: these are data on its row (a thread key and
headers), which it puts on the message when it is sent.
"""

from __future__ import annotations

from .addresses import reply_to_header

# Outlook and Exchange: no out-of-office or other automatic answers to these emails.
SUPPRESS_AUTO_RESPONSES = {"X-Auto-Response-Suppress": "OOF, AutoReply"}
# RFC 3834: sent by a program on a schedule, not written by a person.
AUTO_GENERATED = {"Auto-Submitted": "auto-generated"}


def thread_key(request_id: int, user_id: int) -> str:
    return f"helpdesk.request.{request_id}.user.{user_id}"


def customer_email(request_id: int, user_id: int, *, automatic: bool = False) -> dict:
    """`notify` keywords for an email to the customer about a request: threaded, and with
    a reply address that brings their answer back to the request."""
    headers = {"Reply-To": reply_to_header(request_id, user_id), **SUPPRESS_AUTO_RESPONSES}
    if automatic:
        headers.update(AUTO_GENERATED)
    return {"thread": thread_key(request_id, user_id), "headers": headers}


def staff_email(request_id: int, user_id: int) -> dict:
    """`notify` keywords for a scheduled email to staff about a request (SLA reminders):
    threaded, and without a reply address, since an answer by email would reach the
    customer; staff answer in the admin."""
    return {"thread": thread_key(request_id, user_id),
            "headers": {**SUPPRESS_AUTO_RESPONSES, **AUTO_GENERATED}}
