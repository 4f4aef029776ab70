from django.urls import path

from resultsday.release import views

app_name = "release"

urlpatterns = [
    path(
        "registrations/<int:pk>/release/", views.discretionary_release,
        name="discretionary_release",
    ),
    path("ao/<slug:code>/embargoed-views/", views.embargoed_view_list, name="embargoed_views"),
    path("centres/<str:number>/results/", views.centre_results, name="centre_results"),
    path(
        "centres/<str:number>/results/export.<str:fmt>", views.centre_results_export,
        name="centre_results_export",
    ),
    path(
        "centres/<str:number>/results/results-file/", views.centre_results_file,
        name="centre_results_file",
    ),
    path(
        "centres/<str:number>/grade-boundaries/", views.grade_boundary_index,
        name="grade_boundaries",
    ),
    path(
        "centres/<str:number>/grade-boundaries/<int:series_id>/", views.grade_boundary_document,
        name="grade_boundary_document",
    ),
    path(
        "centres/<str:number>/grade-boundaries/<int:series_id>.csv", views.grade_boundary_csv,
        name="grade_boundary_csv",
    ),
    path("my/statement/", views.my_statement, name="my_statement"),
    path("my/statement.pdf", views.my_statement_pdf, name="my_statement_pdf"),
    path("learners/<int:pk>/statement/", views.learner_statement, name="learner_statement"),
    path(
        "learners/<int:pk>/statement.pdf", views.learner_statement_pdf,
        name="learner_statement_pdf",
    ),
]
