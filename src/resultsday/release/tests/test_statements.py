"""A learner's results page, statement of results and its PDF, through the one visibility policy."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import AuditEvent
from resultsday.awarding.choices import ResultStatus
from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate
from resultsday.learners.models import Learner, Registration
from resultsday.release.models import EmbargoedView
from resultsday.release.selectors import learner_results, learner_results_shown
from resultsday.release.services import discretionary_release_create
from resultsday.release.statements import (
    RESULT_IN_WORDS,
    statement_build,
    statement_pdf,
)
from resultsday.release.tests.helpers import AFTER, BEFORE, BETWEEN, GRADE, STAFF_SEE_EMBARGOED, WHEN, issue
from resultsday.testing import World, get_page, make_user


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def learner_statement_pdf(client, world: World):  # type: ignore[no-untyped-def]
    client.force_login(world.learner_user)
    return client.get("/my/statement.pdf")


# ---- the learner ---------------------------------------------------------------------------


@pytest.mark.parametrize("when,expected", [("before", False), ("between", False), ("after", True)])
def test_the_statement_shows_an_embargoed_result_only_from_the_learner_release(
    client, embargoed, when, expected
) -> None:
    with time_machine.travel(WHEN[when], tick=False):
        client.force_login(embargoed.learner_user)
        page = get_page(client, "/my/statement/").content.decode()
        assert (f"<strong class=\"rd-statement__grade\">{GRADE}</strong>" in page) is expected
        assert ("Unit T2" in page) is expected
        text = pdf_text(learner_statement_pdf(client, embargoed).content)
    assert (GRADE in text) is expected
    assert ("Unit T2" in text) is expected
    assert "Ada Lovelace" in text and embargoed.learner.uln in text


@pytest.mark.parametrize("when,expected", [("before", False), ("between", False), ("after", True)])
def test_the_results_page_shows_the_result_and_what_to_do_next_from_the_learner_release(
    client, embargoed, when, expected
) -> None:
    with time_machine.travel(WHEN[when], tick=False):
        client.force_login(embargoed.learner_user)
        page = get_page(client, "/my/").content.decode()
    assert (f"<strong>{GRADE}</strong> (96 points)" in page) is expected
    assert ("What to do next" in page) is expected
    assert ("/my/statement.pdf" in page) is expected
    assert "Unit T1" in page  # the centre's own internal grades are not embargoed
    if not expected:
        assert "Your result appears here on 13 August 2026 at 8am" in page


def test_a_result_the_centre_releases_early_is_on_the_statement_before_results_day(
    client, not_embargoed
) -> None:
    world = not_embargoed
    with time_machine.travel(BEFORE, tick=False):
        assert GRADE not in pdf_text(learner_statement_pdf(client, world).content)
        discretionary_release_create(
            actor=world.exams_officer_a, registration=world.registration, reason="Job offer"
        )
        text = pdf_text(learner_statement_pdf(client, world).content)
    assert GRADE in text and "Released to the learner 1 August 2026" in text


def test_the_pdf_holds_the_learner_centre_qualification_grade_points_and_units(
    client, embargoed, settings
) -> None:
    settings.DEMO = False
    with time_machine.travel(AFTER, tick=False):
        response = learner_statement_pdf(client, embargoed)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=\"statement-of-results-")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    qualification = embargoed.qualification
    for expected in [
        "Statement of results", "Ada Lovelace", embargoed.learner.uln, "10001 Centre 10001",
        qualification.qn, qualification.title, GRADE, "96 points", "Unit T1", "Unit T2",
        "Merit", "Distinction", "Date of issue", "14 August 2026",
        "Released to the learner 13 August 2026",
    ]:
        assert expected in text, expected
    assert "DEMO" not in text


def test_a_demo_statement_says_it_is_a_demo(client, embargoed, settings) -> None:
    settings.DEMO = True
    with time_machine.travel(AFTER, tick=False):
        text = pdf_text(learner_statement_pdf(client, embargoed).content)
    assert "DEMO" in text and "made up" in text


def test_downloading_the_statement_is_audited(client, embargoed) -> None:
    with time_machine.travel(AFTER, tick=False):
        learner_statement_pdf(client, embargoed)
    event = AuditEvent.objects.get(action=AuditAction.STATEMENT_DOWNLOADED)
    assert event.actor == embargoed.learner_user
    assert event.centre == embargoed.centre_a
    assert event.after["registrations"] == [embargoed.registration.pk]
    assert not EmbargoedView.objects.exists()


def test_a_name_outside_latin_1_still_prints(world) -> None:
    Learner.objects.filter(pk=world.learner.pk).update(first_name="Łukasz", last_name="Żółć")
    issue(world.registration)
    results = learner_results(learner_id=world.learner.pk)
    shown = learner_results_shown(results, now=AFTER)
    content = statement_pdf(statement=statement_build(results=results, shown=shown, now=AFTER),
                            demo=False)
    assert "Łukasz Żółć" in pdf_text(content)  # as written, in the shipped font


# ---- centre staff --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name,expected", [row for row in STAFF_SEE_EMBARGOED if row[0] != "senior_teacher_a"]
)
@pytest.mark.parametrize("when", ["before", "between", "after"])
def test_centre_staff_download_a_statement_under_their_own_release_rules(
    client, embargoed, name, expected, when
) -> None:
    client.force_login(getattr(embargoed, name))
    with time_machine.travel(WHEN[when], tick=False):
        page = get_page(client, f"/learners/{embargoed.learner.pk}/statement/").content.decode()
        response = client.get(f"/learners/{embargoed.learner.pk}/statement.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert (GRADE in text) is expected[when]
    early = expected[when] and when != "after"
    assert ("EMBARGOED" in text) is early
    assert ("Embargoed: this statement shows results" in page) is early


def test_an_early_look_at_a_statement_is_recorded_for_the_ao(client, embargoed) -> None:
    client.force_login(embargoed.exams_officer_a)
    with time_machine.travel(BETWEEN, tick=False):
        get_page(client, f"/learners/{embargoed.learner.pk}/statement/")
        client.get(f"/learners/{embargoed.learner.pk}/statement.pdf")
    views = list(EmbargoedView.objects.order_by("pk"))
    assert [(v.user, v.registration) for v in views] == [
        (embargoed.exams_officer_a, embargoed.registration)
    ] * 2
    assert views[0].page == f"/learners/{embargoed.learner.pk}/statement/"
    assert views[1].page.startswith("statement-of-results-")
    event = AuditEvent.objects.get(action=AuditAction.STATEMENT_DOWNLOADED)
    assert event.actor == embargoed.exams_officer_a and event.after["embargoed"] == 1


def test_the_learner_page_links_to_the_statement_for_centre_staff(client, embargoed) -> None:
    client.force_login(embargoed.exams_officer_a)
    page = get_page(client, f"/learners/{embargoed.learner.pk}/").content.decode()
    assert f"/learners/{embargoed.learner.pk}/statement/" in page


def test_who_may_not_open_a_learners_statement(client, embargoed) -> None:
    url = f"/learners/{embargoed.learner.pk}/statement.pdf"
    client.force_login(embargoed.exams_officer_b)
    assert client.get(url).status_code == 404
    client.force_login(embargoed.other_ao_officer)
    assert client.get(url).status_code == 404
    client.force_login(embargoed.regulator)
    assert client.get(url).status_code == 403
    client.force_login(embargoed.learner_user)
    assert client.get(url).status_code == 403
    client.force_login(make_user("staff_only", role=Role.EXAMS_OFFICER, centre=embargoed.centre_b))
    get_page(client, "/my/statement/", status=403)
    assert not AuditEvent.objects.filter(action=AuditAction.STATEMENT_DOWNLOADED).exists()


# ---- what the page says --------------------------------------------------------------------


def learner_page(client, world: World) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(AFTER, tick=False):
        client.force_login(world.learner_user)
        return get_page(client, "/my/").content.decode()  # type: ignore[no-any-return]


def test_what_to_do_next_gives_the_series_own_deadlines(client, not_embargoed) -> None:
    world = not_embargoed
    series = world.registration.series
    KeyDate.objects.create(series=series, kind=KeyDateKind.POST_RESULTS_DEADLINE,
                           at=timezone.make_aware(dt.datetime(2026, 9, 24, 23, 0)))
    KeyDate.objects.create(series=series, kind=KeyDateKind.DECLINE_GRADE_DEADLINE,
                           at=timezone.make_aware(dt.datetime(2026, 9, 30, 23, 0)))
    page = learner_page(client, world)
    assert "must ask by 24 September 2026 at 11pm" in page
    assert "decline your overall grade" in page and "30 September 2026 at 11pm" in page
    assert "Contact your school or college" in page and "centre number 10001" in page


def test_without_key_dates_no_deadline_is_invented(client, not_embargoed) -> None:
    page = learner_page(client, not_embargoed)
    assert "Ask your school or college for the deadline" in page
    assert "must ask by" not in page and "decline your overall grade" not in page


def test_a_ucas_applicant_is_told_results_go_to_ucas(client, not_embargoed) -> None:
    assert "UCAS" not in learner_page(client, not_embargoed)
    Registration.objects.filter(pk=not_embargoed.registration.pk).update(ucas_applicant=True)
    page = learner_page(client, not_embargoed)
    assert "sends your results to UCAS" in page
    assert "has not been issued yet" not in page


@pytest.mark.parametrize("status", [ResultStatus.PENDING, ResultStatus.WITHHELD])
def test_a_result_not_issued_is_explained_in_plain_words(client, world, status) -> None:
    issue(world.registration, status=status, grade="", points=None)
    Registration.objects.filter(pk=world.registration.pk).update(ucas_applicant=True)
    page = learner_page(client, world)
    assert RESULT_IN_WORDS[status].replace("'", "&#x27;") in page
    assert "cannot confirm your place" in page


# ---- unit order ----------------------------------------------------------------------------


def _units_numbered(world: World, numbers: list[str]) -> None:
    """Internal units with these printed numbers on the world's registration, graded Pass."""
    from resultsday.assessment.choices import ResultSource
    from resultsday.assessment.models import UnitResult
    from resultsday.catalogue.choices import Assessment
    from resultsday.catalogue.models import Unit

    for number in numbers:
        unit = Unit.objects.create(suite=world.qualification.suite, code=f"X{number}",
                                   number=number, title=f"Topic {number}", glh=60,
                                   assessment=Assessment.INTERNAL)
        UnitResult.objects.create(registration=world.registration, unit=unit, grade="P",
                                  source=ResultSource.CENTRE)


