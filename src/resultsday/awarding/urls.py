from django.urls import path

from resultsday.awarding import views

app_name = "awarding"
urlpatterns = [
    path("ao/<slug:code>/awarding/", views.awarding_home, name="home"),
    path("awarding/runs/<int:pk>/", views.awarding_run_detail, name="run"),
    path("awarding/runs/<int:pk>/commit/", views.awarding_preview_commit_view, name="commit"),
    path("centres/<str:number>/claims/", views.centre_claims, name="centre_claims"),
    path("registrations/<int:pk>/claim/", views.registration_claim, name="claim"),
    path("registrations/<int:pk>/decline/", views.registration_decline, name="decline"),
]
