from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "resultsday.centres"
    label = "centres"
    verbose_name = "Centres"
