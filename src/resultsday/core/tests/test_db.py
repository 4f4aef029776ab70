"""The bulk-write helpers: COPY text rendering, and ids reserved for COPY on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from resultsday.core.db import copy_text, ids_reserve


def test_copy_text_renders_each_type_as_copy_reads_it() -> None:
    at = dt.datetime(2027, 8, 12, 8, 0, tzinfo=dt.UTC)
    text = copy_text([
        [1, 2, 3],
        [None, 5, None],
        [True, False, True],
        ["plain", "tab\there", "back\\slash\nnew"],
        [at, at, None],
        [True, 1, None],  # a mixed column: True is written t, the integer 1 as 1
        [dt.date(2025, 9, 1), "x", 0],
    ])
    assert text.splitlines() == [
        "1\t\\N\tt\tplain\t2027-08-12T08:00:00+00:00\tt\t2025-09-01",
        "2\t5\tf\ttab\\there\t2027-08-12T08:00:00+00:00\t1\tx",
        "3\t\\N\tt\tback\\\\slash\\nnew\t\\N\t\\N\t0",
    ]
    assert text.endswith("\n")


def test_copy_text_of_no_rows_is_empty() -> None:
    assert copy_text([[], []]) == ""
    assert copy_text([]) == ""


@pytest.mark.django_db
def test_ids_reserved_are_distinct_and_never_handed_out_again() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("ids are reserved from PostgreSQL sequences")
    from resultsday.awarding.models import AwardingRun

    first = ids_reserve(model=AwardingRun, count=50)
    second = ids_reserve(model=AwardingRun, count=3)
    assert len(set(first + second)) == 53
    assert min(second) > max(first)
    run: Any = AwardingRun.objects.create(series=_series(), reason="after a reservation")
    assert run.pk > max(second)


def _series() -> Any:
    from resultsday.catalogue.models import AwardingOrganisation, Series

    ao = AwardingOrganisation.objects.create(code="db-test", name="DB test AO")
    return Series.objects.create(awarding_organisation=ao, code="2027-06", name="Summer 2027")


@pytest.mark.django_db
def test_values_rows_are_the_querysets_rows_converted_alike() -> None:
    from django.db.models import Count

    from resultsday.awarding.models import AwardingRun
    from resultsday.core.db import values_rows

    series = _series()
    for reason in ("first", "second", "third"):
        AwardingRun.objects.create(series=series, reason=reason)
    def query():  # a new queryset each time: an evaluated one slices its cached rows
        return AwardingRun.objects.order_by("pk").values_list(
            "pk", "reason", "created_at", "started_at", "counts", "series__code")

    assert values_rows(query()) == list(query())
    assert len(values_rows(query())) == 3
    assert values_rows(query()[1:2]) == list(query()[1:2])
    with pytest.raises(ValueError):
        values_rows(AwardingRun.objects.values("series").annotate(n=Count("pk")))
