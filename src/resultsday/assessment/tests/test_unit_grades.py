from __future__ import annotations

import pytest

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.assessment.services import UnitGradeError, unit_grade_record
from resultsday.assessment.tests.helpers import (
    attempts,
    claim,
    external_unit,
    internal_unit,
    senior_teacher_a,
    unit_outside,
)
from resultsday.learners.choices import RegistrationStatus
from resultsday.testing import get_page


def _record(world, grade, *, registration=None, unit=None, **kwargs):  # type: ignore[no-untyped-def]
    return unit_grade_record(
        actor=world.exams_officer_a, registration=registration or world.registration,
        unit=unit or internal_unit(world), grade=grade, **kwargs,
    )


def _refusal(world, grade, **kwargs) -> UnitGradeError:  # type: ignore[no-untyped-def]
    with pytest.raises(UnitGradeError) as caught:
        _record(world, grade, **kwargs)
    return caught.value


# ---- the service -----------------------------------------------------------------------------


def test_a_first_grade_is_recorded_as_attempt_one_and_audited(world) -> None:
    unit = internal_unit(world)
    outcome = unit_grade_record(
        actor=world.exams_officer_b, registration=world.registration_b, unit=unit, grade="D"
    )
    assert outcome.changed and outcome.created
    assert attempts(world.registration_b, unit) == [(1, "D", False)]
    event = AuditEvent.objects.get(action=AuditAction.UNIT_RESULT_RECORDED)
    assert event.centre == world.centre_b and event.before is None
    assert event.after == {"attempt": 1, "grade": "D", "is_retake": False,
                           "changed_after_claim": False}


def test_correcting_a_grade_changes_the_current_attempt_with_before_and_after(world) -> None:
    outcome = _record(world, "P", reason="Marked against the wrong criteria")
    assert outcome.changed and not outcome.created
    assert attempts(world.registration, internal_unit(world)) == [(1, "P", False)]
    event = AuditEvent.objects.get(action=AuditAction.UNIT_RESULT_CHANGED)
    assert event.before["grade"] == "M" and event.after["grade"] == "P"
    assert event.reason == "Marked against the wrong criteria"
    assert "changed from M to P" in event.summary and "after claim" not in event.summary


def test_reporting_the_grade_a_unit_already_has_changes_nothing(world) -> None:
    before = AuditEvent.objects.count()
    outcome = _record(world, "M")
    assert not outcome.changed
    assert AuditEvent.objects.count() == before


def test_a_retake_adds_a_new_attempt_at_most_a_pass(world) -> None:
    outcome = _record(world, "P", is_retake=True)
    assert outcome.created and outcome.unit_result.attempt == 2
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False), (2, "P", True)]
    again = _record(world, "P", is_retake=True)
    assert not again.changed  # reporting it twice does not add a third attempt


@pytest.mark.parametrize("grade", ["M", "D"])
def test_a_merit_or_distinction_on_a_retake_is_refused_never_lowered(world, grade) -> None:
    error = _refusal(world, grade, is_retake=True)
    assert error.problems[0].field == "grade"
    assert error.message.startswith(
        f"A retake can achieve at most a Pass: Unit 1 Unit T1 cannot be {grade} on a retake"
    )
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False)]


def test_a_unit_not_in_the_qualification_is_refused_naming_both(world) -> None:
    error = _refusal(world, "P", unit=unit_outside(world))
    assert error.message == (
        f"Unit 9 Unit T9 is not in {world.qualification.title} ({world.qualification.qn}): "
        "report grades only for units in the learner's qualification"
    )


def test_an_external_unit_cannot_be_given_a_centre_grade(world) -> None:
    error = _refusal(world, "P", unit=external_unit(world))
    assert error.message.startswith("Unit 2 Unit T2 is externally assessed")


@pytest.mark.parametrize(
    ("grade", "message"),
    [("N", "Near Pass (N) is only for externally assessed units: enter U, P, M or D"),
     ("X", "Enter a grade: U, P, M or D"), ("", "Enter a grade: U, P, M or D")],
)
def test_a_grade_that_is_not_an_internal_grade_is_refused(world, grade, message) -> None:
    assert _refusal(world, grade).message == message


