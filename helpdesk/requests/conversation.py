"""The request page's conversation and files, prepared for the template in one pass.

A request with 20 messages rendered each message's author line through
`{% blocktranslate %}`, two `|date` filters, and each file through an include with its
own `{% url %}`: most of the page's template time. Here the page's words are translated
once, the dates go through one `PageDates`, and the download URL is reversed once (the
files' ids replace a placeholder). The HTML is the same as the template wrote.
"""

from collections import defaultdict

from django.template.defaultfilters import filesizeformat
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.i18n import PageDates

from .models import Attachment, Message

_FILE_ID = "999999999"


def public_conversation(support_request, user, *, file_url) -> dict:
    """The public messages (customers read public replies only, even a staff member
    looking at their own) with their files, and the files that belong to no message.

    `file_url(pk)` reverses a file's download URL; it is called once, with a placeholder.
    Returns `messages`, `loose_files` and `names` (each file's name by id)."""
    messages = list(
        Message.objects.visible_to(user).public().filter(request=support_request)
        .select_related("author").order_by("created_at", "pk"))
    attachments = list(
        Attachment.objects.visible_to(user).public().filter(request=support_request)
        .order_by("created_at", "pk"))
    url = file_url(_FILE_ID)
    words = {"sample": _("malware sample, kept by support"),
             "purged": _("deleted after the retention period")}
    by_message, loose = defaultdict(list), []
    shown = {message.pk for message in messages}
    for attachment in attachments:
        row = _file_row(attachment, url, words)
        if attachment.message_id in shown:
            by_message[attachment.message_id].append(row)
        else:
            loose.append(row)
    dates = PageDates("SHORT_DATETIME_FORMAT")
    support, you, former = _("Support"), _("You"), _("Former user")
    staff_line = _("%(name)s, Support")
    rows = []
    for message in messages:
        author = message.author
        if message.from_staff:
            name = (author.get_short_name() if author else "") or support
            # As `{% blocktranslate %}` writes it: the name escaped, the sentence not.
            who = mark_safe(staff_line % {"name": conditional_escape(name)})  # noqa: S308
        elif message.author_id == user.pk:
            who = you
        else:
            who = ((author.get_full_name() or author.email) if author else "") or former
        rows.append({
            "from_staff": message.from_staff,
            "who": who,
            "created": dates(message.created_at),
            "created_iso": dates.iso(message.created_at),
            "body_html": message.body_html,
            "files": by_message.get(message.pk, []),
        })
    return {"messages": rows, "loose_files": loose,
            "names": {a.pk: a.original_name for a in attachments}}


def _with_id(url: str, pk: int) -> str:
    head, _placeholder, tail = url.rpartition(_FILE_ID)
    return f"{head}{pk}{tail}"


def _file_row(attachment, url: str, words: dict) -> dict:
    return {
        "name": attachment.original_name,
        "is_sample": attachment.is_sample,
        "url": "" if attachment.is_sample else _with_id(url, attachment.pk),
        "size": filesizeformat(attachment.size),
        "sha256": attachment.sha256,
        "note": words["sample"],
        "purged": words["purged"] if attachment.purged_at else "",
    }
