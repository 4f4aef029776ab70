"""The bulk path (reports, whole-population figures) gives the same facts and statuses as the
page path, registration by registration, on a varied data set at several moments of the series."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resultsday.assessment.models import UnitResult
from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.models import Claim, QualificationResult
from resultsday.catalogue.models import Series
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.core import demo
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.release.selectors import embargoed_registration_ids
from resultsday.testing import make_learner, make_registration, record_unit_result
from resultsday.tracking.bulk import (
    centre_tracked,
    registration_ranges,
    status_totals,
    tracked_as_centre_sees,
    tracked_registrations,
)
from resultsday.tracking.models import CheckpointLearner
from resultsday.tracking.selectors import rows_as_centre_sees, tracking_queryset, tracking_rows
from resultsday.tracking.status import StatusCode
from resultsday.tracking.tests.helpers import london


def _vary(seed: int) -> None:
    """Stir the demo data so every status and fact has examples: claims (some late), issued
    and withheld results, withdrawn, topped-up and certificated registrations, retakes,
    undeclared and negative checkpoint answers, standards verification in every state."""
    rng = random.Random(seed)
    registrations = list(Registration.objects.order_by("pk"))
    for r in rng.sample(registrations, k=len(registrations) // 4):
        if not Claim.objects.filter(registration=r).exists():
            Claim.objects.create(registration=r, claimed_at=timezone.now(),
                                 is_late=rng.random() < 0.3)
    for r in rng.sample(registrations, k=len(registrations) // 10):
        QualificationResult.objects.update_or_create(
            registration=r, defaults={"status": rng.choice(list(ResultStatus)),
                                      "grade": rng.choice(["", "P", "MM", "D*D*"])})
    for r in rng.sample(registrations, k=len(registrations) // 15):
        Registration.objects.filter(pk=r.pk).update(status=rng.choice([
            RegistrationStatus.WITHDRAWN, RegistrationStatus.TOPPED_UP,
            RegistrationStatus.CERTIFICATED]))
    retaken = set(UnitResult.objects.filter(attempt=2).values_list("registration_id", "unit_id"))
    failed = [u for u in UnitResult.objects.filter(grade="U", attempt=1, source="centre")
              .order_by("pk") if (u.registration_id, u.unit_id) not in retaken]
    for result in rng.sample(failed, k=min(5, len(failed))):
        UnitResult.objects.create(registration_id=result.registration_id, unit_id=result.unit_id,
                                  attempt=2, source=result.source, grade="P", is_retake=True)
    other_series = {s.pk: s for s in Series.objects.filter(code__in=["2026-06", "2027-06"])}
    for entry in rng.sample(list(Entry.objects.order_by("pk")), k=8):
        # An entry in another series: not awaited in the registration's own series.
        Entry.objects.create(registration_id=entry.registration_id, unit_id=entry.unit_id,
                             series=next(s for pk, s in other_series.items()
                                         if pk != entry.series_id))
        entry.delete()
    answers = list(CheckpointLearner.objects.order_by("pk"))
    for answer in rng.sample(answers, k=len(answers) // 8):
        answer.expects_result = rng.random() < 0.5
        answer.added_late = rng.random() < 0.5
        answer.predicted_grade = "DMM"
        answer.save()
    for sv in StandardsVerification.objects.order_by("pk"):
        sv.status = rng.choice(list(VerificationStatus) + [VerificationStatus.RELEASED] * 3)
        sv.save()


def _compared(row, *, explained: bool = True):  # type: ignore[no-untyped-def]
    facts, status, issues = row.facts, row.status, row.issues()
    if not explained:  # what `explain=False` leaves out: the engine's reason texts
        facts = dataclasses.replace(facts, engine_reasons=(), units_short_reasons=(),
                                    decision_reason="")
        status = dataclasses.replace(status, details=())
        issues = [dataclasses.replace(issue, details=()) for issue in issues]
    return (facts, row.dates, status, row.units_reported, row.points,
            row.predicted_grade, row.needs_to_progress, issues, row.expecting_result,
            row.claim_state, row.units_missing, row.overdue)


@pytest.mark.django_db
def test_bulk_statuses_equal_the_per_registration_path() -> None:
    demo.demo_seed(seed=11, centres=4, learners=160)
    _vary(seed=3)
    everyone = Registration.objects.all()
    embargoed = embargoed_registration_ids(everyone.values_list("pk", flat=True))
    seen = set()
    explained_some = False
    held = Counter[str]()
    for moment in [london(2026, 11, 1), london(2027, 6, 10), london(2027, 7, 10),
                   london(2027, 8, 20)]:
        with time_machine.travel(moment, tick=False):
            page = tracking_rows(list(tracking_queryset(everyone)))
            # ... and as every member of the centre's staff may see them (the reports' view)
            page_held = {row.registration.pk: _compared(row) for row in rows_as_centre_sees(page)}
            for explained, by_centre in itertools.product((True, False), (False, True)):
                expected = {row.registration.pk: _compared(row, explained=explained)
                            for row in page}
                rows = list(tracked_registrations(everyone, chunk=37, by_centre=by_centre,
                                                  explain=explained))
                assert sorted(row.record.pk for row in rows) == sorted(expected)
                assert {row.record.pk for row in rows if row.embargoed} == embargoed
                for row in rows:
                    assert _compared(row, explained=explained) == expected[row.record.pk], (
                        row.record)
                    seen.add(row.status.code)
                    explained_some = explained_some or bool(row.facts.engine_reasons)
                if explained:
                    for row in tracked_as_centre_sees(rows):
                        assert _compared(row) == page_held[row.record.pk], row.record
                        if row.facts.result_held:
                            held[row.status.code] += 1
                            held["points"] += row.facts.external_reported
    assert len(seen) >= 12  # the data set really is varied
    assert explained_some  # and some statuses have reasons to leave out
    assert held[StatusCode.RESULT_ISSUED] and held["points"]  # and results and points to hold


def test_one_centre_in_bulk_equals_its_page_rows_in_name_order(world) -> None:
    for n in range(12):
        registration = make_registration(make_learner(world.centre_a, last_name=f"L{n % 5}"),
                                         world.qualification)
        record_unit_result(registration, "T1", "PMDU"[n % 4])
    page = tracking_rows(list(tracking_queryset(
        Registration.objects.filter(centre=world.centre_a))))
    bulk = centre_tracked(centre_id=world.centre_a.pk)
    assert [row.record.pk for row in bulk] == [row.registration.pk for row in page]
    assert [_compared(row) for row in bulk] == [_compared(row) for row in page]


def test_the_bulk_path_reads_each_table_once_per_chunk(world) -> None:
    def queries(chunk: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            list(tracked_registrations(Registration.objects.all(), chunk=chunk))
        return len(ctx.captured_queries)

    one = queries(10_000)
    for n in range(30):
        registration = make_registration(make_learner(world.centre_a, last_name=f"L{n}"),
                                         world.qualification)
        record_unit_result(registration, "T1", "P")
    assert queries(10_000) == one
    assert queries(10) > one  # several chunks: each reads the fact tables again


@pytest.mark.django_db
def test_bulk_grades_in_columns_and_asks_the_decision_only_what_columns_cannot_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from resultsday.catalogue.models import Unit
    from resultsday.tracking import bulk

    demo.demo_seed(seed=5, centres=2, learners=80)
    _vary(seed=8)
    # An entry this series for a unit of another qualification: the "beyond awaited" question
    # is then one the decision refuses (an invalid combination), so the decision answers it.
    registration = Registration.objects.filter(status=RegistrationStatus.ACTIVE).order_by("pk")[0]
    foreign = Unit.objects.exclude(placements__qualification=registration.qualification).order_by("pk")[0]
    Entry.objects.create(registration=registration, unit=foreign, series=registration.series)
    asked: list[object] = []
    real = bulk.engine_facts

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "engine_facts", counted)
    everyone = Registration.objects.all()
    with time_machine.travel(london(2027, 6, 10), tick=False):
        expected = {row.registration.pk: _compared(row)
                    for row in tracking_rows(list(tracking_queryset(everyone)))}
        rows = list(tracked_registrations(everyone))
    assert all(_compared(row) == expected[row.record.pk] for row in rows)
    assert 0 < len(asked) < len(rows) // 4  # most in columns; invalid combinations by the decision
    assert registration.pk in {row.record.pk for row in rows if row.facts.awaiting}


@pytest.mark.django_db
def test_registration_ranges_cover_every_registration_once_and_split_the_counts() -> None:
    demo.demo_seed(seed=5, centres=3, learners=90)
    everyone = Registration.objects.all()
    ids = list(everyone.order_by("pk").values_list("pk", flat=True))
    for parts in (1, 2, 3, 7):
        ranges = registration_ranges(everyone, parts)
        assert len(ranges) == parts
        assert ranges[0].first == ids[0] and ranges[-1].last == ids[-1]
        assert all(a.last + 1 == b.first for a, b in itertools.pairwise(ranges))
        sizes = [sum(r.first <= pk <= r.last for pk in ids) for r in ranges]
        assert sum(sizes) == len(ids) and max(sizes) - min(sizes) <= 1
    assert registration_ranges(Registration.objects.none(), 2) == []


@pytest.mark.django_db
def test_status_totals_in_parts_equal_one_pass() -> None:
    demo.demo_seed(seed=5, centres=3, learners=90)
    with time_machine.travel(london(2027, 6, 10), tick=False):
        one_pass = Counter(row.status.code for row in tracked_registrations(
            Registration.objects.all()))
        # Inside the test's transaction the parts run one after the other in this process.
        assert status_totals(processes=3) == one_pass == status_totals()
