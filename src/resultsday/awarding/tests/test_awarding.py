from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resultsday.assessment.choices import ResultSource
from resultsday.assessment.models import UnitResult
from resultsday.awarding.choices import ResultStatus, RunPolicy, RunStatus
from resultsday.awarding.models import (
    AwardingRun,
    Claim,
    QualificationResult,
    QualificationResultVersion,
)
from resultsday.awarding.services import (
    AwardingError,
    awarding_run_execute,
    awarding_run_start,
    claim_submit,
    result_decline,
)
from resultsday.catalogue.models import Qualification, Series, Unit
from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.learners.models import Entry, Registration
from resultsday.testing import get_page, make_learner, make_registration, make_series

CERTIFICATE = "601/7155/8"  # BTEC National Certificate in Business: unit 1 internal, unit 2 external


@pytest.fixture
def cycle(world):
    """Centre A, the shipped catalogue, SV released, and a Business Certificate learner."""
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=world.ao, actor=None)
    qualification = Qualification.objects.get(qn=CERTIFICATE)
    StandardsVerification.objects.create(
        centre=world.centre_a, suite=qualification.suite, sector="business",
        status=VerificationStatus.RELEASED,
    )
    series = make_series(world.ao, "2027-06")  # the world's own registrations are in 2026-06
    registration = make_registration(make_learner(world.centre_a), qualification, series)
    world.cert = qualification
    world.series = series
    world.cert_registration = registration
    return world


def report(registration, number: str, grade: str, attempt: int = 1) -> None:
    unit = Unit.objects.get(code=f"business-{number}")
    UnitResult.objects.create(
        registration=registration, unit=unit, grade=grade, attempt=attempt,
        source=ResultSource.MARKED if unit.is_external else ResultSource.CENTRE,
    )


def award(series: Series, policy: RunPolicy = RunPolicy.STANDARD) -> AwardingRun:
    run = awarding_run_start(series=series, actor=None, reason="test", policy=policy,
                             enqueue=False)
    return awarding_run_execute(run_id=run.pk)


def result_of(registration):
    registration.refresh_from_db()
    return registration.result


def test_a_complete_claimed_verified_learner_is_issued_the_engines_grade(cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "D")
    report(reg, "2", "M")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    run = award(cycle.series)
    assert run.status == RunStatus.FINISHED
    result = result_of(reg)
    # Unit 1 D (24) + unit 2 M (15) = 39 points: M (Certificate thresholds, S1 p.354).
    assert (result.status, result.grade, result.points) == (ResultStatus.ISSUED, "M", 39)
    version = result.versions.get()
    assert (version.run_id, version.reason) == (run.pk, "Awarded.")


def test_an_entered_external_without_a_result_is_pending(cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "P")
    Entry.objects.create(registration=reg, unit=Unit.objects.get(code="business-2"),
                         series=cycle.series)
    award(cycle.series)
    result = result_of(reg)
    assert result.status == ResultStatus.PENDING
    assert "unit 2" in result.reason


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("no_claim", "The full award claim has not been made."),
        ("sv_outstanding", "Standards verification is not released"),
        ("internal_missing", "unit 1 missing"),
        ("wrong_unit", "Invalid unit combination: unit 3 is not part of"),
    ],
)
def test_it_withholds_a_result_and_says_why(cycle, problem: str, expected: str) -> None:
    reg = cycle.cert_registration
    report(reg, "2", "P")
    if problem != "internal_missing":
        report(reg, "1", "P")
    if problem != "no_claim":
        Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    if problem == "sv_outstanding":
        StandardsVerification.objects.update(status=VerificationStatus.OUTSTANDING)
    if problem == "wrong_unit":
        report(reg, "3", "P")
    award(cycle.series)
    result = result_of(reg)
    assert result.status in (ResultStatus.WITHHELD, ResultStatus.PENDING)
    assert expected in result.reason


def test_a_second_run_with_nothing_changed_writes_no_new_version(cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "M")
    report(reg, "2", "M")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    second = award(cycle.series)
    assert second.counts.get("versions_written", 0) == 0
    assert QualificationResultVersion.objects.count() == 1


