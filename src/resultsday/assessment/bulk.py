"""Unit results in bulk: every attempt of a batch of registrations as NumPy columns.

Set-based passes (an awarding run's batches, tracking's reports and national figures) read
tens of thousands of unit results at a time. Fetched as Python rows, converting each value
costs more than the query; on PostgreSQL `unit_result_columns` instead asks for one row of
six byte strings, each column packed by its binary send function in one aggregate pass
(`string_agg(int8send(...))`), and reads them straight into arrays. Elsewhere (SQLite) it
runs the same query as plain rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connections, router
from django.db.models import F, QuerySet
from numpy.typing import NDArray

from resultsday.assessment.models import UnitResult
from resultsday.learners.models import Registration

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class UnitResultColumns:
    """Unit results in columns, sorted by registration, unit and attempt."""

    registration: Ints  # registration id
    unit: Ints  # unit id
    letter: Ints  # the grade letter's character code
    points: Ints  # -1: none
    retake: Bools
    attempt: Ints

    def __len__(self) -> int:
        return len(self.registration)


def unit_result_columns(
    *, registrations: QuerySet[Registration], after: int | None = None, last: int | None = None,
) -> UnitResultColumns:
    """Every unit result of the registrations, in columns: one query, packed on PostgreSQL.

    `after` and `last` (optional) bound the registrations' ids (after < id <= last): given,
    the same range is put on the unit results too, so the planner walks their registration
    index over that range instead of joining the whole table.
    """
    connection = connections[router.db_for_read(UnitResult)]
    inner, inner_params = (registrations.order_by().values(ref=F("pk")).query
                           .get_compiler(connection=connection).as_sql())
    where = ""
    params: list[Any] = list(inner_params)
    if after is not None:
        where += " AND u.registration_id > %s"
        params.append(after)
    if last is not None:
        where += " AND u.registration_id <= %s"
        params.append(last)
    # A join on the registrations' subquery (which PostgreSQL pulls up into the join) rather
    # than IN (...): the planner sees both tables' conditions at once.
    source = (f"FROM {UnitResult._meta.db_table} u JOIN ({inner}) r "
              f"ON r.ref = u.registration_id WHERE TRUE{where}")
    if connection.vendor == "postgresql":
        return _packed(connection, source, params)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.registration_id, u.unit_id, unicode(u.grade), COALESCE(u.points, -1), "
            f"u.is_retake, u.attempt {source}", params)
        found = cursor.fetchall()
    columns = list(zip(*found, strict=True)) if found else [()] * 6
    registration, unit, letter, points, attempt = (
        np.array(columns[i], dtype=np.int64) for i in (0, 1, 2, 3, 5))
    return _sorted(registration, unit, letter, points, np.array(columns[4], dtype=np.bool_),
                   attempt)


def _packed(connection: Any, source: str, params: list[Any]) -> UnitResultColumns:
    import psycopg

    # One row of six byte strings (each column packed by its binary send function, in the same
    # row order: one aggregate pass feeds them all), read straight into arrays.
    sql = (
        "SELECT string_agg(int8send(u.registration_id), ''), "
        "string_agg(int8send(u.unit_id), ''), string_agg(int4send(ascii(u.grade)), ''), "
        "string_agg(int4send(COALESCE(u.points, -1)), ''), "
        "string_agg(int2send(u.is_retake::int::int2), ''), "
        f"string_agg(int4send(u.attempt::int4), ''), count(*) {source}"
    )
    connection.ensure_connection()
    # a server-side binding cursor: Django's client-side cursors cannot return binary
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
        raw.execute(sql, params, binary=True)
        row = raw.fetchone()
    assert row is not None
    count = int(row[6])

    def column(data: bytes | None, kind: str) -> Ints:
        return np.frombuffer(data or b"", dtype=kind, count=count).astype(np.int64)

    return _sorted(column(row[0], ">i8"), column(row[1], ">i8"), column(row[2], ">i4"),
                   column(row[3], ">i4"), column(row[4], ">i2").astype(np.bool_),
                   column(row[5], ">i4"))


def _sorted(registration: Ints, unit: Ints, letter: Ints, points: Ints, retake: Bools,
            attempt: Ints) -> UnitResultColumns:
    order = np.lexsort((attempt, unit, registration))
    return UnitResultColumns(registration[order], unit[order], letter[order], points[order],
                             retake[order], attempt[order])
