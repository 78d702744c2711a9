"""One rule for the language of a survey link, on its page and in its API: the signed-in
reader's choice, else what the client asks for (the language switch's cookie or
Accept-Language), else the language of the email it came in (the recipient's)."""

import pytest
from rest_framework.test import APIClient

from feedback import tokens
from feedback.models import FeedbackResponse
from tests.accounts.factories import UserFactory

from .factories import FeedbackRequestFactory

pytestmark = pytest.mark.django_db

MALAY = "Sejauh manakah anda berpuas hati"
ENGLISH = "How satisfied are you"


@pytest.fixture
def malay_link():
    """A survey emailed to a Malay reader."""
    return FeedbackRequestFactory(support_request__requester__language="ms")


def _token(feedback_request):
    return tokens.make_answer_token(feedback_request.token_key)


def _page(client, feedback_request, **headers) -> str:
    return client.get(f"/feedback/{_token(feedback_request)}/", **headers).content.decode()


def _api(client, feedback_request, **headers) -> str:
    response = client.get(f"/api/v1/feedback/{_token(feedback_request)}/", **headers)
    return response.json()["survey"]["questions"][0]["text"]


# (how the client comes, what it says) -> the language both faces answer in
CASES = [
    ("says nothing", {}, None, "ms"),
    ("asks for English", {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}, None, "en"),
    ("asks for a language the portal does not speak", {"HTTP_ACCEPT_LANGUAGE": "fr"}, None,
     "ms"),
    ("chose English with the language switch", {}, "cookie", "en"),
    ("is signed in as an English reader", {"HTTP_ACCEPT_LANGUAGE": "ms"}, "signed-in", "en"),
]


@pytest.mark.parametrize(("headers", "how", "language"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_page_and_the_api_answer_in_the_same_language(malay_link, headers, how,
                                                          language):
    client = APIClient()
    if how == "cookie":
        client.cookies["django_language"] = "en"
    elif how == "signed-in":
        client.force_login(UserFactory(language="en"))
    page = _page(client, malay_link, **headers)
    question = _api(client, malay_link, **headers)
    assert f'<html lang="{language}">' in page
    expected = MALAY if language == "ms" else ENGLISH
    assert expected in page
    assert question.startswith(expected)


def test_an_answer_records_the_language_it_was_given_in(malay_link):
    client = APIClient()
    response = client.post(f"/api/v1/feedback/{_token(malay_link)}/", {"satisfaction": 4},
                           format="json")
    assert response.status_code == 201
    assert FeedbackResponse.objects.get().language == "ms"
