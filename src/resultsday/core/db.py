"""Database helpers shared by the apps: fast bulk reads and inserts."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import connections, router

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

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


def values_insert(
    *, model: type[Model], columns: Mapping[str, Sequence[Any]], with_ids: bool = False,
) -> list[int] | None:
    """Insert rows given column by column as plain values (no model instances).

    For writes too large to build a model instance per row (an awarding run's million result
    versions). `columns` maps column names to equally long sequences of what the database
    stores: JSON as its text, datetimes aware. On PostgreSQL the rows go in by COPY, written
    column by column as COPY text (much faster than a row at a time), and, `with_ids`, each gets
    an id from the table's sequence (returned in row order); elsewhere they are inserted with
    `executemany` and None is returned: read the ids back by a unique column if you need them.
    """
    names = list(columns)
    values = [columns[name] for name in names]
    count = len(values[0]) if values else 0
    if not count:
        return [] if with_ids else None
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in names)}) "
                f"VALUES ({', '.join(['%s'] * len(names))})",
                list(zip(*values, strict=True)),
            )
        return None
    ids: list[int] | None = None
    if with_ids:
        ids = ids_reserve(model=model, count=count)
        names.insert(0, cast(str, model._meta.pk.column))
        values.insert(0, ids)
    copy_write(model=model, columns=names, text=copy_text(values))
    return ids


#: Rows a bulk read takes from the driver at once: all of them (no read is this large).
_ALL_ROWS = 1 << 30  # fetchmany takes a C int (sqlite3)


def values_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A `values_list` queryset's rows in one fetch, through Django's converters as iteration.

    Iterating a queryset fetches 100 rows at a time and passes each through its iterable; in a
    bulk pass of tens of thousands of rows that is about a third of the reading time.
    """
    query = queryset.query
    if query.annotation_select or query.extra_select or not query.values_select:
        raise ValueError("values_rows takes a values_list() of model fields")
    compiler = query.get_compiler(using=queryset.db)
    return list(compiler.results_iter(tuple_expected=True, chunk_size=_ALL_ROWS))


def ids_reserve(*, model: type[Model], count: int) -> list[int]:
    """PostgreSQL: `count` ids from the table's sequence, for rows about to be inserted by COPY.

    Sequences are not transactional: ids reserved for rows that are never written are skipped.
    """
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        # The sequence is looked up once: inside the series, pg_get_serial_sequence would run
        # for every row (ten times the cost of the nextval calls themselves).
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                       [model._meta.db_table, model._meta.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [pk for (pk,) in cursor.fetchall()]


def copy_text(columns: Sequence[Sequence[Any]]) -> str:
    """Rows given column by column, as the text of a PostgreSQL `COPY ... FROM STDIN`."""
    text = [_copy_text(column) for column in columns]
    if not text or not text[0]:
        return ""
    return "\n".join(map("\t".join, zip(*text, strict=True))) + "\n"


def copy_write(*, model: type[Model], columns: Sequence[str], text: str) -> None:
    """PostgreSQL: COPY rows already rendered by `copy_text` into the model's table."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy,
    ):
        for start in range(0, len(text), 1 << 22):
            copy.write(text[start:start + (1 << 22)])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(column: Sequence[Any]) -> list[str]:
    """One column's values in COPY's text format (None as \\N), converted by their type.

    Columns of one type take a fast path; in a mixed column each distinct value is converted
    once (a batch's rows share one timestamp)."""
    kinds = {type(v) for v in column}
    if kinds <= {int}:
        return list(map(str, column))
    if kinds <= {int, type(None)}:
        return ["\\N" if v is None else str(v) for v in column]
    if kinds == {bool}:
        return ["t" if v else "f" for v in column]
    if kinds == {str}:
        joined = "".join(column)
        if not any(c in joined for c in "\\\t\n\r"):
            return list(column)
    converted: dict[Any, str] = {}
    out = []
    for value in column:
        key = (type(value), value)  # by type too: True == 1, but they are written differently
        try:
            text = converted.get(key)
        except TypeError:  # unhashable: converted every time
            text = None
        if text is None:
            text = _copy_value(value)
            with contextlib.suppress(TypeError):
                converted[key] = text
        out.append(text)
    return out


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
