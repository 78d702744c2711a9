"""Activation codes: `XXXXX-XXXXX-XXXXX-XXXXX` of A-Z and 0-9."""

import re
import secrets
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KEY_FORMAT = "XXXXX-XXXXX-XXXXX-XXXXX"
_ALPHABET = string.ascii_uppercase + string.digits
_KEY_CHARS = re.compile(r"^[A-Z0-9]{20}$")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_]+")  # dashes a phone or word processor may type
MAX_KEY_INPUT = 64
# An activation code as the API's description gives it: 20 letters or digits, any case, at
# most one separator between two of them. (`normalize_key` also forgives runs of
# separators; a pattern that says so is too slow for schema-driven test generators.)
KEY_INPUT_PATTERN = r"^\s*(?:[A-Za-z0-9][\s\-\u2010-\u2015_]?){19}[A-Za-z0-9]\s*$"


def normalize_key(raw) -> str:
    """The canonical form of a typed key (case, spaces and dashes do not matter).

    Raises ValidationError, with the expected form in the message, before anything is
    looked up, so a malformed key never reaches the database.
    """
    if not isinstance(raw, str) or len(raw) > MAX_KEY_INPUT:
        raise ValidationError(_invalid_message(), code="invalid_key")
    compact = _SEPARATORS.sub("", raw.strip().upper())
    if not _KEY_CHARS.match(compact):
        raise ValidationError(_invalid_message(), code="invalid_key")
    return "-".join(compact[i : i + 5] for i in range(0, 20, 5))


def is_whole_key(raw) -> bool:
    """Whether `raw` is a complete activation code, however it is typed."""
    try:
        normalize_key(raw)
    except ValidationError:
        return False
    return True


def _invalid_message():
    return _("An activation code looks like %(form)s (letters A-Z and digits).") % {
        "form": KEY_FORMAT
    }


def generate_key() -> str:
    compact = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(compact[i : i + 5] for i in range(0, 20, 5))
