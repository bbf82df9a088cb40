"""Settings for the exam-practice app.

Everything that differs between a laptop and production comes from the environment (see the
README's table); the defaults are safe for local development only.
"""

import ipaddress
import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A made-up key would sign sessions and password-reset tokens anyone can forge: refuse to start.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=false the app refuses to start without one: set SECRET_KEY "
            "in the environment (or .env) to a long random string, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "content",
    "accounts",
    "quiz",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Refuses sign-ins and sign-ups over their limits before any password is hashed (after the CSRF
    # check, so a forged cross-site post never counts against anyone), and remembers signed-in browsers.
    "accounts.limits.SignInLimitMiddleware",
    # Last, as django-axes requires: it turns a lockout flagged during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite is the embedded default. WAL lets readers run beside the one writer, and IMMEDIATE
# transactions take the write lock up front, so concurrent writers queue on the busy timeout
# instead of failing with "database is locked" when a read lock cannot be upgraded.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
# Persistent connections: opening one per request (and, on SQLite, re-running the PRAGMAs) costs
# more than the autosave itself. The health check drops a connection the database has closed
# (a restart, an idle timeout) before a request uses it, instead of failing that request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2 first, as Django's documentation recommends: memory-hard, and on CPUs without SHA
# extensions (this machine) a quarter of PBKDF2's CPU per sign-in, which decides how fast a room of
# students can sign in at once (bench/README.md, "Sign-in storm"). The others still verify older
# hashes, and Django rewrites each as Argon2 when its owner next signs in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Bootstrap is vendored in static/vendor/ (its README says which version), so no CDN is needed.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# A paper posts three fields per question; Django's default cap of 1,000 would refuse a full mock
# of more than about 330 questions.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# How long after a paper's deadline an answer already in flight is still accepted.
QUIZ_GRACE_SECONDS = env.int("QUIZ_GRACE_SECONDS", default=5)
# How often one student may start a paper, submit one, or start a practice round: each counted on
# its own, per student, in the cache (django-ratelimit's "count/period", e.g. "10/m"). The autosave
# is not limited: a sitting makes it once per click.
QUIZ_RATE_LIMIT = env.str("QUIZ_RATE_LIMIT", default="10/m")
# Closed book: the study pages ask this function of (user, now=…) for the paper under exam
# conditions the student is sitting, and while there is one they show no notes. A dotted path, as
# the content app never imports the quiz app.
STUDY_CLOSED_BOOK = "quiz.selectors.papers.closed_book_paper"
# And each topic's test, for "Test yourself on this topic": {topic id: its quiz page's address}.
STUDY_TOPIC_TESTS = "quiz.selectors.papers.topic_test_links"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- cache: rate-limit counters, rendered questions, sessions ------------------------------------
# Rate limits count in the cache. With several app instances they must share one count, so
# production sets REDIS_URL (Django's own Redis backend); a single instance and the tests use a
# per-process memory cache, which needs nothing running. Without Redis each gunicorn worker counts
# on its own, so a limit is up to WEB_CONCURRENCY times looser (README, "Signing in").
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is down or restarting must cost a request a fraction of a second, not the
            # operating system's connect timeout: every limit and session read asks it first.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        # Django's default of 300 entries would drop counts (one per address and window) under load.
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}
    )
}
# Sessions: in the database (Django's default) on one instance. With Redis, read through it
# (`cached_db`: a signed-in request reads its session from Redis and skips a query), but written to
# the database too, so a Redis restart or flush signs nobody out; config/sessions.py also lets a
# Redis that does not answer fall back to the database instead of answering 500.
if REDIS_URL:
    SESSION_ENGINE = "config.sessions"

# --- signing in: the client's address -----------------------------------------------------------
# Every limit below counts per address (accounts.views.client_ip). A request from one of
# TRUSTED_PROXIES (addresses or networks of our own reverse proxies) is believed about who the
# client is, through X-Forwarded-For; anyone else's X-Forwarded-For is ignored, or a client that
# reaches the app directly could name a fresh address with every request.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or network, e.g. 10.0.0.5 or 10.0.0.0/24."
        ) from None
if env.int("TRUSTED_PROXY_COUNT", default=0):
    # Counting hops trusted X-Forwarded-For from anyone who reached the app port directly.
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is no longer read: set TRUSTED_PROXIES to your reverse proxies' addresses "
        "instead (e.g. TRUSTED_PROXIES=10.0.0.5), so X-Forwarded-For is believed only when they send it."
    )