def _order(text: str, labels: list[str]) -> list[str]:
    return sorted(labels, key=text.index)


def test_units_are_listed_by_number_not_as_text_on_every_results_page(client, world) -> None:
    _units_numbered(world, ["11", "2A", "20", "3", "12"])  # with Unit 1 (T1) from the world
    expected = ["Unit 1 ", "Unit 2A ", "Unit 3 ", "Unit 11 ", "Unit 12 ", "Unit 20 "]
    (stored,) = learner_results(learner_id=world.learner.pk).registrations
    assert [u.unit_number for u in stored.units] == ["1", "2A", "3", "11", "12", "20"]
    with time_machine.travel(AFTER, tick=False):
        client.force_login(world.learner_user)
        my = get_page(client, "/my/").content.decode()
        assert _order(my, expected) == expected
        statement = get_page(client, "/my/statement/").content.decode()
        numbers = ['">1</td>', '">2A</td>', '">3</td>', '">11</td>', '">12</td>', '">20</td>']
        assert _order(statement, numbers) == numbers
        text = pdf_text(learner_statement_pdf(client, world).content)
        topics = ["Topic 2A", "Topic 3", "Topic 11", "Topic 12", "Topic 20"]
        assert _order(text, topics) == topics
        client.force_login(world.exams_officer_a)
        page = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
        table = page[page.index("Unit results reported"):]
        assert _order(table, expected) == expected
