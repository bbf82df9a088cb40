from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the receivers that count each sign-in's outcome against the limits.
        from accounts import limits  # noqa: F401
