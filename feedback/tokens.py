"""Signed tokens of the emailed survey links, one salt per purpose.

An answer token names a feedback request (by its random `token_key`) and expires after
FEEDBACK_TOKEN_MAX_AGE_DAYS; it is single-use because the request takes one answer only.
An unsubscribe token names a person. A token made for one purpose fails the signature
check of the other, so an unsubscribe link can never answer a survey, nor the reverse.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing

ANSWER_SALT = "feedback.answer"
UNSUBSCRIBE_SALT = "feedback.unsubscribe"
# An unsubscribe link keeps working long after the survey it came with: people look for it
# in old emails.
UNSUBSCRIBE_MAX_AGE_DAYS = 3 * 365


class TokenError(Exception):
    """The link cannot be used; `status` is the HTTP status to answer with."""

    status = 400
    reason = "invalid"


class InvalidToken(TokenError):
    """Tampered with, truncated, or made for another purpose."""


class ExpiredToken(TokenError):
    status = 410
    reason = "expired"


class UsedToken(TokenError):
    status = 410
    reason = "used"


def answer_max_age() -> timedelta:
    return timedelta(days=settings.FEEDBACK_TOKEN_MAX_AGE_DAYS)


def make_answer_token(token_key: str) -> str:
    return signing.dumps(token_key, salt=ANSWER_SALT)


def read_answer_token(token: str) -> str:
    """The `token_key` an answer token names; InvalidToken or ExpiredToken otherwise."""
    return _load(token, ANSWER_SALT, answer_max_age())


def make_unsubscribe_token(user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> int:
    """The id of the person an unsubscribe token names."""
    user_id = _load(token, UNSUBSCRIBE_SALT, timedelta(days=UNSUBSCRIBE_MAX_AGE_DAYS))
    if not isinstance(user_id, int):
        raise InvalidToken
    return user_id


def _load(token: str, salt: str, max_age: timedelta):
    if not token or len(token) > 300:
        raise InvalidToken
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredToken from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise InvalidToken from None
