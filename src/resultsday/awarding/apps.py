from django.apps import AppConfig


class AwardingConfig(AppConfig):
    name = "resultsday.awarding"
    label = "awarding"
    verbose_name = "Awarding"