def test_an_interrupted_run_resumes_from_its_checkpoint_without_duplicates(cycle) -> None:
    for _ in range(4):
        reg = make_registration(make_learner(cycle.centre_a), cycle.cert, cycle.series)
        report(reg, "1", "P")
        report(reg, "2", "P")
    run = awarding_run_start(series=cycle.series, actor=None, reason="test", enqueue=False)

    class Killed(Exception):
        pass

    def die_after_two(r: AwardingRun) -> None:
        if r.processed >= 2:
            raise Killed

    with pytest.raises(Killed):
        awarding_run_execute(run_id=run.pk, batch_size=1, progress=die_after_two)
    run.refresh_from_db()
    assert (run.status, run.processed) == (RunStatus.RUNNING, 2)
    finished = awarding_run_execute(run_id=run.pk, batch_size=1)
    assert finished.status == RunStatus.FINISHED
    assert finished.processed == 5
    assert QualificationResultVersion.objects.count() == 5


def test_up_only_keeps_the_issued_grade_when_the_new_one_is_lower(cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "D")
    report(reg, "2", "D")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    assert result_of(reg).grade == "D*"
    UnitResult.objects.filter(registration=reg, unit__code="business-2").update(grade="P")
    up_only = award(cycle.series, RunPolicy.UP_ONLY)
    kept = result_of(reg)
    # Kept as issued: unchanged, so no new version, and the run says how many it kept.
    assert (kept.grade, kept.points, kept.version) == ("D*", 48, 1)
    assert up_only.counts.get("kept_up_only") == 1
    assert up_only.counts.get("versions_written") is None
    award(cycle.series, RunPolicy.STANDARD)
    assert result_of(reg).grade == "M"  # D (24) + P (9) = 33: M
    history = list(reg.result.versions.values_list("grade", "previous_grade"))
    assert history[-1] == ("M", "D*")


def test_ucas_applicants_regraded_results_are_flagged_for_the_change_feed(cycle) -> None:
    reg = cycle.cert_registration
    Registration.objects.filter(pk=reg.pk).update(ucas_applicant=True)
    other = make_registration(make_learner(cycle.centre_a), cycle.cert, cycle.series)
    for registration in (reg, other):
        report(registration, "1", "M")
        report(registration, "2", "M")
        Claim.objects.create(registration=registration,
                             claimed_at=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    assert result_of(reg).ucas_changed and not result_of(other).ucas_changed
    QualificationResult.objects.update(ucas_changed=False)  # as after a send to UCAS
    award(cycle.series)  # nothing changed: nothing to send
    assert not result_of(reg).ucas_changed
    for registration in (reg, other):
        UnitResult.objects.filter(registration=registration, unit__code="business-2").update(
            grade="D")
    award(cycle.series)
    assert result_of(reg).ucas_changed and not result_of(other).ucas_changed
    QualificationResult.objects.update(ucas_changed=False)
    result_decline(registration=reg, actor=None, consent_note="Signed form")  # one by one
    assert result_of(reg).ucas_changed


def test_only_one_run_per_series_can_be_queued_at_a_time(cycle) -> None:
    awarding_run_start(series=cycle.series, actor=None, reason="first", enqueue=False)
    with pytest.raises(AwardingError, match="already queued or running"):
        awarding_run_start(series=cycle.series, actor=None, reason="second", enqueue=False)


def test_a_claim_after_the_deadline_is_accepted_but_flagged_late(cycle) -> None:
    with time_machine.travel(dt.datetime(2027, 7, 6, 9, 0, tzinfo=dt.UTC)):
        claim = claim_submit(registration=cycle.cert_registration, actor=None)
    assert claim.is_late
    other = make_registration(make_learner(cycle.centre_a), cycle.cert, cycle.series)
    with time_machine.travel(dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)):
        assert not claim_submit(registration=other, actor=None).is_late
    with pytest.raises(AwardingError, match="already been claimed"):
        claim_submit(registration=other, actor=None)


def test_declining_a_grade_needs_consent_and_adds_a_version(cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "M")
    report(reg, "2", "M")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    with pytest.raises(AwardingError, match="consent"):
        result_decline(registration=reg, actor=None, consent_note=" ")
    result = result_decline(registration=reg, actor=None, consent_note="Signed form, 2 Sept")
    assert result.status == ResultStatus.DECLINED
    assert result.versions.count() == 2


