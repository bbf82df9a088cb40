"""The Content-Security-Policy in a real browser: our pages and the admin run with no violation.

A test client can check the header and the HTML; only a browser shows what the policy actually
blocks once scripts run (Bootstrap's icons, the paper's autosave, the admin's widgets).
"""

import pytest
from playwright.sync_api import expect

from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from tests.e2e.paper import RESULT_URL, choose, expect_saved, mark, start
from tests.factories import PASSWORD, NoteFactory, QuestionFactory, QuizFactory, UserFactory
from tests.helpers import right

pytestmark = pytest.mark.django_db(transaction=True)

# Browsers report each blocked resource or inline snippet as a `securitypolicyviolation` event.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  window.__cspViolations.push(`${event.violatedDirective} blocked ${blocked} on ${location.pathname}`);
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation on the pages the test visits, from the events and from the console."""
    found = []
    page.add_init_script(RECORD_VIOLATIONS)

    def on_console(message):
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", on_console)

    def collect():
        # A page's own list dies with it: read it before each navigation and at the end.
        found.extend(page.evaluate("window.__cspViolations || []"))
        page.evaluate("window.__cspViolations = []")
        return found

    return collect


def visit(page, url: str, violations):
    violations()
    page.goto(url)
    page.wait_for_load_state("load")


def test_paper_and_student_pages_run_without_csp_violations(page, live_server, sign_in, violations):
    q1, q2 = QuestionFactory.create_batch(2, note=NoteFactory())
    quiz = QuizFactory(questions=[q1, q2])
    sign_in()
    for url in ["/", "/quizzes/", quiz.get_absolute_url(), "/study/", q1.note.topic.get_absolute_url()]:
        visit(page, f"{live_server.url}{url}", violations)

    start(page, live_server, quiz)
    choose(page, right(q1))  # the autosave's fetch: connect-src
    expect_saved(page, q1)
    mark(page, q2)
    expect_saved(page, q2)
    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    page.locator("#submit-dialog").get_by_role("button", name="Submit paper").click()
    expect(page).to_have_url(RESULT_URL)
    # Bootstrap's collapsed menu draws its icon as a data: image, which img-src allows.
    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.get_by_role("link", name="Study notes").first).to_be_visible()

    assert violations() == []


def test_login_and_signup_run_without_csp_violations(page, live_server, violations):
    for url in ["/accounts/login/", "/accounts/signup/"]:
        visit(page, f"{live_server.url}{url}", violations)
    page.locator("#id_username").fill("nobody")
    page.locator("#id_password1").fill("x")
    page.locator("#id_password2").fill("y")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("The two password fields didn")).to_be_visible()

    assert violations() == []


def test_admin_runs_without_csp_violations(page, live_server, log_in, violations, tmp_path):
    UserFactory(username="editor", is_staff=True, is_superuser=True)
    student = UserFactory()
    questions = QuestionFactory.create_batch(2)
    quiz = QuizFactory(questions=questions)
    attempt = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    attempt_submit(attempt=attempt)
    log_in(page, "editor", PASSWORD, admin=True)
    expect(page.get_by_role("heading", name="Questions, notes and students")).to_be_visible()

    question = questions[0]
    for url in [
        "/admin/",
        "/admin/content/question/",
        "/admin/content/question/add/",
        f"/admin/content/question/{question.pk}/preview/",
        "/admin/content/question/import/",
        "/admin/content/note/",
        f"/admin/quiz/quiz/{quiz.pk}/change/",
        "/admin/quiz/attempt/",
        f"/admin/quiz/attempt/{attempt.pk}/change/",
        "/admin/quiz/extratime/add/",
        "/admin/auth/user/add/",
    ]:
        visit(page, f"{live_server.url}{url}", violations)

    # The change form's scripts: the note's autocomplete (select2) opens and searches.
    visit(page, f"{live_server.url}/admin/content/question/{question.pk}/change/", violations)
    page.locator(".field-note .select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")

    # Export the list as a bank file, change a stem in it, and import it back: preview, then confirm.
    visit(page, f"{live_server.url}/admin/content/question/", violations)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export bank file").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    exported.write_text(exported.read_text().replace(question.stem, "A reworded stem?"))
    visit(page, f"{live_server.url}/admin/content/question/import/", violations)
    page.get_by_label("Question file").set_input_files(exported)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-summary]")).to_have_text("2 questions: 0 new, 1 changed, 1 unchanged.")
    expect(page.locator("tr[data-status=changed]")).to_contain_text("changes stem")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_have_text(f"Imported {exported.name}: 0 created, 1 updated, 1 unchanged.")

    assert violations() == []
