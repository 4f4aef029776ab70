"""Tracking with the database: facts in bulk, pages, checkpoints, reports, the AO view, the demo."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.awarding.models import Claim
from resultsday.catalogue.models import Unit
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.core import demo
from resultsday.learners.models import Entry, Registration
from resultsday.testing import (
    World,
    get_page,
    make_learner,
    make_qualification,
    make_registration,
    record_unit_result,
)
from resultsday.tracking.bulk import centre_ranges
from resultsday.tracking.choices import CheckpointKind, ReportTrigger
from resultsday.tracking.models import Checkpoint, TrackingReport
from resultsday.tracking.selectors import centre_tracking, tracking_queryset, tracking_rows
from resultsday.tracking.services import (
    Confirmation,
    _report_keep,
    checkpoint_confirm,
    checkpoint_declare,
    tracking_report_create,
    tracking_reports_generate_all,
)
from resultsday.tracking.status import OfqualReason, StatusCode
from resultsday.tracking.tests.helpers import add_checkpoint_dates, london


def _status(world: World, registration: Registration | None = None) -> StatusCode:
    registration = registration or world.registration
    rows = tracking_rows(list(tracking_queryset(Registration.objects.filter(pk=registration.pk))))
    return rows[0].status.code


def _ready(world: World) -> None:
    """Centre A's registration: external unit entered, SV released, confirmed and declared."""
    add_checkpoint_dates(world.registration.series)
    Entry.objects.create(registration=world.registration, unit=Unit.objects.get(code="T2"),
                         series=world.registration.series)
    StandardsVerification.objects.create(
        centre=world.centre_a, suite=world.qualification.suite, sector=world.qualification.sector,
        status=VerificationStatus.RELEASED)


def _confirm_and_declare(world: World) -> Checkpoint:
    checkpoint = checkpoint_confirm(
        centre=world.centre_a, series=world.registration.series, actor=world.exams_officer_a,
        confirmations=[Confirmation(world.registration.pk, expects_result=True)])
    return checkpoint_declare(checkpoint=checkpoint, actor=world.head_of_centre_a,
                              signed_name="Ada Head")


def test_checkpoint_events_are_the_series_aos_to_read(world) -> None:
    from resultsday.accounts.choices import Role
    from resultsday.accounts.selectors import audit_events_for_user
    from resultsday.testing import make_user

    _confirm_and_declare(world)
    ao_admin = make_user("ao_admin", role=Role.AO_ADMIN, ao=world.ao)
    actions = set(audit_events_for_user(ao_admin).values_list("action", flat=True))
    assert {AuditAction.CHECKPOINT_CONFIRMED, AuditAction.CHECKPOINT_DECLARED} <= actions
    other = make_user("other_ao_admin", role=Role.AO_ADMIN, ao=world.other_ao)
    assert not audit_events_for_user(other).filter(action__startswith="checkpoint").exists()


# ---- facts in bulk -------------------------------------------------------------------------


def test_it_loads_many_registrations_with_the_same_number_of_queries_as_one(world) -> None:
    def queries() -> int:
        registrations = list(tracking_queryset(Registration.objects.filter(centre=world.centre_a)))
        with CaptureQueriesContext(connection) as ctx:
            tracking_rows(registrations)
        return len(ctx.captured_queries)

    one = queries()
    for n in range(20):
        registration = make_registration(make_learner(world.centre_a, last_name=f"L{n}"),
                                         world.qualification)
        record_unit_result(registration, "T1", "P")
    assert queries() == one


# ---- time travel across the series ---------------------------------------------------------


