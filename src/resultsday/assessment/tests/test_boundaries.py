from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent, User
from resultsday.accounts.services import api_token_create
from resultsday.assessment.choices import BoundaryStatus
from resultsday.assessment.models import GradeBoundary
from resultsday.assessment.services import (
    GradeBoundaryError,
    MarkRow,
    grade_boundary_approve,
    grade_boundary_save,
    marks_record_rows,
)
from resultsday.assessment.tests.helpers import (
    BOUNDARIES,
    approved_boundaries,
    enter,
    external_unit,
    internal_unit,
    marked,
)
from resultsday.grading import Boundaries, mark_to_result
from resultsday.testing import World, get_page


def _save(world: World, **changes: Any) -> GradeBoundary:
    return grade_boundary_save(
        actor=world.ao_officer, unit=changes.pop("unit", None) or external_unit(world),
        series=world.registration.series, **{**BOUNDARIES, **changes},
    )


def _url(world: World, suffix: str = "") -> str:
    return (f"/ao/{world.ao.code}/boundaries/{world.registration.series.code}/"
            f"{external_unit(world).pk}/{suffix}")


# ---- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"n_boundary": 0}, "n_boundary", "The Near Pass boundary must be more than 0"),
        ({"p_boundary": 12}, "p_boundary",
         "The Pass boundary must be more than the Near Pass boundary (12)"),
        ({"m_boundary": 19}, "m_boundary", "The Merit boundary must be more than the Pass "
         "boundary (20)"),
        ({"d_boundary": 30}, "d_boundary", "The Distinction boundary must be more than the "
         "Merit boundary (31)"),
        ({"max_mark": 45}, "d_boundary", "The Distinction boundary must not be more than the "
         "maximum mark (45)"),
    ],
)
def test_boundaries_that_break_the_engines_rule_are_refused_on_the_field_to_correct(
    world, changes, field, message
) -> None:
    values = {**BOUNDARIES, **changes}
    with pytest.raises(ValueError):  # the rule is grading.Boundaries'
        Boundaries(max=values["max_mark"], N=values["n_boundary"], P=values["p_boundary"],
                   M=values["m_boundary"], D=values["d_boundary"])
    with pytest.raises(GradeBoundaryError) as caught:
        _save(world, **changes)
    assert [(p.field, p.message) for p in caught.value.problems] == [(field, message)]
    assert not GradeBoundary.objects.exists()


def test_an_internal_unit_has_no_boundaries(world) -> None:
    with pytest.raises(GradeBoundaryError) as caught:
        _save(world, unit=internal_unit(world))
    assert "is internally assessed" in caught.value.message


# ---- drafts, approval and the lock -------------------------------------------------------------


def test_a_draft_is_changed_in_place_and_each_change_is_audited(world) -> None:
    draft = _save(world)
    again = _save(world, d_boundary=50, reason="Script review")
    assert (again.pk, again.version, again.status) == (draft.pk, 1, BoundaryStatus.DRAFT)
    first, changed = AuditEvent.objects.filter(
        action=AuditAction.GRADE_BOUNDARY_SAVED).order_by("pk")
    assert first.before is None and first.after["D"] == 46
    assert (changed.before["D"], changed.after["D"], changed.reason) == (46, 50, "Script review")
    assert changed.awarding_organisation == world.ao
    _save(world, d_boundary=50)
    assert AuditEvent.objects.filter(action=AuditAction.GRADE_BOUNDARY_SAVED).count() == 2


def test_approved_boundaries_are_locked_and_a_change_becomes_the_next_draft(world) -> None:
    approved = approved_boundaries(world)
    assert approved.status == BoundaryStatus.APPROVED
    assert (approved.approved_by, approved.approved_at is not None) == (world.ao_officer, True)
    draft = _save(world, d_boundary=50)
    approved.refresh_from_db()
    assert (approved.status, approved.d_boundary) == (BoundaryStatus.APPROVED, 46)
    assert (draft.pk != approved.pk, draft.version, draft.status) == (True, 2, BoundaryStatus.DRAFT)
    with pytest.raises(GradeBoundaryError) as caught:
        grade_boundary_approve(actor=world.ao_officer, boundary=approved)
    assert caught.value.message.startswith("Version 1 of these boundaries is approved, so it "
                                           "cannot be approved")
    grade_boundary_approve(actor=world.ao_officer, boundary=draft)
    statuses = dict(GradeBoundary.objects.values_list("version", "status"))
    assert statuses == {1: BoundaryStatus.SUPERSEDED, 2: BoundaryStatus.APPROVED}
    event = AuditEvent.objects.filter(action=AuditAction.GRADE_BOUNDARY_APPROVED).order_by("pk").last()
    assert event is not None and "replacing version 1" in event.summary
    assert event.before["replaces"]["version"] == 1


