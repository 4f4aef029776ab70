from django.urls import path

from resultsday.release import views

app_name = "release"

urlpatterns = [
    path(
        "registrations/<int:pk>/release/", views.discretionary_release,
        name="discretionary_release",
    ),
    path("ao/<slug:code>/embargoed-views/", views.embargoed_view_list, name="embargoed_views"),
]
