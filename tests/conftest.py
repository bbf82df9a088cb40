import pytest

from tests.factories import UserFactory


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