def _mark(world: World, raw_mark: int) -> None:
    outcome = marks_record_rows(
        actor=world.ao_officer, unit=external_unit(world), series=world.registration.series,
        rows=[MarkRow(centre_number=world.centre_a.number,
                      candidate_number=world.learner.candidate_number,
                      qualification_qn=world.qualification.qn, raw_mark=str(raw_mark))],
        labels=["row 2"],
    )
    assert outcome.applied, outcome.problems


def test_approving_new_boundaries_converts_the_stored_marks_again_and_audits_each(world) -> None:
    unit = external_unit(world)
    enter(world.registration, unit)
    approved_boundaries(world)
    _mark(world, 44)
    assert marked(world.registration, unit) == [(1, 44, "M", 22)]
    draft = _save(world, d_boundary=44)
    outcome = grade_boundary_approve(actor=world.ao_officer, boundary=draft, reason="Appeal")
    assert (outcome.marks, outcome.changed, outcome.replaced.version) == (1, 1, 1)  # type: ignore[union-attr]
    assert marked(world.registration, unit) == [(1, 44, "D", 24)]
    event = AuditEvent.objects.filter(action=AuditAction.UNIT_RESULT_CHANGED).order_by("pk").last()
    assert event is not None
    assert (event.before["grade"], event.after["grade"]) == ("M", "D")
    assert (event.before["boundary_version"], event.after["boundary_version"]) == (1, 2)
    # The AO's event: a centre's audit log never shows an external grade before its release.
    assert event.centre is None and event.awarding_organisation == world.ao
    assert event.reason.endswith(": Appeal")
    # Boundaries that leave the grade and points alone change nothing but the version used.
    same = _save(world, max_mark=71, d_boundary=44)
    again = grade_boundary_approve(actor=world.ao_officer, boundary=same)
    assert (again.marks, again.changed) == (1, 0)
    assert world.registration.unit_results.get(unit=unit).boundary == same


def test_a_maximum_below_an_imported_mark_is_refused(world) -> None:
    enter(world.registration, external_unit(world))
    approved_boundaries(world)
    _mark(world, 69)
    draft = _save(world, max_mark=60, d_boundary=46)
    with pytest.raises(GradeBoundaryError) as caught:
        grade_boundary_approve(actor=world.ao_officer, boundary=draft)
    assert caught.value.problems[0].field == "max_mark"
    assert caught.value.message.startswith("1 mark already imported for Unit 2 Unit T2 in "
                                           "Summer 2026 is more than the maximum mark (60)")
    draft.refresh_from_db()
    assert draft.status == BoundaryStatus.DRAFT


# ---- pages -------------------------------------------------------------------------------------


def test_the_boundaries_page_lists_external_units_with_entries_and_their_status(
    client, world
) -> None:
    client.force_login(world.ao_officer)
    page = get_page(client, f"/ao/{world.ao.code}/boundaries/").content.decode()
    assert "No learners are entered" in page
    enter(world.registration, external_unit(world))
    page = get_page(client, f"/ao/{world.ao.code}/boundaries/?series=2026-06").content.decode()
    assert "Unit 2 Unit T2" in page and "Not entered" in page and "Unit 1 Unit T1" not in page
    approved_boundaries(world)
    page = get_page(client, f"/ao/{world.ao.code}/boundaries/").content.decode()
    assert "Approved</strong> version 1" in page
    assert "Grade boundaries and marks" in get_page(client, f"/ao/{world.ao.code}/").content.decode()


