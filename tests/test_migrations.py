"""The migrations match the models: a model changed without its migration fails here, on both databases in CI."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    except SystemExit:
        pytest.fail(f"makemigrations would write a migration; run it and commit the result:\n{out.getvalue()}")
    assert out.getvalue() == "No changes detected\n"