def test_an_exams_officer_claims_from_the_claim_page(client, cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "M")
    client.force_login(cycle.exams_officer_a)
    page = get_page(client, f"/registrations/{reg.pk}/claim/").content.decode()
    assert "What awarding would give now" in page
    response = client.post(f"/registrations/{reg.pk}/claim/")
    assert response.status_code == 302
    assert Claim.objects.filter(registration=reg).exists()


def test_the_bulk_claims_page_claims_the_selected_learners(client, cycle) -> None:
    client.force_login(cycle.exams_officer_a)
    get_page(client, f"/centres/{cycle.centre_a.number}/claims/")
    client.post(f"/centres/{cycle.centre_a.number}/claims/",
                {"registration": [cycle.cert_registration.pk, cycle.registration_b.pk]})
    # Centre B's registration is out of scope and silently not claimable here.
    assert list(Claim.objects.values_list("registration_id", flat=True)) == [
        cycle.cert_registration.pk]


def test_a_teacher_cannot_claim(client, cycle) -> None:
    client.force_login(cycle.teacher_a)
    get_page(client, f"/registrations/{cycle.cert_registration.pk}/claim/", status=403)


def test_an_ao_officer_starts_a_run_from_the_page_and_a_worker_finishes_it(
    client, cycle, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cycle.ao_officer)
    get_page(client, f"/ao/{cycle.ao.code}/awarding/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ao/{cycle.ao.code}/awarding/", {
            "series": cycle.series.pk, "mode": "commit", "policy": "standard",
            "reason": "Summer awarding"})
    assert response.status_code == 302
    run = AwardingRun.objects.get()
    assert run.status == RunStatus.FINISHED  # the immediate task backend ran it on commit
    page = get_page(client, f"/awarding/runs/{run.pk}/").content.decode()
    assert "Finished" in page


def test_another_aos_officer_cannot_see_the_run(client, cycle) -> None:
    run = awarding_run_start(series=cycle.series, actor=None, reason="x", enqueue=False)
    client.force_login(cycle.other_ao_officer)
    get_page(client, f"/awarding/runs/{run.pk}/", status=404)
    get_page(client, f"/ao/{cycle.ao.code}/awarding/", status=404)


def test_the_learner_page_shows_the_result_history(client, cycle) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "M")
    report(reg, "2", "M")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    run = award(cycle.series)
    client.force_login(cycle.exams_officer_a)
    page = get_page(client, f"/learners/{reg.learner_id}/").content.decode()
    # Centre staff read the run's reason; only AO staff get a link to the run's page.
    assert "Result history" in page and f"Awarding run {run.pk}: test" in page
    assert f'href="/awarding/runs/{run.pk}/"' not in page
    client.force_login(cycle.ao_officer)
    page = get_page(client, f"/learners/{reg.learner_id}/").content.decode()
    assert f'Awarding <a class="govuk-link" href="/awarding/runs/{run.pk}/">run {run.pk}</a>: test' in page


