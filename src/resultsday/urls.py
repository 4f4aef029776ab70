from django.contrib import admin
from django.urls import include, path

from resultsday.api.api import api

urlpatterns = [
    path("", include("resultsday.core.urls")),
    path("", include("resultsday.accounts.urls")),
    path("", include("resultsday.catalogue.urls")),
    path("", include("resultsday.learners.urls")),
    path("", include("resultsday.awarding.urls")),
    path("", include("resultsday.assessment.urls")),
    path("", include("resultsday.centres.urls")),
    path("", include("resultsday.tracking.urls")),
    path("", include("resultsday.release.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