def test_a_learner_moves_through_the_series_dates(world) -> None:
    _ready(world)
    with time_machine.travel(london(2026, 4, 1), tick=False):
        assert _status(world) == StatusCode.NOT_CONFIRMED  # before checkpoint 1: confirm it
    with time_machine.travel(london(2026, 6, 1), tick=False):
        row = centre_tracking(centre=world.centre_a, registrations=Registration.objects.all())[0]
        assert row.status.code == StatusCode.NOT_CONFIRMED and row.overdue
        _confirm_and_declare(world)
        assert _status(world) == StatusCode.CLAIM_NOT_MADE
    with time_machine.travel(london(2026, 7, 10), tick=False):
        row = centre_tracking(centre=world.centre_a, registrations=Registration.objects.all())[0]
        assert row.status.code == StatusCode.CLAIM_NOT_MADE and row.overdue
        Claim.objects.create(registration=world.registration, claimed_at=timezone.now(),
                             is_late=True)
        assert _status(world) == StatusCode.CLAIM_LATE
    Claim.objects.filter(registration=world.registration).update(is_late=False)
    with time_machine.travel(london(2026, 7, 10), tick=False):
        assert _status(world) == StatusCode.AWAITING_EXTERNAL
    with time_machine.travel(london(2026, 8, 13), tick=False):
        row = centre_tracking(centre=world.centre_a, registrations=Registration.objects.all())[0]
        assert row.status.code == StatusCode.AWAITING_EXTERNAL
        assert row.status.ofqual_reason == OfqualReason.L6  # results went out without it
        record_unit_result(world.registration, "T2", "M")
        assert _status(world) == StatusCode.ON_TRACK


def test_a_mandatory_external_unit_with_no_entry_shows_entry_missing(world) -> None:
    assert _status(world) == StatusCode.EXTERNAL_ENTRY_MISSING


def test_a_unit_of_another_sector_with_the_same_number_is_an_invalid_combination(world) -> None:
    other = Unit.objects.create(suite=world.qualification.suite, code="X1", number="1",
                                title="Same number, other sector", glh=60, assessment="internal")
    from resultsday.assessment.models import UnitResult

    UnitResult.objects.create(registration=world.registration, unit=other, grade="P",
                              source="centre", attempt=1)
    assert _status(world) == StatusCode.INVALID_COMBINATION


def test_two_active_registrations_in_one_suite_need_a_top_up(world) -> None:
    from resultsday.testing import make_qualification

    larger = make_qualification(world.ao, qn="601/7160/1", size_glh=360)
    bigger = make_registration(world.learner, larger)
    assert _status(world) == StatusCode.TOP_UP_REQUIRED
    assert _status(world, bigger) == StatusCode.TOP_UP_REQUIRED


# ---- pages ----------------------------------------------------------------------------------


def test_the_dashboard_counts_filters_and_links_each_learner(client, world) -> None:
    Registration.objects.filter(pk=world.registration.pk).update(ucas_applicant=True)
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/centres/{world.centre_a.number}/tracking/").content.decode()
    assert "External entry missing" in page
    assert f"/learners/{world.learner.pk}/" in page
    assert f"/registrations/{world.registration.pk}/tracking/" in page
    assert "UCAS</strong>" in page
    filtered = get_page(client, f"/centres/{world.centre_a.number}/tracking/?status=withdrawn")
    assert f"/learners/{world.learner.pk}/" not in filtered.content.decode()
    at_risk = get_page(client, f"/centres/{world.centre_a.number}/tracking/?view=at-risk&sort=x")
    assert f"/learners/{world.learner.pk}/" in at_risk.content.decode()


def test_the_tracking_page_says_what_is_missing_and_links_to_the_fix(client, world) -> None:
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/registrations/{world.registration.pk}/tracking/").content.decode()
    assert "No entry for the external assessment of Unit 2 Unit T2" in page
    assert f"/registrations/{world.registration.pk}/entries/" in page
    assert "L2" in page


def test_the_learner_page_shows_each_registrations_live_status(client, world) -> None:
    add_checkpoint_dates(world.registration.series)
    client.force_login(world.exams_officer_a)
    with time_machine.travel(london(2026, 1, 10), tick=False):
        page = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
    assert "Tracking status" in page and "External entry missing" in page
    assert "Action: Enter the learner for the external assessment." in page
    assert "Deadline: " in page and "2026" in page.split("Deadline: ")[1][:40]
    assert f"/registrations/{world.registration.pk}/tracking/" in page


