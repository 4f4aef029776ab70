"""Builders and page checks shared by the test suites (imported only by tests and benches).

Builders make deep object graphs in one call with sensible defaults, so a test names only what
it is about. Personas are the named people the tests talk about.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import html5lib
from django.test import Client
from django.utils import timezone

from resultsday.accounts.choices import Role
from resultsday.accounts.models import Membership, User
from resultsday.assessment.choices import ResultSource
from resultsday.assessment.models import UnitResult
from resultsday.catalogue.choices import Assessment, KeyDateKind, ResultsDayType
from resultsday.catalogue.models import (
    AwardingOrganisation,
    KeyDate,
    Qualification,
    QualificationUnit,
    Series,
    Suite,
    Unit,
)
from resultsday.centres.models import Centre
from resultsday.identifiers import uci_check_letter, uln_check_digit
from resultsday.learners.models import Learner, Registration

_counter = itertools.count(1)


def make_ao(code: str = "demo-ao", name: str = "Demo Awarding Organisation") -> AwardingOrganisation:
    ao, _ = AwardingOrganisation.objects.get_or_create(code=code, defaults={"name": name})
    return ao


def make_qualification(
    ao: AwardingOrganisation | None = None, *, qn: str = "601/7157/7", size_glh: int = 180
) -> Qualification:
    """A small two-unit qualification (one internal, one external), like the Business Certificate."""
    ao = ao or make_ao()
    suite, _ = Suite.objects.get_or_create(
        code="btec-nationals-2016",
        defaults={"awarding_organisation": ao, "name": "BTEC Nationals (2016)"},
    )
    qualification = Qualification.objects.create(
        awarding_organisation=ao, suite=suite, qn=qn, title=f"Test qualification {qn}",
        level=3, size_glh=size_glh, results_day_type=ResultsDayType.LEVEL3,
    )
    for code, glh, assessment in [("T1", 90, Assessment.INTERNAL), ("T2", 90, Assessment.EXTERNAL)]:
        unit, _ = Unit.objects.get_or_create(
            suite=suite, code=code,
            defaults={"number": code[1:], "title": f"Unit {code}", "glh": glh,
                      "assessment": assessment},
        )
        QualificationUnit.objects.create(qualification=qualification, unit=unit, mandatory=True)
    return qualification


def make_series(ao: AwardingOrganisation | None = None, code: str = "2026-06") -> Series:
    ao = ao or make_ao()
    series, created = Series.objects.get_or_create(
        awarding_organisation=ao, code=code, defaults={"name": f"Summer {code[:4]}"}
    )
    if created:
        year = int(code[:4])
        for kind, month, day in [
            (KeyDateKind.CLAIM_DEADLINE, 7, 5),
            (KeyDateKind.RESULTS_TO_CENTRES, 8, 6),
            (KeyDateKind.RESULTS_TO_LEARNERS, 8, 13),
        ]:
            KeyDate.objects.create(
                series=series, kind=kind,
                at=timezone.make_aware(dt.datetime(year, month, day, 8, 0)),
            )
    return series


def make_centre(number: str, ao: AwardingOrganisation | None = None) -> Centre:
    centre, _ = Centre.objects.get_or_create(number=number, defaults={"name": f"Centre {number}"})
    centre.awarding_organisations.add(ao or make_ao())
    return centre


def make_user(username: str, *, role: Role | None = None, centre: Centre | None = None,
              ao: AwardingOrganisation | None = None) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery staple")
    if role is not None:
        Membership.objects.create(user=user, role=role, centre=centre, awarding_organisation=ao)
    return user


def valid_uln(n: int) -> str:
    """The n-th valid ULN (a real mod-11 check digit; demo and tests only)."""
    stem = 100_000_000 + n * 11
    while (digit := uln_check_digit(str(stem))) is None:
        stem += 1
    return f"{stem}{digit}"


def make_learner(centre: Centre, *, first_name: str = "Ada", last_name: str = "Lovelace",
                 user: User | None = None) -> Learner:
    n = next(_counter)
    stem = f"{centre.number}026{n % 10000:04d}"  # centre, UK "0", year 26, candidate
    return Learner.objects.create(
        centre=centre, candidate_number=f"{n % 10000:04d}", uln=valid_uln(n),
        uci=stem + uci_check_letter(stem), first_name=first_name, last_name=last_name,
        date_of_birth=dt.date(2008, 1, 1 + n % 28), user=user,
    )


def make_registration(learner: Learner, qualification: Qualification,
                      series: Series | None = None, **kwargs: Any) -> Registration:
    return Registration.objects.create(
        learner=learner, centre=learner.centre, qualification=qualification,
        series=series or make_series(qualification.awarding_organisation),
        registered_on=dt.date(2024, 9, 1), **kwargs,
    )


def record_unit_result(registration: Registration, unit_code: str, grade: str) -> UnitResult:
    unit = registration.qualification.structure.get(unit__code=unit_code).unit
    return UnitResult.objects.create(
        registration=registration, unit=unit, grade=grade,
        source=ResultSource.MARKED if unit.is_external else ResultSource.CENTRE,
    )


@dataclass
class World:
    """The named personas of the test suite and the two centres they work at."""

    ao: AwardingOrganisation
    other_ao: AwardingOrganisation
    qualification: Qualification
    centre_a: Centre
    centre_b: Centre
    exams_officer_a: User
    exams_officer_b: User
    head_of_centre_a: User
    teacher_a: User
    learner_user: User
    learner: Learner
    learner_b: Learner
    registration: Registration
    registration_b: Registration
    ao_officer: User
    other_ao_officer: User
    regulator: User


def build_world() -> World:
    ao = make_ao()
    other_ao = make_ao("other-ao", "Other Awarding Organisation")
    qualification = make_qualification(ao)
    centre_a = make_centre("10001", ao)
    centre_b = make_centre("20002", ao)
    learner_user = make_user("learner")
    learner = make_learner(centre_a, user=learner_user)
    learner_b = make_learner(centre_b, first_name="Grace", last_name="Hopper")
    registration = make_registration(learner, qualification)
    registration_b = make_registration(learner_b, qualification)
    record_unit_result(registration, "T1", "M")
    return World(
        ao=ao, other_ao=other_ao, qualification=qualification,
        centre_a=centre_a, centre_b=centre_b,
        exams_officer_a=make_user("eo_a", role=Role.EXAMS_OFFICER, centre=centre_a),
        exams_officer_b=make_user("eo_b", role=Role.EXAMS_OFFICER, centre=centre_b),
        head_of_centre_a=make_user("head_a", role=Role.HEAD_OF_CENTRE, centre=centre_a),
        teacher_a=make_user("teacher_a", role=Role.TEACHER, centre=centre_a),
        learner_user=learner_user, learner=learner, learner_b=learner_b,
        registration=registration, registration_b=registration_b,
        ao_officer=make_user("ao_officer", role=Role.AO_OFFICER, ao=ao),
        other_ao_officer=make_user("other_ao_officer", role=Role.AO_OFFICER, ao=other_ao),
        regulator=make_user("regulator", role=Role.REGULATOR),
    )


class PageProblem(AssertionError):
    pass


def check_page(html: str, url: str = "") -> None:
    """Fail unless the page parses as HTML, has a title, unique ids and forms with actions."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        doc = parser.parse(html)
    except html5lib.html5parser.ParseError as exc:
        raise PageProblem(f"{url}: HTML does not parse: {exc}") from exc
    title = doc.find(".//title")
    if title is None or not (title.text or "").strip() or (title.text or "").strip().startswith("–"):
        raise PageProblem(f"{url}: the page has no title")
    seen: set[str] = set()
    for element in doc.iter():
        element_id = element.get("id")
        if element_id is None:
            continue
        if element_id in seen:
            raise PageProblem(f"{url}: the id {element_id!r} is used more than once")
        seen.add(element_id)
    for form in doc.iter("form"):
        if not form.get("action"):
            raise PageProblem(f"{url}: a form has no action")


def get_page(client: Client, url: str, *, status: int = 200, **kwargs: Any) -> Any:
    """GET a page, assert its status, and check the page's quality when it is HTML."""
    response = client.get(url, **kwargs)
    assert response.status_code == status, f"{url}: {response.status_code} != {status}"
    if status == 200 and response.get("Content-Type", "").startswith("text/html"):
        check_page(response.content.decode(), url)
    return response