# --- signing in: limits per address, before any password is hashed (accounts/limits.py) ----------
# A password check is a third of a second of CPU (Argon2), and Django runs one even for an unknown
# username, so 32 threads posting random usernames once kept every worker hashing (issue 14). These
# count in the cache (above) and refuse with a 429 and Retry-After before the form runs. Sizes are
# for a classroom of up to ~200 students behind one address (a coaching centre's NAT), and short
# windows, so a refused student waits seconds, and a flood gets its few checks in small bursts
# rather than in one long one every few minutes (bench/README.md, "Login flood"):
# - failures: a class arriving mistypes a password or two a minute; 3 in 30 seconds leaves room,
#   and caps what random usernames cost at 6 checks a minute (2 s of CPU), whoever sends them.
SIGN_IN_FAILURES_PER_ADDRESS = env.str("SIGN_IN_FAILURES_PER_ADDRESS", default="3/30s")
# - every sign-in, right or wrong: 24 a minute, a class of 200 on its first day in about 8 minutes
#   (the server checks 200 passwords in 35 s at best anyway); someone repeating their own valid
#   password gets no more (a seventh of a core), named in django-axes's access log.
SIGN_INS_PER_ADDRESS = env.str("SIGN_INS_PER_ADDRESS", default="4/10s")
# - a browser that has signed in as a username before is counted per username instead (returning
#   students are not held back by their classmates); no student signs in 10 times in 5 minutes.
KNOWN_BROWSER_SIGN_INS_PER_ACCOUNT = env.str("KNOWN_BROWSER_SIGN_INS_PER_ACCOUNT", default="10/5m")
# - accounts created: a class signs up in its first hour; more can be added in the admin.
SIGN_UPS_PER_ADDRESS = env.str("SIGN_UPS_PER_ADDRESS", default="60/h")
# - password-reset requests: each sends an email (and looks the address up), and a student needs one
#   or two; per address for a script, per email address so nobody's inbox can be flooded with links.
#   Counted whether or not an account uses the email, so a refusal tells nothing about accounts.
PASSWORD_RESETS_PER_ADDRESS = env.str("PASSWORD_RESETS_PER_ADDRESS", default="3/m")
PASSWORD_RESETS_PER_EMAIL = env.str("PASSWORD_RESETS_PER_EMAIL", default="3/h")
for _name in (
    "SIGN_IN_FAILURES_PER_ADDRESS",
    "SIGN_INS_PER_ADDRESS",
    "KNOWN_BROWSER_SIGN_INS_PER_ACCOUNT",
    "SIGN_UPS_PER_ADDRESS",
    "PASSWORD_RESETS_PER_ADDRESS",
    "PASSWORD_RESETS_PER_EMAIL",
):
    if not re.fullmatch(r"\d+/\d*[smhd]", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must be a count per period, like 10/m, 120/5m or 60/h.")
# How long a browser is remembered as having signed in as a username (the signed_in_before cookie).
SIGNED_IN_BEFORE_DAYS = env.int("SIGNED_IN_BEFORE_DAYS", default=365)

# --- email: password-reset links ------------------------------------------------------------------
# Locally the emails are printed on the console (runserver's output). Production names an SMTP
# server; without one, the deploy check warns, as the links would be printed to the server's log,
# where anyone who reads it could take over the accounts (accounts/checks.py).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
# Sending runs inside the request: a mail server that never answers must not hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="UPSC practice <noreply@localhost>")

# --- signing in: a username's lockout (django-axes) ------------------------------------------------
# Wrong passwords count per username *and* address: a coaching centre's students share one public
# address, so locking by address alone would lock out a whole classroom, and by username alone would
# let anyone lock a student out from anywhere. A classmate behind the same address could still pause
# a student's username, so the lockout spares a browser that has signed in as that username before
# (AXES_WHITELIST_CALLABLE): the owner signs in from their usual browser at once, and that success
# clears the count for everyone at the address. That browser has its own limit instead: after
# AXES_FAILURE_LIMIT wrong passwords it is treated like any other until the cool-off ends.
# State lives in the database, shared by every worker; its access log names who signed in from where.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Retrying during the pause must not restart it, or a student who keeps trying is never let back in.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.views.client_ip"
AXES_WHITELIST_CALLABLE = "accounts.limits.axes_exempt"
AXES_VERBOSE = False  # its start-up banner would open the output of every management command

# --- Content-Security-Policy (django-csp) --------------------------------------------------------
# Our pages run only our own files: no inline script, no inline style, nothing from elsewhere.
# Bootstrap's CSS draws its check marks and the menu icon as data: SVG images, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- headers sent everywhere, development included, so the browser tests see what production sends
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Production hardening: on whenever DEBUG is off (`manage.py check --deploy` stays clean).
if not DEBUG:
    # The reverse proxy terminates TLS and must set X-Forwarded-Proto (and strip a client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Only for a plain-HTTP run on a private network: browsers and HTTP clients never send a
    # Secure cookie over http://, so nobody could stay signed in. (The benchmarks keep them on.)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403 ("Staff only", a missing permission) is one warning line, not a traceback.
    "filters": {"permission_denied_one_line": {"()": "config.log_filters.PermissionDeniedOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["permission_denied_one_line"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
