from django.db import models


class Role(models.TextChoices):
    EXAMS_OFFICER = "exams_officer", "Exams officer"
    HEAD_OF_CENTRE = "head_of_centre", "Head of centre"
    SENIOR_TEACHER = "senior_teacher", "Senior teacher"
    TEACHER = "teacher", "Teacher"
    AO_OFFICER = "ao_officer", "Awarding organisation officer"
    AO_ADMIN = "ao_admin", "Awarding organisation administrator"
    REGULATOR = "regulator", "Regulator"


CENTRE_ROLES = frozenset(
    {Role.EXAMS_OFFICER, Role.HEAD_OF_CENTRE, Role.SENIOR_TEACHER, Role.TEACHER}
)
AO_ROLES = frozenset({Role.AO_OFFICER, Role.AO_ADMIN})


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", "Signed in"
    LOGIN_FAILED = "auth.login_failed", "Sign-in failed"
    LOGOUT = "auth.logout", "Signed out"
    MEMBERSHIP_GRANTED = "membership.granted", "Role granted"
    CATALOGUE_LOADED = "catalogue.loaded", "Catalogue loaded"
    SERIES_KEY_DATE_SET = "series.key_date_set", "Series key date set"
    LEARNER_CREATED = "learner.created", "Learner created"
    LEARNER_AMENDED = "learner.amended", "Learner details amended"
    REGISTRATION_CREATED = "registration.created", "Registration created"
    REGISTRATION_WITHDRAWN = "registration.withdrawn", "Registration withdrawn"
    REGISTRATION_TOPPED_UP = "registration.topped_up", "Registration topped up"
    ENTRY_CREATED = "entry.created", "Entry made"
    ENTRY_WITHDRAWN = "entry.withdrawn", "Entry withdrawn"
    UNIT_RESULT_RECORDED = "unit_result.recorded", "Unit result recorded"
    UNIT_RESULT_CHANGED = "unit_result.changed", "Unit result changed"
    GRADE_BOUNDARY_SAVED = "grade_boundary.saved", "Grade boundaries drafted"
    GRADE_BOUNDARY_APPROVED = "grade_boundary.approved", "Grade boundaries approved"
    MARKS_IMPORTED = "marks.imported", "Raw marks imported"
    VERIFICATION_STATUS_SET = "verification.status_set", "Standards verification status set"
    RESULT_VERSION_CREATED = "result.version_created", "Qualification result changed"
    DEMO_SEEDED = "demo.seeded", "Demo data created"
    AWARDING_RUN_STARTED = "awarding.run_started", "Awarding run started"
    AWARDING_RUN_FINISHED = "awarding.run_finished", "Awarding run finished"
    CLAIM_SUBMITTED = "claim.submitted", "Full award claim made"
    RESULT_DECLINED = "result.declined", "Grade declined to resit"
    API_TOKEN_CREATED = "api_token.created", "API key created"
    API_TOKEN_REVOKED = "api_token.revoked", "API key revoked"
    ADMIN_ADDED = "admin.added", "Added in the admin site"
    ADMIN_CHANGED = "admin.changed", "Changed in the admin site"
    ADMIN_DELETED = "admin.deleted", "Deleted in the admin site"
    CHECKPOINT_CONFIRMED = "checkpoint.confirmed", "Checkpoint answers recorded"
    CHECKPOINT_DECLARED = "checkpoint.declared", "Checkpoint declared by the head of centre"
    RESULT_RELEASED_AT_DISCRETION = (
        "result.released_at_discretion", "Result released to the learner by the centre"
    )
    RESULTS_EXPORTED = "results.exported", "Results downloaded"
    LOGIN_LOCKED_OUT = "auth.locked_out", "Sign-in locked after too many failed attempts"
    LEARNER_INVITED = "learner.invited", "Learner invited to sign in"
    LEARNER_INVITATION_ACCEPTED = "learner.invitation_accepted", "Learner accepted an invitation"
    LEARNER_ACCESS_CODE_ISSUED = "learner.access_code_issued", "Learner access code issued"
    LEARNER_ACCESS_CODES_ISSUED = (
        "learner.access_codes_issued", "Access codes issued to a group of learners"
    )
    LEARNER_ACCESS_CODE_WITHDRAWN = "learner.access_code_withdrawn", "Learner access code withdrawn"
    LEARNER_INVITATION_CANCELLED = "learner.invitation_cancelled", "Learner invitation cancelled"
    STATEMENT_DOWNLOADED = "statement.downloaded", "Statement of results downloaded"
