"""`python manage.py deliver_outbox`: send every pending outbox email now, in this process,
through the configured EMAIL_BACKEND, for operators when the broker or the worker is down.

Each email is claimed as the worker claims it (`services.deliver`), so running this beside
a worker never sends one twice. A mail server that refuses an email now leaves it pending
with its error, for the next run or the worker's retries.
"""

from django.core.management.base import BaseCommand, CommandError

from notifications import services
from notifications.models import Notification


class Command(BaseCommand):
    help = "Deliver every pending outbox email now, synchronously."

    def handle(self, *args, **options):
        sent = deferred = failed = 0
        last = 0
        while True:
            # In id order, a batch at a time: what is written meanwhile is sent too.
            batch = list(Notification.objects.pending().filter(pk__gt=last).order_by("pk")
                         .values_list("pk", flat=True)[:500])
            if not batch:
                break
            for pk in batch:
                try:
                    if services.deliver(pk):
                        sent += 1
                    elif Notification.objects.filter(
                            pk=pk, status=Notification.Status.FAILED).exists():
                        failed += 1
                except services.TemporaryDeliveryError as exc:
                    deferred += 1
                    self.stderr.write(f"Notification {pk} not sent now: {exc}")
            last = batch[-1]
        summary = f"{sent} sent, {deferred} left pending, {failed} failed."
        if deferred or failed:
            # A non-zero exit tells the operator's script that not everything went out.
            raise CommandError(summary)
        self.stdout.write(summary)
