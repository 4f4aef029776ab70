"""The demo data set: reproducible, clearly labelled demo, with the problems that make results late.

Everything here is made up except the qualification catalogue, which is the shipped, sourced
specification data loaded under a demo awarding organisation. Each learner is given one
*scenario*: most are on track, and a planted share carries one of the problems behind the 2022
late results, so the tracking and awarding pages have something true to show.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import Membership, User
from resultsday.accounts.services import audit_record
from resultsday.assessment.choices import BoundaryStatus, ResultSource
from resultsday.assessment.models import GradeBoundary, UnitResult
from resultsday.awarding.models import Claim
from resultsday.catalogue.choices import KeyDateKind, KeyDateScope
from resultsday.catalogue.models import (
    AwardingOrganisation,
    KeyDate,
    Qualification,
    QualificationUnit,
    Series,
    Unit,
)
from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import Centre, StandardsVerification
from resultsday.identifiers import uci_check_letter, uln_check_digit
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Entry, Learner, LearnerAccessCode, Registration
from resultsday.learners.sign_in import access_code_hash, access_code_normalise
from resultsday.tracking.choices import CheckpointKind
from resultsday.tracking.models import Checkpoint, CheckpointLearner

# Demo only: every demo account shares this password, and `make demo` prints it. The seed
# command refuses to run outside demo mode, so it can never reach a real deployment.
DEMO_PASSWORD = "resultsday-demo"
# Demo only, like the password: one demo learner signs in with their ULN, date of birth and
# this access code (`resultsday demo_logins` prints all three).
DEMO_ACCESS_CODE = "DEMO-CODE-0001"
LONDON = ZoneInfo("Europe/London")

DEMO_AO = ("demo-ao", "Demo Awarding Organisation (demo)")
OTHER_DEMO_AOS = [
    ("demo-northern", "Northern Vocational Board (demo)"),
    ("demo-southern", "Southern Skills Awards (demo)"),
]

# Demo key dates follow the pattern of Pearson's 2023 BTEC Nationals calendar (checkpoints
# late May and late June, claims by 5 July, results to centres a week before learners) as
# quoted in shared/seeds/001; the dates themselves are made up for the demo.
SERIES_DATES: dict[str, list[tuple[KeyDateKind, KeyDateScope, tuple[int, int, int, int]]]] = {
    "2027-06": [
        (KeyDateKind.REGISTRATION_DEADLINE, KeyDateScope.ALL, (2026, 10, 30, 17)),
        (KeyDateKind.ENTRY_DEADLINE, KeyDateScope.ALL, (2027, 2, 21, 17)),
        (KeyDateKind.CHECKPOINT_1, KeyDateScope.ALL, (2027, 5, 28, 17)),
        (KeyDateKind.CHECKPOINT_2, KeyDateScope.ALL, (2027, 6, 25, 17)),
        (KeyDateKind.CLAIM_DEADLINE, KeyDateScope.ALL, (2027, 7, 5, 23)),
        (KeyDateKind.RESULTS_TO_CENTRES, KeyDateScope.LEVEL3, (2027, 8, 11, 8)),
        (KeyDateKind.RESULTS_TO_LEARNERS, KeyDateScope.LEVEL3, (2027, 8, 19, 8)),
        (KeyDateKind.RESULTS_TO_CENTRES, KeyDateScope.LEVEL1_2, (2027, 8, 18, 8)),
        (KeyDateKind.RESULTS_TO_LEARNERS, KeyDateScope.LEVEL1_2, (2027, 8, 26, 8)),
        (KeyDateKind.POST_RESULTS_DEADLINE, KeyDateScope.ALL, (2027, 9, 23, 23)),
        (KeyDateKind.DECLINE_GRADE_DEADLINE, KeyDateScope.ALL, (2027, 9, 30, 23)),
    ],
    "2026-06": [
        (KeyDateKind.REGISTRATION_DEADLINE, KeyDateScope.ALL, (2025, 10, 31, 17)),
        (KeyDateKind.ENTRY_DEADLINE, KeyDateScope.ALL, (2026, 2, 21, 17)),
        (KeyDateKind.CHECKPOINT_1, KeyDateScope.ALL, (2026, 5, 29, 17)),
        (KeyDateKind.CHECKPOINT_2, KeyDateScope.ALL, (2026, 6, 26, 17)),
        (KeyDateKind.CLAIM_DEADLINE, KeyDateScope.ALL, (2026, 7, 5, 23)),
        (KeyDateKind.RESULTS_TO_CENTRES, KeyDateScope.LEVEL3, (2026, 8, 5, 8)),
        (KeyDateKind.RESULTS_TO_LEARNERS, KeyDateScope.LEVEL3, (2026, 8, 13, 8)),
    ],
}
SERIES_NAMES = {"2027-06": "Summer 2027", "2026-06": "Summer 2026"}
CURRENT_SERIES = "2027-06"

TOWNS = [
    "Ashford", "Barnsley", "Carlisle", "Dudley", "Exeter", "Fareham", "Gateshead", "Halifax",
    "Ipswich", "Kendal", "Lincoln", "Mansfield", "Newbury", "Oldham", "Penrith", "Redditch",
    "Salford", "Taunton", "Wakefield", "Yeovil", "Bolton", "Crewe", "Derby", "Stroud",
]
KINDS = ["College", "Sixth Form College", "Academy", "School", "Technical College"]
FIRST_NAMES = [
    "Aisha", "Ben", "Chloe", "Daniel", "Ella", "Finley", "Grace", "Harry", "Isla", "Jack",
    "Kai", "Layla", "Mohammed", "Nia", "Oliver", "Priya", "Quinn", "Ruby", "Sam", "Tia",
    "Usman", "Violet", "Will", "Xander", "Yusuf", "Zara", "Amelia", "Noah", "Freya", "Leo",
]
LAST_NAMES = [
    "Ahmed", "Brown", "Clarke", "Davies", "Evans", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morris", "Nowak", "O'Brien", "Patel", "Roberts", "Singh", "Taylor",
    "Walker", "Wright", "Young", "Baker", "Cooper", "Edwards", "Hall", "Kaur", "Murphy",
]

# The share of learners given each scenario (the rest are on track).
SCENARIOS: list[tuple[str, float]] = [
    ("internal_units_missing", 0.08),
    ("external_entry_missing", 0.05),
    ("invalid_unit_combination", 0.04),
    ("top_up_needed", 0.03),
    ("late_registration", 0.03),
    ("withdrawn", 0.02),
    ("completed_last_year", 0.05),
]
INTERNAL_GRADES = [("U", 0.03), ("P", 0.35), ("M", 0.40), ("D", 0.22)]
EXTERNAL_GRADES = [("U", 0.04), ("N", 0.08), ("P", 0.38), ("M", 0.32), ("D", 0.18)]


@dataclass
class DemoSummary:
    centres: int = 0
    learners: int = 0
    registrations: int = 0
    unit_results: int = 0
    entries: int = 0
    scenarios: Counter[str] = field(default_factory=Counter)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights=weights)[0]


def _scenario(rng: random.Random) -> str:
    roll = rng.random()
    for name, share in SCENARIOS:
        if roll < share:
            return name
        roll -= share
    return "on_track"


def _aware(parts: tuple[int, int, int, int]) -> dt.datetime:
    year, month, day, hour = parts
    return dt.datetime(year, month, day, hour, 0, tzinfo=LONDON)


def _uln(rng: random.Random, used: set[str]) -> str:
    while True:
        stem = str(rng.randrange(100_000_000, 999_999_999))
        digit = uln_check_digit(stem)
        if digit is not None and stem + digit not in used:
            used.add(stem + digit)
            return stem + digit


def _series(ao: AwardingOrganisation, code: str) -> Series:
    series, _ = Series.objects.get_or_create(
        awarding_organisation=ao, code=code,
        defaults={"name": SERIES_NAMES[code], "is_demo": True},
    )
    for kind, scope, parts in SERIES_DATES[code]:
        KeyDate.objects.update_or_create(
            series=series, kind=kind, applies_to=scope,
            defaults={"at": _aware(parts), "source": "demo (pattern of Pearson 2023 dates)"},
        )
    return series


@functools.cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow; the demo's accounts share one hash of the demo password.
    return make_password(DEMO_PASSWORD)


def _user(username: str, first: str, last: str) -> User:
    return User.objects.create(
        username=username, first_name=first, last_name=last, is_demo=True,
        password=_demo_password_hash(),
    )


def _structure(qualification: Qualification) -> list[QualificationUnit]:
    return list(qualification.structure.select_related("unit").order_by("-mandatory", "unit__code"))


def _chosen_units(
    rng: random.Random, structure: list[QualificationUnit], size_glh: int
) -> list[QualificationUnit]:
    """Mandatory units plus random optional units until the size is filled."""
    chosen = [p for p in structure if p.mandatory]
    optional = [p for p in structure if not p.mandatory]
    rng.shuffle(optional)
    glh = sum(p.unit.glh or 0 for p in chosen)
    for placement in optional:
        if glh >= size_glh:
            break
        chosen.append(placement)
        glh += placement.unit.glh or 0
    return chosen


def _plant_verifications(
    rng: random.Random, centres: list[Centre], qualifications: list[Qualification],
    summary: DemoSummary,
) -> None:
    """Standards verification per centre programme: released, except at a few centres."""
    programmes = sorted({(q.suite_id, q.sector) for q in qualifications})
    rows = []
    for index, centre in enumerate(centres):
        for suite_id, sector in programmes:
            status = VerificationStatus.RELEASED
            # Every fifth centre (never centre A's first programme) has one programme held up.
            if index % 5 == 2 and (suite_id, sector) == programmes[-1]:
                status = rng.choice([VerificationStatus.NOT_YET_SAMPLED,
                                     VerificationStatus.OUTSTANDING,
                                     VerificationStatus.CENTRE_ACTION])
                summary.scenarios["sv_not_released (programmes)"] += 1
            rows.append(StandardsVerification(centre=centre, suite_id=suite_id, sector=sector,
                                              status=status))
    StandardsVerification.objects.bulk_create(rows)


def _plant_checkpoints(
    centres: list[Centre], series_list: list[Series], registrations: list[Registration],
    summary: DemoSummary,
) -> None:
    """Checkpoint 1 confirmed and declared by most centres; every fourth centre has not yet."""
    now = _aware((2026, 11, 2, 10))
    by_centre: dict[tuple[int, int], list[Registration]] = {}
    for registration in registrations:
        if registration.status == RegistrationStatus.ACTIVE:
            by_centre.setdefault((registration.centre_id, registration.series_id),
                                 []).append(registration)
    rows = []
    for index, centre in enumerate(centres):
        for series in series_list:
            if index % 4 == 3 and series.code == CURRENT_SERIES:
                summary.scenarios["checkpoint_not_confirmed (centres)"] += 1
                continue
            checkpoint = Checkpoint.objects.create(
                centre=centre, series=series, kind=CheckpointKind.CHECKPOINT_1,
                declared_name=f"Head of centre {centre.number} (demo)", declared_at=now,
            )
            rows += [
                CheckpointLearner(checkpoint=checkpoint, registration=r, expects_result=True,
                                  needs_to_progress=r.needs_result_to_progress, confirmed_at=now)
                for r in by_centre.get((centre.pk, series.pk), [])
            ]
    CheckpointLearner.objects.bulk_create(rows, batch_size=2000)


def _plant_claims(
    rng: random.Random,
    plans: list[tuple[Registration, list[QualificationUnit], str, set[int]]],
    summary: DemoSummary,
) -> None:
    """Last year's completers were claimed: most on time, some late, some never."""
    claims = []
    for registration, _, scenario, _ in plans:
        if scenario != "completed_last_year":
            continue
        roll = rng.random()
        if roll < 0.15:
            summary.scenarios["claim_not_made"] += 1
            continue
        late = roll < 0.30
        if late:
            summary.scenarios["claim_late"] += 1
        claimed = _aware((2026, 7, 20, 10)) if late else _aware((2026, 6, 20, 10))
        claims.append(Claim(registration=registration, claimed_at=claimed, is_late=late))
    Claim.objects.bulk_create(claims)


