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
    CENTRE_RESULTS_RELEASE = "centre:results:release"
    CENTRE_AUDIT_READ = "centre:audit:read"
    CENTRE_UNIT_GRADES_WRITE = "centre:unit-grades:write"
    CENTRE_CLAIMS_WRITE = "centre:claims:write"
    CENTRE_CHECKPOINT_WRITE = "centre:checkpoints:write"
    CENTRE_CHECKPOINT_DECLARE = "centre:checkpoints:declare"
    GRADE_CALCULATOR_USE = "grading:calculator:use"
    AO_VIEW = "ao:view"
    AO_CATALOGUE_READ = "ao:catalogue:read"
    AO_CENTRES_READ = "ao:centres:read"
    AO_AUDIT_READ = "ao:audit:read"
    AO_VERIFICATION_WRITE = "ao:verification:write"
    AO_AWARDING_RUN = "ao:awarding:run"
    AO_BOUNDARIES_WRITE = "ao:boundaries:write"
    AO_TRACKING_READ = "ao:tracking:read"
    AO_EMBARGOED_VIEWS_READ = "ao:embargoed-views:read"
    REGULATOR_VIEW = "regulator:view"
    LEARNER_OWN_RESULTS_READ = "learner:own-results:read"
    # An API key is for staff software (an MIS): a learner has none, so a lost access code
    # cannot be turned into a key that outlives the code's withdrawal.
    API_KEYS_MANAGE = "account:api-keys:manage"


_CENTRE_STAFF = {
    Permission.CENTRE_VIEW,
    Permission.CENTRE_LEARNERS_READ,
    Permission.GRADE_CALCULATOR_USE,
    Permission.API_KEYS_MANAGE,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.EXAMS_OFFICER: frozenset(
        _CENTRE_STAFF
        | {
            Permission.CENTRE_LEARNERS_WRITE,
            Permission.CENTRE_CLAIMS_WRITE,
            Permission.CENTRE_CHECKPOINT_WRITE,
            Permission.CENTRE_RESULTS_READ,
            Permission.CENTRE_RESULTS_RELEASE,
            Permission.CENTRE_AUDIT_READ,
            Permission.CENTRE_UNIT_GRADES_WRITE,
        }
    ),
    # The head of centre signs the checkpoint declarations (Ofqual's designated senior contact).
    Role.HEAD_OF_CENTRE: frozenset(
        _CENTRE_STAFF
        | {
            Permission.CENTRE_RESULTS_READ,
            Permission.CENTRE_AUDIT_READ,
            Permission.CENTRE_CHECKPOINT_DECLARE,
        }
    ),
    # Internal grades are reported once internally verified: by the senior teacher (in BTEC
    # terms the Lead Internal Verifier) or the exams officer. A teacher (assessor) reads them.
    Role.SENIOR_TEACHER: frozenset(
        _CENTRE_STAFF | {Permission.CENTRE_RESULTS_READ, Permission.CENTRE_UNIT_GRADES_WRITE}
    ),
    Role.TEACHER: frozenset(_CENTRE_STAFF),
    Role.AO_OFFICER: frozenset(
        {
            Permission.AO_VIEW,
            Permission.AO_CATALOGUE_READ,
            Permission.AO_CENTRES_READ,
            Permission.AO_AWARDING_RUN,
            Permission.AO_BOUNDARIES_WRITE,
            Permission.AO_VERIFICATION_WRITE,
            Permission.AO_TRACKING_READ,
            Permission.AO_EMBARGOED_VIEWS_READ,
            Permission.GRADE_CALCULATOR_USE,
            Permission.API_KEYS_MANAGE,
        }
    ),
    Role.AO_ADMIN: frozenset(
        {
            Permission.AO_VIEW,
            Permission.AO_CATALOGUE_READ,
            Permission.AO_CENTRES_READ,
            Permission.AO_AUDIT_READ,
            Permission.AO_AWARDING_RUN,
            Permission.AO_BOUNDARIES_WRITE,
            Permission.AO_VERIFICATION_WRITE,
            Permission.AO_TRACKING_READ,
            Permission.AO_EMBARGOED_VIEWS_READ,
            Permission.GRADE_CALCULATOR_USE,
            Permission.API_KEYS_MANAGE,
        }
    ),
    Role.REGULATOR: frozenset({Permission.REGULATOR_VIEW, Permission.API_KEYS_MANAGE}),
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
