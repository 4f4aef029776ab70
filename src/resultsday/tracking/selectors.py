"""Reads for tracking: the facts of many registrations at once, and the statuses built on them.

`tracking_rows` loads everything the status engine needs for a list of registrations with a
fixed number of queries (about a dozen, whatever the number of registrations), asks awarding's
decision (which runs the grading engine) for completeness, grade and fallback, and applies the
pure rules in `status.py`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone

from resultsday.awarding.decisions import RegistrationFacts, UnitAttempt, registration_decide
from resultsday.awarding.models import Claim, QualificationResult
from resultsday.awarding.services import registration_facts
from resultsday.catalogue.choices import Assessment, KeyDateKind, KeyDateScope
from resultsday.catalogue.models import AwardingOrganisation, KeyDate, QualificationUnit
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import Centre, StandardsVerification
from resultsday.core.templatetags.govuk import govuk_datetime
from resultsday.grading import Catalogue, default_catalogue
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Registration
from resultsday.release.policy import (
    HIDDEN,
    ReleaseTimes,
    ViewerKind,
    Visibility,
    result_reaches_viewer_at,
    result_visibility,
)
from resultsday.release.selectors import embargoed_registration_ids
from resultsday.tracking.choices import CheckpointKind
from resultsday.tracking.models import Checkpoint, CheckpointLearner, TrackingReport
from resultsday.tracking.status import (
    SeriesDates,
    Status,
    StatusCode,
    TrackingFacts,
    expecting_result_flag,
    facts_held,
    issues_of,
    status_of,
)

if TYPE_CHECKING:
    from resultsday.tracking.bulk import TrackedRegistration

_DATE_FIELDS = {
    KeyDateKind.ENTRY_DEADLINE: "entry_deadline",
    KeyDateKind.CHECKPOINT_1: "checkpoint_1",
    KeyDateKind.CHECKPOINT_2: "checkpoint_2",
    KeyDateKind.CLAIM_DEADLINE: "claim_deadline",
    KeyDateKind.RESULTS_TO_CENTRES: "results_to_centres",
    KeyDateKind.RESULTS_TO_LEARNERS: "results_to_learners",
}


class StatusReadings:
    """What pages and reports read off a row's facts, dates and status (both row types)."""

    facts: TrackingFacts
    dates: SeriesDates
    status: Status
    points: int | None
    now: datetime

    @property
    def overdue(self) -> bool:
        return self.status.overdue(self.now)

    @property
    def expecting_result(self) -> str:
        return expecting_result_flag(self.facts)

    @property
    def units_missing(self) -> tuple[str, ...]:
        return units_missing(self.facts)

    @property
    def claim_state(self) -> str:
        return claim_state(self.facts)

    def issues(self) -> list[Status]:
        return issues_of(self.facts, self.dates, self.now)


@dataclass(frozen=True)
class TrackingRow(StatusReadings):
    """One registration with its facts, key dates and status (what pages and reports show)."""

    registration: Registration
    facts: TrackingFacts
    dates: SeriesDates
    status: Status
    units_reported: tuple[str, ...] = ()
    points: int | None = None
    predicted_grade: str = ""
    needs_to_progress: bool = False
    now: datetime = field(default_factory=timezone.now)


def units_missing(facts: TrackingFacts) -> tuple[str, ...]:
    return facts.internal_missing + facts.entry_missing


def claim_state(facts: TrackingFacts) -> str:
    if not facts.claimed:
        return "Not claimed"
    return "Claimed late" if facts.claim_late else "Claimed"


def series_dates(series_ids: Iterable[int]) -> dict[tuple[int, str], SeriesDates]:
    """Key dates per (series, results-day type); a type's own date beats the 'all' date."""
    found: dict[int, dict[str, dict[str, datetime]]] = defaultdict(lambda: defaultdict(dict))
    for kd in KeyDate.objects.filter(series_id__in=set(series_ids), kind__in=list(_DATE_FIELDS)):
        found[kd.series_id][kd.applies_to][_DATE_FIELDS[KeyDateKind(kd.kind)]] = kd.at
    dates = {}
    for series_id, scopes in found.items():
        common = scopes.get(KeyDateScope.ALL, {})
        for scope in (KeyDateScope.LEVEL3, KeyDateScope.LEVEL1_2):
            dates[(series_id, scope.value)] = SeriesDates(**{**common, **scopes.get(scope, {})})
    return dates


