"""The staff's work list in the admin: the search (with the page's highlights) and the
columns an agent reads at a glance: the customer beside the subject, the category's title,
the due time as a countdown coloured by its SLA state."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ORDER_VAR
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from licensing import licences
from licensing.keys import normalize_key

from . import search as search_module
from .admin_filters import queues_with_mine
from .models import Priority, SupportRequest

SlaState = SupportRequest.SlaState


def countdown(due, now) -> str:
    """"in 2 h 5 min" / "40 min overdue"."""
    minutes = int(abs((due - now).total_seconds()) // 60)
    if minutes < 60:
        span = ngettext("%(m)d min", "%(m)d min", minutes) % {"m": minutes}
    elif minutes < 48 * 60:
        span = gettext("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}
    else:
        span = gettext("%(d)d d %(h)d h") % {"d": minutes // 1440, "h": minutes % 1440 // 60}
    return gettext("in %(span)s") % {"span": span} if due >= now \
        else gettext("%(span)s overdue") % {"span": span}


# The list counts its rows up to here: nobody pages through more, and counting all of a
# million requests would cost more than reading the page.
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows; the list then says "more than 10,000"."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[:COUNT_CAP + 1].count()


def _moment(value) -> str:
    """A time on the reader's clock, as a tooltip says it."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class WorkListMixin:
    """The list side of `SupportRequestAdmin`."""

    # Search -----------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        search = search_module.Search.parse(search_term)
        if search is None:
            return queryset, False
        try:
            key = normalize_key(search.term)
        except ValidationError:
            key = None
        if key is not None:
            try:
                found = licences.find_licences_by_key(key, by=request.user, request=request)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return queryset.none(), False
            return queryset.filter(licence__in=[licence.pk for licence in found]), False
        request._desk_search = search
        result, request._desk_search_count = search_module.apply(queryset, search)
        if search.ranked and ORDER_VAR in request.GET:
            result = result.order_by(*queryset.query.order_by)  # the column the agent chose
        return result, False

    def get_paginator(self, request, queryset, per_page, orphans=0,
                      allow_empty_first_page=True):
        paginator = CappedCountPaginator(queryset, per_page, orphans, allow_empty_first_page)
        counted = getattr(request, "_desk_search_count", None)
        if counted is not None:
            paginator.count = counted  # the search counted its hits: no second COUNT
        return paginator

    def get_changelist_instance(self, request):
        """The page's rows, each with its queue's name (from the queue filter's list) and,
        for a word search, where the words were found."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        # What the cells show, translated once for the page rather than once a row.
        queue_names = {pk: name for pk, name, _mine in queues_with_mine(request)}
        statuses = {value: str(label) for value, label in SupportRequest.Status.choices}
        priorities = {value: str(label) for value, label in Priority.choices}
        changelist_url = reverse("admin:helpdesk_supportrequest_changelist")
        for sr in rows:
            sr.desk_queue_name = queue_names.get(sr.queue_id, "")
            sr.desk_status = statuses.get(sr.status, sr.status)
            sr.desk_priority = priorities.get(sr.priority, sr.priority)
            sr.desk_url = f"{changelist_url}{sr.pk}/change/"
        search = getattr(request, "_desk_search", None)
        if search is not None and search.kind == "words":
            found = search_module.highlights([sr.pk for sr in rows], search)
            for sr in rows:
                sr.search_highlight = found.get(sr.pk)
            changelist.search_capped = (search.ranked and changelist.result_count
                                        >= search_module.MATCH_CAP)
        changelist.result_list = rows
        changelist.count_capped = changelist.result_count > COUNT_CAP
        changelist.count_cap = COUNT_CAP
        return changelist

    # List columns -------------------------------------------------------------------------

    def action_checkbox(self, obj):
        """Django's box, written directly: its form widget, rendered through the template
        engine once a row, was a third of the list's Python."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" '
                           'aria-label="{}">', helpers.ACTION_CHECKBOX_NAME, obj.pk, label)

    @admin.display(description=_("subject"), ordering="subject")
    def subject_cell(self, obj):
        # The requester is the customer (DESIGN.md: who hears about the request); a
        # request whose requester left shows none.
        who = obj.requester.get_full_name() if obj.requester_id else "—"
        where = f" · {obj.company.name}" if obj.company_id else ""
        highlight = getattr(obj, "search_highlight", None)
        found = format_html('<span class="desk-hit desk-hit-{}">{}</span>', highlight.source,
                            highlight.html) if highlight else ""
        return format_html('<span class="desk-subject">{}</span>'
                           '<span class="desk-customer">{}{}</span>{}',
                           obj.subject, who, where, found)

    @admin.display(description=_("request"), ordering="created_at")
    def request_cell(self, obj):
        """The reference (the link to the work page) and when it was filed."""
        return format_html('<a href="{}">{}</a><time class="desk-filed" datetime="{}" '
                           'title="{}">{}</time>', obj.desk_url, obj.reference,
                           obj.created_at.isoformat(), _moment(obj.created_at),
                           naturaltime(obj.created_at))

    @admin.display(description=_("status"), ordering="status")
    def status_cell(self, obj):
        """The status, and the priority when it is above normal."""
        urgent = format_html('<span class="desk-priority-{}">{}</span>', obj.priority,
                             obj.desk_priority) \
            if obj.priority in (Priority.HIGH, Priority.CRITICAL) else ""
        return format_html('<span class="desk-badge desk-status-{}">{}</span>{}', obj.status,
                           obj.desk_status, urgent)

    @admin.display(description=_("category"), ordering="category__position")
    def category_title(self, obj):
        return obj.category.localized_name

    @admin.display(description=_("queue and assignee"), ordering="queue__name")
    def queue_cell(self, obj):
        return format_html('{}<span class="desk-assignee">{}</span>',
                           getattr(obj, "desk_queue_name", "") or "—",
                           obj.assignee.get_full_name() if obj.assignee_id
                           else gettext("unassigned"))

    @admin.display(description=_("due"), ordering=F("due_at").asc(nulls_last=True))
    def due_cell(self, obj):
        due = getattr(obj, "due_at", None)
        if due is None:
            return "—"
        now = timezone.now()
        state = "late" if due < now or obj.sla_state == SlaState.BREACHED else (
            "risk" if obj.sla_state == SlaState.AT_RISK else "ok")
        return format_html('<time class="desk-due desk-due-{}" datetime="{}" title="{}">{}'
                           '</time>', state, due.isoformat(), _moment(due),
                           countdown(due, now))
