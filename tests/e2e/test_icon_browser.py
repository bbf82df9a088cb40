"""The site's icon in a real browser: the student pages and the admin name it, Chromium fetches it,
and no page's request for an icon ends in a 404."""

import pytest

from tests.factories import PASSWORD, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_student_and_admin_pages_show_the_site_icon(page, live_server, log_in, staff):
    question = QuestionFactory()
    quiz = QuizFactory(questions=[question])
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    log_in(page, staff.username, PASSWORD, admin=True)
    for url in [
        "/",
        quiz.get_absolute_url(),
        "/admin/",
        "/admin/content/question/",
        f"/admin/content/question/{question.pk}/change/",
        f"/admin/content/question/{question.pk}/preview/",
    ]:
        with page.expect_response(lambda response: response.url.endswith("/static/favicon.svg")) as icon:
            page.goto(f"{live_server.url}{url}")
        assert icon.value.status == 200, url
        assert icon.value.header_value("content-type") == "image/svg+xml", url
    # A browser that asks for the old name is sent to the same icon.
    assert page.request.get(f"{live_server.url}/favicon.ico").url == f"{live_server.url}/static/favicon.svg"
    assert failed == []
