"""The tracking status of one registration: what the awarding organisation still needs, and by when.

Pure Python, no ORM: `status_of(facts, dates, now)` takes one registration's facts (loaded in
bulk by `selectors.tracking_facts`), its series' key dates and the time, and returns a
`Status` — a code, what it means, what the centre must do, the deadline, and the Ofqual
late-result reason code that the same situation would be reported under.

Each rule below is a named function whose docstring is the rule. The rules are tried in
`RULES` order and the first that applies is the status; `issues_of` returns every rule that
applies (the learner's tracking page lists them all, so a centre fixes everything at once).
A learner is "No current action" (`ON_TRACK`) only when no rule applies: a result will be
issued on time if nothing changes.

Ofqual's late-result reasons (shared/reference/anchors-and-users.md §3.3, from Ofqual's 2023
Annex B): not issued — N1 centre deferred or will not claim, N2 centre withdrew the learner, N3
AO did not certificate because the centre did not claim or respond, N4 AO did not certificate
because evidence was incomplete and the centre did not confirm; issued late — L1 late centre
claim, L2 very late entry, L3 late change of course or GLH (top-up or drop-down), L4
malpractice or maladministration pending, L5 moderation not completed because the centre did
not respond, L6 marking or moderation late on the AO's side, L7 very late special
consideration. The code on a status is the one that applies if the result ends up late or
missing for the reason the status names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class StatusCode(StrEnum):
    ON_TRACK = "on_track"
    AWAITING_EXTERNAL = "awaiting_external"
    INTERNAL_UNITS_MISSING = "internal_units_missing"
    INVALID_COMBINATION = "invalid_combination"
    EXTERNAL_ENTRY_MISSING = "external_entry_missing"
    SV_NOT_RELEASED = "sv_not_released"
    CLAIM_NOT_MADE = "claim_not_made"
    CLAIM_LATE = "claim_late"
    TOP_UP_REQUIRED = "top_up_required"
    INELIGIBLE = "ineligible"
    NOT_CONFIRMED = "not_confirmed"
    NOT_EXPECTED = "not_expected"
    WITHDRAWN = "withdrawn"
    TOPPED_UP = "topped_up"
    RESULT_ISSUED = "result_issued"
    CERTIFICATED = "certificated"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: dict[StatusCode, str] = {
    StatusCode.ON_TRACK: "No current action",
    StatusCode.AWAITING_EXTERNAL: "Awaiting external result",
    StatusCode.INTERNAL_UNITS_MISSING: "Internal units missing",
    StatusCode.INVALID_COMBINATION: "Invalid unit combination",
    StatusCode.EXTERNAL_ENTRY_MISSING: "External entry missing",
    StatusCode.SV_NOT_RELEASED: "Standards verification not released",
    StatusCode.CLAIM_NOT_MADE: "Full award claim not made",
    StatusCode.CLAIM_LATE: "Claim late: not guaranteed on time",
    StatusCode.TOP_UP_REQUIRED: "Top-up required",
    StatusCode.INELIGIBLE: "Ineligible on current grades",
    StatusCode.NOT_CONFIRMED: "Not confirmed at checkpoint",
    StatusCode.NOT_EXPECTED: "Not expecting a result this series",
    StatusCode.WITHDRAWN: "Withdrawn",
    StatusCode.TOPPED_UP: "Topped up to a larger qualification",
    StatusCode.RESULT_ISSUED: "Result issued",
    StatusCode.CERTIFICATED: "Certificated",
}

# Statuses where the centre has nothing to do (the rest are "at risk").
NO_ACTION = frozenset({
    StatusCode.ON_TRACK, StatusCode.AWAITING_EXTERNAL, StatusCode.WITHDRAWN,
    StatusCode.TOPPED_UP, StatusCode.RESULT_ISSUED, StatusCode.CERTIFICATED,
    StatusCode.NOT_EXPECTED,
})


class OfqualReason(StrEnum):
    """Ofqual's 2023 late-result reason codes (Annex B; reference §3.3)."""

    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    N4 = "N4"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    L6 = "L6"
    L7 = "L7"

    @property
    def label(self) -> str:
        return OFQUAL_LABELS[self]


