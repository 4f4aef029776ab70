from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "resultsday.assessment"
    label = "assessment"
    verbose_name = "Assessment"
