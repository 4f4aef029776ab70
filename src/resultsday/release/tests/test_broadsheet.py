"""The centre's results broadsheet, its exports and its results (R) file, with the policy."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import AuditEvent, User
from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.models import QualificationResult, QualificationResultVersion
from resultsday.formats.edi import read_results
from resultsday.learners.models import Entry, Registration
from resultsday.learners.tests.helpers import entry_for
from resultsday.release.models import EmbargoedView
from resultsday.release.tests.helpers import AFTER, BEFORE, BETWEEN, STAFF_SEE_EMBARGOED, WHEN, issue
from resultsday.testing import (
    World,
    get_page,
    make_learner,
    make_qualification,
    make_registration,
    make_user,
)

URL = "/centres/10001/results/"


def user_named(world: World, name: str) -> User:
    if name == "senior_teacher_a":
        return make_user("senior_a", role=Role.SENIOR_TEACHER, centre=world.centre_a)
    return getattr(world, name)  # type: ignore[no-any-return]


def page_for(client, user: User, when: dt.datetime, url: str = URL) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        return get_page(client, url).content.decode()  # type: ignore[no-any-return]


def download(client, user: User, when: dt.datetime, url: str) -> bytes:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content  # type: ignore[no-any-return]


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("name,expected", STAFF_SEE_EMBARGOED)
@pytest.mark.parametrize("when", ["before", "between", "after"])
def test_it_shows_embargoed_results_on_the_broadsheet_by_role_and_time(
    client, embargoed, name, expected, when
) -> None:
    page = page_for(client, user_named(embargoed, name), WHEN[when])
    assert ("<strong>DD</strong>" in page) is expected[when]
    assert (">Not released yet</strong>" in page) is not expected[when]
    assert "Lovelace, Ada" in page and embargoed.learner.uln in page


@pytest.mark.parametrize("name", ["exams_officer_a", "head_of_centre_a", "senior_teacher_a",
                                  "teacher_a"])
def test_it_shows_results_outside_the_embargo_to_centre_staff_at_any_time(
    client, world, name
) -> None:
    issue(world.registration)
    assert "<strong>DD</strong>" in page_for(client, user_named(world, name), BEFORE)
    assert not EmbargoedView.objects.exists()


def test_a_hidden_result_shows_when_it_reaches_the_viewer(client, embargoed) -> None:
    page = page_for(client, embargoed.teacher_a, BETWEEN)
    assert "From 13 August 2026 at 8am" in page  # the learners' release, London time
    page = page_for(client, embargoed.exams_officer_a, BEFORE)
    assert "From 6 August 2026 at 8am" in page


def test_no_filter_or_sort_tells_a_hidden_grade_apart(client, embargoed) -> None:
    teacher = embargoed.teacher_a
    assert "No results match." in page_for(client, teacher, BETWEEN, f"{URL}?grade=DD")
    assert "No results match." in page_for(client, teacher, BETWEEN, f"{URL}?status=issued")
    page = page_for(client, teacher, BETWEEN, f"{URL}?status=not_released&sort=grade")
    assert "Lovelace, Ada" in page and "<strong>DD</strong>" not in page
    assert '<option value="DD"' not in page


def test_the_learner_and_the_regulator_cannot_open_the_broadsheet(client, embargoed) -> None:
    for user in (embargoed.learner_user, embargoed.regulator):
        with time_machine.travel(AFTER, tick=False):
            client.force_login(user)
            get_page(client, URL, status=403)


def test_another_centre_and_another_ao_get_404(client, embargoed) -> None:
    for user in (embargoed.exams_officer_b, embargoed.other_ao_officer):
        client.force_login(user)
        get_page(client, URL, status=404)
        get_page(client, f"{URL}export.csv", status=404)
        get_page(client, f"{URL}results-file/", status=404)


def test_it_records_each_early_view_on_the_page(client, embargoed) -> None:
    page_for(client, embargoed.exams_officer_a, BETWEEN)
    view = EmbargoedView.objects.get()
    assert (view.user, view.registration, view.viewer_kind) == (
        embargoed.exams_officer_a, embargoed.registration, "exams_officer"
    )
    assert view.page == URL
    page_for(client, embargoed.exams_officer_a, AFTER)
    page_for(client, embargoed.teacher_a, BETWEEN)  # hidden: nothing seen, nothing recorded
    assert EmbargoedView.objects.count() == 1


@pytest.fixture
def class_of_three(embargoed: World) -> World:
    """Three learners at centre A: Ada (DD, embargoed), Charles (MM), Mary (pending)."""
    charles = make_registration(make_learner(embargoed.centre_a, first_name="Charles",
                                             last_name="Babbage"), embargoed.qualification,
                                ucas_applicant=True)
    issue(charles, "MM", 72)
    mary = make_registration(make_learner(embargoed.centre_a, first_name="Mary",
                                          last_name="Somerville"), embargoed.qualification)
    issue(mary, "", None, status=ResultStatus.PENDING, reason="Awaiting the external result "
          "for unit 2.")
    return embargoed


def names(page: str) -> list[str]:
    found = [(page.index(n), n) for n in ("Lovelace", "Babbage", "Somerville") if n in page]
    return [n for _, n in sorted(found)]


def test_it_filters_by_status_grade_qualification_and_search(client, class_of_three) -> None:
    eo = class_of_three.exams_officer_a
    assert names(page_for(client, eo, AFTER, f"{URL}?status=pending")) == ["Somerville"]
    assert names(page_for(client, eo, AFTER, f"{URL}?grade=MM")) == ["Babbage"]
    assert names(page_for(client, eo, AFTER, f"{URL}?q=lovelace")) == ["Lovelace"]
    uln = class_of_three.learner.uln
    assert names(page_for(client, eo, AFTER, f"{URL}?q={uln}")) == ["Lovelace"]
    other = make_qualification(class_of_three.ao, qn="601/7158/5", size_glh=360)
    make_registration(make_learner(class_of_three.centre_a, last_name="Hopper"), other)
    page = page_for(client, eo, AFTER, f"{URL}?qualification={other.qn}")
    assert names(page) == [] and "Hopper" in page
    page = page_for(client, eo, AFTER, f"{URL}?qualification=999/9999/9")
    assert "No results match." in page


def test_it_sorts_by_name_points_and_status(client, class_of_three) -> None:
    eo = class_of_three.exams_officer_a
    assert names(page_for(client, eo, AFTER)) == ["Babbage", "Lovelace", "Somerville"]
    by_points = page_for(client, eo, AFTER, f"{URL}?sort=grade")
    assert names(by_points) == ["Lovelace", "Babbage", "Somerville"]
    by_status = page_for(client, eo, AFTER, f"{URL}?sort=status")
    assert names(by_status) == ["Babbage", "Lovelace", "Somerville"]


def test_it_shows_the_status_reason_ucas_flag_and_a_change_since_the_last_version(
    client, class_of_three
) -> None:
    result = class_of_three.registration.result
    QualificationResultVersion.objects.create(result=result, version=1, status="issued",
                                              grade="DM", points=88, reason="Awarded.")
    QualificationResultVersion.objects.create(result=result, version=2, status="issued",
                                              grade="DD", points=96, previous_grade="DM",
                                              reason="Awarded.")
    QualificationResult.objects.filter(pk=result.pk).update(version=2)
    page = page_for(client, class_of_three.exams_officer_a, AFTER)
    assert "Awaiting the external result for unit 2." in page
    assert "Was DM" in page and page.count(">Changed</strong>") == 1
    assert page.count(">UCAS</strong>") == 1


def test_the_csv_export_has_the_filtered_rows_and_is_audited(client, class_of_three) -> None:
    eo = class_of_three.exams_officer_a
    data = download(client, eo, BETWEEN, f"{URL}export.csv?sort=name")
    rows = csv_rows(data)
    assert [(r["Surname"], r["Status"], r["Grade"], r["Points"], r["UCAS applicant"])
            for r in rows] == [
        ("Babbage", "Issued", "MM", "72", "Yes"),
        ("Lovelace", "Issued", "DD", "96", "No"),
        ("Somerville", "Pending", "", "", "No"),
    ]
    assert rows[1]["ULN"] == class_of_three.learner.uln
    assert rows[1]["QN"] == "601/7157/7" and rows[1]["Series"] == "Summer 2026"
    event = AuditEvent.objects.get(action=AuditAction.RESULTS_EXPORTED)
    assert event.actor == eo and event.centre == class_of_three.centre_a
    assert event.after == {"series": "2026-06", "results": 3, "embargoed": 1}
    assert event.summary == "Downloaded results CSV for Summer 2026 of centre 10001: 3 results, " \
        "1 of them embargoed"
    view = EmbargoedView.objects.get()  # only Ada's result is embargoed
    assert view.registration == class_of_three.registration
    assert view.page == "results CSV for Summer 2026"
    assert len(csv_rows(download(client, eo, BETWEEN, f"{URL}export.csv?status=pending"))) == 1


def test_the_xlsx_export_keeps_identifiers_as_text(client, class_of_three) -> None:
    data = download(client, class_of_three.exams_officer_a, AFTER, f"{URL}export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:6] == ["Centre number", "Series", "Candidate number", "Surname",
                             "Forenames", "ULN"]
    ada = next(row for row in values if row[3] == "Lovelace")
    assert ada[0] == "10001" and ada[5] == class_of_three.learner.uln and ada[10] == "DD"
    assert sheet.cell(row=2, column=3).number_format == "@"
    assert not EmbargoedView.objects.exists()  # after the learners' release: not early


def test_exports_hide_what_the_page_hides(client, embargoed) -> None:
    rows = csv_rows(download(client, embargoed.teacher_a, BETWEEN, f"{URL}export.csv"))
    assert [(r["Status"], r["Grade"], r["Reason"]) for r in rows] == [
        ("Not released yet", "", "")
    ]
    assert not EmbargoedView.objects.exists()


def test_exports_neutralise_text_a_spreadsheet_would_run(client, world) -> None:
    learner = world.learner
    learner.last_name = '=HYPERLINK("http://evil.example","Click")'
    learner.first_name = "+SUM(1,2)"
    learner.save()
    issue(world.registration)
    rows = csv_rows(download(client, world.exams_officer_a, AFTER, f"{URL}export.csv"))
    assert rows[0]["Surname"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[0]["Forenames"] == "'+SUM(1,2)"
    data = download(client, world.exams_officer_a, AFTER, f"{URL}export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.cell(row=2, column=4).value == '\'=HYPERLINK("http://evil.example","Click")'
    assert sheet.cell(row=2, column=4).data_type == "s"


def test_an_unknown_export_format_is_not_found(client, world) -> None:
    client.force_login(world.exams_officer_a)
    get_page(client, f"{URL}export.pdf", status=404)


# ---- results (R) file ---------------------------------------------------------------------


def records(data: bytes) -> list[str]:
    return data.decode("ascii").split("\r\n")[:-1]


def test_the_results_file_carries_one_letter_grades_and_indicators(client, world) -> None:
    issue(world.registration, "D*", 48)
    pending = make_registration(make_learner(world.centre_a, first_name="Mary",
                                             last_name="Somerville"), world.qualification)
    issue(pending, "", None, status=ResultStatus.WITHHELD, reason="No claim.")
    with time_machine.travel(AFTER, tick=False):
        client.force_login(world.exams_officer_a)
        response = client.get(f"{URL}results-file/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="R0626_RD.X01"'
    read = read_results(response.content, filename="R0626_RD.X01")
    assert read.ok, read.problems
    assert [(r.candidate_number, r.uln, r.result_code, r.grade) for r in read.records] == [
        (world.learner.candidate_number, world.learner.uln, "171577", "D*"),
        (pending.learner.candidate_number, pending.learner.uln, "171577", "Q"),
    ]
    assert {len(line) for line in records(response.content)} == {192}
    assert AuditEvent.objects.filter(action=AuditAction.RESULTS_EXPORTED).count() == 1


def test_the_results_file_refuses_a_grade_with_no_published_code_and_names_it(
    client, embargoed
) -> None:
    page = page_for(client, embargoed.exams_officer_a, AFTER, f"{URL}results-file/")
    assert "The results (R) file cannot be made" in page
    # In the user's words: the qualification, its grades without a code and what to do instead.
    assert "Test qualification 601/7157/7 (601/7157/7): DD – 1 learner" in page
    assert "UNKNOWN" not in page and "§" not in page and "national-diploma-nqf" not in page
    assert f'href="{URL}export.xlsx?"' in page and f'href="{URL}export.csv?"' in page
    assert not AuditEvent.objects.filter(action=AuditAction.RESULTS_EXPORTED).exists()


def test_the_results_file_refusal_offers_the_file_for_the_other_qualifications(
    client, embargoed
) -> None:
    other = make_qualification(embargoed.ao, qn="601/7155/8")
    issue(make_registration(make_learner(embargoed.centre_a, first_name="Mary"), other), "D*", 48)
    page = page_for(client, embargoed.exams_officer_a, AFTER, f"{URL}results-file/?q=")
    assert f'href="{URL}results-file/?q=&amp;qualification=601%2F7155%2F8"' in page
    data = download(client, embargoed.exams_officer_a, AFTER,
                    f"{URL}results-file/?qualification=601%2F7155%2F8")
    assert [r.grade for r in read_results(data).records] == ["D*"]


def test_the_results_page_says_why_there_is_no_results_file_for_the_selection(
    client, embargoed
) -> None:
    page = page_for(client, embargoed.exams_officer_a, AFTER)
    assert "Results (R) file for your MIS: not available for these results." in page
    assert "Test qualification 601/7157/7 (601/7157/7) has grades of several letters (DD)" in page
    assert f'href="{URL}results-file/' not in page
    # A selection the file can carry gets the link.
    page = page_for(client, embargoed.exams_officer_a, AFTER, f"{URL}?status=pending")
    assert f'href="{URL}results-file/?status=pending"' in page


def test_a_result_hidden_from_the_viewer_goes_in_the_results_file_as_not_yet_sent(
    client, embargoed
) -> None:
    data = download(client, embargoed.teacher_a, BETWEEN, f"{URL}results-file/")
    (record,) = read_results(data).records
    assert record.grade == ""  # §4.1: blank, result not yet sent
    assert not EmbargoedView.objects.exists()


def test_the_results_file_of_an_embargoed_result_is_recorded_as_an_early_view(
    client, world
) -> None:
    entry_for(world)
    issue(world.registration, "M", 24)
    data = download(client, world.exams_officer_a, BETWEEN, f"{URL}results-file/")
    assert read_results(data).records[0].grade == "M"
    assert EmbargoedView.objects.get().page == "results (R) file for Summer 2026"


def test_a_centre_with_no_registrations_sees_an_empty_broadsheet(client, world) -> None:
    Registration.objects.filter(centre=world.centre_b).delete()
    client.force_login(world.exams_officer_b)
    page = get_page(client, "/centres/20002/results/").content.decode()
    assert "No learners are registered in a series yet" in page
    get_page(client, "/centres/20002/results/export.csv", status=404)


def test_the_centre_home_links_to_results_and_grade_boundaries(client, world) -> None:
    client.force_login(world.teacher_a)
    page = get_page(client, "/centres/10001/").content.decode()
    assert 'href="/centres/10001/results/"' in page
    assert 'href="/centres/10001/grade-boundaries/"' in page


def test_the_broadsheet_takes_the_same_number_of_queries_for_any_number_of_learners(
    client, embargoed
) -> None:
    def queries() -> int:
        with time_machine.travel(BETWEEN, tick=False):
            client.force_login(embargoed.exams_officer_a)
            with CaptureQueriesContext(connection) as captured:
                get_page(client, URL)
        return len(captured)

    one = queries()
    for n in range(5):
        registration = make_registration(
            make_learner(embargoed.centre_a, first_name=f"L{n}"), embargoed.qualification
        )
        issue(registration, "MM", 72)
        entry_for_registration(registration)
    assert queries() == one


def entry_for_registration(registration: Registration) -> None:
    unit = registration.qualification.structure.get(unit__code="T2").unit
    Entry.objects.create(registration=registration, unit=unit, series=registration.series)


def test_it_opens_on_the_newest_series_whose_results_have_reached_centres(client, embargoed) -> None:
    from resultsday.testing import make_series

    winter = make_series(embargoed.ao, "2027-01")  # results to centres in August 2027
    make_registration(make_learner(embargoed.centre_a, last_name="Winter"),
                      embargoed.qualification, winter)
    page = page_for(client, embargoed.exams_officer_a, AFTER)
    assert "<h1 class=\"govuk-heading-l\">Results for Summer 2026</h1>" in page
    assert f'<option value="{embargoed.registration.series_id}" selected>' in page
    page = page_for(client, embargoed.exams_officer_a, AFTER, f"{URL}?series={winter.pk}")
    assert "Results for Summer 2027" in page and "Winter" in page and "Lovelace" not in page
