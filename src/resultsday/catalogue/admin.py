from django.contrib import admin

from resultsday.catalogue.models import (
    AwardingOrganisation,
    KeyDate,
    Qualification,
    QualificationUnit,
    Series,
    Suite,
    Unit,
)
from resultsday.release.cache import all_results_changed


@admin.register(AwardingOrganisation)
class AwardingOrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_demo"]
    search_fields = ["code", "name"]


@admin.register(Suite)
class SuiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "awarding_organisation"]


class QualificationUnitInline(admin.TabularInline):
    model = QualificationUnit
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["qn", "title", "size_glh", "level", "results_day_type", "is_active"]
    list_filter = ["suite", "results_day_type", "level"]
    search_fields = ["qn", "title"]
    inlines = [QualificationUnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "number", "title", "glh", "assessment", "suite"]
    list_filter = ["suite", "assessment"]
    search_fields = ["code", "title"]


class KeyDateInline(admin.TabularInline):
    model = KeyDate
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "awarding_organisation", "is_demo"]
    inlines = [KeyDateInline]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        # Release times are key dates: cached learner results carry them, so drop them all.
        all_results_changed()
