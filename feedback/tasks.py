"""Beat tasks of the feedback app: small, idempotent, safe to run twice at once."""

from celery import shared_task

from . import dispatch


@shared_task
def send_post_resolution_requests() -> int:
    return dispatch.send_post_resolution_requests()


@shared_task
def send_feedback_reminders() -> int:
    return dispatch.send_reminders()


@shared_task
def send_periodic_surveys() -> int:
    return dispatch.send_periodic_surveys()