def test_the_centre_home_links_to_the_dashboard(client, world) -> None:
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/centres/{world.centre_a.number}/").content.decode()
    assert f"/centres/{world.centre_a.number}/tracking/" in page


def test_ao_staff_read_a_centres_dashboard_but_another_ao_cannot(client, world) -> None:
    client.force_login(world.ao_officer)
    get_page(client, f"/centres/{world.centre_a.number}/tracking/")
    client.force_login(world.other_ao_officer)
    get_page(client, f"/centres/{world.centre_a.number}/tracking/", status=404)


# ---- checkpoints ----------------------------------------------------------------------------


def test_the_exams_officer_confirms_and_the_head_of_centre_declares(client, world) -> None:
    add_checkpoint_dates(world.registration.series)
    series_id = world.registration.series_id
    url = f"/centres/{world.centre_a.number}/checkpoints/{series_id}/1/"
    client.force_login(world.exams_officer_a)
    get_page(client, url)
    pk = world.registration.pk
    response = client.post(url, {f"expects_{pk}": "on", f"progress_{pk}": "on",
                                 f"predicted_{pk}": "dmm"})
    assert response.status_code == 302
    row = Checkpoint.objects.get(kind=CheckpointKind.CHECKPOINT_1).learners.get()
    assert (row.expects_result, row.needs_to_progress, row.predicted_grade) == (True, True, "DMM")
    # The exams officer cannot sign; the head of centre can.
    assert client.post(url + "declare/", {"signed_name": "X", "confirm": "on"}).status_code == 403
    client.force_login(world.head_of_centre_a)
    invalid = client.post(url + "declare/", {"signed_name": ""})
    assert invalid.status_code == 200 and "Enter your full name" in invalid.content.decode()
    assert "<title>Error: " in invalid.content.decode()
    assert client.post(url + "declare/", {"signed_name": "Ada  Head",
                                          "confirm": "on"}).status_code == 302
    checkpoint = Checkpoint.objects.get(kind=CheckpointKind.CHECKPOINT_1)
    assert checkpoint.declared_name == "Ada Head" and checkpoint.declared_by == world.head_of_centre_a
    event = AuditEvent.objects.get(action=AuditAction.CHECKPOINT_DECLARED)
    assert event.centre == world.centre_a and "Ada Head" in event.summary


def test_a_teacher_cannot_record_checkpoint_answers(client, world) -> None:
    client.force_login(world.teacher_a)
    url = f"/centres/{world.centre_a.number}/checkpoints/{world.registration.series_id}/1/"
    get_page(client, url)
    assert client.post(url, {}).status_code == 403


def test_a_learner_registered_after_the_checkpoint_is_marked_added_late(world) -> None:
    add_checkpoint_dates(world.registration.series)
    with time_machine.travel(london(2026, 5, 1), tick=False):
        _confirm_and_declare(world)
    with time_machine.travel(london(2026, 6, 1), tick=False):
        late = make_registration(make_learner(world.centre_a, last_name="Late"),
                                 world.qualification)
        row = tracking_rows(list(tracking_queryset(Registration.objects.filter(pk=late.pk))))[0]
        assert row.facts.added_late and row.expecting_result == "YL"
        assert row.status.code == StatusCode.EXTERNAL_ENTRY_MISSING
        assert StatusCode.NOT_CONFIRMED in [s.code for s in row.issues()]
        checkpoint_confirm(centre=world.centre_a, series=world.registration.series,
                           actor=world.exams_officer_a,
                           confirmations=[Confirmation(late.pk, expects_result=True)])
    assert Checkpoint.objects.get(kind=CheckpointKind.CHECKPOINT_1).learners.get(
        registration=late).added_late


