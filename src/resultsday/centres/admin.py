from django.contrib import admin

from resultsday.accounts.admin import ReadOnlyAdmin
from resultsday.catalogue.admin import ResultsShapingAdmin
from resultsday.centres.models import Centre, StandardsVerification


@admin.register(Centre)
class CentreAdmin(ResultsShapingAdmin):
    list_display = ["number", "name", "is_demo"]
    search_fields = ["number", "name"]
    filter_horizontal = ["awarding_organisations"]


@admin.register(StandardsVerification)
class StandardsVerificationAdmin(ReadOnlyAdmin):
    list_display = ["centre", "suite", "sector", "status", "updated_at"]
    list_filter = ["status", "suite"]