def _label(number: str, title: str) -> str:
    return f"Unit {number} {title}"


def _structures(
    qualification_ids: set[int],
) -> tuple[dict[int, dict[str, tuple[str, bool, bool]]], dict[int, set[int]]]:
    """Per qualification: unit number -> (label, is external, is mandatory); and its unit ids."""
    structures: dict[int, dict[str, tuple[str, bool, bool]]] = defaultdict(dict)
    unit_ids: dict[int, set[int]] = defaultdict(set)
    for qid, unit_id, number, title, assessment, mandatory in QualificationUnit.objects.filter(
        qualification_id__in=qualification_ids
    ).values_list("qualification_id", "unit_id", "unit__number", "unit__title",
                  "unit__assessment", "mandatory"):
        structures[qid][number] = (_label(number, title), assessment == Assessment.EXTERNAL,
                                   mandatory)
        unit_ids[qid].add(unit_id)
    return structures, unit_ids


def _outside_labels(registration_ids: list[int], unit_ids: dict[int, set[int]],
                    qualification_of: dict[int, int]) -> dict[int, list[str]]:
    """Results for units that are not in the registration's qualification, each unit once, in
    unit order (suite, code).

    Compared by unit, not by unit number: two sectors of one suite both have a "Unit 5".
    """
    from resultsday.assessment.models import UnitResult

    outside: dict[int, list[str]] = defaultdict(list)
    for reg_id, unit_id, number, title in UnitResult.objects.filter(
        registration_id__in=registration_ids
    ).order_by("registration_id", "unit__suite_id", "unit__code", "unit_id").values_list(
        "registration_id", "unit_id", "unit__number", "unit__title"
    ).distinct():
        if unit_id not in unit_ids.get(qualification_of[reg_id], set()):
            outside[reg_id].append(_label(number, title))
    return outside


def _short_beyond(facts: RegistrationFacts, fill: Iterable[str], catalogue: Catalogue) -> tuple[
        bool, tuple[str, ...]]:
    """Ask the engine whether units are missing beyond those awaited or awaiting an entry:
    fill those with a Pass and see if the combination is then complete."""
    filled = replace(facts, attempts=[*facts.attempts, *(UnitAttempt(n, "P") for n in fill)])
    explanation = registration_decide(facts=filled, catalogue=catalogue).explanation
    return not explanation.get("complete", True), tuple(explanation.get("reasons", ()))


def _top_up_siblings(registrations: list[Registration]) -> dict[int, list[str]]:
    """Other active registrations of the same learner in the same suite and sector."""
    learner_ids = {r.learner_id for r in registrations}
    by_programme: dict[tuple[int, int, str], list[tuple[int, str]]] = defaultdict(list)
    for pk, learner_id, suite_id, sector, title, qn in Registration.objects.filter(
        learner_id__in=learner_ids, status=RegistrationStatus.ACTIVE
    ).order_by("pk").values_list("pk", "learner_id", "qualification__suite_id",
                                 "qualification__sector", "qualification__title",
                                 "qualification__qn"):
        by_programme[(learner_id, suite_id, sector)].append((pk, f"{title} ({qn})"))
    siblings: dict[int, list[str]] = {}
    for r in registrations:
        if r.status != RegistrationStatus.ACTIVE:
            continue
        key = (r.learner_id, r.qualification.suite_id, r.qualification.sector)
        others = [name for pk, name in by_programme.get(key, []) if pk != r.pk]
        if others:
            siblings[r.pk] = others
    return siblings


def _verification_statuses(registrations: list[Registration]) -> dict[tuple[int, int, str], str]:
    programmes = {(r.centre_id, r.qualification.suite_id, r.qualification.sector)
                  for r in registrations}
    if not programmes:
        return {}
    condition = Q()
    for centre_id, suite_id, sector in programmes:
        condition |= Q(centre_id=centre_id, suite_id=suite_id, sector=sector)
    return {
        (c, s, sector): status
        for c, s, sector, status in StandardsVerification.objects.filter(condition).values_list(
            "centre_id", "suite_id", "sector", "status")
    }