OFQUAL_LABELS: dict[OfqualReason, str] = {
    OfqualReason.N1: "Not issued: centre deferred or will not claim (incomplete evidence)",
    OfqualReason.N2: "Not issued: centre withdrew the learner",
    OfqualReason.N3: "Not issued: the centre did not claim or respond",
    OfqualReason.N4: "Not issued: evidence incomplete and the centre did not confirm",
    OfqualReason.L1: "Issued late: late centre claim",
    OfqualReason.L2: "Issued late: very late entry",
    OfqualReason.L3: "Issued late: late change of course or GLH (top-up or drop-down)",
    OfqualReason.L4: "Issued late: malpractice or maladministration pending",
    OfqualReason.L5: "Issued late: moderation not completed, the centre did not respond",
    OfqualReason.L6: "Issued late: marking or moderation late at the awarding organisation",
    OfqualReason.L7: "Issued late: very late special consideration",
}


class Fix(StrEnum):
    """Where the centre fixes a status; views turn it into a link."""

    NONE = "none"
    UNIT_GRADES = "unit_grades"
    ENTRIES = "entries"
    CLAIM = "claim"
    TOP_UP = "top_up"
    CHECKPOINT = "checkpoint"
    VERIFICATION = "verification"
    REGISTRATION = "registration"


@dataclass(frozen=True)
class SeriesDates:
    """The key dates of one series for one results-day type (its own date beats 'all')."""

    entry_deadline: datetime | None = None
    checkpoint_1: datetime | None = None
    checkpoint_2: datetime | None = None
    claim_deadline: datetime | None = None
    results_to_centres: datetime | None = None
    results_to_learners: datetime | None = None


@dataclass(frozen=True)
class TrackingFacts:
    """What tracking knows about one registration. Unit lists hold labels like "Unit 3 Finance".

    The engine fields come from the awarding decision (`awarding.decisions.registration_decide`,
    which runs the grading engine): tracking never re-implements a grading rule.
    """

    registration_status: str  # learners.choices.RegistrationStatus value
    result_status: str = ""  # the stored QualificationResult status, "" if none
    result_grade: str = ""
    engine_complete: bool = False
    # Still incomplete with the awaited and entry-missing external units assumed in: internal
    # or optional units are missing too (the engine's reasons say which).
    units_short: bool = False
    units_short_reasons: tuple[str, ...] = ()
    engine_grade: str = ""
    engine_points: int | None = None
    engine_reasons: tuple[str, ...] = ()
    engine_fallback: str = ""  # "BTEC ... (QN): grade" when a smaller size would be awarded
    decision_reason: str = ""  # the awarding decision's reason, e.g. an invalid combination
    internal_missing: tuple[str, ...] = ()  # mandatory internal units with no result
    entry_missing: tuple[str, ...] = ()  # mandatory external units with no result and no entry
    awaiting: tuple[str, ...] = ()  # entered in this series, result still to come
    outside_units: tuple[str, ...] = ()  # results for units not in the qualification
    top_up_with: tuple[str, ...] = ()  # the learner's other active registrations in the suite
    claimed: bool = False
    claim_late: bool = False
    sv_status: str = ""  # centres.choices.VerificationStatus value, "" if no record
    sv_label: str = ""
    checkpoint_expects: bool | None = None  # the centre's answer at checkpoint 1, None if none
    checkpoint_declared: bool = False  # the head of centre has declared checkpoint 1
    added_late: bool = False  # registered after checkpoint 1 (Ofqual "YL")
    registered_late: bool = False  # after the registration deadline
    external_reported: bool = False  # a result is reported for an external unit of the qualification
    # Set by `facts_held` for a viewer the release policy does not yet let see the result.
    result_held: bool = False
    result_held_until: str = ""  # when the result reaches that viewer, in words; "" if not known


def facts_held(facts: TrackingFacts, *, until: str) -> TrackingFacts:
    """The facts as a viewer sees them before the release policy lets them see the result:
    no overall grade and, once an external unit has a result, nothing worked out from the unit
    grades (the engine's grade, points, fallback and reasons), since an external grade is
    embargoed with the result. `until` says when the result reaches the viewer.

    Every rule then reads only what the viewer may see: `rule_result_issued` says when the
    result is released instead of the grade, and `rule_ineligible` has no grade to judge by.
    """
    held = replace(facts, result_grade="", result_held=True, result_held_until=until)
    if not facts.external_reported:
        return held
    return replace(held, engine_grade="", engine_points=None, engine_reasons=(),
                   units_short_reasons=(), engine_fallback="", decision_reason="")


