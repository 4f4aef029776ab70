from django.contrib import admin

from resultsday.accounts.admin import ReadOnlyAdmin
from resultsday.learners.models import (
    Entry,
    Learner,
    LearnerAccessCode,
    LearnerInvitation,
    Registration,
)


@admin.register(Learner)
class LearnerAdmin(ReadOnlyAdmin):
    list_display = ["candidate_number", "last_name", "first_name", "uln", "centre", "is_demo"]
    search_fields = ["last_name", "first_name", "uln", "uci", "candidate_number"]
    list_select_related = ["centre"]
    raw_id_fields = ["user"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["learner", "qualification", "series", "status", "is_late", "ucas_applicant"]
    list_filter = ["status", "series", "is_late"]
    raw_id_fields = ["learner", "topped_up_from"]
    list_select_related = ["learner", "qualification", "series"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["registration", "unit", "series", "status", "is_late"]
    raw_id_fields = ["registration"]


@admin.register(LearnerInvitation)
class LearnerInvitationAdmin(ReadOnlyAdmin):
    list_display = ["learner", "email", "created_at", "expires_at", "used_at", "revoked_at"]
    raw_id_fields = ["learner", "invited_by"]
    exclude = ["token_hash"]


@admin.register(LearnerAccessCode)
class LearnerAccessCodeAdmin(ReadOnlyAdmin):
    list_display = ["learner", "issued_at", "last_used_at"]
    raw_id_fields = ["learner", "issued_by"]
    exclude = ["code_hash"]
