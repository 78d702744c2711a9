"""The request list's filters in the admin: the agent's own work by default, status, queue,
assignee, and the customer's email, company and activation code typed in."""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.errors import DomainError
from accounts.models import Company
from licensing import licences

from .models import Queue, SupportRequest
from .search import clean_term, customer_q

Status = SupportRequest.Status
# Query-string keys that do not filter: the page and the sort order.
NOT_FILTERS = {"p", "o"}


def queues_with_mine(request) -> list[tuple[int, str, bool]]:
    """(id, name, whether the user works it) of every queue, read once per HTTP request: the
    queue filter lists them and "my work" needs the user's."""
    cached = getattr(request, "_desk_queues", None)
    if cached is None:
        user = request.user
        memberships = Queue.objects.filter(pk=OuterRef("pk")).filter(
            Q(agents=user) | Q(supervisors=user))
        cached = [(pk, name, mine) for pk, name, mine in Queue.objects.annotate(
            mine=Exists(memberships)).order_by("name").values_list("pk", "name", "mine")]
        request._desk_queues = cached
    return cached


def my_queue_ids(request) -> list[int]:
    return [pk for pk, _name, mine in queues_with_mine(request) if mine]


class WorkFilter(admin.SimpleListFilter):
    """The agent's own work: active requests assigned to them or waiting in their queues.
    It is what the bare list shows; a search or any other filter looks at every request
    unless "My work" is chosen."""

    title = _("work")
    parameter_name = "view"
    MINE, ALL = "mine", "all"

    def lookups(self, request, model_admin):
        self.default = self.ALL if set(request.GET) - NOT_FILTERS else self.MINE
        return [(self.MINE, _("My work")), (self.ALL, _("All requests"))]

    def effective(self) -> str:
        return self.value() if self.value() in (self.MINE, self.ALL) else self.default

    def queryset(self, request, queryset):
        if self.effective() != self.MINE:
            return queryset
        return queryset.active().filter(Q(assignee=request.user)
                                        | Q(queue__in=my_queue_ids(request)))

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.effective() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"
    SHOWN = {"active": SupportRequest.ACTIVE_STATUSES, "working": (Status.NEW, Status.OPEN)}

    def lookups(self, request, model_admin):
        return [("active", _("Active (new, open, waiting)")), ("working", _("New or open")),
                *Status.choices]

    def statuses(self) -> tuple[str, ...]:
        """The statuses the list shows under this filter."""
        value = self.value()
        if value in self.SHOWN:
            return tuple(self.SHOWN[value])
        return (value,) if value in Status.values else tuple(Status.values)

    def queryset(self, request, queryset):
        if self.value() in self.SHOWN or self.value() in Status.values:
            return queryset.filter(status__in=self.statuses())
        return queryset


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("My queues")), ("none", _("No queue")),
                *[(str(pk), name) for pk, name, _mine in queues_with_mine(request)]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(queue__in=my_queue_ids(request))
        if value == "none":
            return queryset.filter(queue__isnull=True)
        if value and value.isdigit():
            return queryset.filter(queue_id=int(value))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        agents = access.agents().order_by("email").values_list("pk", "email")
        return [("me", _("Me")), ("none", _("Nobody")), *[(str(pk), email)
                                                           for pk, email in agents]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class TextFilter(admin.SimpleListFilter):
    """A filter the agent types into (templates/admin/helpdesk/text_filter.html)."""

    template = "admin/helpdesk/text_filter.html"
    placeholder = ""
    max_length = 200

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def text(self) -> str:
        return clean_term(self.value(), self.max_length)

    def choices(self, changelist):
        kept = [(key, value) for key, values in changelist.filter_params.items()
                if key not in (self.parameter_name, "p") for value in values]
        yield {"value": self.text(), "hidden": kept, "name": self.parameter_name,
               "placeholder": self.placeholder,
               "clear_url": changelist.get_query_string(remove=[self.parameter_name])
               if self.value() else ""}


class CustomerFilter(TextFilter):
    title = _("customer's email")
    parameter_name = "customer"
    placeholder = _("name@example.com or @example.com")

    def queryset(self, request, queryset):
        email = self.text().lower()
        if not email:
            return queryset
        if email.startswith("@"):  # everyone of one mail domain
            return queryset.filter(Q(requester__email__endswith=email)
                                   | Q(home_user__email__endswith=email))
        return queryset.filter(customer_q(email))


class CompanyFilter(TextFilter):
    title = _("company")
    parameter_name = "company"
    placeholder = _("name or slug")

    def queryset(self, request, queryset):
        text = self.text()
        if not text:
            return queryset
        companies = Company.objects.filter(Q(slug__iexact=text) | Q(name__icontains=text))
        return queryset.filter(company__in=list(companies.values_list("pk", flat=True)[:100]))


class CodeFilter(TextFilter):
    """Requests under a licence, by its whole activation code, through the one audited
    key look-up (licensing.licences); a partial code is looked up only from inside a
    licence-recovery request (4.1.3)."""

    title = _("activation code")
    parameter_name = "code"
    placeholder = "XXXXX-XXXXX-XXXXX-XXXXX"
    max_length = 64

    def queryset(self, request, queryset):
        text = self.text()
        if not text:
            return queryset
        try:
            found = licences.find_licences_by_key(text, by=request.user, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
            return queryset.none()
        return queryset.filter(licence__in=[licence.pk for licence in found])
