"""The small catalogue tables a request points to (categories, plans, queues, products,
versions, rule sets), read once per process and attached to requests from memory.

Joining them into every request query cost PostgreSQL more time to plan than the page took
to read (a twelve-table join planned in about 15 ms, run in 0.7 ms). They hold tens of
rows and change when staff edit them in the admin, so each process keeps one copy,
rebuilt when any of their rows is saved or deleted anywhere (`accounts.process_memo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.query import ModelIterable
from django.utils import translation

from accounts.process_memo import ProcessMemo
from licensing.models import Product, ProductVersion, RequestCategory, SupportPlan

from .rules.models import RuleSet

# The foreign keys of a request that point into the catalogue, and where each one's rows are.
REQUEST_FIELDS = {
    "category": "categories",
    "plan": "plans",
    "queue": "queues",
    "product": "products",
    "version": "versions",
    "rule_set": "rule_sets",
}


@dataclass
class Catalogue:
    categories: dict = field(default_factory=dict)
    plans: dict = field(default_factory=dict)
    queues: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    rule_sets: dict = field(default_factory=dict)
    # The categories' names per language, filled as pages ask for them.
    _titles: dict = field(default_factory=dict)

    def category_titles(self) -> dict[int, str]:
        """Each category's name in the active language, by id."""
        language = translation.get_language()
        titles = self._titles.get(language)
        if titles is None:
            titles = {pk: category.localized_name for pk, category in self.categories.items()}
            self._titles[language] = titles
        return titles


def _load() -> Catalogue:
    from .requests.models import Queue

    products = {p.pk: p for p in Product.objects.all()}
    versions = {}
    for version in ProductVersion.objects.all():
        if version.product_id in products:
            version.product = products[version.product_id]
        versions[version.pk] = version
    return Catalogue(
        categories={c.pk: c for c in RequestCategory.objects.all()},
        plans={p.pk: p for p in SupportPlan.objects.all()},
        queues={q.pk: q for q in Queue.objects.all()},
        products=products,
        versions=versions,
        rule_sets={r.pk: r for r in RuleSet.objects.all()},
    )


memo = ProcessMemo("helpdesk-catalogue", _load)


def current() -> Catalogue:
    return memo.get()


def watch() -> None:
    """Connect the invalidation to every catalogue model (from the app's `ready`)."""
    from .requests.models import Queue

    memo.watch(RequestCategory, SupportPlan, Queue, Product, ProductVersion, RuleSet)


def category(pk: int) -> RequestCategory:
    """One category from memory; one the copy lacks (created since it was built) reloads
    it once, else is read."""
    row = current().categories.get(pk) or memo.reload().categories.get(pk)
    return row if row is not None else RequestCategory.objects.get(pk=pk)


def attach(requests) -> None:
    """Set each request's catalogue relations from memory. A row the copy lacks (created
    since it was built, in this very transaction) reloads it once; a row still missing is
    left to Django's own lazy read."""
    catalogue = current()
    reloaded = False
    for support_request in requests:
        for name, table in REQUEST_FIELDS.items():
            pk = getattr(support_request, f"{name}_id")
            if pk is None:
                continue
            row = getattr(catalogue, table).get(pk)
            if row is None and not reloaded:
                catalogue, reloaded = memo.reload(), True
                row = getattr(catalogue, table).get(pk)
            if row is not None:
                setattr(support_request, name, row)


class CatalogueIterable(ModelIterable):
    """Yields the requests of a queryset with their catalogue relations attached."""

    def __iter__(self):
        rows = list(super().__iter__())
        attach(rows)
        yield from rows