def test_an_mis_previews_claims_and_declines_through_the_api(client, cycle) -> None:
    from resultsday.accounts.services import api_token_create

    reg = cycle.cert_registration
    report(reg, "1", "M")
    report(reg, "2", "M")
    _, secret = api_token_create(actor=None, user=cycle.exams_officer_a, name="MIS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    base = f"/api/v1/centres/{cycle.centre_a.number}/registrations/{reg.pk}"
    preview = client.get(f"{base}/award-preview", **auth).json()
    assert (preview["status"], preview["reason"]) == ("withheld",
                                                      "The full award claim has not been made.")
    assert preview["outcome"]["grade"] == "M"
    made = client.post(f"{base}/claim", **auth)
    assert made.status_code == 201
    again = client.post(f"{base}/claim", **auth)
    assert again.status_code == 422 and "already been claimed" in again.json()["error"]
    award(cycle.series)
    declined = client.post(f"{base}/decline", {"consent_note": "Signed form"},
                           content_type="application/json", **auth)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    other = f"/api/v1/centres/{cycle.centre_b.number}/registrations/{reg.pk}/claim"
    assert client.post(other, **auth).status_code == 404


def test_a_preview_counts_grades_up_and_down_and_changes_nothing_until_committed(
    client, cycle, django_capture_on_commit_callbacks
) -> None:
    from resultsday.awarding.choices import RunMode
    from resultsday.awarding.services import awarding_preview_commit

    up, down = cycle.cert_registration, make_registration(
        make_learner(cycle.centre_a), cycle.cert, cycle.series)
    for reg in (up, down):
        report(reg, "1", "M")
        report(reg, "2", "M")
        Claim.objects.create(registration=reg, claimed_at=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    UnitResult.objects.filter(registration=up, unit__code="business-2").update(grade="D")
    UnitResult.objects.filter(registration=down, unit__code="business-2").update(grade="P")
    run = awarding_run_start(series=cycle.series, actor=None, reason="new boundaries",
                             mode=RunMode.PREVIEW, enqueue=False)
    preview = awarding_run_execute(run_id=run.pk)
    assert (preview.counts["would_go_up"], preview.counts["would_go_down"]) == (1, 1)
    assert QualificationResultVersion.objects.count() == 2  # nothing written by the preview
    client.force_login(cycle.ao_officer)
    page = get_page(client, f"/awarding/runs/{preview.pk}/").content.decode()
    assert "Learners whose result would change" in page and "Commit these results" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/awarding/runs/{preview.pk}/commit/")
    assert response.status_code == 302
    # up: M (15) + D (24) = 39 points, still M; down: M (15) + P (9) = 24 points, P.
    assert (result_of(up).points, result_of(down).grade) == (39, "P")
    with pytest.raises(AwardingError, match="already been committed"):
        awarding_preview_commit(preview=AwardingRun.objects.get(pk=preview.pk), actor=None)


def test_an_up_only_preview_shows_no_grade_going_down(cycle) -> None:
    from resultsday.awarding.choices import RunMode

    reg = cycle.cert_registration
    report(reg, "1", "M")
    report(reg, "2", "M")
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    UnitResult.objects.filter(registration=reg, unit__code="business-2").update(grade="P")
    run = awarding_run_start(series=cycle.series, actor=None, reason="no detriment",
                             mode=RunMode.PREVIEW, policy=RunPolicy.UP_ONLY, enqueue=False)
    assert awarding_run_execute(run_id=run.pk).counts.get("would_go_down", 0) == 0


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_is_finished_by_the_database_worker(settings, world) -> None:
    """The real queue: the run is stored as a task row and `resultsday worker --batch` runs it."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    # The settings fixture announces the change, and django-tasks rebuilds its backends.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    series = make_series(world.ao, "2027-06")
    run = awarding_run_start(series=series, actor=None, reason="queued")
    assert DBTaskResult.objects.count() == 1
    assert AwardingRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    call_command("worker", "--batch")
    assert AwardingRun.objects.get(pk=run.pk).status == RunStatus.FINISHED


def test_a_unit_of_another_sector_with_the_same_number_is_an_invalid_combination(cycle) -> None:
    """Business Unit 1 is not IT Unit 1: matching by number alone would miss the mistake."""
    reg = cycle.cert_registration
    report(reg, "2", "P")
    it_unit_1 = Unit.objects.get(code="information-technology-1")
    UnitResult.objects.create(registration=reg, unit=it_unit_1, grade="P",
                              source=ResultSource.CENTRE)
    Claim.objects.create(registration=reg, claimed_at=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))
    award(cycle.series)
    assert "Invalid unit combination: unit 1 is not part of" in result_of(reg).reason


def test_the_claim_preview_holds_back_an_embargoed_external_result_until_centre_release(
    client, cycle
) -> None:
    reg = cycle.cert_registration
    report(reg, "1", "M")
    unit2 = Unit.objects.get(code="business-2")
    Entry.objects.create(registration=reg, unit=unit2, series=cycle.series)
    UnitResult.objects.create(registration=reg, unit=unit2, grade="D", series=cycle.series,
                              source=ResultSource.MARKED)
    url = f"/registrations/{reg.pk}/claim/"
    with time_machine.travel(dt.datetime(2027, 7, 1, 9, 0, tzinfo=dt.UTC)):
        client.force_login(cycle.exams_officer_a)  # sessions expire: sign in at that time
        before = get_page(client, url).content.decode()
    assert "Awaiting the external result for unit 2" in before
    with time_machine.travel(dt.datetime(2027, 8, 6, 12, 0, tzinfo=dt.UTC)):
        client.force_login(cycle.exams_officer_a)
        after = get_page(client, url).content.decode()
    assert "Awaiting the external result" not in after
    assert "The full award claim has not been made." in after


def test_the_admin_shows_results_but_cannot_change_them() -> None:
    from django.contrib import admin
    from django.test import RequestFactory

    from resultsday.accounts.models import User
    from resultsday.awarding.models import QualificationResult

    model_admin = admin.site._registry[QualificationResult]
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_runs_counts_are_shown_in_words_statuses_first() -> None:
    from resultsday.awarding.models import AwardingRun

    run = AwardingRun(counts={"versions_written": 3, "issued": 2, "by_reference": 1, "pending": 1,
                              "something_new": 4})
    assert run.count_rows == [
        ("Issued", 2), ("Pending (awaiting an external result)", 1),
        ("Graded one by one by the reference engine", 1), ("Something new", 4),
        ("New result versions written", 3),
    ]


def test_the_awarding_page_puts_the_error_summary_before_the_heading(client, cycle) -> None:
    client.force_login(cycle.ao_officer)
    page = client.post(f"/ao/{cycle.ao.code}/awarding/", {"reason": ""}).content.decode()
    assert "<title>Error: Awarding" in page
    assert page.index("There is a problem") < page.index("<h1")
    assert 'href="#id_series"' in page and 'id="id_series_error"' in page
    assert f'<a href="/ao/{cycle.ao.code}/" class="govuk-back-link">' in page


def _finished_preview(cycle, changes: int) -> AwardingRun:
    from resultsday.awarding.choices import Direction, RunMode
    from resultsday.awarding.models import PreviewChange

    run = AwardingRun.objects.create(
        series=cycle.series, mode=RunMode.PREVIEW, status=RunStatus.FINISHED, reason="Regrade",
        counts={"would_go_up": changes - 1, "would_go_changed": 1}, total=changes,
        processed=changes,
    )
    for n in range(changes):
        learner = make_learner(cycle.centre_a, first_name=f"Learner{n}",
                               last_name="=HYPERLINK(\"x\")" if n == 0 else f"Surname{n}")
        PreviewChange.objects.create(
            run=run, registration=make_registration(learner, cycle.cert, cycle.series),
            centre=cycle.centre_a, qualification=cycle.cert, old_status="issued",
            old_grade="P", old_points=9, new_status="issued", new_grade="M", new_points=15,
            direction=Direction.UP, reason="Awarded.",
        )
    return run


def test_a_preview_says_how_many_changes_it_shows_and_pages_through_them(
    client, cycle, monkeypatch
) -> None:
    from resultsday.awarding import views

    monkeypatch.setattr(views, "CHANGES_PAGE_SIZE", 2)
    run = _finished_preview(cycle, 3)
    client.force_login(cycle.ao_officer)
    page = get_page(client, f"/awarding/runs/{run.pk}/").content.decode()
    assert "Showing 1 to 2 of 3 learners whose result would change." in page
    assert "P, 9 points" in page and "M, 15 points" in page  # direction is by points
    assert 'href="?page=2"' in page
    assert "Would change, with the same points" in page and "Would go changed" not in page
    assert f'<a href="/ao/{cycle.ao.code}/awarding/" class="govuk-back-link">' in page
    page = get_page(client, f"/awarding/runs/{run.pk}/?page=2").content.decode()
    assert "Showing 3 to 3 of 3 learners" in page


def test_a_previews_changes_download_as_a_csv_with_formulas_neutralised(client, cycle) -> None:
    import csv
    import io

    run = _finished_preview(cycle, 3)
    client.force_login(cycle.ao_officer)
    page = get_page(client, f"/awarding/runs/{run.pk}/").content.decode()
    assert f'href="/awarding/runs/{run.pk}/?format=csv"' in page
    response = client.get(f"/awarding/runs/{run.pk}/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {r["Last name"] for r in rows} >= {"'=HYPERLINK(\"x\")", "Surname1"}
    assert (rows[0]["Status now"], rows[0]["Grade would be"], rows[0]["Direction"]) == (
        "Issued", "M", "Up")
    client.force_login(cycle.other_ao_officer)
    assert client.get(f"/awarding/runs/{run.pk}/?format=csv").status_code == 404
