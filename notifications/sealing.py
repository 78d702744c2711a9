"""The secret part of an email (a password-reset or invitation link), encrypted at rest.

An email that lets its reader act as someone (`Notification.carries_credentials`) keeps
that part only in `Notification.sealed`: encrypted with Fernet (AES with an HMAC) under a
key derived from SECRET_KEY, so neither the database nor the admin shows it. It is opened
only to send the email, wiped once the email is sent, and the row is purged soon after
(`tasks.purge_delivered_credentials`). Keys from SECRET_KEY_FALLBACKS still open what was
sealed before a key rotation.
"""

import base64
import json

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"notifications.sealed"


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def seal(data: dict) -> str:
    """`data` (JSON) as a token only this deployment can open."""
    return _keys().encrypt(json.dumps(data).encode()).decode()


def unseal(token: str) -> dict:
    """What `seal` sealed; cryptography.fernet.InvalidToken if it was not sealed here."""
    return json.loads(_keys().decrypt(token.encode()))
