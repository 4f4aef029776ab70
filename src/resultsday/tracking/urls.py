from django.urls import path

from resultsday.tracking import views

app_name = "tracking"
urlpatterns = [
    path("centres/<str:number>/tracking/", views.dashboard, name="dashboard"),
    path("registrations/<int:pk>/tracking/", views.registration_detail, name="detail"),
    path("centres/<str:number>/tracking/reports/", views.reports_page, name="reports"),
    path(
        "centres/<str:number>/tracking/reports/<int:pk>.<str:fmt>", views.report_download,
        name="report_download",
    ),
    path("centres/<str:number>/checkpoints/", views.checkpoints_index, name="checkpoints"),
    path(
        "centres/<str:number>/checkpoints/<int:series_id>/<str:kind>/", views.checkpoint_page,
        name="checkpoint",
    ),
    path(
        "centres/<str:number>/checkpoints/<int:series_id>/<str:kind>/declare/",
        views.checkpoint_declare_page, name="declare",
    ),
    path("ao/<slug:code>/tracking/", views.ao_at_risk, name="ao_at_risk"),
    path("ao/<slug:code>/checkpoints/", views.ao_checkpoints, name="ao_checkpoints"),
]
