"""The rows of the customers' request lists, prepared for the template in one pass.

A company's list shows 50 requests; with a `{% translate %}`, a `{% url %}` and a `|date`
in every cell, translating and formatting were about three quarters of the page. Here the
page's words are translated once, the topics' names come from the catalogue's per-language
dict, and the dates go through one `PageDates` for the page.
"""

from django.utils.translation import gettext as _

from accounts.i18n import PageDates

from .. import catalogue
from .forms import CUSTOMER_STATUS_LABELS

_REFERENCE = "__reference__"


def column_labels() -> dict[str, str]:
    """The columns' names (also each cell's `data-label` on narrow screens)."""
    return {"reference": _("Reference"), "subject": _("Subject"), "status": _("Status"),
            "topic": _("Topic"), "filed_by": _("Filed by"), "filed": _("Filed"),
            "last_change": _("Last change")}


def list_rows(requests, *, detail_url) -> list[dict]:
    """One dict per request with what its row shows. `detail_url(reference)` reverses the
    detail page; it is called once, with a placeholder the rows' references replace."""
    dates = PageDates("SHORT_DATETIME_FORMAT")
    titles = catalogue.current().category_titles()
    statuses = {status: str(label) for status, label in CUSTOMER_STATUS_LABELS.items()}
    url = detail_url(_REFERENCE)
    next_due, first_due = _("Next answer due"), _("First answer due")
    rows = []
    for sr in requests:
        due_label, due = "", None
        if sr.plan_id and sr.plan.is_paid and sr.is_active:
            if sr.first_response_at:
                if sr.next_response_due:
                    due_label, due = next_due, sr.next_response_due
            elif sr.first_response_due:
                due_label, due = first_due, sr.first_response_due
        rows.append({
            "url": url.replace(_REFERENCE, sr.reference),
            "reference": sr.reference,
            "subject": sr.subject,
            "status": sr.status,
            "status_label": statuses.get(sr.status, sr.status),
            "due_label": due_label,
            "due": dates(due),
            "due_iso": dates.iso(due),
            "topic": titles.get(sr.category_id) or sr.category.localized_name,
            "requester": sr.requester.email if sr.requester_id else "",
            "filed": dates(sr.created_at),
            "filed_iso": dates.iso(sr.created_at),
            "changed": dates(sr.updated_at),
            "changed_iso": dates.iso(sr.updated_at),
        })
    return rows
