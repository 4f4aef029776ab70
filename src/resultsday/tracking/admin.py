from django.contrib import admin

from resultsday.accounts.admin import ReadOnlyAdmin
from resultsday.tracking.models import Checkpoint, TrackingReport


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["centre", "series", "kind", "declared_name", "declared_at"]
    list_filter = ["kind", "series"]


@admin.register(TrackingReport)
class TrackingReportAdmin(ReadOnlyAdmin):
    list_display = ["centre", "created_at", "trigger", "row_count"]
    exclude = ["xlsx", "csv"]
