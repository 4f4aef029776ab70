from django.apps import AppConfig


class ReleaseConfig(AppConfig):
    name = "resultsday.release"
    label = "release"
    verbose_name = "Results release"
