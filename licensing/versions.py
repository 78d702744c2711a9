"""Version strings compared as numbers, so "10.15" is newer than "10.9"."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VERSION_PATTERN = re.compile(r"^\d{1,6}(\.\d{1,6}){0,5}$")


def validate_version(value: str) -> None:
    if not isinstance(value, str) or not VERSION_PATTERN.match(value.strip()):
        raise ValidationError(
            _("Enter a version made of numbers separated by dots, such as 10.15 or 21.3.10."),
            code="invalid_version",
        )


def version_key(value: str) -> tuple[int, ...]:
    """A sortable key: "10.15" -> (10, 15); trailing zeros do not count ("11.0" == "11")."""
    parts = [int(part) for part in value.strip().split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)
