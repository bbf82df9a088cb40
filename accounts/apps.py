from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the receivers that count each sign-in's outcome against the limits, and registers the
        # deploy check that reset links are emailed.
        from accounts import checks, limits  # noqa: F401
