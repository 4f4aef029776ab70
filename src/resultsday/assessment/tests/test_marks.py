from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent, User
from resultsday.accounts.services import api_token_create
from resultsday.assessment.choices import ResultSource
from resultsday.assessment.models import GradeBoundary, UnitResult
from resultsday.assessment.services import MARK_COLUMNS, grade_boundary_save, marks_upload
from resultsday.assessment.tests.helpers import (
    BOUNDARIES,
    approved_boundaries,
    enter,
    external_unit,
    marked,
    second_learner_on_bigger_qualification,
)
from resultsday.formats.tabular import read_table
from resultsday.learners.models import Registration
from resultsday.testing import World, get_page, make_series

HEADER = [c.name for c in MARK_COLUMNS]


@pytest.fixture
def exam(world: World) -> World:
    """The world with centre A's learner entered for the external unit, boundaries approved."""
    enter(world.registration, external_unit(world))
    approved_boundaries(world)
    return world


def _row(world: World, **changes: str) -> dict[str, str]:
    row = {"centre_number": world.centre_a.number,
           "candidate_number": world.learner.candidate_number, "uln": world.learner.uln,
           "qualification_qn": world.qualification.qn, "raw_mark": "44"}
    row.update(changes)
    return row


def _other(other: Registration, raw_mark: str = "25") -> dict[str, str]:
    return {"centre_number": other.centre.number,
            "candidate_number": other.learner.candidate_number, "uln": "",
            "qualification_qn": other.qualification.qn, "raw_mark": raw_mark}


