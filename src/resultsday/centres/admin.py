from django.contrib import admin

from resultsday.centres.models import Centre


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "is_demo"]
    search_fields = ["number", "name"]
    filter_horizontal = ["awarding_organisations"]
