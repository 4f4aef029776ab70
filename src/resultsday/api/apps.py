from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "resultsday.api"
    label = "api"
    verbose_name = "API"