def test_an_ao_officer_enters_and_approves_boundaries_on_the_page(client, world) -> None:
    client.force_login(world.ao_officer)
    get_page(client, _url(world))
    form = {"max_mark": "70", "n_boundary": "12", "p_boundary": "12", "m_boundary": "31",
            "d_boundary": "46"}
    bad = client.post(_url(world), form)
    page = bad.content.decode()
    assert "<title>Error: " in page
    assert "The Pass boundary must be more than the Near Pass boundary (12)" in page
    assert not GradeBoundary.objects.exists()
    response = client.post(_url(world), {**form, "p_boundary": "20"})
    assert response.status_code == 302
    page = get_page(client, _url(world)).content.decode()
    assert "Draft boundaries version 1 saved" in page and "Approve draft version 1" in page
    response = client.post(_url(world, "approve/"), {"approve-reason": "Awarding meeting"})
    assert response.status_code == 302
    page = get_page(client, _url(world)).content.decode()
    assert "Boundaries version 1 approved" in page
    assert GradeBoundary.objects.get().status == BoundaryStatus.APPROVED


def test_a_refused_boundary_marks_its_field_for_assistive_technology(client, world) -> None:
    client.force_login(world.ao_officer)
    form = {**BOUNDARIES, "p_boundary": "12"}  # refused by the service, after the form is valid
    page = client.post(_url(world), form).content.decode()
    assert 'href="#id_p_boundary"' in page  # the error summary links to the field
    field = re.search(r'<input[^>]*id="id_p_boundary"[^>]*>', page)
    assert field is not None
    assert "govuk-input--error" in field.group() and 'aria-invalid="true"' in field.group()
    assert 'aria-describedby="id_p_boundary_error"' in field.group()
    assert ('<p class="govuk-error-message" id="id_p_boundary_error"><span '
            'class="govuk-visually-hidden">Error:</span> The Pass boundary') in page
    fine = re.search(r'<input[^>]*id="id_m_boundary"[^>]*>', page)
    assert fine is not None and "govuk-input--error" not in fine.group()
    assert page.index("There is a problem") < page.index("<h1")


def test_the_versions_table_shows_each_note_and_the_time_in_words(client, world) -> None:
    with time_machine.travel(dt.datetime(2026, 8, 13, 8, 2, 15, tzinfo=dt.UTC), tick=False):
        draft = _save(world, reason="Paper harder than last year")
        grade_boundary_approve(actor=world.ao_officer, boundary=draft,
                               reason="Agreed at the awarding meeting")
    client.force_login(world.ao_officer)
    page = get_page(client, _url(world)).content.decode()
    versions = page[page.index('id="versions"'):]
    assert "Paper harder than last year" in versions
    assert "Agreed at the awarding meeting" in versions
    assert "Drafted by ao_officer, 13 August 2026 at 9:02am" in versions
    assert "13 August 2026 at 9:02am by ao_officer" in versions  # the Approved column
    assert "13 Aug 2026" not in page


def test_the_marks_and_boundary_pages_have_back_links(client, world) -> None:
    approved_boundaries(world)
    client.force_login(world.ao_officer)
    page = get_page(client, _url(world, "marks/")).content.decode()
    assert f'<a href="{_url(world)}" class="govuk-back-link">' in page
    page = get_page(client, _url(world)).content.decode()
    assert (f'<a href="/ao/{world.ao.code}/boundaries/?series={world.registration.series.code}" '
            'class="govuk-back-link">') in page


def test_centre_staff_cannot_open_the_boundary_pages(client, world) -> None:
    client.force_login(world.exams_officer_a)
    get_page(client, f"/ao/{world.ao.code}/boundaries/", status=403)
    get_page(client, _url(world), status=403)
    assert client.post(_url(world), BOUNDARIES).status_code == 403
    assert client.post(_url(world, "approve/")).status_code == 403


def test_an_officer_of_another_ao_finds_no_boundary_pages(client, world) -> None:
    client.force_login(world.other_ao_officer)
    get_page(client, f"/ao/{world.ao.code}/boundaries/", status=404)
    get_page(client, _url(world), status=404)
    assert client.post(_url(world), BOUNDARIES).status_code == 404
    assert not GradeBoundary.objects.exists()


