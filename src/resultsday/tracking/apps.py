from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "resultsday.tracking"
    label = "tracking"
    verbose_name = "Learner tracking, checkpoints and tracking reports"
