from django.contrib import admin

from resultsday.tracking.models import Checkpoint, TrackingReport


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["centre", "series", "kind", "declared_name", "declared_at"]
    list_filter = ["kind", "series"]


@admin.register(TrackingReport)
class TrackingReportAdmin(admin.ModelAdmin):
    list_display = ["centre", "created_at", "trigger", "row_count"]
    exclude = ["xlsx", "csv"]