@transaction.atomic
def _plant_boundaries(series: Series, units: list[Unit]) -> None:
    """Approved grade boundaries for the external units of the series already sat, so centres
    have a boundary document. Made-up marks for the demo only, not Pearson's."""
    GradeBoundary.objects.bulk_create([
        GradeBoundary(unit=unit, series=series, version=1, status=BoundaryStatus.APPROVED,
                      max_mark=60, n_boundary=10, p_boundary=20, m_boundary=33, d_boundary=46,
                      approved_at=timezone.now())
        for unit in {u.pk: u for u in units if u.is_external}.values()
    ], ignore_conflicts=True)


def demo_seed(*, seed: int, centres: int, learners: int) -> DemoSummary:
    """Build the demo data set. The same arguments always give the same data."""
    rng = random.Random(seed)
    summary = DemoSummary()
    ao, _ = AwardingOrganisation.objects.get_or_create(
        code=DEMO_AO[0], defaults={"name": DEMO_AO[1], "is_demo": True}
    )
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    current = _series(ao, CURRENT_SERIES)
    previous = _series(ao, "2026-06")
    for code, name in OTHER_DEMO_AOS:
        other, _ = AwardingOrganisation.objects.get_or_create(
            code=code, defaults={"name": name, "is_demo": True}
        )
        _series(other, CURRENT_SERIES)

    qualifications = list(
        Qualification.objects.filter(awarding_organisation=ao, size_glh__isnull=False)
        .select_related("suite")
        .order_by("qn")
    )
    if not qualifications:
        raise RuntimeError("The shipped catalogue has no qualification to register learners on.")
    structures = {q.pk: _structure(q) for q in qualifications}
    # Larger qualifications are the common Level 3 programmes; weight them up.
    weights = [1.0 + (q.size_glh or 0) / 360 for q in qualifications]
    by_suite_size = {(q.suite_id, q.sector, q.size_glh): q for q in qualifications}

    centre_objs = []
    for i in range(centres):
        number = f"{10001 + i * 37 % 90000:05d}" if i else "10001"
        name = f"{TOWNS[i % len(TOWNS)]} {KINDS[(i * 7) % len(KINDS)]} (demo)"
        centre_objs.append(Centre(number=number, name=name, is_demo=True))
    Centre.objects.bulk_create(centre_objs)
    centre_objs = list(Centre.objects.filter(number__in=[c.number for c in centre_objs]))
    for centre in centre_objs:
        centre.awarding_organisations.add(ao)
    summary.centres = len(centre_objs)

    def staff(role: Role, prefix: str, centre: Centre | None = None,
              awarding_organisation: AwardingOrganisation | None = None) -> User:
        suffix = centre.number if centre else (awarding_organisation.code if awarding_organisation else "")
        username = f"{prefix}-{suffix}" if suffix else prefix
        user = _user(username, role.label.split()[0], f"(demo {suffix or 'regulator'})")
        Membership.objects.create(user=user, role=role, centre=centre,
                                  awarding_organisation=awarding_organisation)
        return user

    for index, centre in enumerate(centre_objs):
        eo = staff(Role.EXAMS_OFFICER, "eo", centre)
        head = staff(Role.HEAD_OF_CENTRE, "head", centre)
        staff(Role.SENIOR_TEACHER, "senior", centre)
        teacher = staff(Role.TEACHER, "teacher", centre)
        if index == 0:
            summary.logins += [
                ("Exams officer, centre A", eo.username, centre.name),
                ("Head of centre, centre A", head.username, centre.name),
                ("Teacher, centre A", teacher.username, centre.name),
            ]
        if index == 1:
            summary.logins.append(("Exams officer, centre B", eo.username, centre.name))
    officer = staff(Role.AO_OFFICER, "ao-officer", awarding_organisation=ao)
    admin = staff(Role.AO_ADMIN, "ao-admin", awarding_organisation=ao)
    regulator = staff(Role.REGULATOR, "regulator")
    summary.logins += [
        ("Awarding organisation officer", officer.username, ao.name),
        ("Awarding organisation administrator", admin.username, ao.name),
        ("Regulator", regulator.username, "all awarding organisations"),
    ]

    used_ulns: set[str] = set()
    learner_objs: list[Learner] = []
    per_centre: Counter[int] = Counter()
    for i in range(learners):
        centre = centre_objs[i % len(centre_objs)]
        per_centre[centre.pk] += 1
        candidate = f"{per_centre[centre.pk]:04d}"
        uci_stem = f"{centre.number}025{candidate}"
        learner_objs.append(
            Learner(
                centre=centre, candidate_number=candidate, uln=_uln(rng, used_ulns),
                uci=uci_stem + uci_check_letter(uci_stem),
                first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                date_of_birth=dt.date(2008, 9, 1) + dt.timedelta(days=rng.randrange(365)),
                ucas_personal_id=f"{rng.randrange(10**9, 10**10)}" if rng.random() < 0.4 else "",
                is_demo=True,
            )
        )
    Learner.objects.bulk_create(learner_objs, batch_size=1000)
    learner_objs = list(Learner.objects.filter(is_demo=True).select_related("centre").order_by("pk"))
    summary.learners = len(learner_objs)

    learner_user = _user("learner", learner_objs[0].first_name, learner_objs[0].last_name)
    Learner.objects.filter(pk=learner_objs[0].pk).update(user=learner_user)
    summary.logins.append(("Learner", learner_user.username, learner_objs[0].centre.name))
    # A second learner at the same centre signs in with the demo access code instead.
    code_learner = learner_objs[len(centre_objs)] if len(learner_objs) > len(centre_objs) else None
    if code_learner is not None:
        LearnerAccessCode.objects.create(
            learner=code_learner, code_hash=access_code_hash(access_code_normalise(DEMO_ACCESS_CODE)),
            issued_at=_aware((2026, 9, 1, 9)),
        )

    registrations: list[Registration] = []
    plans: list[tuple[Registration, list[QualificationUnit], str, set[int]]] = []
    for index, learner in enumerate(learner_objs):
        scenario = "on_track" if index == 0 else _scenario(rng)
        summary.scenarios[scenario] += 1
        qualification = rng.choices(qualifications, weights=weights)[0]
        series = previous if scenario == "completed_last_year" else current
        registration = Registration(
            learner=learner, centre=learner.centre, qualification=qualification, series=series,
            registered_on=dt.date(2025 if series == current else 2024, 9, rng.randrange(1, 29)),
            status=RegistrationStatus.WITHDRAWN if scenario == "withdrawn"
            else RegistrationStatus.ACTIVE,
            needs_result_to_progress=rng.random() < 0.6,
            ucas_applicant=bool(learner.ucas_personal_id),
            is_late=scenario == "late_registration",
        )
        registrations.append(registration)
        chosen = _chosen_units(rng, structures[qualification.pk], qualification.size_glh or 0)
        plans.append((registration, chosen, scenario, set()))
        if scenario == "top_up_needed":
            smaller = [q for (suite, sector, size), q in by_suite_size.items()
                       if suite == qualification.suite_id and sector == qualification.sector
                       and size is not None and size < (qualification.size_glh or 0)]
            if smaller:
                # The learner's results are split: some units sit on a smaller registration.
                small = rng.choice(smaller)
                extra = Registration(
                    learner=learner, centre=learner.centre, qualification=small, series=series,
                    registered_on=registration.registered_on, ucas_applicant=False,
                )
                registrations.append(extra)
                moved = [p for p in structures[small.pk] if p.mandatory][:2]
                plans.append((extra, moved, "top_up_split", set()))
                plans[-2][3].update(p.unit_id for p in moved)
    Registration.objects.bulk_create(registrations, batch_size=1000)
    summary.registrations = len(registrations)

    unit_results: list[UnitResult] = []
    entries: list[Entry] = []
    suite_units = {q.pk: [p.unit for p in structures[q.pk]] for q in qualifications}
    for registration, chosen, scenario, moved_away in plans:
        chosen = [p for p in chosen if p.unit_id not in moved_away]
        internal = [p for p in chosen if not p.unit.is_external]
        external = [p for p in chosen if p.unit.is_external]
        missing_internal: set[int] = set()
        if scenario == "internal_units_missing" and internal:
            missing_internal = {p.unit_id for p in rng.sample(internal, k=min(2, len(internal)))}
        missing_entry: set[int] = set()
        if scenario == "external_entry_missing" and external:
            missing_entry = {rng.choice(external).unit_id}
        for placement in internal:
            if placement.unit_id in missing_internal:
                continue
            grade = _pick(rng, INTERNAL_GRADES)
            retake = grade == "U" and rng.random() < 0.5
            unit_results.append(UnitResult(
                registration=registration, unit=placement.unit, attempt=1,
                source=ResultSource.CENTRE, grade=grade,
            ))
            if retake:
                unit_results.append(UnitResult(
                    registration=registration, unit=placement.unit, attempt=2,
                    source=ResultSource.CENTRE, grade="P", is_retake=True,
                ))
        for placement in external:
            if placement.unit_id in missing_entry:
                continue
            sat_already = registration.series == previous or rng.random() < 0.3
            if sat_already:
                unit_results.append(UnitResult(
                    registration=registration, unit=placement.unit, attempt=1,
                    source=ResultSource.MARKED, grade=_pick(rng, EXTERNAL_GRADES),
                    series=previous,
                ))
                if registration.series == previous:
                    # Last year's completers sat it on an entry in their own series: their
                    # results were embargoed until results day (release policy).
                    entries.append(Entry(registration=registration, unit=placement.unit,
                                         series=previous))
            else:
                entries.append(Entry(registration=registration, unit=placement.unit,
                                     series=registration.series))
        if scenario == "invalid_unit_combination":
            # A unit of the suite that this size does not include: the wrong combination.
            outside = [u for q, units in suite_units.items() if q != registration.qualification_id
                       for u in units if u.suite_id == registration.qualification.suite_id
                       and not u.is_external
                       and u.pk not in {p.unit_id for p in structures[registration.qualification_id]}]
            if outside:
                unit_results.append(UnitResult(
                    registration=registration, unit=rng.choice(outside), attempt=1,
                    source=ResultSource.CENTRE, grade=_pick(rng, INTERNAL_GRADES[1:]),
                ))
    _plant_verifications(rng, centre_objs, qualifications, summary)
    _plant_checkpoints(centre_objs, [current, previous], registrations, summary)
    _plant_claims(rng, plans, summary)
    UnitResult.objects.bulk_create(unit_results, batch_size=2000)
    Entry.objects.bulk_create(entries, batch_size=2000)
    _plant_boundaries(previous, [p.unit for q in qualifications for p in structures[q.pk]])
    summary.unit_results = len(unit_results)
    summary.entries = len(entries)

    audit_record(
        actor=None, action=AuditAction.DEMO_SEEDED, awarding_organisation=ao,
        summary=f"Demo data: {summary.centres} centres, {summary.learners} learners, "
        f"{summary.registrations} registrations (seed {seed})",
    )
    return summary
