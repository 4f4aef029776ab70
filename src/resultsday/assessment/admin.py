from django.contrib import admin

from resultsday.assessment.models import UnitResult


@admin.register(UnitResult)
class UnitResultAdmin(admin.ModelAdmin):
    list_display = ["registration", "unit", "attempt", "grade", "source", "is_retake"]
    list_filter = ["source", "grade"]
    raw_id_fields = ["registration", "reported_by"]
