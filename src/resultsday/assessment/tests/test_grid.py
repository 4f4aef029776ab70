from __future__ import annotations

from resultsday.accounts.models import AuditEvent
from resultsday.assessment.tests.helpers import (
    attempts,
    internal_unit,
    second_learner_on_bigger_qualification,
)
from resultsday.learners.choices import RegistrationStatus
from resultsday.testing import World, get_page, make_learner, make_registration


def _grid_url(world: World) -> str:
    return (f"/centres/{world.centre_a.number}/unit-grades/"
            f"?qualification={world.qualification.pk}&unit={internal_unit(world).pk}")


def test_the_grid_lists_every_active_registration_on_a_qualification_with_the_unit(
    client, world
) -> None:
    other = second_learner_on_bigger_qualification(world)
    gone = make_registration(make_learner(world.centre_a, first_name="Gone"), world.qualification,
                             status=RegistrationStatus.WITHDRAWN)
    client.force_login(world.exams_officer_a)
    choose = get_page(client, f"/centres/{world.centre_a.number}/unit-grades/").content.decode()
    assert world.qualification.qn in choose and 'id="grid"' not in choose
    page = get_page(client, _grid_url(world)).content.decode()
    assert f'name="grade_{world.registration.pk}"' in page
    assert f'name="grade_{other.pk}"' in page
    assert f'name="grade_{gone.pk}"' not in page
    assert f'name="grade_{world.registration_b.pk}"' not in page  # centre B's learner


def test_the_grid_saves_every_grade_at_once(client, world) -> None:
    other = second_learner_on_bigger_qualification(world)
    client.force_login(world.exams_officer_a)
    response = client.post(_grid_url(world), {
        f"grade_{world.registration.pk}": "D", f"grade_{other.pk}": "P",
    })
    assert response.status_code == 302 and response["Location"] == _grid_url(world)
    unit = internal_unit(world)
    assert attempts(world.registration, unit) == [(1, "D", False)]
    assert attempts(other, unit) == [(1, "P", False)]
    page = get_page(client, response["Location"]).content.decode()
    assert "2 grades saved for Unit 1 Unit T1 (0 unchanged)" in page


def test_one_bad_grade_in_the_grid_saves_none_and_names_the_learner(client, world) -> None:
    other = second_learner_on_bigger_qualification(world)
    client.force_login(world.exams_officer_a)
    before = AuditEvent.objects.count()
    response = client.post(_grid_url(world), {
        f"grade_{world.registration.pk}": "D",
        f"grade_{other.pk}": "M", f"retake_{other.pk}": "on",
    })
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert (f"Mary Somerville (candidate {other.learner.candidate_number}): A retake can achieve "
            "at most a Pass") in page
    assert f'href="#id_grade_{other.pk}"' in page
    assert f'aria-describedby="id_grade_{other.pk}_error"' in page
    assert f'<p class="govuk-error-message" id="id_grade_{other.pk}_error">' in page
    assert "govuk-select--error" in page
    unit = internal_unit(world)
    assert attempts(world.registration, unit) == [(1, "M", False)]
    assert attempts(other, unit) == []
    assert AuditEvent.objects.count() == before


def test_submitting_the_grid_as_shown_changes_nothing(client, world) -> None:
    client.force_login(world.exams_officer_a)
    before = AuditEvent.objects.count()
    response = client.post(_grid_url(world), {f"grade_{world.registration.pk}": "M"})
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before
    assert "0 grades saved for Unit 1 Unit T1 (1 unchanged)" in get_page(
        client, response["Location"]
    ).content.decode()


def test_a_teacher_cannot_open_the_grid(client, world) -> None:
    client.force_login(world.teacher_a)
    get_page(client, _grid_url(world), status=403)


def test_a_choice_that_is_not_offered_is_an_error_the_title_and_summary_announce(
    client, world
) -> None:
    client.force_login(world.exams_officer_a)
    page = get_page(
        client, f"/centres/{world.centre_a.number}/unit-grades/?qualification=999999"
    ).content.decode()
    assert "<title>Error: Report internal unit grades" in page
    assert page.index("There is a problem") < page.index("<h1")
    assert 'href="#id_qualification"' in page and 'id="id_qualification_error"' in page
    assert "govuk-select--error" in page
