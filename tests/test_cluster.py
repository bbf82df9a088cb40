"""Several app instances: sessions that outlive Redis, and the load balancer's shipped config
(deploy/nginx.conf) parsing as nginx reads it. (What REDIS_URL selects: tests/test_security.py.)"""

import os
import shutil
import socket
import subprocess
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache
from django.urls import reverse

from bench.cluster import nginx_binary, nginx_config

# A database of its own on the CI machine's Redis: the test flushes only that one (FLUSHDB).
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=0.5) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(7) == b"+PONG\r\n"
    except OSError:
        return False


def _redis_sessions(settings, location: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "config.sessions"


@pytest.mark.skipif(not _redis_answers(TEST_REDIS_URL), reason=f"no Redis answers at {TEST_REDIS_URL}")
def test_session_survives_a_redis_flush(client, student, settings):
    _redis_sessions(settings, TEST_REDIS_URL)
    client.force_login(student)
    key = f"{KEY_PREFIX}{client.session.session_key}"
    assert cache.get(key)["_auth_user_id"] == str(student.pk)

    cache.clear()  # FLUSHDB of the test's own database: a Redis restarted empty
    assert cache.get(key) is None
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert response.wsgi_request.user == student
    assert cache.get(key)["_auth_user_id"] == str(student.pk)  # read from the database, cached again
    cache.clear()


def test_session_read_from_the_database_while_redis_does_not_answer(client, student, settings, caplog):
    working = settings.CACHES
    _redis_sessions(settings, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    client.force_login(student)  # a sign-in: a new session key, the old one dropped

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert response.wsgi_request.user == student
    warnings = sorted({r.getMessage().split(":")[0] for r in caplog.records if r.name == "config.sessions"})
    assert warnings == ["Old session key left in the cache", "Session not cached", "Session read from the database"]
    settings.CACHES = working  # before the fixture that clears the cache tears down


def test_sign_out_fails_while_redis_does_not_answer(client, student, settings):
    # Redis may still hold the session's copy, which would sign the browser in again once it answers:
    # a sign-out that could not delete it must not look like one.
    working = settings.CACHES
    _redis_sessions(settings, "redis://127.0.0.1:1/0")
    client.force_login(student)
    client.raise_request_exception = False

    response = client.post(reverse("logout"))

    assert response.status_code == 500
    settings.CACHES = working


@pytest.mark.skipif(not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")), reason="nginx is not installed")
@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed (it makes the test certificate)")
def test_nginx_config_shipped_parses(tmp_path):
    # As shipped: its app addresses, host name and ports; only the certificate is a real file here.
    main = nginx_config(tmp_path, None, https=None, http=None, access_log=True)

    result = subprocess.run(
        [nginx_binary(), "-t", "-c", str(main), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    site = (tmp_path / "nginx-site.conf").read_text()
    assert site.count("server 10.0.0.1") == 3
    assert "non_idempotent" in site
