"""The one intake of every face: raw input -> validated facts -> decision -> one record.

The portal's form and its live preview, the API, the admin's phone intake and the email
channel all hand their raw input to `parse_eligibility` (the same catalogue lookups, the
same version matching, the same platform and licence-key checks, the same messages), and
ask the Rules through `check`, which records refusals by one policy. So the same input gets
the same decision and leaves the same audit rows whichever face it came through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.errors import DomainError

from .eligibility import Decision, decide
from .keys import normalize_key
from .models import OperatingSystem, Product, ProductVersion, RequestCategory
from .offers import PRODUCT_FEEDBACK
from .product_feedback import keep_idea
from .versions import parse_platform_version, validate_version, version_key

if TYPE_CHECKING:
    from accounts.workspace import Workspace

PRODUCT_FIELDS = ("product", "version", "os", "os_version")
ELIGIBILITY_FIELDS = ("category", *PRODUCT_FIELDS, "licence_key")
MAX_CODE_LENGTH = 60
MAX_VERSION_LENGTH = 32
MAX_KEY_INPUT_LENGTH = 100


class IntakeInvalid(DomainError):
    """The input as a whole: messages per field, every problem at once."""

    def __init__(self, errors: dict[str, list[str]]):
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors


@dataclass(frozen=True)
class EligibilityFacts:
    """What a decision is made on (DESIGN.md section 3), already resolved to catalogue rows:
    the licence key is normalised, the version is one of the product's."""

    workspace: Workspace
    category: RequestCategory
    product: Product | None = None
    version: ProductVersion | None = None
    os: str | None = None
    os_version: str | None = None
    licence_key: str | None = None

    def decide(self, *, on=None) -> Decision:
        """The decision on these facts: a pure read, recorded by nobody (see `check`)."""
        return decide(workspace=self.workspace, category=self.category, product=self.product,
                      version=self.version, os=self.os, os_version=self.os_version,
                      licence_key=self.licence_key, on=on)


class Catalogue:
    """The products (with versions and requirements) and categories a person may choose
    from. A page that already holds them passes them in, so parsing costs no query; else
    each code is looked up when asked."""

    def __init__(self, user, *, products=None, categories=None):
        self.user = user
        self._products = {p.code: p for p in products} if products is not None else None
        self._categories = {c.code: c for c in categories} if categories is not None else None

    def category(self, code: str) -> RequestCategory | None:
        if self._categories is not None:
            return self._categories.get(code)
        return RequestCategory.objects.visible_to(self.user).filter(code=code).first()

    def product(self, code: str) -> Product | None:
        if self._products is not None:
            return self._products.get(code)
        return (Product.objects.visible_to(self.user).with_catalogue()
                .filter(code=code).first())


def _text(raw: Mapping[str, Any], name: str, max_length: int, errors: dict) -> str:
    """The field as stripped text ("" when absent), or "" with an error for anything that is
    not text of a sensible length."""
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Enter text.")]
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors[name] = [_("Enter at most %(max)d characters.") % {"max": max_length}]
        return ""
    return value


def needs_product_check(category: RequestCategory) -> bool:
    """Whether the decision needs product, version and platform (not for 4.1.3, 4.1.4 or
    a topic Standard Support does not cover)."""
    return category.in_scope and category.needs_product


