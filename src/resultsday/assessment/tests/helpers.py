"""Small builders for the unit grade tests."""

from __future__ import annotations

from django.utils import timezone

from resultsday.accounts.choices import Role
from resultsday.accounts.models import User
from resultsday.assessment.models import GradeBoundary, UnitResult
from resultsday.assessment.services import grade_boundary_approve, grade_boundary_save
from resultsday.awarding.models import Claim
from resultsday.catalogue.choices import Assessment
from resultsday.catalogue.models import Series, Unit
from resultsday.learners.models import Entry, Registration
from resultsday.testing import World, make_learner, make_qualification, make_registration, make_user


def internal_unit(world: World) -> Unit:
    return world.qualification.structure.get(unit__code="T1").unit


def external_unit(world: World) -> Unit:
    return world.qualification.structure.get(unit__code="T2").unit


def unit_outside(world: World) -> Unit:
    """An internal unit of the same suite that the world's qualification does not include."""
    return Unit.objects.create(
        suite=world.qualification.suite, code="T9", number="9", title="Unit T9", glh=60,
        assessment=Assessment.INTERNAL,
    )


def attempts(registration: Registration, unit: Unit) -> list[tuple[int, str, bool]]:
    return list(
        UnitResult.objects.filter(registration=registration, unit=unit)
        .order_by("attempt").values_list("attempt", "grade", "is_retake")
    )


def claim(registration: Registration) -> Claim:
    return Claim.objects.create(registration=registration, claimed_at=timezone.now())


def second_learner_on_bigger_qualification(world: World) -> Registration:
    """Another learner at centre A on a second qualification that also has units T1 and T2."""
    bigger = make_qualification(world.ao, qn="601/7158/5", size_glh=360)
    learner = make_learner(world.centre_a, first_name="Mary", last_name="Somerville")
    return make_registration(learner, bigger)


def senior_teacher_a(world: World) -> User:
    return make_user("senior_a", role=Role.SENIOR_TEACHER, centre=world.centre_a)


# ---- external assessments: entries, boundaries and marks ---------------------------------------

# Illustrative boundaries (docs/grading.md), not Pearson's: 90-GLH unit, points N 6 P 9 M 15 D 24.
BOUNDARIES = {"max_mark": 70, "n_boundary": 12, "p_boundary": 20, "m_boundary": 31,
              "d_boundary": 46}


def enter(registration: Registration, unit: Unit, series: Series | None = None) -> Entry:
    entry, _ = Entry.objects.get_or_create(
        registration=registration, unit=unit, series=series or registration.series
    )
    return entry


def approved_boundaries(
    world: World, series: Series | None = None, **changes: int
) -> GradeBoundary:
    """Boundaries for the world's external unit, entered and approved by the AO officer."""
    draft = grade_boundary_save(
        actor=world.ao_officer, unit=external_unit(world),
        series=series or world.registration.series, **{**BOUNDARIES, **changes},
    )
    return grade_boundary_approve(actor=world.ao_officer, boundary=draft).boundary


def marked(registration: Registration, unit: Unit) -> list[tuple[int, int | None, str, int | None]]:
    return list(
        UnitResult.objects.filter(registration=registration, unit=unit)
        .order_by("attempt").values_list("attempt", "raw_mark", "grade", "points")
    )