def _engine_fallback(explanation: dict[str, Any]) -> str:
    fb = explanation.get("fallback")
    if not fb:
        return ""
    return f"{fb['title']} ({fb['qualification']}): {fb['grade']}"


class EngineFacts(NamedTuple):
    """What tracking takes from the awarding decision, and so from the grading engine."""

    complete: bool
    units_short: bool
    short_reasons: tuple[str, ...]
    grade: str
    points: int | None
    reasons: tuple[str, ...]
    fallback: str
    withheld_reason: str  # the decision's reason when it withholds the result, else ""


# Per qualification: unit number -> (label, is external, is mandatory).
Structure = dict[str, tuple[str, bool, bool]]


def engine_facts(
    facts: RegistrationFacts, structure: Structure, catalogue: Catalogue
) -> EngineFacts:
    """Ask awarding's decision (which runs the grading engine) about one registration.

    A function of `facts` and the structure only, so the bulk path (`tracking.bulk`) may keep
    its answer for every registration with the same facts.
    """
    decision = registration_decide(facts=facts, catalogue=catalogue)
    explanation = decision.explanation
    complete = bool(explanation.get("complete", False))
    reasons = tuple(explanation.get("reasons", ()))
    short: bool = False
    short_reasons: tuple[str, ...] = ()
    if not complete:
        reported = {a.unit_number for a in facts.attempts}
        fill = set(facts.awaiting_units) | {n for n, (_, external, mandatory) in structure.items()
                                            if external and mandatory and n not in reported}
        short, short_reasons = (_short_beyond(facts, fill - reported, catalogue) if fill
                                else (True, reasons))
        if not short:
            short_reasons = ()  # shown only when units fall short (status.rule_internal_units_missing)
    return EngineFacts(
        complete=complete, units_short=short, short_reasons=short_reasons,
        grade=str(explanation.get("grade", "")), points=explanation.get("points"),
        reasons=reasons, fallback=_engine_fallback(explanation),
        withheld_reason=decision.reason if decision.status == "withheld" else "",
    )


class RowParts(NamedTuple):
    """A registration's tracking facts and what pages and reports show beside its status."""

    facts: TrackingFacts
    units_reported: tuple[str, ...]
    points: int | None
    predicted_grade: str
    needs_to_progress: bool


# A checkpoint 1 row: expects a result, declared at, needs to progress, predicted grade, late.
CheckpointAnswer = tuple[bool, datetime | None, bool, str, bool]


def row_parts(
    *, status: str, created_at: datetime | None, is_late: bool, needs_result_to_progress: bool,
    structure: Structure, reported: set[str] | frozenset[str], awaiting_units: set[str] | frozenset[str],
    engine: EngineFacts, dates: SeriesDates, outside: Iterable[str], top_up_with: Iterable[str],
    claimed: bool, claim_late: bool, sv_status: str, result: tuple[str, str],
    checkpoint: CheckpointAnswer | None,
) -> RowParts:
    """One registration's `TrackingFacts`, from facts loaded in bulk (the same for every path)."""
    ordered = sorted(structure.items())
    internal_missing = tuple(label for number, (label, external, mandatory) in ordered
                             if mandatory and not external and number not in reported)
    entry_missing = tuple(label for number, (label, external, mandatory) in ordered
                          if mandatory and external and number not in reported
                          and number not in awaiting_units)
    awaiting = tuple(structure.get(n, (f"Unit {n}",))[0] for n in sorted(awaiting_units)
                     if n not in reported)
    added_late = bool(checkpoint and checkpoint[4]) or (
        dates.checkpoint_1 is not None and created_at is not None
        and created_at > dates.checkpoint_1)
    facts = TrackingFacts(
        registration_status=status,
        result_status=result[0],
        result_grade=result[1],
        engine_complete=engine.complete,
        units_short=engine.units_short,
        units_short_reasons=engine.short_reasons,
        engine_grade=engine.grade,
        engine_points=engine.points,
        engine_reasons=engine.reasons,
        engine_fallback=engine.fallback,
        decision_reason=engine.withheld_reason,
        internal_missing=internal_missing,
        entry_missing=entry_missing,
        awaiting=awaiting,
        outside_units=tuple(outside),
        top_up_with=tuple(top_up_with),
        claimed=claimed,
        claim_late=claim_late,
        sv_status=sv_status,
        sv_label=_SV_LABELS.get(sv_status, ""),
        checkpoint_expects=checkpoint[0] if checkpoint else None,
        checkpoint_declared=bool(checkpoint and checkpoint[1]),
        added_late=added_late,
        registered_late=is_late,
        external_reported=any(structure[n][1] for n in reported if n in structure),
    )
    return RowParts(
        facts=facts,
        units_reported=tuple(structure.get(n, (f"Unit {n}",))[0] for n in sorted(reported)),
        points=engine.points,
        predicted_grade=checkpoint[3] if checkpoint else "",
        needs_to_progress=checkpoint[2] if checkpoint else needs_result_to_progress,
    )


