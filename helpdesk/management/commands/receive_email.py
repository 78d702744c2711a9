"""`python manage.py receive_email`: read one raw RFC 822 message from standard input, as a
mail server's pipe hands it over (Postfix: `pipe ... argv=.../manage.py receive_email
--recipient ${original_recipient}`), store it, and process it before exiting.

Exit status: 0 once the message is stored (whatever processing made of it: the outcome is
recorded, and an error is tried again by the beat re-scan); 75 (EX_TEMPFAIL) when it could
not be stored, so the mail server keeps the message and delivers it again later.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from helpdesk.email.inbound import process_stored_message, receive
from helpdesk.email.models import InboundEmail

EX_TEMPFAIL = 75
CHUNK = 1024 * 1024


class Command(BaseCommand):
    help = "Store one raw email from standard input and process it."
    # `call_command("receive_email", stdin=stream)` reads `stream` instead (tests, scripts).
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--recipient", default="",
                            help="The envelope recipient the mail server delivered it to.")

    def handle(self, *args, recipient="", **options):
        stream = options.get("stdin") or sys.stdin.buffer
        raw, size = _read_capped(stream, settings.INBOUND_EMAIL_MAX_BYTES)
        if not raw.strip():
            raise CommandError("No message on standard input.")
        try:
            row, created = receive(raw, transport=InboundEmail.Transport.PIPE,
                                   envelope_recipient=recipient, enqueue=False, size=size)
        except DatabaseError as exc:
            self.stderr.write(f"The message could not be stored: {exc}")
            sys.exit(EX_TEMPFAIL)
        if row.status == InboundEmail.Status.PENDING:
            process_stored_message(row.pk)
            row.refresh_from_db()
        outcome = row.get_status_display()
        if row.reason:
            outcome += f" ({row.get_reason_display()})"
        self.stdout.write(f"{'Stored' if created else 'Already stored'}: {outcome}")


def _read_capped(stream, limit: int) -> tuple[bytes, int]:
    """Up to `limit` + 1 bytes of `stream` (enough to know it is too large) and its full
    size; the rest is read and dropped, so the mail server's pipe is never left blocked."""
    kept, size = [], 0
    while chunk := stream.read(CHUNK):
        if size <= limit:
            kept.append(chunk[:limit + 1 - size])
        size += len(chunk)
    return b"".join(kept), size