@dataclass(frozen=True)
class Status:
    code: StatusCode
    meaning: str
    action: str
    deadline: datetime | None = None
    ofqual_reason: OfqualReason | None = None
    details: tuple[str, ...] = ()
    fix: Fix = Fix.NONE

    @property
    def label(self) -> str:
        return self.code.label

    @property
    def needs_action(self) -> bool:
        return self.code not in NO_ACTION

    def overdue(self, now: datetime) -> bool:
        return self.needs_action and self.deadline is not None and self.deadline < now


Rule = Callable[[TrackingFacts, SeriesDates, datetime], "Status | None"]


def _units(labels: tuple[str, ...]) -> str:
    return ", ".join(labels)


def _passed(at: datetime | None, now: datetime) -> bool:
    return at is not None and at <= now


# ---- terminal states -----------------------------------------------------------------------


def rule_certificated(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A certificated registration is finished: the certificate has been issued."""
    if facts.registration_status != "certificated":
        return None
    return Status(StatusCode.CERTIFICATED, "The certificate has been issued.", "None.")


def rule_withdrawn(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A withdrawn registration expects no result (Ofqual N2: the centre withdrew the learner)."""
    if facts.registration_status != "withdrawn":
        return None
    return Status(
        StatusCode.WITHDRAWN, "The centre withdrew the learner: no result is expected.",
        "None. If the withdrawal was a mistake, register the learner again.",
        ofqual_reason=OfqualReason.N2, fix=Fix.REGISTRATION,
    )


def rule_topped_up(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A topped-up registration is replaced by the larger one, where its results now sit."""
    if facts.registration_status != "topped_up":
        return None
    return Status(
        StatusCode.TOPPED_UP,
        "Replaced by a larger qualification: the unit results moved with the learner.",
        "None: follow the larger registration.", fix=Fix.REGISTRATION,
    )


def rule_result_issued(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A registration with an issued overall result (a grade, U, a fallback or a declined grade)
    needs nothing more for this series."""
    if facts.result_status not in {"issued", "fallback", "unclassified", "declined"}:
        return None
    if facts.result_held:
        # No grade and no result status (an unclassified result is a grade of U).
        when = (f"it is released on {facts.result_held_until}" if facts.result_held_until
                else "it is not released yet")
        return Status(StatusCode.RESULT_ISSUED, f"Result awarded; {when}.", "None.")
    grade = facts.result_grade or "U"
    return Status(
        StatusCode.RESULT_ISSUED, f"The overall result has been issued: {grade}.", "None.",
        details=(f"Result status: {facts.result_status}.",),
    )


def rule_not_expected(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A learner the centre said at the checkpoint will not get a result this series is deferred
    (Ofqual N1: the centre deferred or will not claim)."""
    if facts.checkpoint_expects is not False:
        return None
    return Status(
        StatusCode.NOT_EXPECTED,
        "At the checkpoint the centre said this learner does not expect a result in this series.",
        "Move the estimated completion to the series the learner will finish in.",
        ofqual_reason=OfqualReason.N1, fix=Fix.CHECKPOINT,
    )


# ---- data the centre must put right ---------------------------------------------------------


def rule_invalid_combination(
    facts: TrackingFacts, dates: SeriesDates, now: datetime
) -> Status | None:
    """Results for units that are not part of the qualification make the combination invalid:
    the awarding organisation cannot certificate it (Ofqual N4: evidence incomplete)."""
    if not facts.outside_units:
        return None
    return Status(
        StatusCode.INVALID_COMBINATION,
        f"Invalid unit combination: {_units(facts.outside_units)} "
        f"{'is' if len(facts.outside_units) == 1 else 'are'} not part of this qualification.",
        "Correct the unit grades (report the unit the learner really took), or top the learner "
        "up to the qualification that includes these units.",
        deadline=dates.claim_deadline, ofqual_reason=OfqualReason.N4,
        details=(facts.decision_reason,) if facts.decision_reason else (), fix=Fix.UNIT_GRADES,
    )


def rule_top_up_required(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A learner with two active registrations in the same suite has results split between them:
    all unit results must sit under one registration, so the smaller must be topped up
    (Ofqual L3 if the change of GLH comes late)."""
    if not facts.top_up_with:
        return None
    return Status(
        StatusCode.TOP_UP_REQUIRED,
        f"The learner's unit results are split with {_units(facts.top_up_with)}.",
        "Top up the smaller registration to the larger qualification, so all results sit under "
        "one registration.",
        deadline=dates.claim_deadline, ofqual_reason=OfqualReason.L3, fix=Fix.TOP_UP,
    )


def rule_external_entry_missing(
    facts: TrackingFacts, dates: SeriesDates, now: datetime
) -> Status | None:
    """A mandatory external unit with no result and no entry cannot be sat: the learner must be
    entered (Ofqual L2 if the entry is very late)."""
    if facts.engine_complete or not facts.entry_missing:
        return None
    late = _passed(dates.entry_deadline, now)
    return Status(
        StatusCode.EXTERNAL_ENTRY_MISSING,
        f"No entry for the external assessment of {_units(facts.entry_missing)}"
        + (": the entry deadline has passed." if late else "."),
        "Make a late entry now, or enter the learner in a later series."
        if late else "Enter the learner for the external assessment.",
        deadline=dates.entry_deadline, ofqual_reason=OfqualReason.L2, fix=Fix.ENTRIES,
    )


def rule_internal_units_missing(
    facts: TrackingFacts, dates: SeriesDates, now: datetime
) -> Status | None:
    """Every unit in a valid combination needs a result. Internal units without a reported grade
    stop the award (Ofqual N4: evidence incomplete)."""
    if facts.engine_complete:
        return None
    if facts.internal_missing:
        missing = f"No grade reported for {_units(facts.internal_missing)}."
    elif facts.units_short:
        # Nothing mandatory is missing: the engine says optional units fall short.
        missing = "Not enough units reported for a valid combination."
    else:
        return None
    late = _passed(dates.claim_deadline, now)
    return Status(
        StatusCode.INTERNAL_UNITS_MISSING,
        missing + (" The claim deadline has passed." if late else ""),
        "Report the internal unit grades, then make the full award claim.",
        deadline=dates.claim_deadline, ofqual_reason=OfqualReason.N4,
        details=facts.units_short_reasons or facts.engine_reasons, fix=Fix.UNIT_GRADES,
    )


def rule_ineligible(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """With every unit reported, a qualification grade of U means the learner is ineligible on
    current grades; a smaller qualification of the suite may be awarded instead (the fallback)."""
    if not facts.engine_complete or facts.engine_grade != "U":
        return None
    fallback = (f"If nothing changes the learner will be awarded {facts.engine_fallback}."
                if facts.engine_fallback else "If nothing changes the learner will get a U.")
    return Status(
        StatusCode.INELIGIBLE, f"Not eligible for the qualification on current grades. {fallback}",
        "Check the unit grades; report any retake before the claim deadline.",
        deadline=dates.claim_deadline, details=facts.engine_reasons, fix=Fix.UNIT_GRADES,
    )


def rule_not_confirmed(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """Each learner expecting a result must be confirmed at checkpoint 1 and the list declared by
    the head of centre (Ofqual N4: the centre did not confirm). Series without a checkpoint date
    have no such step, and once the claim deadline has passed the claim, not the checkpoint, is
    what decides the result."""
    if dates.checkpoint_1 is None or _passed(dates.claim_deadline, now):
        return None
    if facts.checkpoint_expects is True and facts.checkpoint_declared:
        return None
    passed = _passed(dates.checkpoint_1, now)
    if facts.checkpoint_expects is True:
        meaning = "Confirmed by the centre, but the head of centre has not declared the checkpoint."
        action = "The head of centre must sign the checkpoint declaration."
    elif facts.added_late:
        meaning = "Registered after the checkpoint: the learner is not on the confirmed list."
        action = "Confirm the learner as expecting a result (added late)."
    else:
        meaning = ("The checkpoint has passed and the learner was not confirmed as expecting a "
                   "result." if passed else
                   "The learner is not yet confirmed as expecting a result in this series.")
        action = "Confirm at the checkpoint whether the learner expects a result."
    return Status(StatusCode.NOT_CONFIRMED, meaning, action, deadline=dates.checkpoint_1,
                  ofqual_reason=OfqualReason.N4, fix=Fix.CHECKPOINT)


def rule_sv_not_released(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """Certification waits until standards verification for the programme is Released
    (Ofqual L5 when the centre did not respond to the standards verifier)."""
    if facts.sv_status == "released":
        return None
    if facts.sv_status == "centre_action":
        action = "Respond to the standards verifier's request so sampling can be released."
    else:
        action = "Make sure the standards verifier has the sample they need."
    shown = facts.sv_label or "no standards verification record"
    return Status(
        StatusCode.SV_NOT_RELEASED, f"Standards verification for the programme is not released "
        f"({shown}).", action, deadline=dates.claim_deadline, ofqual_reason=OfqualReason.L5,
        fix=Fix.VERIFICATION,
    )


def rule_claim_not_made(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """No result is issued without the full award claim (Ofqual N3: the centre did not claim);
    after the claim deadline a claim is late and not guaranteed on time."""
    if facts.claimed:
        return None
    late = _passed(dates.claim_deadline, now)
    return Status(
        StatusCode.CLAIM_NOT_MADE,
        "The claim deadline has passed and the full award has not been claimed: a claim now is "
        "late and the result is not guaranteed on time." if late
        else "The full award has not been claimed yet.",
        "Make the full award claim now." if late else "Make the full award claim.",
        deadline=dates.claim_deadline, ofqual_reason=OfqualReason.N3, fix=Fix.CLAIM,
    )


def rule_claim_late(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """A claim made after the claim deadline is not guaranteed a result on time
    (Ofqual L1: late centre claim)."""
    if not (facts.claimed and facts.claim_late):
        return None
    return Status(
        StatusCode.CLAIM_LATE,
        "The full award was claimed after the claim deadline: the result is not guaranteed on "
        "time.",
        "Tell the learner (and, for a UCAS applicant, their university) the result may be late.",
        deadline=dates.results_to_learners, ofqual_reason=OfqualReason.L1,
    )


def rule_awaiting_external(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status | None:
    """Entered external units are marked by the awarding organisation: nothing for the centre to
    do. Still waiting once results have gone to centres is the AO's lateness (Ofqual L6)."""
    if facts.engine_complete or not facts.awaiting:
        return None
    late = _passed(dates.results_to_centres, now)
    return Status(
        StatusCode.AWAITING_EXTERNAL,
        f"Awaiting the external result for {_units(facts.awaiting)}"
        + (": results have gone to centres without it." if late else "."),
        "Contact the awarding organisation." if late else "None: the result comes from marking.",
        deadline=dates.results_to_centres, ofqual_reason=OfqualReason.L6 if late else None,
    )


RULES: tuple[Rule, ...] = (
    rule_certificated,
    rule_withdrawn,
    rule_topped_up,
    rule_result_issued,
    rule_not_expected,
    rule_invalid_combination,
    rule_top_up_required,
    rule_external_entry_missing,
    rule_internal_units_missing,
    rule_ineligible,
    rule_not_confirmed,
    rule_sv_not_released,
    rule_claim_not_made,
    rule_claim_late,
    rule_awaiting_external,
)

# Once one of these applies, nothing else matters for this series.
_TERMINAL = frozenset({
    StatusCode.CERTIFICATED, StatusCode.WITHDRAWN, StatusCode.TOPPED_UP,
    StatusCode.RESULT_ISSUED, StatusCode.NOT_EXPECTED,
})


def on_track(dates: SeriesDates) -> Status:
    return Status(
        StatusCode.ON_TRACK,
        "Nothing is missing: a result will be issued on time if nothing changes.", "None.",
    )


def issues_of(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> list[Status]:
    """Every status rule that applies, most urgent first (empty: on track)."""
    found = []
    for rule in RULES:
        status = rule(facts, dates, now)
        if status is None:
            continue
        if status.code in _TERMINAL:
            return [status]
        found.append(status)
    return found


def status_of(facts: TrackingFacts, dates: SeriesDates, now: datetime) -> Status:
    """The registration's status: the first rule that applies, or No current action."""
    for rule in RULES:
        status = rule(facts, dates, now)
        if status is not None:
            return status
    return on_track(dates)


def expecting_result_flag(facts: TrackingFacts) -> str:
    """Ofqual's "Expecting result" field: Y, YL (added late) or N."""
    if facts.registration_status != "active" or facts.checkpoint_expects is False:
        return "N"
    return "YL" if facts.added_late else "Y"