def test_checkpoint_2_records_what_is_outstanding_per_learner(client, world) -> None:
    add_checkpoint_dates(world.registration.series)
    _confirm_and_declare(world)
    url = f"/centres/{world.centre_a.number}/checkpoints/{world.registration.series_id}/2/"
    client.force_login(world.exams_officer_a)
    assert client.post(url).status_code == 302
    row = Checkpoint.objects.get(kind=CheckpointKind.CHECKPOINT_2).learners.get()
    assert next(i["code"] for i in row.outstanding) == StatusCode.EXTERNAL_ENTRY_MISSING
    page = get_page(client, url).content.decode()
    assert "No entry for the external assessment" in page


def test_ao_officers_see_the_centres_that_have_not_confirmed(client, world) -> None:
    _confirm_and_declare(world)
    client.force_login(world.ao_officer)
    page = get_page(client, f"/ao/{world.ao.code}/checkpoints/").content.decode()
    assert world.centre_b.number in page and f"{world.centre_a.number} " not in page
    client.force_login(world.other_ao_officer)
    get_page(client, f"/ao/{world.ao.code}/checkpoints/", status=404)


# ---- reports --------------------------------------------------------------------------------


def test_the_workbook_has_a_summary_and_a_row_per_learner(world) -> None:
    Registration.objects.filter(pk=world.registration.pk).update(ucas_applicant=True)
    report = tracking_report_create(centre=world.centre_a, trigger=ReportTrigger.ON_DEMAND)
    book = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert book.sheetnames == ["Summary", "Learner data"]
    summary = list(book["Summary"].values)
    assert summary[0][:4] == ("Qualification", "QN", "Learners", "Registrations")
    assert summary[1][:4] == ("All qualifications", None, 1, 1)
    data = list(book["Learner data"].values)
    header, row = data[0], dict(zip(data[0], data[1], strict=True))
    assert "Units reported" in header and "Points so far" in header
    assert row["ULN"] == world.learner.uln and row["Status code"] == "external_entry_missing"
    assert row["UCAS applicant"] == "Yes" and row["Units reported"] == "Unit 1 Unit T1"
    assert row["Ofqual reason"] == "L2"
    csv_text = bytes(report.csv).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Centre number,Candidate number,ULN")
    assert report.summary["by_status"] == {"external_entry_missing": 1}
    for sheet in book.worksheets:  # printed: A4 landscape, a page wide, the heading repeated
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1"


def test_the_summary_counts_a_learner_with_two_registrations_once(world) -> None:
    second = make_qualification(world.ao, qn="601/7155/8")
    make_registration(world.learner, second)
    make_registration(make_learner(world.centre_a, first_name="Alan"), second)
    report = tracking_report_create(centre=world.centre_a, trigger=ReportTrigger.ON_DEMAND)
    summary = list(openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))["Summary"].values)
    rows = {row[1] or row[0]: row for row in summary[1:4]}
    assert rows["All qualifications"][2:4] == (2, 3)  # learners, registrations
    assert rows["All qualifications"][4:] and sum(rows["All qualifications"][4:]) == 3
    assert rows[world.qualification.qn][2:4] == (1, 1)
    assert rows["601/7155/8"][2:4] == (2, 2)


def test_report_cells_that_look_like_formulas_are_neutralised(world) -> None:
    world.learner.last_name = "=HYPERLINK(1)"
    world.learner.save()
    report = tracking_report_create(centre=world.centre_a, trigger=ReportTrigger.ON_DEMAND)
    assert "'=HYPERLINK(1)" in bytes(report.csv).decode("utf-8-sig")


def test_workbook_cells_that_look_like_formulas_are_written_as_text(world) -> None:
    world.learner.last_name = "=HYPERLINK(1)"
    world.learner.first_name = "@SUM(A1)"
    world.learner.save()
    report = tracking_report_create(centre=world.centre_a, trigger=ReportTrigger.ON_DEMAND)
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))["Learner data"]
    header = [cell.value for cell in sheet[1]]
    surname = sheet.cell(row=2, column=header.index("Surname") + 1)
    first_name = sheet.cell(row=2, column=header.index("First name") + 1)
    assert (surname.value, surname.data_type) == ("'=HYPERLINK(1)", "s")
    assert (first_name.value, first_name.data_type) == ("'@SUM(A1)", "s")
    uln = sheet.cell(row=2, column=header.index("ULN") + 1)
    assert uln.data_type == "s" and uln.number_format == "@"
    assert sheet.freeze_panes == "A2" and sheet.cell(row=1, column=1).font.bold


