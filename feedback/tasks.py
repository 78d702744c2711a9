"""Beat tasks of the feedback app: small, idempotent, safe to run twice at once."""

from celery import shared_task

from . import services


@shared_task
def send_post_resolution_requests() -> int:
    return services.send_post_resolution_requests()


@shared_task
def send_feedback_reminders() -> int:
    return services.send_reminders()


@shared_task
def send_periodic_surveys() -> int:
    return services.send_periodic_surveys()
