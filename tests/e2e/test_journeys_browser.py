"""Whole journeys in a real browser: a new student from sign-up to their history, and an admin's new
question reaching students' study notes and a quiz drawn by rule."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from quiz.models import Answer, Attempt
from tests.e2e.paper import (
    PAPER_URL,
    RESULT_URL,
    TIMER_SECONDS,
    expect_palette,
    expect_ready,
    expect_saved,
    option,
    sign_up,
)
from tests.factories import (
    PASSWORD,
    MisconceptionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    RuleQuizFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def click_option(page, choice):
    """Click the option's words, as a student does, not the small radio beside them."""
    page.locator(f"label[for=c-{choice.pk}]").click()


def test_student_journey_signs_up_sits_a_paper_and_finds_it_in_history(page, live_server):
    topic = TopicFactory(name="Partnership vs alliance", slug="partnership-vs-alliance")
    notes = [
        NoteFactory(topic=topic, key=f"pva-{n}", heading=heading)
        for n, heading in enumerate(["A partnership is not an alliance", "What NATO's Article 5 promises"], 1)
    ]
    q1, q2, q3 = (QuestionFactory(note=notes[n % 2]) for n in range(3))
    QuizFactory(questions=[q1, q2, q3], title="Partnerships drill")

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    sign_up(page, "meera", "civil-services-2027")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quizzes").click()
    page.get_by_role("link", name="Partnerships drill").click()
    expect(page.get_by_role("heading", name="Partnerships drill", level=1)).to_be_visible()
    page.get_by_role("button", name="Start the paper").click()
    expect(page).to_have_url(PAPER_URL)
    expect_ready(page)
    attempt = Attempt.objects.get(user__username="meera")

    click_option(page, option(q1, 1))  # right
    expect_saved(page, q1)
    click_option(page, option(q2, 3))  # wrong
    expect_saved(page, q2)
    page.locator(f"label[for=mark-{q2.pk}]").click()
    expect_saved(page, q2)
    page.locator(f"label[for=mark-{q3.pk}]").click()  # unsure: marked, left blank
    expect_saved(page, q3)
    expect(page.locator("#progress")).to_have_text("2 of 3 answered, 2 marked")

    # Reload just after a tick, so the page's load time cannot round the clock up past `before`.
    before = page.evaluate(TIMER_SECONDS)
    page.wait_for_function(f"() => ({TIMER_SECONDS})() < {before}")
    page.reload()
    expect_ready(page)
    after = page.evaluate(TIMER_SECONDS)
    assert 0 < after <= before
    expect(page.locator(f"#c-{option(q1, 1).pk}")).to_be_checked()
    expect(page.locator(f"#c-{option(q2, 3).pk}")).to_be_checked()
    expect(page.locator(f"#mark-{q2.pk}")).to_be_checked()
    expect(page.locator(f"#mark-{q3.pk}")).to_be_checked()
    expect_palette(page, q1, "answered")
    expect_palette(page, q2, "answered-marked")
    expect_palette(page, q3, "marked")
    expect(page.locator("#progress")).to_have_text("2 of 3 answered, 2 marked")
    # Still counting down after the reload.
    page.wait_for_function(f"() => ({TIMER_SECONDS})() < {after}")

    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    dialog = page.get_by_role("dialog", name="Submit your paper?")
    expect(dialog).to_contain_text("You have answered 2 of 3 questions. 1 is unanswered. 2 are marked for review.")
    dialog.get_by_role("button", name="Submit paper").click()

    expect(page).to_have_url(RESULT_URL)
    expect(page.locator("[data-score]")).to_have_text("1.33")  # 2 - 2/3
    expect(page.get_by_text("out of 6.00")).to_be_visible()
    expect(page.locator(".explanation")).to_have_count(3)
    expect(page.locator(".explanation").first).to_contain_text(q1.explanation)
    assert Answer.objects.filter(attempt=attempt, marked=True).count() == 2
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.correct_count, attempt.wrong_count, attempt.blank_count) == (
        Attempt.Status.SUBMITTED,
        Decimal("1.33"),
        1,
        1,
        1,
    )

    page.locator(f"#q-{q2.pk}").get_by_role("link", name=q2.note.heading, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/study/partnership-vs-alliance/#note-{q2.note.key}$"))
    note = page.locator(f"#note-{q2.note.key}")
    expect(note.get_by_role("heading", name=q2.note.heading)).to_be_visible()
    expect(note).to_be_in_viewport()
    expect(note).to_contain_text("Tested by 1 question")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Your history", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Partnerships drill"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1.33 / 6.00")
    expect(row).to_contain_text("1 / 1 / 1")
    row.get_by_role("link", name="Partnerships drill").click()
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt.public_id}/result/$"))


