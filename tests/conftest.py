import pytest

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production's Argon2 takes a third of a second and 100 MiB per password on purpose; the login
    # and throttling tests check dozens of them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hashes(settings):
    """How many passwords have been hashed since (a check hashes the password it is given), to prove a
    refusal came before any hashing. Ask for it after the fixtures that create users."""
    from tests.helpers import CountingHasher

    settings.PASSWORD_HASHERS = ["tests.helpers.CountingHasher"]
    CountingHasher.calls = 0
    return lambda: CountingHasher.calls


@pytest.fixture
def roomy_sign_in_limits(settings):
    """For a test of django-axes's lockout alone: the per-address budgets (accounts/limits.py) out of its way."""
    settings.SIGN_IN_FAILURES_PER_ADDRESS = settings.SIGN_INS_PER_ADDRESS = "1000/m"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits count in the cache, which outlives a test: one test's starts or logins must not
    # count against the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def student(db):
    return UserFactory(username="asha")


@pytest.fixture
def staff(db):
    return UserFactory(username="editor", is_staff=True, is_superuser=True)


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # The live server's thread would otherwise keep its PostgreSQL connection open past the
    # tests, and the test database could not be dropped.
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
