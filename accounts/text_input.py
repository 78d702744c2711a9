"""Text that is not valid Unicode is refused where it enters, whatever the face.

A lone surrogate ("\\udcff" in JSON), bytes that are not UTF-8 or a NUL (in a query string
or a form post) cannot be stored, compared or shown; echoed back in an error they crash the
page that echoes them. The middleware (`accounts.middleware.InvalidTextMiddleware`) checks
query strings and form posts, the API's JSON parser (`config.parsers.JSONParser`) the parsed
body; both refuse with a 400 naming the field, and never echo the text.
"""

from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _

NOT_UNICODE = _("This field holds text that is not valid Unicode or a NUL character.")
WHOLE_INPUT = "non_field_errors"


class InvalidText(BadRequest):
    """Answered 400 by `config.views.bad_request`, with the message under `field`."""

    def __init__(self, field: str):
        super().__init__(str(NOT_UNICODE))
        self.field = field
        self.message = NOT_UNICODE


def is_valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def invalid_field_in(data, field: str = WHOLE_INPUT) -> str | None:
    """The top-level name of the first value in parsed JSON holding invalid text, or None.

    A top-level name that is itself invalid is reported as the input as a whole."""
    if isinstance(data, str):
        return None if is_valid_text(data) else field
    if isinstance(data, dict):
        for key, value in data.items():
            if not is_valid_text(key):
                return field
            found = invalid_field_in(value, key if field == WHOLE_INPUT else field)
            if found is not None:
                return found
    if isinstance(data, list):
        for value in data:
            found = invalid_field_in(value, field)
            if found is not None:
                return found
    return None


def invalid_field_in_urlencoded(raw: bytes) -> str | None:
    """The name of the first pair of `a=1&b=2` that is not UTF-8, or None."""
    for pair in raw.split(b"&"):
        name, _sep, value = pair.partition(b"=")
        try:
            decoded_name = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return WHOLE_INPUT
        if "\x00" in decoded_name:
            return WHOLE_INPUT
        try:
            decoded_value = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return decoded_name
        if "\x00" in decoded_value:  # no database column can hold it
            return decoded_name
    return None
