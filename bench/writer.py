"""Fast row writing for the bench data set: COPY on PostgreSQL (psycopg 3), executemany on
SQLite. Rows are given as field values by attribute name; every column the model has is
written (unnamed ones get the field's default), so a column added by a later migration is
filled without changes here.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from django.core.management.color import no_style
from django.db import connection
from django.db.models import JSONField, Max

FLUSH_ROWS = 20_000


class _Call:
    """Marks a callable default, called once per row that does not give the value."""

    def __init__(self, field):
        self.field = field


class Table:
    def __init__(self, writer: BulkWriter, model):
        self.writer = writer
        self.model = model
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.json = {f.attname for f in fields if isinstance(f, JSONField)}
        self.defaults: dict = {}
        for f in fields:
            if f.primary_key:
                self.defaults[f.attname] = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = writer.now
            elif f.has_default() and callable(f.default):
                self.defaults[f.attname] = _Call(f)
            else:
                self.defaults[f.attname] = f.get_default()
        self.pk_attname = model._meta.pk.attname
        current = model.objects.aggregate(m=Max(self.pk_attname))["m"] or 0
        self.next_id = current + 1
        self.rows: list[tuple] = []
        self.written = 0

    def new_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, values: dict) -> int:
        if values.get(self.pk_attname) is None:
            values[self.pk_attname] = self.new_id()
        row = []
        for name in self.attnames:
            if name in values:
                value = values[name]
            else:
                value = self.defaults[name]
                if isinstance(value, _Call):
                    value = value.field.get_default()
            if name in self.json and value is not None:
                value = json.dumps(value)
            row.append(value)
        self.rows.append(tuple(row))
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()
        return values[self.pk_attname]

    def flush(self) -> None:
        if not self.rows:
            return
        self.writer.write(self, self.rows)
        self.written += len(self.rows)
        self.rows = []


class BulkWriter:
    """Buffers rows per table. Use inside one transaction: on both engines Django's
    foreign keys are checked at commit, so tables may be flushed in any order."""

    def __init__(self, now: datetime):
        self.now = now
        self.vendor = connection.vendor
        self.tables: dict = {}

    def table(self, model) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(self, model)
        return self.tables[model]

    def add(self, model, **values) -> int:
        return self.table(model).add(values)

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def write(self, table: Table, rows: list[tuple]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in table.columns)
        name = quote(table.model._meta.db_table)
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            adapt = connection.ops.adapt_datetimefield_value
            marks = ", ".join(["%s"] * len(table.columns))
            prepared = [
                tuple(
                    adapt(v) if isinstance(v, datetime)
                    else v.isoformat() if isinstance(v, date)
                    else v
                    for v in row
                )
                for row in rows
            ]
            with connection.cursor() as cursor:
                # Table and column names come from the models, values are parameters.
                insert = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, prepared)

    def reset_sequences(self) -> None:
        models = [t.model for t in self.tables.values()]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def counts(self) -> dict[str, int]:
        return {t.model._meta.label: t.written for t in self.tables.values()}
