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
]
