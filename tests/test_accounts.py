from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.helpers import log_in


@pytest.mark.django_db
def test_signup_creates_the_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "meera", "password1": "civil-services-2027", "password2": "civil-services-2027"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"].username == "meera"


@pytest.mark.django_db
def test_signup_refuses_a_weak_password_with_a_message(client):
    response = client.post(reverse("signup"), {"username": "meera", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == [
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    assert not get_user_model().objects.filter(username="meera").exists()


@pytest.mark.django_db
def test_login_and_logout(client, student):
    response = log_in(client, "asha", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].is_authenticated
    assert client.post(reverse("logout")).status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


@pytest.mark.django_db
def test_login_form_enforces_csrf(student):
    strict = Client(enforce_csrf_checks=True)
    response = log_in(strict, "asha", PASSWORD)
    assert response.status_code == 403


@pytest.mark.django_db
def test_create_demo_users_is_idempotent_and_matches_the_readme():
    call_command("create_demo_users", stdout=StringIO())
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    assert out.getvalue() == "Reset student / practise-upsc-2026\nReset admin / curate-upsc-2026\n"
    users = {u.username: u for u in get_user_model().objects.all()}
    assert (users["student"].is_staff, users["admin"].is_staff, users["admin"].is_superuser) == (False, True, True)
    assert users["student"].check_password("practise-upsc-2026")