# ---- API ---------------------------------------------------------------------------------------


def _auth(user: User) -> dict[str, str]:
    _, secret = api_token_create(actor=None, user=user, name="AO system")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _api(world: World) -> str:
    return (f"/api/v1/ao/{world.ao.code}/series/{world.registration.series.code}/units/"
            f"{external_unit(world).pk}/boundaries")


API_BODY = {"max": 70, "N": 12, "P": 20, "M": 31, "D": 46}


def test_the_api_puts_a_draft_gets_it_and_approves_it(client, world) -> None:
    auth = _auth(world.ao_officer)
    assert client.get(_api(world), **auth).json()["draft"] is None
    put = client.put(_api(world), API_BODY, content_type="application/json", **auth)
    assert put.status_code == 200, put.json()
    assert put.json()["draft"] | {"approved_at": None} == {
        "version": 1, "status": "draft", **API_BODY, "approved_at": None, "approved_by": None}
    bad = client.put(_api(world), {**API_BODY, "D": 80}, content_type="application/json", **auth)
    assert bad.status_code == 422
    assert bad.json() == {"error": "D: The Distinction boundary must not be more than the "
                          "maximum mark (70)"}
    stale = client.post(f"{_api(world)}/approve", {"version": 2},
                        content_type="application/json", **auth)
    assert stale.status_code == 409
    approve = client.post(f"{_api(world)}/approve", {"version": 1},
                          content_type="application/json", **auth)
    assert approve.status_code == 200, approve.json()
    assert approve.json()["boundaries"]["approved_by"] == "ao_officer"
    got = client.get(_api(world), **auth).json()
    assert (got["approved"]["version"], got["draft"]) == (1, None)
    listing = client.get(f"/api/v1/ao/{world.ao.code}/series/2026-06/boundaries", **auth)
    assert listing.json() == []  # nobody is entered for the unit yet


def test_the_api_refuses_centre_staff_and_hides_the_ao_from_other_aos(client, world) -> None:
    forbidden = client.put(_api(world), API_BODY, content_type="application/json",
                           **_auth(world.exams_officer_a))
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "You need the permission ao:boundaries:write."}
    hidden = client.get(_api(world), **_auth(world.other_ao_officer))
    assert (hidden.status_code, hidden.json()) == (404, {"error": "Not found."})


def test_the_openapi_schema_documents_boundaries_and_marks(client, world) -> None:
    client.force_login(world.ao_officer)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/ao/{code}/series/{series}/units/{unit_id}"
    assert set(paths[f"{base}/boundaries"]) == {"get", "put"}
    assert "post" in paths[f"{base}/boundaries/approve"]
    assert "post" in paths[f"{base}/marks"]


def test_marks_convert_exactly_as_the_grading_engine_converts_them(world) -> None:
    """The conversion the results carry is mark_to_result's, sliding scale included."""
    unit = external_unit(world)
    enter(world.registration, unit)
    boundary = approved_boundaries(world)
    for raw_mark in (0, 11, 12, 19, 20, 25, 30, 31, 44, 45, 46, 70):
        _mark(world, raw_mark)
        expected = mark_to_result(raw_mark, boundary.boundaries(), 90)
        assert marked(world.registration, unit) == [
            (1, raw_mark, expected.grade.value, expected.points)
        ]
    # The sliding scale itself, worked by hand: 44 is Merit, 15 + (24 - 15) x 13 / 15 = 22.8.
    _mark(world, 44)
    assert marked(world.registration, unit) == [(1, 44, "M", 22)]


def test_the_entries_count_leaves_out_withdrawn_registrations(world) -> None:
    from resultsday.assessment.selectors import series_boundaries
    from resultsday.learners.models import Registration

    enter(world.registration, external_unit(world))
    series = world.registration.series
    [row] = series_boundaries(awarding_organisation=world.ao, series=series)
    assert row.entries == 1
    Registration.objects.filter(pk=world.registration.pk).update(status="withdrawn")
    assert series_boundaries(awarding_organisation=world.ao, series=series) == []
