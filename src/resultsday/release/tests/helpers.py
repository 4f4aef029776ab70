"""What the release tests share: the test series' release times, issuing a result, and who
among centre and AO staff sees an embargoed result at each time."""

from __future__ import annotations

import datetime as dt

from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.models import QualificationResult
from resultsday.learners.models import Registration

# The test series: results to centres 6 August 08:00, to learners 13 August 08:00 (London).
BEFORE = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)
BETWEEN = dt.datetime(2026, 8, 10, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)
WHEN = {"before": BEFORE, "between": BETWEEN, "after": AFTER}
GRADE = "DD"

# Who sees an embargoed result, before the centre release, between and after the learner release.
STAFF_SEE_EMBARGOED = [
    ("exams_officer_a", {"before": False, "between": True, "after": True}),
    ("head_of_centre_a", {"before": False, "between": True, "after": True}),
    ("senior_teacher_a", {"before": False, "between": True, "after": True}),
    ("teacher_a", {"before": False, "between": False, "after": True}),
    ("ao_officer", {"before": True, "between": True, "after": True}),
]


def issue(registration: Registration, grade: str = GRADE, points: int | None = 96, *,
          status: str = ResultStatus.ISSUED, reason: str = "Awarded.") -> QualificationResult:
    return QualificationResult.objects.create(
        registration=registration, status=status, grade=grade, points=points, reason=reason,
    )