def test_a_retake_of_a_unit_with_no_grade_yet_is_refused(world) -> None:
    error = _refusal(world, "P", registration=world.registration_b, is_retake=True)
    assert error.problems[0].field == "is_retake"
    assert "has no earlier grade to retake" in error.message


def test_a_withdrawn_registration_takes_no_grades(world) -> None:
    world.registration.status = RegistrationStatus.WITHDRAWN
    world.registration.save()
    assert "grades can be reported only for an active registration" in _refusal(world, "P").message


def test_a_change_after_the_full_award_claim_is_allowed_and_flagged(world) -> None:
    claim(world.registration)
    outcome = _record(world, "D")
    assert outcome.changed and outcome.changed_after_claim
    event = AuditEvent.objects.get(action=AuditAction.UNIT_RESULT_CHANGED)
    assert event.summary.endswith("; changed after claim")
    assert event.before["grade"] == "M" and event.after["changed_after_claim"] is True


# ---- the per-learner pages -------------------------------------------------------------------


def test_the_learner_grades_page_lists_internal_units_and_saves_a_change(client, world) -> None:
    client.force_login(world.exams_officer_a)
    unit = internal_unit(world)
    page = get_page(client, f"/registrations/{world.registration.pk}/unit-grades/")
    text = page.content.decode()
    assert "Unit 1 Unit T1" in text and "Unit 2 Unit T2" not in text
    assert f'id="grade-{unit.pk}">Merit' in text
    url = f"/registrations/{world.registration.pk}/unit-grades/{unit.pk}/"
    get_page(client, url)
    response = client.post(url, {"grade": "D", "reason": "Second marking"})
    assert response.status_code == 302
    assert response["Location"] == f"/registrations/{world.registration.pk}/unit-grades/"
    assert attempts(world.registration, unit) == [(1, "D", False)]
    follow = get_page(client, response["Location"]).content.decode()
    assert "Ada Lovelace&#x27;s grade for Unit 1 Unit T1 is D" in follow


def test_the_edit_page_refuses_a_merit_on_a_retake_with_the_reason(client, world) -> None:
    client.force_login(world.exams_officer_a)
    unit = internal_unit(world)
    url = f"/registrations/{world.registration.pk}/unit-grades/{unit.pk}/"
    response = client.post(url, {"grade": "M", "is_retake": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    # The summary links to the first radio; the message is the one the fieldset names.
    assert "A retake can achieve at most a Pass" in page and 'href="#id_grade_0"' in page
    assert 'aria-describedby="id_grade_error"' in page and 'id="id_grade_error"' in page
    assert attempts(world.registration, unit) == [(1, "M", False)]


def test_an_external_unit_has_no_grade_page(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/registrations/{world.registration.pk}/unit-grades/{external_unit(world).pk}/"
    get_page(client, url, status=404)


def test_a_teacher_reads_grades_but_cannot_change_them(client, world) -> None:
    client.force_login(world.teacher_a)
    unit = internal_unit(world)
    page = get_page(client, f"/registrations/{world.registration.pk}/unit-grades/")
    assert "Change" not in page.content.decode()
    url = f"/registrations/{world.registration.pk}/unit-grades/{unit.pk}/"
    get_page(client, url, status=403)
    assert client.post(url, {"grade": "D"}).status_code == 403
    assert attempts(world.registration, unit) == [(1, "M", False)]


def test_a_senior_teacher_reports_grades(client, world) -> None:
    client.force_login(senior_teacher_a(world))
    unit = internal_unit(world)
    url = f"/registrations/{world.registration.pk}/unit-grades/{unit.pk}/"
    assert client.post(url, {"grade": "P"}).status_code == 302
    assert attempts(world.registration, unit) == [(1, "P", False)]


def test_centre_b_cannot_change_centre_a_grades(client, world) -> None:
    client.force_login(world.exams_officer_b)
    unit = internal_unit(world)
    url = f"/registrations/{world.registration.pk}/unit-grades/{unit.pk}/"
    assert client.post(url, {"grade": "D"}).status_code == 404
    assert attempts(world.registration, unit) == [(1, "M", False)]
