"""Set-based awarding (awarding/bulk.py) decides exactly as `registration_decide` does."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from resultsday.assessment.models import UnitResult
from resultsday.awarding.bulk import explanation_full, series_decisions
from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.decisions import registration_decide
from resultsday.awarding.models import Claim
from resultsday.awarding.services import registration_facts
from resultsday.catalogue.models import Qualification, Series, Unit
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.core.demo import demo_seed
from resultsday.grading import default_catalogue
from resultsday.learners.models import Entry, Registration
from resultsday.testing import make_learner, make_registration


def _reference(series: Series) -> dict[int, object]:
    registrations = list(
        Registration.objects.filter(series=series, status__in=["active", "certificated"])
        .select_related("qualification", "qualification__suite")
    )
    facts = registration_facts(registrations)
    return {r.pk: registration_decide(facts=facts[r.pk], catalogue=default_catalogue())
            for r in registrations}


@pytest.fixture
def demo(db):
    demo_seed(seed=5, centres=3, learners=300)
    series = Series.objects.get(code="2027-06", awarding_organisation__code="demo-ao")
    # results day: most external results are in, most claims made, most programmes released
    rng = random.Random(5)
    for entry in Entry.objects.filter(series=series).select_related("unit"):
        if rng.random() < 0.85 and not UnitResult.objects.filter(
                registration_id=entry.registration_id, unit=entry.unit).exists():
            UnitResult.objects.create(registration_id=entry.registration_id, unit=entry.unit,
                                      grade=rng.choice("UNPPMMD"), source="marked", series=series)
    for reg in Registration.objects.filter(series=series, claim__isnull=True):
        if rng.random() < 0.9:
            Claim.objects.create(registration=reg, claimed_at=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    StandardsVerification.objects.exclude(pk__in=StandardsVerification.objects.all()[:1]).update(
        status=VerificationStatus.RELEASED)
    # what the demo does not plant: an internal N (refused by the engine), a retake, external
    # points, a resit, and a registration before any threshold table
    regs = list(Registration.objects.filter(series=series).order_by("pk")[:40])
    for i, reg in enumerate(regs):
        results = list(UnitResult.objects.filter(registration=reg).select_related("unit")[:2])
        for result in results:
            if i % 4 == 0 and not result.unit.is_external:
                UnitResult.objects.filter(pk=result.pk).update(grade="N")
            elif i % 4 == 1 and not result.unit.is_external:
                UnitResult.objects.filter(pk=result.pk).update(grade="P", is_retake=True)
            elif i % 4 == 2 and result.unit.is_external:
                UnitResult.objects.filter(pk=result.pk).update(grade="M", points=17)
            elif i % 4 == 3:
                UnitResult.objects.create(registration=reg, unit=result.unit, attempt=2,
                                          grade="P", source=result.source)
    Registration.objects.filter(pk__in=[r.pk for r in regs[-4:]]).update(
        registered_on=dt.date(2018, 9, 1))
    return series


def test_set_based_decisions_are_the_reference_decisions_for_every_demo_registration(demo) -> None:
    reference = _reference(demo)
    bulk = series_decisions(series=demo, catalogue=default_catalogue())
    assert set(bulk) == set(reference)
    statuses = set()
    for pk, decision in bulk.items():
        expected = reference[pk]
        assert (decision.status, decision.grade, decision.points, decision.reason) == (
            expected.status, expected.grade, expected.points, expected.reason), pk
        # the compact explanation re-derives exactly the reference's full one
        assert explanation_full(decision.explanation) == expected.explanation, pk
        statuses.add(decision.status)
    assert set(ResultStatus) - {ResultStatus.DECLINED} <= statuses


def test_batches_sharing_one_memo_of_reason_texts_decide_as_the_reference(demo) -> None:
    """A run shares the engine's reason texts between its batches: small batches, one memo."""
    reference = _reference(demo)
    reasons: dict = {}
    decided: dict[int, object] = {}
    after = 0
    while True:
        batch = series_decisions(series=demo, catalogue=default_catalogue(), after=after,
                                 limit=37, reasons=reasons)
        if not batch:
            break
        decided.update(batch)
        after = max(batch)
    assert reasons, "the unclassified and withheld learners' reasons are in the memo"
    assert set(decided) == set(reference)
    for pk, decision in decided.items():
        expected = reference[pk]
        assert (decision.status, decision.grade, decision.points, decision.reason) == (  # type: ignore[attr-defined]
            expected.status, expected.grade, expected.points, expected.reason), pk  # type: ignore[attr-defined]


def test_a_unit_of_another_sector_is_an_invalid_combination_in_both(world) -> None:
    from resultsday.catalogue.services import catalogue_load, shipped_specs_dir

    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=world.ao, actor=None)
    qualification = Qualification.objects.get(qn="601/7155/8")
    reg = make_registration(make_learner(world.centre_a), qualification)
    for code, grade in [("business-1", "P"), ("business-2", "P"),
                        ("information-technology-3", "M")]:
        unit = Unit.objects.get(code=code)
        UnitResult.objects.create(registration=reg, unit=unit, grade=grade,
                                  source="marked" if unit.is_external else "centre")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    decision = series_decisions(series=reg.series, catalogue=default_catalogue())[reg.pk]
    assert decision.status == ResultStatus.WITHHELD
    assert decision.reason.startswith("Invalid unit combination: unit 3 is not part of")


def test_a_batch_prepared_from_a_checkpoint_another_worker_moved_is_not_written(world) -> None:
    from resultsday.awarding.bulk import batch_prepare
    from resultsday.awarding.models import AwardingRun, QualificationResult
    from resultsday.awarding.services import _write_batch_locked, awarding_run_start
    from resultsday.catalogue.services import catalogue_load, shipped_specs_dir

    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=world.ao, actor=None)
    reg = make_registration(make_learner(world.centre_a), Qualification.objects.get(qn="601/7155/8"))
    run = awarding_run_start(series=reg.series, actor=None, reason="test", enqueue=False)
    AwardingRun.objects.filter(pk=run.pk).update(status="running")
    batch = batch_prepare(run=run, after=0, limit=100, catalogue=default_catalogue())
    assert batch is not None and batch.writes is not None
    AwardingRun.objects.filter(pk=run.pk).update(last_registration_id=reg.pk)  # the other worker
    assert _write_batch_locked(run.pk, batch, None) is None
    assert not QualificationResult.objects.exists()
    AwardingRun.objects.filter(pk=run.pk).update(last_registration_id=0)
    assert _write_batch_locked(run.pk, batch, None) is not None
    assert QualificationResult.objects.filter(registration=reg).exists()
