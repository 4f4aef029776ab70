from django.db import models


class UnitGrade(models.TextChoices):
    """Unit grades of BTEC Nationals (2016). N (Near Pass) exists only for external units."""

    D = "D", "Distinction"
    M = "M", "Merit"
    P = "P", "Pass"
    N = "N", "Near Pass"
    U = "U", "Unclassified"


class ResultSource(models.TextChoices):
    CENTRE = "centre", "Reported by the centre (internal assessment)"
    MARKED = "marked", "Marked by the awarding organisation (external assessment)"
    CARRIED = "carried", "Carried forward from an earlier registration"


# The grades a centre reports for an internally assessed unit (Near Pass is external only),
# and the highest grade a retake of an internal unit can achieve (S1 p.342).
INTERNAL_GRADES: tuple[UnitGrade, ...] = (UnitGrade.U, UnitGrade.P, UnitGrade.M, UnitGrade.D)
RETAKE_CAP = UnitGrade.P
RETAKE_CAPPED_GRADES: frozenset[str] = frozenset({UnitGrade.M, UnitGrade.D})


class BoundaryStatus(models.TextChoices):
    """A version of one assessment's grade boundaries. Only a draft can change; approving a
    draft supersedes the approved version it replaces, which stays as it was, for the record."""

    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"
