import re

import pytest
from playwright.sync_api import expect

from content.models import Question
from tests.e2e.conftest import WIDTHS
from tests.factories import NoteFactory, QuestionFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bank(db):
    from content.bank import BANK_DIR, bank_load, bank_read

    bank_load(bank=bank_read([BANK_DIR]))


def test_student_signs_up_and_reads_study_notes(page, live_server, bank, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("meera")
    page.locator("#id_password1").fill("civil-services-2027")
    page.locator("#id_password2").fill("civil-services-2027")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Signed in as")).to_contain_text("meera")

    page.get_by_role("link", name="Study notes").first.click()
    expect(page.get_by_role("heading", name="Study notes", level=1)).to_be_visible()
    page.get_by_role("link", name="A partnership is not an alliance").click()
    expect(page).to_have_url(re.compile(r"/study/partnership-vs-alliance/#note-dp-kp-01$"))
    note = page.locator("#note-dp-kp-01")
    expect(note).to_be_in_viewport()
    cited = Question.objects.published().filter(note__key="dp-kp-01").count()
    expect(note).to_contain_text(f"Tested by {cited} question")
    # Bootstrap comes from our own static files: the navbar is styled, with nothing from a CDN.
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"


@pytest.mark.parametrize("size", WIDTHS)
def test_study_pages_fit_phone_and_desktop(page, live_server, bank, screenshot, size):
    page.set_viewport_size(WIDTHS[size])
    for name, path in (("home", "/"), ("study", "/study/"), ("study-topic", "/study/partnership-vs-alliance/")):
        page.goto(f"{live_server.url}{path}")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
        screenshot(page, f"{name}-{size}")


def test_admin_writes_publishes_and_previews_a_question_students_then_see(page, live_server, log_in, staff, screenshot):
    topic = TopicFactory(name="India and NATO", slug="india-and-nato")
    note = NoteFactory(topic=topic, key="nato-basics", heading="India is not a NATO member")
    QuestionFactory(note=note)

    log_in(page, "editor", "correct-horse-battery", admin=True)
    page.goto(f"{live_server.url}/admin/content/question/add/")
    page.get_by_label("Key").fill("nato-new-01")
    page.get_by_label("Topic").select_option(label="India and NATO")
    page.locator("#id_note + .select2").click()  # the admin's autocomplete widget
    page.locator(".select2-search__field").fill("NATO member")
    page.locator(".select2-results__option", has_text="India is not a NATO member").click()
    page.get_by_label("Kind").select_option("single")
    page.get_by_label("Stem").fill("India holds regular dialogue with NATO. What does that make India?")
    page.get_by_label("Explanation").fill("Dialogue is cooperation, not membership; 'a member' is the tempting error.")
    page.get_by_role("checkbox", name="Trap").check()
    page.get_by_role("textbox", name="Trap note").fill("Dialogue with NATO is not membership of NATO.")
    texts = ["A partner in dialogue, not a member", "A NATO member", "A treaty ally", "An observer state"]
    for i, text in enumerate(texts):
        page.locator(f"#id_choices-{i}-text").fill(text)
    page.locator("#id_choices-0-is_correct").check()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.get_by_role("link", name="Preview as a student").click()
    expect(page.get_by_text("Answer: (a) A partner in dialogue, not a member")).to_be_visible()
    screenshot(page, "admin-preview")

    page.goto(f"{live_server.url}/admin/content/question/?q=nato-new-01")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 question.")

    page.goto(f"{live_server.url}/study/india-and-nato/")
    expect(page.locator("#note-nato-basics")).to_contain_text("Tested by 2 questions")