def parse_eligibility(raw: Mapping[str, Any], *, workspace: Workspace, catalogue: Catalogue,
                      complete: bool = True) -> EligibilityFacts | None:
    """Turn raw input (strings by field name, from any face) into `EligibilityFacts`.

    Raises `IntakeInvalid` with every problem by field. With `complete=False` (a live
    preview while the person is still choosing), a block that is merely unfinished is not
    an error: the answer is None, nothing to decide yet.
    """
    errors: dict[str, list[str]] = {}
    codes = {name: _text(raw, name, MAX_CODE_LENGTH, errors) for name in ("category",
                                                                           "product")}
    version_text = _text(raw, "version", MAX_VERSION_LENGTH, errors)
    os = _text(raw, "os", MAX_CODE_LENGTH, errors) or None
    os_version = _text(raw, "os_version", MAX_VERSION_LENGTH, errors) or None
    key_text = _text(raw, "licence_key", MAX_KEY_INPUT_LENGTH, errors)

    category = None
    if codes["category"]:
        category = catalogue.category(codes["category"])
        if category is None:
            errors["category"] = [_("There is no category with this code.")]
    elif complete and "category" not in errors:
        errors["category"] = [_("Choose a topic.")]

    product = None
    if codes["product"]:
        product = catalogue.product(codes["product"])
        if product is None:
            errors["product"] = [_("There is no product with this code.")]

    version = None
    if version_text:
        if product is not None:
            version = _match_version(product, version_text, errors)
        elif "product" not in errors:
            errors["product"] = [_("Choose the product this version belongs to.")]

    if os is not None and os not in OperatingSystem.values:
        errors["os"] = [_("Choose a platform from the list.")]
    if os_version is not None:
        try:
            # Compared with the chosen platform's lines ("Server 2022" is Windows'); before
            # a platform is chosen, with those of any.
            os_version = parse_platform_version(
                os_version, os if "os" not in errors else None).text
        except ValidationError as exc:
            errors["os_version"] = exc.messages
        if os is None and "os" not in errors:
            errors["os"] = [_("Choose the platform this version belongs to.")]

    licence_key = None
    if key_text:
        try:
            licence_key = normalize_key(key_text)
        except ValidationError as exc:
            errors["licence_key"] = exc.messages

    given = {"product": product, "version": version, "os": os, "os_version": os_version}
    if category is not None and needs_product_check(category):
        missing = [name for name in PRODUCT_FIELDS if not given[name] and name not in errors]
        if missing and complete:
            for name in missing:
                errors[name] = [_("Required for this topic.")]
        elif missing and not errors:
            return None
    if errors:
        raise IntakeInvalid(errors)
    if category is None:
        return None
    return EligibilityFacts(workspace=workspace, category=category, product=product,
                            version=version, os=os, os_version=os_version,
                            licence_key=licence_key)


def _match_version(product: Product, text: str, errors: dict) -> ProductVersion | None:
    """The product's version that `text` names, compared as numbers ("21.3" is "21.3.0")."""
    try:
        validate_version(text)
    except ValidationError as exc:
        errors["version"] = exc.messages
        return None
    wanted = version_key(text)
    version = next((v for v in product.versions.all() if version_key(v.version) == wanted),
                   None)
    if version is None:
        errors["version"] = [_("%(product)s has no version %(version)s.") % {
            "product": product.name, "version": text}]
    return version


def check(facts: EligibilityFacts, *, by, http_request=None, on=None, subject: str = "",
          description: str = "") -> Decision:
    """The decision on `facts`, with a refusal handled by the one policy: the one check every
    face makes, whether the person only asks or files.

    A refusal is recorded for staff. When the person files (`subject` and `description`
    are the request's text) a feature request Standard Support does not cover (4.2.1),
    their idea is kept as product feedback, and the decision says so.
    """
    decision = facts.decide(on=on)
    if decision.eligible:
        return decision
    if description and any(o.code == PRODUCT_FEEDBACK for o in decision.offers):
        keep_idea(facts, subject=subject, description=description, by=by,
                  http_request=http_request)
        decision = decision.with_idea_kept()
    record_refusal(decision, facts, by=by, http_request=http_request)
    return decision


def record_refusal(decision: Decision, facts: EligibilityFacts, *, by,
                   http_request=None) -> None:
    """Staff see what customers were refused and why. A person who asks again and again
    (a live preview, a script) adds one row per clause and minute, counting the repeats."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = decision.reason  # for staff reading the trail; the data says it too
    audit.record_repeatable(
        "eligibility.refused", key=f"{getattr(by, 'pk', None)}:{decision.clause}",
        actor=by, workspace=facts.workspace, request=http_request,
        clause=decision.clause, category=facts.category.code,
        product=facts.product.code if facts.product is not None else None,
        version=facts.version.version if facts.version is not None else None,
        offers=[offer.code for offer in decision.offers],
        reason_code=decision.reason_code, params=dict(decision.params), reason=reason,
    )
