"""Database helpers shared by the apps: fast bulk inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar, cast

from django.db import connections, router

if TYPE_CHECKING:
    from django.db.models import Model

_M = TypeVar("_M", bound="Model")
_PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey",
    "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
    "TextField",
}


def rows_insert(*, rows: Sequence[_M]) -> list[_M]:
    """Insert new rows of one model, like `bulk_create`, and give each its id.

    On PostgreSQL the rows go in by COPY, several times faster than the INSERT bulk_create
    makes, which is what lets an upload of a hundred thousand grades or entries, each with its
    audit event, be written in seconds. Each value is prepared by its field as for an INSERT.
    """
    if not rows:
        return []
    model = type(rows[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(rows, batch_size=2000)
    meta = model._meta
    fields = meta.concrete_fields
    # Values of these types are written as they are; the others are prepared by their field.
    prepared = [f.get_internal_type() not in _PLAIN_TYPES for f in fields]
    columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # COPY returns nothing, so the ids are taken from the table's sequence first.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
        table = connection.ops.quote_name(meta.db_table)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([
                    f.get_db_prep_save(f.pre_save(row, add=True), connection) if prepare
                    else getattr(row, f.attname)
                    for f, prepare in zip(fields, prepared, strict=True)
                ])
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
    return list(rows)