def test_a_character_xlsx_cannot_store_is_refused(world) -> None:
    from resultsday.tracking.reports import _write_xlsx

    with pytest.raises(ValueError, match="cannot store"):
        _write_xlsx([("Learner data", ["Name"], [["bad\x01name"]], frozenset())])


def test_the_command_writes_one_centres_report(world, tmp_path) -> None:
    out = tmp_path / "report.xlsx"
    call_command("tracking-report", "--centre", world.centre_a.number, "--out", str(out),
                 stdout=io.StringIO())
    assert openpyxl.load_workbook(out).sheetnames == ["Summary", "Learner data"]
    call_command("tracking-report", "--centre", world.centre_a.number, "--out",
                 str(tmp_path / "r.csv"), stdout=io.StringIO())
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfCentre number")
    assert TrackingReport.objects.filter(centre=world.centre_a).count() == 2


def test_the_weekly_run_makes_a_report_for_every_centre_and_is_safe_to_repeat(world) -> None:
    with time_machine.travel(london(2027, 6, 7), tick=False):  # a Monday
        call_command("tracking-report", "--all", stdout=io.StringIO())
        assert TrackingReport.objects.filter(trigger=ReportTrigger.SCHEDULED).count() == 2
        # Run again the same week (after a crash, or twice from cron): nothing is duplicated.
        TrackingReport.objects.filter(centre=world.centre_b).delete()
    with time_machine.travel(london(2027, 6, 9), tick=False):
        assert tracking_reports_generate_all().made == 1  # only centre B's, which was missing
        assert tracking_reports_generate_all().made == 0
        assert set(TrackingReport.objects.values_list("centre_id", "week")) == {
            (world.centre_a.pk, dt.date(2027, 6, 7)), (world.centre_b.pk, dt.date(2027, 6, 7))}
        # On-demand reports are not weekly ones: made every time.
        assert tracking_reports_generate_all(trigger=ReportTrigger.ON_DEMAND).made == 2
    with time_machine.travel(london(2027, 6, 14), tick=False):
        assert tracking_reports_generate_all() == (2, ())
    assert TrackingReport.objects.filter(trigger=ReportTrigger.SCHEDULED).count() == 4


def test_a_centre_whose_report_fails_is_logged_and_counted_and_the_others_are_made(
    world, caplog
) -> None:
    world.learner.last_name = "Love\x01lace"  # a character XLSX cannot store: refused
    world.learner.save()
    with caplog.at_level(logging.ERROR, logger="resultsday.tracking.services"):
        run = tracking_reports_generate_all()
    assert run == (1, (world.centre_a.number,))
    assert list(TrackingReport.objects.values_list("centre_id", flat=True)) == [world.centre_b.pk]
    assert f"The tracking report of centre {world.centre_a.number} failed" in caplog.text
    assert "Sheet 'Learner data' row 2" in caplog.text  # the cause, logged with it
    # The command says so (and fails, for cron to report); the week's report is still missing,
    # so the next run tries that centre again.
    with pytest.raises(CommandError, match=world.centre_a.number):
        call_command("tracking-report", "--all", stdout=io.StringIO())
    world.learner.last_name = "Lovelace"
    world.learner.save()
    assert tracking_reports_generate_all() == (1, ())


def test_two_workers_cannot_keep_a_centres_week_twice(world) -> None:
    now = london(2027, 6, 7)
    first = _report_keep(centre=world.centre_a, trigger=ReportTrigger.SCHEDULED, actor=None,
                         now=now, rows=[])
    # The other worker read before the first kept its report: the constraint refuses it.
    assert first is not None and _report_keep(
        centre=world.centre_a, trigger=ReportTrigger.SCHEDULED, actor=None,
        now=now + dt.timedelta(hours=1), rows=[]) is None
    assert TrackingReport.objects.get(centre=world.centre_a) == first


