"""Production hardening: login throttling, password rules, headers, the Content-Security-Policy, deploy checks."""

import json
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import PASSWORD, NoteFactory, QuestionFactory, QuizFactory, UserFactory
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]

STUDENT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_of(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}; its directives come in no fixed order."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def in_production(code: str, **env) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with DEBUG off: production settings are decided at import."""
    # Not the test run's own environment wholesale: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE,
    # which the deploy check rightly rejects, and DATABASE_URL may point at the test run's database.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-key-that-is-long-and-random-enough-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "example.com",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


# --- login throttling ----------------------------------------------------------------------------


def test_login_locks_out_a_username_from_an_address_after_the_failure_limit(client, student, roomy_sign_in_limits):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "asha", "wrong-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    locked = log_in(client, "asha", "wrong-password")

    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    page = locked.content.decode()
    assert '<h1 class="h3">Signing in is paused for 15 minutes</h1>' in page
    assert "wrong 5 times in a row from this network" in page
    assert "<strong>Otherwise, try again in 15 minutes.</strong>" in page
    # Even the right password is refused while the pause lasts, and nobody is signed in.
    right = log_in(client, "asha", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_lockout_is_per_username_and_address(client, student, roomy_sign_in_limits):
    UserFactory(username="ravi")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "asha", "wrong-password")
    assert log_in(client, "asha", PASSWORD).status_code == 429

    # Another student behind the same address, and the same student from elsewhere, still sign in.
    assert log_in(Client(), "ravi", PASSWORD)["Location"] == reverse("home")
    assert log_in(Client(), "asha", PASSWORD, address="198.51.100.20")["Location"] == reverse("home")


