from django.contrib import admin
from django.http import HttpRequest

from resultsday.accounts.admin import AuditedAdmin
from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_record
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


class ResultsShapingAdmin(AuditedAdmin):
    """Reference data that cached learner results carry (release times worked out from a
    qualification's results day, whether a unit is external and so embargoed, titles and
    names): any change in the admin drops every cached result, as a key date's does, so a
    learner never sees a result by an old rule (release/cache.py)."""

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        all_results_changed()

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        all_results_changed()

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        super().delete_queryset(request, queryset)
        all_results_changed()


@admin.register(AwardingOrganisation)
class AwardingOrganisationAdmin(ResultsShapingAdmin):
    list_display = ["code", "name", "is_demo"]
    search_fields = ["code", "name"]


@admin.register(Suite)
class SuiteAdmin(ResultsShapingAdmin):
    list_display = ["code", "name", "awarding_organisation"]


class QualificationUnitInline(admin.TabularInline):
    model = QualificationUnit
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Qualification)
class QualificationAdmin(ResultsShapingAdmin):
    list_display = ["qn", "title", "size_glh", "level", "results_day_type", "is_active"]
    list_filter = ["suite", "results_day_type", "level"]
    search_fields = ["qn", "title"]
    inlines = [QualificationUnitInline]


@admin.register(Unit)
class UnitAdmin(ResultsShapingAdmin):
    list_display = ["code", "number", "title", "glh", "assessment", "suite"]
    list_filter = ["suite", "assessment"]
    search_fields = ["code", "title"]


class KeyDateInline(admin.TabularInline):
    model = KeyDate
    extra = 0


@admin.register(Series)
class SeriesAdmin(ResultsShapingAdmin):
    list_display = ["code", "name", "awarding_organisation", "is_demo"]
    inlines = [KeyDateInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        """Key dates (release times among them: they decide the embargo) are audited one by
        one with their value before and after."""
        if formset.model is not KeyDate:
            return super().save_formset(request, form, formset, change)
        # As stored (the forms' instances already hold the new values), by the form's
        # instance: a deleted one has lost its id by the time it is audited.
        stored = KeyDate.objects.in_bulk(
            [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        )
        before = {
            id(f.instance): _key_date_values(stored[f.instance.pk])
            for f in formset.initial_forms if f.instance.pk in stored
        }
        result = super().save_formset(request, form, formset, change)
        for key_date in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            _key_date_audit(request, key_date, before.get(id(key_date)), _key_date_values(key_date))
        for key_date in formset.deleted_objects:
            _key_date_audit(request, key_date, before.get(id(key_date)), None)
        return result


def _key_date_values(key_date: KeyDate) -> dict[str, str]:
    return {"kind": key_date.kind, "applies_to": key_date.applies_to,
            "at": key_date.at.isoformat(), "source": key_date.source}


def _key_date_audit(
    request: HttpRequest, key_date: KeyDate, before: dict[str, str] | None,
    after: dict[str, str] | None,
) -> None:
    at = "removed" if after is None else f"set to {after['at']}"
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.SERIES_KEY_DATE_SET, obj=key_date.series,
        awarding_organisation=key_date.series.awarding_organisation,
        summary=f"{key_date} ({key_date.get_applies_to_display()}) {at}",
        before=before, after=after,
    )
