from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.helpers import log_in, queries_for


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
    assert response.context["form"].errors == {
        "password1": ["This password is too common.", "This password is entirely numeric."]
    }
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


# --- query counts: the same with one student as with many, and exactly so many ------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "expected"),
    [("login", 0), ("signup", 0), ("password_reset", 0), ("password_reset_done", 0), ("password_reset_complete", 0)],
)
def test_account_pages_query_count_does_not_grow_with_students(client, url_name, expected, django_assert_num_queries):
    """The forms ask nothing of the database until they are sent."""
    UserFactory()
    with django_assert_num_queries(expected):
        small = queries_for(client, reverse(url_name))
    UserFactory.create_batch(20)
    with django_assert_num_queries(expected):
        assert queries_for(client, reverse(url_name)) == small


@pytest.mark.django_db
def test_sign_in_and_out_query_count_does_not_grow_with_past_sign_ins(
    student, django_assert_num_queries, roomy_sign_in_limits
):
    """With the throttle's bookkeeping (django-axes): its failure count, its access log, the session."""

    def measure() -> tuple[int, int]:
        client = Client()
        with django_assert_num_queries(13):
            sign_in = queries_for(
                client, reverse("login"), method="post", data={"username": "asha", "password": PASSWORD}, status=302
            )
        with django_assert_num_queries(6):
            sign_out = queries_for(client, reverse("logout"), method="post", status=302)
        return sign_in, sign_out

    small = measure()
    for _ in range(20):
        log_in(Client(), "asha", PASSWORD, address="127.0.0.1")  # from the test client's address: axes keys by both
    assert measure() == small


@pytest.mark.django_db
def test_signup_query_count_does_not_grow_with_students(django_assert_num_queries):
    def measure(username: str) -> int:
        with django_assert_num_queries(14):
            return queries_for(
                Client(),
                reverse("signup"),
                method="post",
                data={"username": username, "password1": "civil-services-2027", "password2": "civil-services-2027"},
                status=302,
            )

    small = measure("meera")
    UserFactory.create_batch(20)
    assert measure("kiran") == small


# --- usernames: at most 150 characters everywhere, no look-alikes (issue 14, finding 8) -------------


@pytest.mark.django_db
@pytest.mark.parametrize("length", [151, 2_000_000])
@pytest.mark.parametrize("admin", [False, True])
def test_login_overlong_username_is_an_ordinary_failure(student, length, admin, hashes):
    response = log_in(Client(), "a" * length, "whatever", admin=admin)

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        f"Ensure this value has at most 150 characters (it has {length})."
    ]
    assert AccessAttempt.objects.count() == 0
    assert hashes() == 0


@pytest.mark.django_db
def test_signup_refuses_overlong_username(client):
    response = client.post(
        reverse("signup"),
        {"username": "a" * 151, "password1": "civil-services-2027", "password2": "civil-services-2027"},
    )
    assert response.context["form"].errors["username"] == ["Ensure this value has at most 150 characters (it has 151)."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "named"),
    [
        ("stud\u0435nt", "“\u0435” (cyrillic small letter ie) is"),
        ("\u0430dmin", "“\u0430” (cyrillic small letter a) is"),
        ("\u0430sh\u0430\u0455", "“\u0430” (cyrillic small letter a), “\u0455” (cyrillic small letter dze) are"),
    ],
)
def test_signup_refuses_confusable_username(client, username, named):
    UserFactory(username="student")
    UserFactory(username="admin")
    form = {"username": username, "password1": "civil-services-2027", "password2": "civil-services-2027"}

    response = client.post(reverse("signup"), form)

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        f"Use only English letters (a-z, A-Z), digits and @ . + - _ in a username. {named} from another "
        "alphabet and may look like an English letter, so the name could pass for someone else's."
    ]
    assert get_user_model().objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "why"),
    [
        ("stu\u200bdent", "“\u200b” (zero width space) is invisible or a space"),
        ("admin\u202e", "“\u202e” (right-to-left override) is invisible or a space"),
        ("asha\u2060k", "“\u2060” (word joiner) is invisible or a space"),
    ],
)
def test_signup_refuses_invisible_characters_in_a_username_by_name(client, username, why):
    form = {"username": username, "password1": "civil-services-2027", "password2": "civil-services-2027"}

    response = client.post(reverse("signup"), form)

    assert response.context["form"].errors["username"] == [
        f"Use only English letters (a-z, A-Z), digits and @ . + - _ in a username. {why}, so the name could pass "
        "for someone else's."
    ]
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_signup_refuses_a_symbol_in_a_username_as_not_a_letter(client):
    form = {"username": "asha\u20ac", "password1": "civil-services-2027", "password2": "civil-services-2027"}

    response = client.post(reverse("signup"), form)

    assert response.context["form"].errors["username"] == [
        "Use only English letters (a-z, A-Z), digits and @ . + - _ in a username. “\u20ac” (euro sign) is not a letter "
        "or digit a username may hold."
    ]


@pytest.mark.django_db
def test_signup_names_each_kind_of_refused_character_once(client):
    form = {"username": "\u0430sha\u200b\u00e9", "password1": "civil-services-2027", "password2": "civil-services-2027"}

    response = client.post(reverse("signup"), form)

    assert response.context["form"].errors["username"] == [
        "Use only English letters (a-z, A-Z), digits and @ . + - _ in a username. “\u0430” (cyrillic small letter a), "
        "“\u00e9” (latin small letter e with acute) are from another alphabet and may look like an English letter, "
        "so the name could pass for someone else's. “\u200b” (zero width space) is invisible or a space, so the name "
        "could pass for someone else's."
    ]


@pytest.mark.django_db
def test_signup_refuses_a_username_differing_only_in_case(client):
    UserFactory(username="student")
    form = {"username": "Student", "password1": "civil-services-2027", "password2": "civil-services-2027"}
    response = client.post(reverse("signup"), form)
    assert response.context["form"].errors["username"] == ["A user with that username already exists."]


@pytest.mark.django_db
def test_signup_fullwidth_username_is_the_ascii_one(client):
    """Django folds compatibility forms (NFKC) first: fullwidth letters are the plain ones, and taken."""
    UserFactory(username="student")
    form = {"username": "\uff53tudent", "password1": "civil-services-2027", "password2": "civil-services-2027"}
    response = client.post(reverse("signup"), form)
    assert response.context["form"].errors["username"] == ["A user with that username already exists."]
