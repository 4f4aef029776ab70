from django.contrib import admin

from resultsday.accounts.admin import ReadOnlyAdmin
from resultsday.awarding.models import Claim, QualificationResult, QualificationResultVersion


class VersionInline(admin.TabularInline):
    model = QualificationResultVersion
    extra = 0
    can_delete = False
    readonly_fields = ["version", "status", "grade", "points", "previous_grade", "reason",
                       "created_at"]
    exclude = ["explanation"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(QualificationResult)
class QualificationResultAdmin(ReadOnlyAdmin):
    """Read-only: a result changes only through an awarding run, which writes an immutable
    version with its reason, flags the UCAS feed and refreshes the learners' results cache."""

    list_display = ["registration", "status", "grade", "points", "version"]
    list_filter = ["status"]
    raw_id_fields = ["registration"]
    inlines = [VersionInline]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["registration", "claimed_at", "is_late"]
    list_filter = ["is_late"]
    raw_id_fields = ["registration", "claimed_by"]