@pytest.mark.django_db
def test_the_weekly_run_in_parts_makes_each_centres_report_once_as_one_pass_does() -> None:
    demo.demo_seed(seed=5, centres=5, learners=150)
    everyone = Registration.objects.all()
    centre_ids = set(everyone.values_list("centre_id", flat=True))
    ranges = centre_ranges(everyone, 2)
    assert len(ranges) == 2 and ranges[0].last + 1 == ranges[1].first
    assert all(sum(r.first <= c <= r.last for r in ranges) == 1 for c in centre_ids)
    sizes = [everyone.filter(centre_id__gte=r.first, centre_id__lte=r.last).count()
             for r in ranges]
    assert min(sizes) > 0.25 * sum(sizes)  # about equal registrations (whole centres)

    def reports() -> dict[int, tuple[object, ...]]:
        return {r.centre_id: (r.row_count, r.summary, bytes(r.csv), r.week, r.created_at)
                for r in TrackingReport.objects.all()}

    now = london(2027, 6, 10)
    with time_machine.travel(now, tick=False):
        assert sum(tracking_reports_generate_all(now=now, centres=r).made for r in ranges) == len(
            centre_ids)
        in_parts = reports()
        assert set(in_parts) == centre_ids
        TrackingReport.objects.all().delete()
        assert tracking_reports_generate_all(now=now).made == len(centre_ids)
        assert reports() == in_parts
        TrackingReport.objects.all().delete()
        # In a transaction (here) `processes` runs the parts one after the other.
        assert tracking_reports_generate_all(now=now, processes=3) == (len(centre_ids), ())
        assert reports() == in_parts