_SV_LABELS: dict[str, str] = dict(VerificationStatus.choices)


def tracking_rows(
    registrations: list[Registration], *, now: datetime | None = None,
    catalogue: Catalogue | None = None,
) -> list[TrackingRow]:
    """Statuses for a list of registrations with a fixed number of queries, one engine question
    per registration (pages: the rows keep their `Registration`; for whole centres and series,
    `tracking.bulk` gives the same statuses faster).

    The registrations must come with `learner`, `qualification`, `qualification__suite` and
    `series` selected (see `tracking_queryset`).
    """
    now = now or timezone.now()
    catalogue = catalogue or default_catalogue()
    if not registrations:
        return []
    ids = [r.pk for r in registrations]
    awarding_facts = registration_facts(registrations)
    structures, unit_ids = _structures({r.qualification_id for r in registrations})
    outside = _outside_labels(ids, unit_ids, {r.pk: r.qualification_id for r in registrations})
    siblings = _top_up_siblings(registrations)
    late_claims = set(Claim.objects.filter(registration_id__in=ids, is_late=True)
                      .values_list("registration_id", flat=True))
    sv = _verification_statuses(registrations)
    results = {reg_id: (status, grade) for reg_id, status, grade in
               QualificationResult.objects.filter(registration_id__in=ids)
               .values_list("registration_id", "status", "grade")}
    checkpoint_rows: dict[int, CheckpointAnswer] = {
        reg_id: (expects, declared_at, progress, predicted, late)
        for reg_id, expects, declared_at, progress, predicted, late in
        CheckpointLearner.objects.filter(
            registration_id__in=ids, checkpoint__kind=CheckpointKind.CHECKPOINT_1
        ).values_list("registration_id", "expects_result", "checkpoint__declared_at",
                      "needs_to_progress", "predicted_grade", "added_late")
    }
    dates_by = series_dates({r.series_id for r in registrations})
    rows = []
    for r in registrations:
        af = awarding_facts[r.pk]
        structure = structures.get(r.qualification_id, {})
        dates = dates_by.get((r.series_id, r.qualification.results_day_type), SeriesDates())
        parts = row_parts(
            status=r.status, created_at=r.created_at, is_late=r.is_late,
            needs_result_to_progress=r.needs_result_to_progress, structure=structure,
            reported={a.unit_number for a in af.attempts}, awaiting_units=af.awaiting_units,
            engine=engine_facts(af, structure, catalogue), dates=dates,
            outside=outside.get(r.pk, ()), top_up_with=siblings.get(r.pk, ()),
            claimed=af.claimed, claim_late=r.pk in late_claims,
            sv_status=sv.get((r.centre_id, r.qualification.suite_id, r.qualification.sector), ""),
            result=results.get(r.pk, ("", "")), checkpoint=checkpoint_rows.get(r.pk),
        )
        rows.append(TrackingRow(
            registration=r, facts=parts.facts, dates=dates,
            status=status_of(parts.facts, dates, now), units_reported=parts.units_reported,
            points=parts.points, predicted_grade=parts.predicted_grade,
            needs_to_progress=parts.needs_to_progress, now=now,
        ))
    return rows


