"""Small builders for the unit grade tests."""

from __future__ import annotations

from django.utils import timezone

from resultsday.accounts.choices import Role
from resultsday.accounts.models import User
from resultsday.assessment.models import UnitResult
from resultsday.awarding.models import Claim
from resultsday.catalogue.choices import Assessment
from resultsday.catalogue.models import Unit
from resultsday.learners.models import Registration
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