def test_the_weekly_run_is_queued_as_parts_for_the_workers(
    world, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(london(2027, 6, 7), tick=False):
        for _ in range(2):  # queued twice in a week: each centre's report is still made once
            with django_capture_on_commit_callbacks(execute=True):
                out = io.StringIO()
                call_command("tracking-report", "--all", "--enqueue", "--parallel", "2",
                             stdout=out)
            assert "as 2 tasks" in out.getvalue()  # the immediate backend ran them
    assert sorted(TrackingReport.objects.values_list("centre_id", flat=True)) == sorted(
        [world.centre_a.pk, world.centre_b.pk])


def test_past_reports_are_kept_and_downloadable(
    client, world, django_capture_on_commit_callbacks
) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/tracking/reports/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    report = TrackingReport.objects.get(centre=world.centre_a)  # the immediate task backend ran
    page = get_page(client, url).content.decode()
    assert f"{report.pk}.xlsx" in page
    download = client.get(f"{url}{report.pk}.csv")
    assert download["Content-Disposition"].endswith('.csv"')
    client.force_login(world.exams_officer_b)
    assert client.get(f"/centres/{world.centre_b.number}/tracking/reports/{report.pk}.csv"
                      ).status_code == 404


# ---- the AO at-risk view --------------------------------------------------------------------


def test_the_ao_view_totals_by_status_centre_and_qualification_and_exports(client, world) -> None:
    tracking_reports_generate_all()
    client.force_login(world.ao_officer)
    page = get_page(client, f"/ao/{world.ao.code}/tracking/").content.decode()
    assert "External entry missing" in page and world.centre_b.number in page
    assert f"/centres/{world.centre_a.number}/tracking/?view=at-risk" in page
    csv_text = client.get(f"/ao/{world.ao.code}/tracking/?format=csv").content.decode("utf-8-sig")
    assert csv_text.count("external_entry_missing") == 2
    narrowed = client.get(f"/ao/{world.ao.code}/tracking/?centre={world.centre_b.number}"
                          "&format=csv").content.decode("utf-8-sig")
    assert world.centre_a.number not in narrowed
    client.force_login(world.other_ao_officer)
    get_page(client, f"/ao/{world.ao.code}/tracking/", status=404)
    client.force_login(world.exams_officer_a)
    get_page(client, f"/ao/{world.ao.code}/tracking/", status=403)


# ---- API ------------------------------------------------------------------------------------


def test_the_api_lists_statuses_for_the_centre_only(client, world) -> None:
    client.force_login(world.exams_officer_a)
    body = client.get(f"/api/v1/centres/{world.centre_a.number}/tracking").json()
    assert [b["status"]["code"] for b in body] == ["external_entry_missing"]
    assert body[0]["status"]["ofqual_reason"] == "L2"
    issues = client.get(f"/api/v1/registrations/{world.registration.pk}/tracking").json()
    assert issues[0]["code"] == "external_entry_missing"
    client.force_login(world.exams_officer_b)
    assert client.get(f"/api/v1/centres/{world.centre_a.number}/tracking").status_code == 404


# ---- the demo's planted problems -------------------------------------------------------------

EXPECTED = {
    "internal_units_missing": {StatusCode.INTERNAL_UNITS_MISSING},
    "external_entry_missing": {StatusCode.EXTERNAL_ENTRY_MISSING},
    "invalid_unit_combination": {StatusCode.INVALID_COMBINATION},
    "top_up_needed": {StatusCode.TOP_UP_REQUIRED},
    "withdrawn": {StatusCode.WITHDRAWN},
    # Last year's completers: claimed on time (no action), late, never, or SV held up.
    "completed_last_year": {StatusCode.ON_TRACK, StatusCode.CLAIM_LATE,
                            StatusCode.CLAIM_NOT_MADE, StatusCode.SV_NOT_RELEASED},
    # Nothing wrong: the next action is the checkpoint (every fourth demo centre has not
    # confirmed) or, at centres that have, the full award claim before 5 July; at the demo
    # centre whose programme SV is held up, that comes first.
    "on_track": {StatusCode.NOT_CONFIRMED, StatusCode.CLAIM_NOT_MADE, StatusCode.SV_NOT_RELEASED},
    "late_registration": {StatusCode.NOT_CONFIRMED, StatusCode.CLAIM_NOT_MADE,
                          StatusCode.SV_NOT_RELEASED},
}


@pytest.mark.django_db
def test_each_planted_problem_in_the_demo_shows_the_right_status(monkeypatch) -> None:
    planted: list[str] = []
    pick = demo._scenario

    def remember(rng):  # type: ignore[no-untyped-def]
        planted.append(pick(rng))
        return planted[-1]

    monkeypatch.setattr(demo, "_scenario", remember)
    summary = demo.demo_seed(seed=7, centres=3, learners=120)
    # Learner 0 is always on track; the others took their scenario in learner order.
    learner_ids = sorted(set(Registration.objects.values_list("learner_id", flat=True)))
    scenario = dict(zip(learner_ids, ["on_track", *planted], strict=True))
    with time_machine.travel(london(2027, 6, 10), tick=False):  # after checkpoint 1
        rows = tracking_rows(list(tracking_queryset(Registration.objects.all())))
    seen = Counter((scenario[r.registration.learner_id], r.status.code) for r in rows)
    for (name, code), n in seen.items():
        assert code in EXPECTED[name], f"{n} {name} learner(s) show {code}"
    codes = Counter(code for (name, code) in seen.elements())
    last_year = Counter(code for (name, code) in seen.elements() if name == "completed_last_year")
    assert last_year[StatusCode.CLAIM_NOT_MADE] == summary.scenarios["claim_not_made"]
    assert codes[StatusCode.INVALID_COMBINATION] == summary.scenarios["invalid_unit_combination"]
    assert codes[StatusCode.INTERNAL_UNITS_MISSING] == summary.scenarios["internal_units_missing"]
    assert codes[StatusCode.WITHDRAWN] == summary.scenarios["withdrawn"]
    assert codes[StatusCode.CLAIM_LATE] + codes[StatusCode.SV_NOT_RELEASED] >= 1
