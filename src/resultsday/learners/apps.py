from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "resultsday.learners"
    label = "learners"
    verbose_name = "Learners and registrations"
