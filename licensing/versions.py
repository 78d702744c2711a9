"""Version strings compared as numbers, so "10.15" is newer than "10.9".

A platform's version may also name a line of that platform: Windows Server is not a newer
Windows 11 but a line of its own, written as it is sold ("Server 2016", "Server 2012 R2").
A line is compared within itself only, so "Server 2022" meets "Server 2016 or later" and
neither meets, nor is met by, a plain "10".
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VERSION_PATTERN = re.compile(r"^\d{1,6}(\.\d{1,6}){0,5}$")

# The named lines of each platform (by its OperatingSystem code): the word as typed,
# lower-cased, and as it is written.
PLATFORM_LINES = {
    "windows": {"server": "Server"},
}
# What a person may type before the version and means nothing more than the platform
# already chosen ("Windows 11" for Windows).
PLATFORM_NAMES = {
    "windows": ("windows",), "macos": ("macos", "mac os", "os x"), "linux": ("linux",),
    "android": ("android",), "ios": ("ios",),
}
PLATFORM_VERSION_PATTERN = re.compile(
    r"^(?:(?P<line>[a-z]+) ?)?(?P<number>\d{1,6}(?:\.\d{1,6}){0,5})(?: r(?P<release>\d{1,2}))?$")


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


@dataclass(frozen=True)
class PlatformVersion:
    """A platform version as compared: its line ("" for the platform's main line) and its
    number as a key; `text` is how it is written ("Server 2012 R2", "10.15")."""

    line: str
    key: tuple[int, ...]
    text: str


def parse_platform_version(value, os: str | None = None) -> PlatformVersion:
    """`value` as a version of platform `os` (any platform's lines when None).

    Raises ValidationError for anything else: no number, a line the platform does not
    have, or words around the version.
    """
    text = " ".join(value.split()).casefold() if isinstance(value, str) else ""
    platforms = [os] if os else list(PLATFORM_NAMES)
    for name in (name for platform in platforms for name in PLATFORM_NAMES.get(platform, ())):
        if text.startswith(name + " "):
            text = text[len(name) + 1:]
            break
    match = PLATFORM_VERSION_PATTERN.match(text)
    lines = {word: label for platform in platforms
             for word, label in PLATFORM_LINES.get(platform, {}).items()}
    line = match.group("line") if match else None
    if match is None or (line is not None and line not in lines):
        raise ValidationError(
            _("Enter the platform's version, such as 11, 10.15 or Server 2022."),
            code="invalid_platform_version",
        )
    number, release = match.group("number"), match.group("release")
    key = version_key(number) + ((int(release),) if release else ())
    written = " ".join(part for part in (
        lines[line] if line else "", number, f"R{release}" if release else "") if part)
    return PlatformVersion(line=line or "", key=key, text=written)


def validate_platform_version(value: str) -> None:
    parse_platform_version(value)