def _csv(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _upload(world: World, data: bytes, series: Any = None):  # type: ignore[no-untyped-def]
    return marks_upload(
        actor=world.ao_officer, unit=external_unit(world),
        series=series or world.registration.series, data=data, filename="marks.csv",
    )


def _state() -> tuple[list[tuple[Any, ...]], int]:
    return list(UnitResult.objects.order_by("pk").values_list(
        "registration_id", "unit_id", "attempt", "raw_mark", "grade", "points"
    )), AuditEvent.objects.count()


def test_each_mark_becomes_a_marked_result_with_its_grade_points_and_series(exam) -> None:
    other = second_learner_on_bigger_qualification(exam)
    enter(other, external_unit(exam))
    outcome = _upload(exam, _csv([_row(exam), _other(other, "11")]))
    assert outcome.problems == [] and (outcome.recorded, outcome.changed) == (2, 0)
    result = UnitResult.objects.get(registration=exam.registration, unit=external_unit(exam))
    assert (result.source, result.series, result.raw_mark, result.grade, result.points) == (
        ResultSource.MARKED, exam.registration.series, 44, "M", 22)
    assert result.boundary == GradeBoundary.objects.get() and result.reported_by == exam.ao_officer
    assert marked(other, external_unit(exam)) == [(1, 11, "U", 0)]
    recorded = AuditEvent.objects.get(action=AuditAction.UNIT_RESULT_RECORDED,
                                      object_id=str(result.pk))
    assert recorded.after == {"attempt": 1, "raw_mark": 44, "grade": "M", "points": 22,
                              "boundary_version": 1}
    # The AO's event: a centre's audit log never shows an external grade before its release.
    assert recorded.centre is None and recorded.awarding_organisation == exam.ao
    client_page = _audit_page_of(exam.exams_officer_a)
    assert "marked 44" not in client_page
    summary = AuditEvent.objects.get(action=AuditAction.MARKS_IMPORTED)
    assert summary.after == {"recorded": 2, "changed": 0, "unchanged": 0, "boundary_version": 1}


def test_importing_the_same_file_again_changes_nothing(exam) -> None:
    data = _csv([_row(exam)])
    assert _upload(exam, data).recorded == 1
    before = _state()
    again = _upload(exam, data)
    assert again.problems == [] and (again.recorded, again.changed, again.unchanged) == (0, 0, 1)
    assert _state() == before


def test_a_changed_mark_corrects_the_same_attempt_and_is_audited(exam) -> None:
    _upload(exam, _csv([_row(exam)]))
    outcome = _upload(exam, _csv([_row(exam, raw_mark="50")]))
    assert (outcome.recorded, outcome.changed) == (0, 1)
    assert marked(exam.registration, external_unit(exam)) == [(1, 50, "D", 24)]
    event = AuditEvent.objects.filter(action=AuditAction.UNIT_RESULT_CHANGED).get()
    assert (event.before["raw_mark"], event.after["raw_mark"]) == (44, 50)
    assert (event.before["grade"], event.after["grade"]) == ("M", "D")


def test_a_resit_in_a_later_series_is_a_new_attempt(exam) -> None:
    _upload(exam, _csv([_row(exam, raw_mark="15")]))
    january = make_series(exam.ao, "2027-01")
    enter(exam.registration, external_unit(exam), january)
    approved_boundaries(exam, january, d_boundary=50)
    outcome = _upload(exam, _csv([_row(exam, raw_mark="50")]), january)
    assert outcome.problems == [] and outcome.recorded == 1
    assert marked(exam.registration, external_unit(exam)) == [(1, 15, "N", 7), (2, 50, "D", 24)]
    assert list(UnitResult.objects.filter(unit=external_unit(exam)).order_by("attempt")
                .values_list("series__code", flat=True)) == ["2026-06", "2027-01"]


def test_marks_wait_for_approved_boundaries(world) -> None:
    enter(world.registration, external_unit(world))
    grade_boundary_save(actor=world.ao_officer, unit=external_unit(world),
                        series=world.registration.series, **BOUNDARIES)
    before = _state()
    outcome = _upload(world, _csv([_row(world)]))
    assert [(p.row, p.message) for p in outcome.problems] == [(None, (
        "The grade boundaries for Unit 2 Unit T2 in Summer 2026 are not approved: approve the "
        "boundaries first, then import the marks"))]
    assert _state() == before


def _unentered(world: World) -> bytes:
    other = second_learner_on_bigger_qualification(world)
    return _csv([_other(other)])


OUT_OF_RANGE = (2, "raw_mark", "Row 2: The raw mark must be from 0 to 70, the maximum mark for "
                "Unit 2 Unit T2 in Summer 2026")
BAD_FILES = {
    "missing column": (
        lambda w: _csv([_row(w)], [h for h in HEADER if h != "raw_mark"]),
        (1, "raw_mark", "The 'raw_mark' column is missing"),
    ),
    "empty file": (lambda w: b"", (None, None, "The selected file is empty")),
    "formula cell": (
        lambda w: _csv([_row(w, raw_mark="=40+4")]), (2, "raw_mark", "raw_mark in row 2"),
    ),
    "centre not approved by the AO": (
        lambda w: _csv([_row(w, centre_number="99999")]),
        (2, "centre_number", "Row 2: there is no centre 99999 approved by Demo Awarding "
         "Organisation: check the centre number"),
    ),
    "unknown candidate": (
        lambda w: _csv([_row(w, candidate_number="9999", uln="")]),
        (2, "candidate_number", "Row 2: there is no candidate 9999 at centre 10001: check the "
         "candidate number"),
    ),
    "ULN of someone else": (
        lambda w: _csv([_row(w, uln=w.learner_b.uln)]),
        (2, "uln", lambda w: f"Row 2: candidate {w.learner.candidate_number} at centre 10001 is "
         "Ada Lovelace, whose ULN is different"),
    ),
    "no registration on the QN": (
        lambda w: _csv([_row(w, qualification_qn="601/7158/5")]),
        (2, "qualification_qn", lambda w: f"Row 2: Ada Lovelace (candidate "
         f"{w.learner.candidate_number} at centre 10001) has no registration on 601/7158/5"),
    ),
    "no entry for the unit in the series": (
        _unentered,
        (2, "qualification_qn", "Row 2: Mary Somerville"),
    ),
    "mark not a whole number": (
        lambda w: _csv([_row(w, raw_mark="44.5")]),
        (2, "raw_mark", "Row 2: Enter the raw mark as a whole number from 0 to 70"),
    ),
    "mark above the maximum": (
        lambda w: _csv([_row(w, raw_mark="71")]),
        OUT_OF_RANGE,
    ),
    "duplicate rows": (
        lambda w: _csv([_row(w), _row(w, raw_mark="50")]),
        (3, "candidate_number", "Row 3: this repeats row 2: remove one of them"),
    ),
    "mark with thousands of digits": (
        lambda w: _csv([_row(w, raw_mark="-" + "9" * 5000)]),
        OUT_OF_RANGE,
    ),
    "mark of ten digits": (
        lambda w: _csv([_row(w, raw_mark="0001234567890")]),
        OUT_OF_RANGE,
    ),
    "negative mark": (
        lambda w: _csv([_row(w, raw_mark="-1")]),
        OUT_OF_RANGE,
    ),
    "mark with a plus sign": (
        lambda w: _csv([_row(w, raw_mark="+44")]),
        (2, "raw_mark", "Row 2: Enter the raw mark as a whole number from 0 to 70, without a "
         "sign"),
    ),
    "formula that is not a number": (
        lambda w: _csv([_row(w, raw_mark="-A1")]),
        (2, "raw_mark", "raw_mark in row 2 (cell E2) starts with -, which a spreadsheet could "
         "run as a formula: enter a number, or remove the -"),
    ),
    "withdrawn registration with an entry": (
        lambda w: _withdrawn(w),  # defined below
        (2, "qualification_qn", lambda w: f"Row 2: Ada Lovelace (candidate "
         f"{w.learner.candidate_number} at centre 10001) has been withdrawn from 601/7157/7, so "
         "cannot have a mark for Unit 2 Unit T2 in Summer 2026: remove the row (if they did sit "
         "the assessment, check the withdrawal with the centre)"),
    ),
    "topped-up registration": (
        lambda w: _topped_up(w),
        (2, "qualification_qn", lambda w: f"Row 2: Ada Lovelace (candidate "
         f"{w.learner.candidate_number} at centre 10001) was topped up from 601/7157/7 to "
         "601/7158/5, which now holds their entries: enter 601/7158/5 as the QN"),
    ),
}


def _withdrawn(world: World) -> bytes:
    Registration.objects.filter(pk=world.registration.pk).update(status="withdrawn")
    return _csv([_row(world)])


def _topped_up(world: World) -> bytes:
    from resultsday.learners.services import registration_top_up
    from resultsday.testing import make_qualification

    bigger = make_qualification(world.ao, qn="601/7158/5", size_glh=720)
    registration_top_up(registration=world.registration, to_qualification=bigger,
                        actor=world.exams_officer_a)
    return _csv([_row(world)])


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_precise_message_and_nothing_applied(exam, case) -> None:
    build, (row, field, message) = BAD_FILES[case]
    data = build(exam)
    if callable(message):
        message = message(exam)
    before = _state()
    outcome = _upload(exam, data)
    assert any(
        p.row == row and p.field == field and p.message.startswith(message)
        for p in outcome.problems
    ), [(p.row, p.field, p.message) for p in outcome.problems]
    assert _state() == before


def test_no_entry_names_the_unit_and_series(exam) -> None:
    outcome = _upload(exam, _unentered(exam))
    assert outcome.problems[0].message.endswith(
        "has no entry for Unit 2 Unit T2 in Summer 2026: only entered learners can have a mark")


def test_every_bad_row_is_reported_and_a_good_row_is_not_saved(exam) -> None:
    outcome = _upload(exam, _csv([
        _row(exam), _row(exam, candidate_number="9999", uln=""), _row(exam, raw_mark="x"),
    ]))
    assert [(p.row, p.field) for p in outcome.problems] == [
        (3, "candidate_number"), (4, "raw_mark"), (4, "candidate_number"),  # and a repeat
    ]
    assert marked(exam.registration, external_unit(exam)) == []


# ---- pages and API -----------------------------------------------------------------------------


def _page(world: World) -> str:
    return (f"/ao/{world.ao.code}/boundaries/{world.registration.series.code}/"
            f"{external_unit(world).pk}/marks/")


def test_the_upload_page_lists_problems_then_shows_counts(client, exam) -> None:
    client.force_login(exam.ao_officer)
    get_page(client, _page(exam))
    bad = client.post(_page(exam), {"file": SimpleUploadedFile("m.csv", _csv([_row(exam, raw_mark="99")]))})
    page = bad.content.decode()
    assert "<title>Error: " in page and 'id="problems"' in page
    assert "No marks have been saved." in page
    good = client.post(_page(exam), {"file": SimpleUploadedFile("m.csv", _csv([_row(exam)]))})
    assert 'id="marks-recorded">1</dd>' in good.content.decode()
    again = client.post(_page(exam), {"file": SimpleUploadedFile("m.csv", _csv([_row(exam)]))})
    assert 'id="unchanged">1</dd>' in again.content.decode()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_marks_template_reads_back_as_its_example_row(client, world, kind) -> None:
    client.force_login(world.ao_officer)
    response = get_page(client, f"/ao/{world.ao.code}/boundaries/marks-template.{kind}")
    table = read_table(response.content, f"template.{kind}", MARK_COLUMNS)
    assert table.problems == () and len(table.rows) == 1


def test_centre_staff_cannot_import_marks_and_another_ao_cannot_see_the_page(client, exam) -> None:
    data = {"file": SimpleUploadedFile("m.csv", _csv([_row(exam)]))}
    client.force_login(exam.exams_officer_a)
    assert client.post(_page(exam), data).status_code == 403
    client.force_login(exam.other_ao_officer)
    get_page(client, _page(exam), status=404)
    get_page(client, f"/ao/{exam.ao.code}/boundaries/marks-template.csv", status=404)
    assert marked(exam.registration, external_unit(exam)) == []


def _auth(user: User) -> dict[str, str]:
    _, secret = api_token_create(actor=None, user=user, name="Marking system")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _api(world: World) -> str:
    return (f"/api/v1/ao/{world.ao.code}/series/2026-06/units/{external_unit(world).pk}/marks")


def _mark_body(world: World, **changes: Any) -> dict[str, Any]:
    return {"centre_number": world.centre_a.number,
            "candidate_number": world.learner.candidate_number,
            "qualification_qn": world.qualification.qn, "raw_mark": 44, **changes}


def test_the_api_imports_marks_all_or_none_and_again_changes_nothing(client, exam) -> None:
    auth = _auth(exam.ao_officer)
    body = {"marks": [_mark_body(exam)]}
    first = client.post(_api(exam), body, content_type="application/json", **auth)
    assert first.status_code == 200, first.json()
    assert first.json() == {"recorded": 1, "changed": 0, "unchanged": 0}
    again = client.post(_api(exam), body, content_type="application/json", **auth)
    assert again.json() == {"recorded": 0, "changed": 0, "unchanged": 1}
    bad = client.post(_api(exam), {"marks": [_mark_body(exam, raw_mark=45),
                                             _mark_body(exam, raw_mark=80)]},
                      content_type="application/json", **auth)
    assert bad.status_code == 422
    assert set(bad.json()) == {"error"}
    assert "marks[1].raw_mark: The raw mark must be from 0 to 70" in bad.json()["error"]
    assert marked(exam.registration, external_unit(exam)) == [(1, 44, "M", 22)]


def test_the_api_refuses_centre_staff_and_hides_marks_from_other_aos(client, exam) -> None:
    body = {"marks": [_mark_body(exam)]}
    staff = client.post(_api(exam), body, content_type="application/json",
                        **_auth(exam.exams_officer_a))
    assert staff.status_code == 403
    other = client.post(_api(exam), body, content_type="application/json",
                        **_auth(exam.other_ao_officer))
    assert other.status_code == 404
    assert marked(exam.registration, external_unit(exam)) == []


def _audit_page_of(user) -> str:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(user)
    return get_page(client, "/audit/").content.decode()
