from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "resultsday.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        # Login and failed-login audit events: Django announces these only through signals.
        from resultsday.accounts import receivers  # noqa: F401
