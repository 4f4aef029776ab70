from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "resultsday.core"
    label = "core"
    verbose_name = "Pages"
