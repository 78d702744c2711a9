"""Reading the links out of survey emails."""

import re

LINK = re.compile(r"https?://[^/\s]+(/feedback/(?!unsubscribe/)[^/\s]+/)")
UNSUBSCRIBE = re.compile(r"https?://[^/\s]+(/feedback/unsubscribe/[^/\s]+/)")


def answer_path(message) -> str:
    """The answer link's path in an email (text body)."""
    return LINK.search(message.body).group(1)


def unsubscribe_path(message) -> str:
    return UNSUBSCRIBE.search(message.body).group(1)
