from django.urls import path

from resultsday.assessment import views

app_name = "assessment"
urlpatterns = [
    path(
        "registrations/<int:pk>/unit-grades/", views.registration_unit_grades,
        name="registration_grades",
    ),
    path(
        "registrations/<int:pk>/unit-grades/<int:unit_id>/", views.unit_grade_edit,
        name="grade_edit",
    ),
    path("centres/<str:number>/unit-grades/", views.unit_grid_page, name="grid"),
    path(
        "centres/<str:number>/unit-grades/upload/", views.unit_grade_upload_page, name="upload"
    ),
    path(
        "centres/<str:number>/unit-grades/template.<str:kind>", views.unit_grade_template,
        name="upload_template",
    ),
    path("ao/<slug:code>/boundaries/", views.boundary_list, name="boundary_list"),
    path(
        "ao/<slug:code>/boundaries/marks-template.<str:kind>", views.marks_template,
        name="marks_template",
    ),
    path(
        "ao/<slug:code>/boundaries/<str:series>/<int:unit_id>/", views.boundary_detail,
        name="boundary_detail",
    ),
    path(
        "ao/<slug:code>/boundaries/<str:series>/<int:unit_id>/approve/", views.boundary_approve,
        name="boundary_approve",
    ),
    path(
        "ao/<slug:code>/boundaries/<str:series>/<int:unit_id>/marks/", views.marks_upload_page,
        name="marks_upload",
    ),
]
