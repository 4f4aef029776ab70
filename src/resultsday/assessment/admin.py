from django.contrib import admin

from resultsday.accounts.admin import ReadOnlyAdmin
from resultsday.assessment.models import UnitResult


@admin.register(UnitResult)
class UnitResultAdmin(ReadOnlyAdmin):
    list_display = ["registration", "unit", "attempt", "grade", "source", "is_retake"]
    list_filter = ["source", "grade"]
    raw_id_fields = ["registration", "reported_by"]