def tracking_queryset(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """What `tracking_rows` needs selected, in a stable order."""
    return registrations.select_related(
        "learner", "qualification", "qualification__suite", "series", "centre", "result"
    ).order_by("learner__last_name", "learner__first_name", "pk")


def centre_tracking(
    *, centre: Centre, registrations: QuerySet[Registration], now: datetime | None = None,
    series_id: int | None = None, catalogue: Catalogue | None = None,
) -> list[TrackingRow]:
    """Every registration of the centre (optionally one series) among `registrations` (those
    the viewer may read: `registrations_for_user`) with its live status, as it is: apply
    `rows_as_seen` before showing it."""
    registrations = registrations.filter(centre=centre)
    if series_id is not None:
        registrations = registrations.filter(series_id=series_id)
    return tracking_rows(list(tracking_queryset(registrations)), now=now, catalogue=catalogue)


# ---- what a viewer may see of the rows: the release policy's decisions applied ---------------

Row = TypeVar("Row", "TrackingRow", "TrackedRegistration")


def held_until(decision: Visibility) -> str:
    """`release.policy.result_reaches_viewer_at` in words, as a held status says it ("" if not
    known)."""
    return govuk_datetime(result_reaches_viewer_at(decision))


def row_held(row: Row, *, until: str) -> Row:
    """The row as seen by a viewer whom the policy does not yet let see the result (it reaches
    them `until`, `held_until`): the facts without what is held back (`status.facts_held`),
    the status and points from them; the row itself when nothing is held back (no result,
    and no external grade to work anything out from). The page and bulk paths share it."""
    if not (row.facts.result_status or row.facts.external_reported):
        return row
    facts = facts_held(row.facts, until=until)
    return replace(row, facts=facts, status=status_of(facts, row.dates, row.now),
                   points=facts.engine_points)


def rows_as_seen(
    rows: Sequence[TrackingRow], decisions: Mapping[int, Visibility]
) -> list[TrackingRow]:
    """The rows as the viewer of the policy's `decisions` (by registration id, from
    `release.selectors.result_visibilities` or `release.services.results_open`) may see them;
    a registration without a decision is hidden. No queries."""
    shown = []
    for row in rows:
        decision = decisions.get(row.registration.pk, HIDDEN)
        shown.append(row if decision.visible else row_held(row, until=held_until(decision)))
    return shown


def centre_visibility(*, embargoed: bool, dates: SeriesDates, now: datetime) -> Visibility:
    """What every member of a centre's staff may see of a result: the policy's decision for a
    teacher, the centre reader an embargo holds longest (until the learner release). For what
    is kept for the centre and read later by any of its staff: tracking reports and the
    checkpoint 2 list. Nobody's look is then an early one, so there is nothing to record."""
    return result_visibility(
        viewer=ViewerKind.TEACHER, embargoed=embargoed,
        times=ReleaseTimes(to_centres=dates.results_to_centres,
                           to_learners=dates.results_to_learners),
        released_at_discretion=None, now=now,
    )


def rows_as_centre_sees(rows: Sequence[TrackingRow]) -> list[TrackingRow]:
    """The rows as every member of the centre's staff may see them (`centre_visibility`); one
    query (which registrations are embargoed)."""
    embargoed = embargoed_registration_ids(row.registration.pk for row in rows)
    return rows_as_seen(rows, {
        row.registration.pk: centre_visibility(embargoed=row.registration.pk in embargoed,
                                               dates=row.dates, now=row.now)
        for row in rows
    })


def status_counts(rows: Iterable[TrackingRow]) -> list[tuple[StatusCode, int]]:
    """Registrations per status, every status listed (zeros too), in the engine's order."""
    counts = Counter(row.status.code for row in rows)
    return [(code, counts.get(code, 0)) for code in StatusCode]


def sort_rows(rows: list[TrackingRow], sort: str) -> list[TrackingRow]:
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    keys = {
        "name": lambda r: (r.registration.learner.last_name, r.registration.learner.first_name),
        "status": lambda r: (list(StatusCode).index(r.status.code),),
        "qualification": lambda r: (r.registration.qualification.title,),
        "deadline": lambda r: (r.status.deadline or far,),
    }
    return sorted(rows, key=keys.get(sort, keys["name"]))


def at_risk(rows: Iterable[TrackingRow]) -> list[TrackingRow]:
    """Learners needing action, soonest deadline first; UCAS applicants and those who need the
    result to progress first among equal deadlines."""
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return sorted(
        (r for r in rows if r.status.needs_action),
        key=lambda r: (r.status.deadline or far, not r.registration.ucas_applicant,
                       not r.needs_to_progress, r.registration.learner.last_name),
    )


# ---- checkpoints --------------------------------------------------------------------------


def checkpoint_get(*, centre: Centre, series_id: int, kind: str) -> Checkpoint | None:
    return Checkpoint.objects.filter(centre=centre, series_id=series_id, kind=kind).first()


def checkpoint_registrations(
    *, centre: Centre, series_id: int, registrations: QuerySet[Registration]
) -> list[Registration]:
    """Active registrations of the centre in the series among `registrations` (those the viewer
    may read): who the checkpoint is about."""
    return list(tracking_queryset(registrations.filter(
        centre=centre, series_id=series_id, status=RegistrationStatus.ACTIVE)))


def checkpoint_rows_by_registration(checkpoint: Checkpoint | None) -> dict[int, CheckpointLearner]:
    if checkpoint is None:
        return {}
    return {row.registration_id: row for row in checkpoint.learners.all()}


def centre_series(
    *, centre: Centre, registrations: QuerySet[Registration]
) -> list[tuple[int, str]]:
    """The series the centre has registrations in among `registrations` (those the viewer may
    read), as (id, name), latest first."""
    return list(
        registrations.filter(centre=centre).values_list("series_id", "series__name")
        .distinct().order_by("-series__code")
    )


@dataclass(frozen=True)
class CentreCheckpointState:
    centre: Centre
    active: int
    confirmed: int
    declared_at: datetime | None


def centres_not_confirmed(
    *, awarding_organisation: AwardingOrganisation, series_id: int
) -> list[CentreCheckpointState]:
    """Centres approved by the AO with active registrations in the series whose checkpoint 1 is
    not declared, with how many learners they have confirmed so far."""
    from django.db.models import Count

    active = dict(
        Registration.objects.filter(
            series_id=series_id, status=RegistrationStatus.ACTIVE,
            qualification__awarding_organisation=awarding_organisation,
        ).values_list("centre_id").annotate(n=Count("pk")).values_list("centre_id", "n")
    )
    checkpoints = {
        c.centre_id: c for c in Checkpoint.objects.filter(
            series_id=series_id, kind=CheckpointKind.CHECKPOINT_1, centre_id__in=active
        ).annotate(confirmed=Count("learners"))
    }
    states = []
    for centre in Centre.objects.filter(pk__in=active, awarding_organisations=awarding_organisation):
        cp = checkpoints.get(centre.pk)
        if cp is not None and cp.is_declared:
            continue
        states.append(CentreCheckpointState(
            centre=centre, active=active[centre.pk],
            confirmed=getattr(cp, "confirmed", 0) if cp else 0,
            declared_at=None,
        ))
    return states


# ---- reports ------------------------------------------------------------------------------


def reports_for_centre(*, centre: Centre) -> QuerySet[TrackingReport]:
    """Past reports without their files (the list page needs none of the bytes)."""
    return TrackingReport.objects.filter(centre=centre).defer("xlsx", "csv").order_by("-created_at")


def latest_report_summaries(
    *, awarding_organisation: AwardingOrganisation
) -> list[TrackingReport]:
    """The latest report of every centre the AO approves (files deferred)."""
    latest_ids = []
    seen: set[int] = set()
    for pk, centre_id in TrackingReport.objects.filter(
        centre__awarding_organisations=awarding_organisation
    ).order_by("centre_id", "-created_at").values_list("pk", "centre_id"):
        if centre_id not in seen:
            seen.add(centre_id)
            latest_ids.append(pk)
    return list(TrackingReport.objects.filter(pk__in=latest_ids).defer("xlsx", "csv")
                .select_related("centre").order_by("centre__number"))
