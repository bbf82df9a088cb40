from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def reset_links_are_emailed(app_configs, **kwargs):
    """Without a mail server the reset links go to the console, which in production is the server's log."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend":
        return []
    return [
        Warning(
            "Password-reset emails are printed to the console (the server's log), not sent: anyone who reads "
            "the log could reset any account's password.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, DEFAULT_FROM_EMAIL) to "
            "your mail server's.",
            id="accounts.W001",
        )
    ]
