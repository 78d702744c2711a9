"""The emailed links: signed, purpose-bound, single-use, expiring; refused with a clear page."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from feedback import tokens
from feedback.models import FeedbackOptOut, FeedbackResponse

from .factories import FeedbackRequestFactory, FeedbackResponseFactory

pytestmark = pytest.mark.django_db


def answer_url(feedback_request):
    return f"/feedback/{tokens.make_answer_token(feedback_request.token_key)}/"


def unsubscribe_url(user):
    return f"/feedback/unsubscribe/{tokens.make_unsubscribe_token(user.pk)}/"


def test_valid_link_shows_the_form_and_records_nothing(client):
    feedback_request = FeedbackRequestFactory()
    response = client.get(answer_url(feedback_request))
    assert response.status_code == 200
    assert b'<fieldset class="question"' in response.content
    assert b'name="satisfaction"' in response.content
    assert b"<script" not in response.content
    feedback_request.refresh_from_db()
    assert feedback_request.answered_at is None
    assert not FeedbackResponse.objects.exists()


def test_expired_link_is_refused(client, time_machine):
    feedback_request = FeedbackRequestFactory()
    url = answer_url(feedback_request)
    time_machine.move_to(timezone.now() + timedelta(days=31), tick=False)
    for response in (client.get(url), client.post(url, {"satisfaction": "5"})):
        assert response.status_code == 410
        assert b"This link has expired" in response.content
    assert not FeedbackResponse.objects.exists()


def test_max_age_is_a_setting(client, time_machine, settings):
    settings.FEEDBACK_TOKEN_MAX_AGE_DAYS = 3
    feedback_request = FeedbackRequestFactory()
    url = answer_url(feedback_request)
    time_machine.move_to(timezone.now() + timedelta(days=3, minutes=1), tick=False)
    assert client.get(url).status_code == 410


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "x" + t,
    lambda t: t.split(":")[0],
    lambda t: "not-a-token",
])
def test_tampered_link_is_refused(client, mangle):
    feedback_request = FeedbackRequestFactory()
    token = tokens.make_answer_token(feedback_request.token_key)
    url = f"/feedback/{mangle(token)}/"
    for response in (client.get(url), client.post(url, {"satisfaction": "5"})):
        assert response.status_code == 400
        assert b"This link is not valid" in response.content
        assert b"<html lang=" in response.content
    assert not FeedbackResponse.objects.exists()


def test_link_signed_with_another_key_is_refused(client):
    feedback_request = FeedbackRequestFactory()
    forged = signing.dumps(feedback_request.token_key, salt=tokens.ANSWER_SALT,
                           key="another-secret")
    assert client.get(f"/feedback/{forged}/").status_code == 400


def test_wrong_purpose_tokens_are_refused(client):
    feedback_request = FeedbackRequestFactory()
    user = feedback_request.user
    # An unsubscribe token cannot answer ...
    unsubscribe_token = tokens.make_unsubscribe_token(user.pk)
    response = client.post(f"/feedback/{unsubscribe_token}/", {"satisfaction": "5"})
    assert response.status_code == 400
    assert b"This link is not valid" in response.content
    # ... and an answer token cannot unsubscribe.
    answer_token = tokens.make_answer_token(feedback_request.token_key)
    response = client.post(f"/feedback/unsubscribe/{answer_token}/")
    assert response.status_code == 400
    assert not FeedbackOptOut.objects.exists()
    assert not FeedbackResponse.objects.exists()


def test_used_link_is_refused(client):
    answer = FeedbackResponseFactory()
    url = answer_url(answer.feedback_request)
    response = client.get(url)
    assert response.status_code == 410
    assert b"already been answered" in response.content


def test_unsubscribe_get_confirms_post_opts_out(client):
    feedback_request = FeedbackRequestFactory()
    url = unsubscribe_url(feedback_request.user)
    response = client.get(url)
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert not FeedbackOptOut.objects.exists()
    assert client.post(url).status_code == 200
    assert FeedbackOptOut.objects.filter(user=feedback_request.user).count() == 1


def test_tampered_unsubscribe_is_refused(client):
    feedback_request = FeedbackRequestFactory()
    url = unsubscribe_url(feedback_request.user)[:-3] + "x/"
    assert client.post(url).status_code == 400
    assert not FeedbackOptOut.objects.exists()


def test_answer_validation_keeps_comment_length_and_required(client):
    feedback_request = FeedbackRequestFactory()
    url = answer_url(feedback_request)
    response = client.post(url, {"satisfaction": "4", "comment": "x" * 2001})
    assert response.status_code == 400
    assert 'id="id_comment-errors"' in response.content.decode()
    response = client.post(url, {"effort": "3"})  # satisfaction is required
    assert response.status_code == 400
    assert 'id="id_satisfaction-errors"' in response.content.decode()
    response = client.post(url, {"satisfaction": "4", "solved": "maybe"})
    assert response.status_code == 400
    assert not FeedbackResponse.objects.exists()


def test_link_page_speaks_the_recipients_language(client):
    feedback_request = FeedbackRequestFactory(support_request__requester__language="ms")
    response = client.get(answer_url(feedback_request))
    assert b'<html lang="ms">' in response.content
    assert "Sejauh manakah anda berpuas hati" in response.content.decode()
