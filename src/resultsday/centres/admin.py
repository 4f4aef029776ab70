from django.contrib import admin

from resultsday.centres.models import Centre, StandardsVerification


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "is_demo"]
    search_fields = ["number", "name"]
    filter_horizontal = ["awarding_organisations"]


@admin.register(StandardsVerification)
class StandardsVerificationAdmin(admin.ModelAdmin):
    list_display = ["centre", "suite", "sector", "status", "updated_at"]
    list_filter = ["status", "suite"]