def test_admin_question_reaches_study_notes_and_a_rule_quiz(page, browser, live_server, log_in, staff, screenshot):
    topic = TopicFactory(name="India and NATO", slug="india-and-nato")
    note = NoteFactory(topic=topic, key="nato-basics", heading="India is not a NATO member")
    QuestionFactory(note=note)  # published, not a trap: outside the trap drill's rule
    MisconceptionFactory(key="dialogue-as-membership", name="Talking to NATO means joining it")
    drill = RuleQuizFactory(title="NATO trap drill", rule_traps_only=True)
    drill.rule_topics.add(topic)

    student = browser.new_context()
    reader = student.new_page()
    reader.set_default_timeout(10_000)
    reader.goto(f"{live_server.url}/accounts/signup/")
    sign_up(reader, "kiran", PASSWORD)
    reader.goto(f"{live_server.url}/study/india-and-nato/")
    expect(reader.locator("#note-nato-basics")).to_contain_text("Tested by 1 question")
    reader.goto(f"{live_server.url}{drill.get_absolute_url()}")
    expect(reader.get_by_text("This quiz has no published questions yet.")).to_be_visible()

    log_in(page, "editor", PASSWORD, admin=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions, notes and students")
    page.get_by_role("row", name="Questions").get_by_role("link", name="Questions").click()
    page.get_by_role("link", name="Add question").click()
    expect(page).to_have_url(re.compile(r"/admin/content/question/add/$"))
    page.get_by_label("Key").fill("nato-new-01")
    page.get_by_label("Topic").select_option(label="India and NATO")
    page.locator("#id_note + .select2").click()  # the admin's autocomplete widget
    page.locator(".select2-container--open .select2-search__field").fill("NATO member")
    page.locator(".select2-results__option", has_text="India is not a NATO member").click()
    page.get_by_label("Kind").select_option("single")
    page.get_by_label("Difficulty").select_option("2")
    page.get_by_label("Stem").fill("India holds regular dialogue with NATO. What does that make India?")
    page.get_by_label("Explanation").fill("Dialogue is cooperation, not membership; 'a member' is the tempting error.")
    page.get_by_role("checkbox", name="Trap").check()
    page.locator("#id_misconception + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill("joining")
    page.locator(".select2-results__option", has_text="Talking to NATO means joining it").click()
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

    # A draft reaches no student.
    reader.reload()
    expect(reader.get_by_text("This quiz has no published questions yet.")).to_be_visible()

    page.goto(f"{live_server.url}/admin/content/question/?q=nato-new-01")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 question.")

    reader.goto(f"{live_server.url}/study/india-and-nato/")
    expect(reader.locator("#note-nato-basics")).to_contain_text("Tested by 2 questions")
    reader.goto(f"{live_server.url}{drill.get_absolute_url()}")
    expect(reader.locator("main")).to_contain_text("1 question, all on one page")
    reader.get_by_role("button", name="Start the paper").click()
    expect(reader).to_have_url(PAPER_URL)
    expect_ready(reader)
    questions = reader.locator("section.question")
    expect(questions).to_have_count(1)
    expect(questions).to_contain_text("India holds regular dialogue with NATO. What does that make India?")
    expect(questions.get_by_role("group", name=re.compile("^Options for")).get_by_role("radio")).to_have_count(4)
    for letter, text in zip("abcd", texts, strict=True):
        expect(questions.get_by_role("radio", name=f"({letter}) {text}", exact=True)).to_have_count(1)
    questions.get_by_text("(b) A NATO member").click()  # falls for the trap
    expect(questions.locator("[data-save-status]")).to_have_text("Saved")
    reader.locator(".paper-bar").get_by_role("button", name="Submit").click()
    reader.get_by_role("button", name="Submit paper").click()

    expect(reader).to_have_url(RESULT_URL)
    expect(reader.locator(".explanation")).to_contain_text("Dialogue is cooperation, not membership")
    expect(reader.get_by_text("The trap: Dialogue with NATO is not membership of NATO.")).to_be_visible()
    expect(reader.get_by_role("link", name="India is not a NATO member")).to_have_attribute(
        "href", "/study/india-and-nato/#note-nato-basics"
    )
    student.close()
