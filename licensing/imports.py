"""Licences imported from the vendor's sales: a CSV file, all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import audit

from .keys import KEY_FORMAT, normalize_key
from .licences import require_staff
from .models import (
    Licence,
    Product,
    SupportPlan,
)

CSV_COLUMNS = ("key", "product_code", "seats", "starts_on", "expires_on", "plan_code",
               "order_number", "purchaser_email")
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ROWS = 20_000


@dataclass(frozen=True)
class ImportRowError:
    line: int  # 1 is the header line; 0 is the file as a whole
    column: str
    message: str

    def __str__(self):
        if not self.line:
            return self.message
        return _("Line %(line)d, %(column)s: %(message)s") % {
            "line": self.line, "column": self.column or "-", "message": self.message}


@dataclass
class ImportResult:
    """What an import did. All or nothing: with any error, `created` is 0."""

    created: int = 0
    rows: int = 0
    errors: list[ImportRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_licences_csv(file, *, by, request=None) -> ImportResult:
    """Issue the licences of a CSV file of sold licences, all or nothing.

    Columns (header line required, any order): key, product_code, seats, starts_on,
    expires_on (YYYY-MM-DD), plan_code (empty means "standard"), order_number,
    purchaser_email. Every row is checked first and every problem is reported with its
    line; if any row is bad, nothing is imported.
    """
    require_staff(by)
    result = ImportResult()
    text = _read_text(file, result)
    if text is None:
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        result.errors.append(ImportRowError(0, "", _(
            "The header line must name the columns %(columns)s; missing: %(missing)s."
        ) % {"columns": ", ".join(CSV_COLUMNS), "missing": ", ".join(missing)}))
        return result
    reader.fieldnames = header
    raw_rows = []
    for row in reader:
        if len(raw_rows) >= CSV_MAX_ROWS:
            result.errors.append(ImportRowError(0, "", _(
                "A file may hold at most %(rows)d licences.") % {"rows": CSV_MAX_ROWS}))
            return result
        if not any((value or "").strip() for key, value in row.items() if key is not None):
            continue  # blank line
        raw_rows.append((reader.line_num, row))
    result.rows = len(raw_rows)
    if not raw_rows:
        result.errors.append(ImportRowError(0, "", _("The file holds no licences.")))
        return result

    products = {p.code: p for p in Product.objects.all()}
    plans = {p.code: p for p in SupportPlan.objects.all()}
    licences, seen = [], {}
    for line, row in raw_rows:
        licence = _licence_from_row(line, row, products, plans, seen, result.errors)
        if licence is not None:
            licences.append(licence)
    existing = set(
        Licence.objects.filter(key__in=[lic.key for lic in licences])
        .values_list("key", flat=True)
    )
    for licence in licences:
        if licence.key in existing:
            result.errors.append(ImportRowError(seen[licence.key], "key", _(
                "A licence with this activation code already exists.")))
    if result.errors:
        result.errors.sort(key=lambda error: error.line)
        return result
    try:
        with transaction.atomic():
            Licence.objects.bulk_create(licences, batch_size=500)
            audit.record("licence.imported", actor=by, request=request, count=len(licences),
                         order_numbers=sorted({lic.order_number for lic in licences})[:100])
    except IntegrityError:
        result.errors.append(ImportRowError(0, "", _(
            "Another import added some of these activation codes meanwhile; nothing was "
            "imported. Try again.")))
        return result
    result.created = len(licences)
    return result


def _read_text(file, result: ImportResult) -> str | None:
    if hasattr(file, "size") and file.size is not None and file.size > CSV_MAX_BYTES:
        data = b""
        too_big = True
    else:
        data = file.read(CSV_MAX_BYTES + 1) if hasattr(file, "read") else file
        too_big = len(data) > CSV_MAX_BYTES
    if too_big:
        result.errors.append(ImportRowError(0, "", _(
            "The file is larger than %(size)d MB.") % {"size": CSV_MAX_BYTES // (1024 * 1024)}))
        return None
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(ImportRowError(0, "", _("The file must be UTF-8 text (CSV).")))
        return None


def _licence_from_row(line, row, products, plans, seen, errors) -> Licence | None:
    def value(name):
        return (row.get(name) or "").strip()

    def error(column, message):
        errors.append(ImportRowError(line, column, message))

    before = len(errors)
    if None in row:
        error("", _("This line has more values than the header has columns."))
    key = None
    try:
        key = normalize_key(value("key"))
    except ValidationError:
        error("key", _("Expected an activation code like %(form)s.") % {"form": KEY_FORMAT})
    if key is not None:
        if key in seen:
            error("key", _("This activation code is also on line %(line)d.") % {
                "line": seen[key]})
        else:
            seen[key] = line
    product = products.get(value("product_code"))
    if product is None:
        error("product_code", _("No product has the code “%(code)s”.") % {
            "code": value("product_code")[:60]})
    plan = plans.get(value("plan_code") or SupportPlan.STANDARD)
    if plan is None:
        error("plan_code", _("No support plan has the code “%(code)s”.") % {
            "code": value("plan_code")[:40]})
    seats = None
    try:
        seats = int(value("seats"))
        if not 1 <= seats <= 1_000_000:
            raise ValueError
    except ValueError:
        error("seats", _("Seats must be a whole number from 1 to 1000000."))
    dates = {}
    for column in ("starts_on", "expires_on"):
        try:
            dates[column] = date.fromisoformat(value(column))
        except ValueError:
            error(column, _("Expected a date as YYYY-MM-DD."))
    if len(dates) == 2 and dates["expires_on"] < dates["starts_on"]:
        error("expires_on", _("The expiry date must not be before the start date."))
    order_number = value("order_number")
    if not order_number or len(order_number) > 64:
        error("order_number", _("Give the order number (at most 64 characters)."))
    email = value("purchaser_email").lower()
    try:
        validate_email(email)
    except ValidationError:
        error("purchaser_email", _("Give the purchaser's email address."))
    if len(errors) > before:
        return None
    return Licence(key=key, product=product, plan=plan, seats=seats,
                   starts_on=dates["starts_on"], expires_on=dates["expires_on"],
                   order_number=order_number, purchaser_email=email)
