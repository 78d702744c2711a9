"""Many emails at once (`notify_many`): the rows `notify` would write, in one INSERT, and
handed to the worker only once the change that caused them is committed."""

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from notifications import services
from notifications.models import Notification, message_id_domain
from notifications.services import Email
from notifications.tasks import deliver_notification

pytestmark = pytest.mark.django_db

EMAILS = [
    Email("ana@example.org", "company_verified", {"company": "Acme", "url": "/company/acme/"}),
    Email("siti@example.org", "company_verified", {"company": "Maju", "url": "/company/maju/"},
          "ms", thread="helpdesk.request.7.user.3",
          headers={"Auto-Submitted": "auto-generated"}),
    Email("bob@example.org", "member_joined", {"company": "Acme", "member": "Ana"}, ""),
]
# What differs between two rows written for the same email: when, and their own ids.
OWN = ("id", "created_at", "queued_at", "message_id")


class Rollback(Exception):
    pass


def rows(notifications) -> list[dict]:
    return [{k: v for k, v in model_to_dict(n).items() if k not in OWN}
            for n in Notification.objects.filter(pk__in=[n.pk for n in notifications])
            .order_by("pk")]


def test_the_rows_are_those_of_one_notify_call_per_email(monkeypatch):
    monkeypatch.setattr(deliver_notification, "apply_async", lambda *args, **kwargs: None)
    one_by_one = [services.notify(e.to, e.template, e.context, e.language, thread=e.thread,
                                  headers=e.headers) for e in EMAILS]
    together = services.notify_many(EMAILS)
    assert rows(together) == rows(one_by_one)
    assert [n.language for n in together] == ["en", "ms", "en"]  # none given is English
    written = Notification.objects.filter(pk__in=[n.pk for n in together])
    assert all(n.queued_at is not None and n.status == Notification.Status.PENDING
               for n in written)
    message_ids = {n.message_id for n in Notification.objects.all()}
    assert len(message_ids) == 6  # each email its own Message-ID ...
    assert all(m.endswith(f"@{message_id_domain()}>") for m in message_ids)  # ... as notify's


def test_they_are_written_with_one_insert(django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(deliver_notification, "apply_async", lambda *args, **kwargs: None)
    with django_assert_num_queries(1):
        services.notify_many(EMAILS * 20)
    assert Notification.objects.count() == 60
    with django_assert_num_queries(0):
        assert services.notify_many([]) == []


def test_the_worker_gets_them_after_the_commit_in_order(
        monkeypatch, django_capture_on_commit_callbacks):
    published = []
    monkeypatch.setattr(deliver_notification, "apply_async",
                        lambda args, **kwargs: published.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        written = services.notify_many(EMAILS)
        assert published == []  # not before the commit
    assert published == [n.pk for n in written]


def test_nothing_is_sent_when_the_change_is_rolled_back(
        mailoutbox, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(Rollback), transaction.atomic()):
        services.notify_many(EMAILS)
        assert Notification.objects.count() == 3
        raise Rollback
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_each_is_sent_once_in_its_recipients_language(
        mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_many(EMAILS[:2])
    assert [m.to for m in mailoutbox] == [["ana@example.org"], ["siti@example.org"]]
    assert "Maju" in mailoutbox[1].subject
    assert '<html lang="ms">' in mailoutbox[1].alternatives[0][0]
    assert mailoutbox[1].extra_headers["Auto-Submitted"] == "auto-generated"
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
