"""Reply addresses: `<local>+<token>@<INBOUND_EMAIL_DOMAIN>`, one per request and recipient.

The token names the request, the recipient and when it was issued, and is signed (an HMAC
under SECRET_KEY), so it cannot be made up or moved to another request or person. Making
one costs no query; a revocation (`ReplyAddressRevocation`) refuses every token of the
request (and recipient) issued before it. Mail systems may change the case of an address,
so a token uses only lower-case letters and digits.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formataddr, parseaddr
from functools import lru_cache

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "helpdesk.email.reply-address"
# Issue times count from here, which keeps the token short.
EPOCH = 1_767_225_600  # 2026-01-01 UTC
SIGNATURE_BYTES = 10  # 80 bits, 16 base32 characters
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class ReplyToken:
    request_id: int
    user_id: int
    issued_at: datetime


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = DIGITS[digit] + text
        if not number:
            return text


def _signature(body: str) -> str:
    digest = salted_hmac(SALT, body, algorithm="sha256").digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode().lower()


def make_token(request_id: int, user_id: int, issued: float | None = None) -> str:
    seconds = max(int(issued if issued is not None else time.time()) - EPOCH, 0)
    body = f"{_base36(request_id)}-{_base36(user_id)}-{_base36(seconds)}"
    return f"{body}-{_signature(body)}"


_TOKEN = re.compile(r"([0-9a-z]{1,13})-([0-9a-z]{1,13})-([0-9a-z]{1,13})-([a-z2-7]{16})")


def read_token(token: str) -> ReplyToken | None:
    """The request, recipient and issue time a token names; None if it is not one of ours."""
    match = _TOKEN.fullmatch(token.lower())
    if match is None:
        return None
    request_part, user_part, issued_part, signature = match.groups()
    if not constant_time_compare(signature,
                                 _signature(f"{request_part}-{user_part}-{issued_part}")):
        return None
    issued = datetime.fromtimestamp(EPOCH + int(issued_part, 36), tz=UTC)
    return ReplyToken(int(request_part, 36), int(user_part, 36), issued)


def support_address() -> str:
    """Where customers write to support: new mail here gets the new-request form's link."""
    return f"{settings.INBOUND_EMAIL_LOCAL_PART}@{settings.INBOUND_EMAIL_DOMAIN}".lower()


def reply_address(request_id: int, user_id: int) -> str:
    token = make_token(request_id, user_id)
    return f"{settings.INBOUND_EMAIL_LOCAL_PART}+{token}@{settings.INBOUND_EMAIL_DOMAIN}"


def reply_to_header(request_id: int, user_id: int) -> str:
    """The Reply-To of an email, with the display name of the portal's sender."""
    return formataddr((_display_name(settings.DEFAULT_FROM_EMAIL),
                       reply_address(request_id, user_id)))


@lru_cache(maxsize=8)
def _display_name(address: str) -> str:
    return parseaddr(address)[0]


@lru_cache(maxsize=8)
def _reply_pattern(local_part: str, domain: str) -> re.Pattern:
    # A whole address only: not part of a longer local part or domain.
    return re.compile(rf"(?<![\w.+-]){re.escape(local_part)}\+([0-9a-z-]+)@{re.escape(domain)}"
                      r"(?![\w.-])", re.IGNORECASE)


def token_in(texts) -> str | None:
    """The token of the first reply address found in `texts` (addresses, or whole header
    values such as `Hana <x@y>, support+token@domain`), in any case."""
    pattern = _reply_pattern(settings.INBOUND_EMAIL_LOCAL_PART, settings.INBOUND_EMAIL_DOMAIN)
    for text in texts:
        match = pattern.search(text)
        if match is not None:
            return match.group(1).lower()
    return None


def own_addresses() -> frozenset[str]:
    """The portal's own sending and receiving addresses: mail from them is a loop."""
    return _own_addresses(settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL,
                          support_address())


@lru_cache(maxsize=8)
def _own_addresses(*addresses: str) -> frozenset[str]:
    return frozenset(parseaddr(a)[1].lower() for a in addresses if parseaddr(a)[1])


def is_own_address(address: str) -> bool:
    address = address.lower()
    return (address in own_addresses()
            or address.endswith("@" + settings.INBOUND_EMAIL_DOMAIN.lower()))

