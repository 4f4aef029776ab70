"""Every permission in the platform, named once, and which roles hold it.

Views and API operations declare the permission they need (see `access.requires`); a test walks
every URL and fails when a view declares none. Scope (which centre, which AO) is applied by the
selectors in `access.py`, never by the permission alone.
"""

from __future__ import annotations

from enum import StrEnum

from resultsday.accounts.choices import Role


class Permission(StrEnum):
    CENTRE_VIEW = "centre:view"
    CENTRE_LEARNERS_READ = "centre:learners:read"
    CENTRE_LEARNERS_WRITE = "centre:learners:write"
    CENTRE_RESULTS_READ = "centre:results:read"
    CENTRE_AUDIT_READ = "centre:audit:read"
    GRADE_CALCULATOR_USE = "grading:calculator:use"
    AO_VIEW = "ao:view"
    AO_CATALOGUE_READ = "ao:catalogue:read"
    AO_CENTRES_READ = "ao:centres:read"
    AO_AUDIT_READ = "ao:audit:read"
    REGULATOR_VIEW = "regulator:view"
    LEARNER_OWN_RESULTS_READ = "learner:own-results:read"


_CENTRE_STAFF = {
    Permission.CENTRE_VIEW,
    Permission.CENTRE_LEARNERS_READ,
    Permission.GRADE_CALCULATOR_USE,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.EXAMS_OFFICER: frozenset(
        _CENTRE_STAFF
        | {
            Permission.CENTRE_LEARNERS_WRITE,
            Permission.CENTRE_RESULTS_READ,
            Permission.CENTRE_AUDIT_READ,
        }
    ),
    Role.HEAD_OF_CENTRE: frozenset(
        _CENTRE_STAFF | {Permission.CENTRE_RESULTS_READ, Permission.CENTRE_AUDIT_READ}
    ),
    Role.SENIOR_TEACHER: frozenset(_CENTRE_STAFF | {Permission.CENTRE_RESULTS_READ}),
    Role.TEACHER: frozenset(_CENTRE_STAFF),
    Role.AO_OFFICER: frozenset(
        {
            Permission.AO_VIEW,
            Permission.AO_CATALOGUE_READ,
            Permission.AO_CENTRES_READ,
            Permission.GRADE_CALCULATOR_USE,
        }
    ),
    Role.AO_ADMIN: frozenset(
        {
            Permission.AO_VIEW,
            Permission.AO_CATALOGUE_READ,
            Permission.AO_CENTRES_READ,
            Permission.AO_AUDIT_READ,
            Permission.GRADE_CALCULATOR_USE,
        }
    ),
    Role.REGULATOR: frozenset({Permission.REGULATOR_VIEW}),
}

# Learners hold no membership: their permissions come from owning a learner record.
LEARNER_PERMISSIONS = frozenset(
    {Permission.LEARNER_OWN_RESULTS_READ, Permission.GRADE_CALCULATOR_USE}
)

# Centre data that AO staff may read for the centres their AO approves (never write).
CENTRE_READS_VIA_AO: dict[Permission, Permission] = {
    Permission.CENTRE_VIEW: Permission.AO_CENTRES_READ,
    Permission.CENTRE_LEARNERS_READ: Permission.AO_CENTRES_READ,
    Permission.CENTRE_RESULTS_READ: Permission.AO_CENTRES_READ,
}