def test_login_lockout_ends_after_the_cool_off_and_retries_do_not_extend_it(client, student, roomy_sign_in_limits):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "asha", "wrong-password")
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert log_in(client, "asha", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        response = log_in(client, "asha", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_success_resets_the_failure_count(client, student, roomy_sign_in_limits):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "asha", "wrong-password")
    assert log_in(client, "asha", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "asha", "wrong-password").status_code == 200
    assert log_in(client, "asha", PASSWORD).status_code == 302


def test_admin_login_is_throttled_too(client, staff, roomy_sign_in_limits):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", "nope", admin=True)
    response = log_in(client, "editor", PASSWORD, admin=True)
    assert response.status_code == 429
    assert "Signing in is paused" in response.content.decode()


# --- passwords -----------------------------------------------------------------------------------


def test_password_validators_are_all_on():
    assert [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS] == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


def test_password_hashes_are_argon2_and_older_ones_are_upgraded_at_sign_in(client, settings):
    """Production's hashers (the suite's fast MD5 one is set aside): new passwords are Argon2, and a
    student whose password was stored by PBKDF2 signs in as before and leaves an Argon2 hash behind."""
    from config.settings import PASSWORD_HASHERS

    settings.PASSWORD_HASHERS = PASSWORD_HASHERS
    newcomer = UserFactory(username="new")
    newcomer.set_password("a long passphrase")
    old_hash = PBKDF2PasswordHasher().encode("a long passphrase", "fixedsalt1234567", iterations=1000)
    veteran = UserFactory(username="veteran")
    get_user_model().objects.filter(pk=veteran.pk).update(password=old_hash)

    response = log_in(client, "veteran", "a long passphrase")

    assert response.status_code == 302
    veteran.refresh_from_db()
    assert [newcomer.password.split("$")[0], veteran.password.split("$")[0]] == ["argon2", "argon2"]
    assert veteran.check_password("a long passphrase")


def test_signup_states_the_password_rules(client):
    page = client.get(reverse("signup")).content.decode()
    assert "Your password must contain at least 8 characters." in page
    assert "Your password can\u2019t be a commonly used password." in page
    assert "Your password can\u2019t be entirely numeric." in page


def test_signup_refuses_a_password_like_the_username(client):
    response = client.post(
        reverse("signup"), {"username": "meenakshi", "password1": "meenakshi1", "password2": "meenakshi1"}
    )
    assert response.context["form"].errors == {"password1": ["The password is too similar to the username."]}
    assert not get_user_model().objects.filter(username="meenakshi").exists()


# --- headers and the Content-Security-Policy -----------------------------------------------------


def test_student_page_sends_the_strict_policy_and_security_headers(student_client):
    response = student_client.get(reverse("quiz_list"))

    assert policy_of(response) == STUDENT_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_pages_send_the_strict_policy_too(staff_client):
    # The admin has no exception: the bank-file import is our own template, with no inline code.
    question = QuestionFactory()
    (exported,) = yaml.safe_load(
        staff_client.post(
            reverse("admin:content_question_changelist"),
            {"action": "export_bank_file", "_selected_action": [question.pk]},
        ).content
    )
    bank_file = SimpleUploadedFile("bank.yaml", yaml.safe_dump([exported | {"stem": "Reworded?"}]).encode())
    pages = {
        "changelist": staff_client.get(reverse("admin:content_question_changelist")),
        "import": staff_client.get(reverse("admin:content_question_import")),
        "import preview": staff_client.post(reverse("admin:content_question_import"), {"file": bank_file}),
        "attempts": staff_client.get(reverse("admin:quiz_attempt_changelist")),
    }
    assert "Confirm import" in pages["import preview"].content.decode()
    assert {name: policy_of(response) for name, response in pages.items()} == {name: STUDENT_POLICY for name in pages}
    assert {name: inline_code_in(response.content.decode()) for name, response in pages.items()} == {
        name: [] for name in pages
    }


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline script and style, handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.in_inline_script = True
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        self.in_inline_script = False if tag == "script" else self.in_inline_script


def inline_code_in(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_inline_code_finder_finds_what_it_looks_for():
    html = '<script>x()</script><p style="color:red" onclick="x()"><a href="javascript:x()">a</a><style></style>'
    assert inline_code_in(html) == [
        "<script> without src",
        '<p style="color:red">',
        '<p onclick="x()">',
        '<a href="javascript:x()">',
        "<style> element",
    ]
    assert inline_code_in('<script src="/static/js/paper.js"></script><p class="x">on=1 style=</p>') == []


@pytest.fixture
def sat_paper(student):
    """A graded paper, a paper in progress and a note, so every student page has content to render."""
    questions = QuestionFactory.create_batch(2, note=NoteFactory())
    done = attempt_start(quiz=QuizFactory(slug="done", questions=questions), user=student).attempt
    answer_save(
        user=done.user,
        attempt_public_id=done.public_id,
        question_id=questions[0].pk,
        choice_id=questions[0].choices.first().pk,
        marked=True,
    )
    done = attempt_submit(attempt=done)
    running = attempt_start(quiz=QuizFactory(slug="running", questions=questions), user=student).attempt
    return done, running, questions[0].note.topic


def test_student_pages_carry_no_inline_script_or_style(client, student_client, sat_paper):
    done, running, topic = sat_paper
    pages = {
        "home": reverse("home"),
        "quiz list": reverse("quiz_list"),
        "quiz detail": reverse("quiz_detail", args=["running"]),
        "paper": running.get_absolute_url(),
        "submit": reverse("attempt_submit", args=[running.public_id]),
        "result": reverse("attempt_result", args=[done.public_id]),
        "study": reverse("study_index"),
        "study topic": topic.get_absolute_url(),
    }
    found = {}
    for name, url in pages.items():
        response = student_client.get(url)
        assert response.status_code == 200, name
        found[name] = inline_code_in(response.content.decode())
    for name, url in {"login": reverse("login"), "signup": reverse("signup")}.items():
        found[name] = inline_code_in(Client().get(url).content.decode())
    assert found == {name: [] for name in found}


def test_lockout_page_carries_no_inline_script_or_style(client, student, roomy_sign_in_limits):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "asha", "wrong-password")
    assert response.status_code == 429
    assert inline_code_in(response.content.decode()) == []


def test_templates_carry_no_inline_script_style_or_handler():
    """Every template we ship, including pages no other test renders (e.g. error pages)."""
    patterns = {
        "style attribute": re.compile(r"\sstyle\s*="),
        "<style> element": re.compile(r"<style[\s>]"),
        "handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
        "script without src": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"),
        "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    }
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for what, pattern in patterns.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


# --- production settings -------------------------------------------------------------------------


DEPLOY_CHECK = (
    "import sys, django; from django.core.management import call_command;"
    "django.setup(); sys.argv = ['manage.py']; call_command('check', deploy=True, fail_level='WARNING')"
)


def test_deploy_check_is_clean_in_production():
    result = in_production(DEPLOY_CHECK, EMAIL_HOST="smtp.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_deploy_check_warns_when_reset_emails_would_go_to_the_log():
    result = in_production(DEPLOY_CHECK, EMAIL_HOST="")
    assert result.returncode == 1
    assert (
        "?: (accounts.W001) Password-reset emails are printed to the console (the server's log), not sent: anyone "
        "who reads the log could reset any account's password." in result.stderr
    )


def test_production_sends_email_through_the_smtp_server_the_environment_names():
    result = in_production(
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps({n: getattr(s, n) for n in ['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER',"
        "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL']}))",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="practice",
        EMAIL_HOST_PASSWORD="app-password",
        EMAIL_USE_TLS="false",
        DEFAULT_FROM_EMAIL="UPSC practice <no-reply@practice.example.org>",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "practice",
        "EMAIL_HOST_PASSWORD": "app-password",
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 10,
        "DEFAULT_FROM_EMAIL": "UPSC practice <no-reply@practice.example.org>",
    }


def test_email_is_printed_to_the_console_without_a_mail_server():
    result = in_production(
        "import django; from django.conf import settings as s; django.setup(); print(s.EMAIL_BACKEND)", EMAIL_HOST=""
    )
    assert result.stdout == "django.core.mail.backends.console.EmailBackend\n"


def test_production_settings_secure_cookies_and_transport():
    result = in_production(
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps({n: getattr(s, n) for n in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
        "'SECURE_PROXY_SSL_HEADER', 'SESSION_ENGINE']} | {'STATIC': s.STORAGES['staticfiles']['BACKEND'],"
        "'CONN': [s.DATABASES['default'][k] for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')]}))"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        # Without REDIS_URL, sessions live in the database, so any instance behind the proxy serves any student.
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "STATIC": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "CONN": [60, True],
    }


def test_production_settings_with_redis_url_share_the_cache_and_read_sessions_through_it():
    result = in_production(
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps([s.SESSION_ENGINE, s.CACHES['default']]))",
        REDIS_URL="redis://10.0.0.3:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "config.sessions",
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://10.0.0.3:6379/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    ]


def test_production_refuses_to_start_without_a_secret_key():
    result = in_production("import django; django.setup()", SECRET_KEY="")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set. With DEBUG=false the app refuses "
        "to start without one: set SECRET_KEY in the environment (or .env) to a long random string, e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"TRUSTED_PROXY_COUNT": "1"},
            "TRUSTED_PROXY_COUNT is no longer read: set TRUSTED_PROXIES to your reverse proxies' addresses "
            "instead (e.g. TRUSTED_PROXIES=10.0.0.5), so X-Forwarded-For is believed only when they send it.",
        ),
        (
            {"TRUSTED_PROXIES": "10.0.0.5,nginx"},
            "TRUSTED_PROXIES: 'nginx' is not an address or network, e.g. 10.0.0.5 or 10.0.0.0/24.",
        ),
        (
            {"SIGN_IN_FAILURES_PER_ADDRESS": "ten a minute"},
            "SIGN_IN_FAILURES_PER_ADDRESS must be a count per period, like 10/m, 120/5m or 60/h.",
        ),
    ],
)
def test_production_refuses_to_start_with_a_wrong_sign_in_setting(env, message):
    result = in_production("import django; django.setup()", **env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_make_serve_refuses_without_a_secret_key():
    if "SECRET_KEY=" in ((ROOT / ".env").read_text() if (ROOT / ".env").exists() else ""):
        pytest.skip(".env sets SECRET_KEY here")
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    # The check comes before the install step, so this never installs anything.
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "serve"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "make serve: SECRET_KEY is not set. Production refuses to start without its own secret key:"
    )


def test_error_pages_render_without_a_request_or_inline_code():
    """Django renders these with no request (and, for a 500, maybe no database)."""
    from django.template.loader import render_to_string

    pages = {"400.html": "Bad request", "403_csrf.html": "Please reload the page", "500.html": "Something went wrong"}
    for name, heading in pages.items():
        page = render_to_string(name)
        assert f'<h1 class="h3">{heading}' in page
        assert inline_code_in(page) == []


def test_csrf_failure_shows_our_page(student):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(student)
    response = strict.post(reverse("quiz_start", args=["any"]))
    assert response.status_code == 403
    assert '<h1 class="h3">Please reload the page</h1>' in response.content.decode()


def test_staff_only_403_logged_one_line(client, caplog):
    """A missing permission gets the site's own page and one warning line, not a traceback (issue 14, finding 13)."""
    quiz = QuizFactory(slug="drill")
    client.force_login(UserFactory(username="intern", is_staff=True))
    url = reverse("quiz_stats", args=[quiz.slug])

    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(url)

    assert response.status_code == 403
    page = response.content.decode()
    assert '<h1 class="h3">Not allowed</h1>' in page
    assert (
        "<p>Your account may not open this page: Item analysis needs permission to view attempts and questions.</p>"
    ) in page
    assert "Signed in as <strong>intern</strong>" in page  # the site's layout, with its navigation
    assert inline_code_in(page) == []
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert (record.levelname, record.exc_info, record.exc_text) == ("WARNING", None, None)
    assert record.getMessage() == (
        f"Forbidden (Permission denied): {url} for 'intern': Item analysis needs permission to view attempts and "
        "questions."
    )
    assert "\n" not in logging.Formatter().format(record)  # as a handler writes it: no traceback below


def test_403_without_a_reason_logs_one_line_too(client, caplog):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(reverse("admin:quiz_attempt_export"))
    assert response.status_code == 403
    assert "<p>Your account may not open this page.</p>" in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): {reverse('admin:quiz_attempt_export')} for 'clerk'"
    assert record.exc_info is None
