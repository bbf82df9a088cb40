"""The admin in a real browser: the error summary at the top of a refused form and where its links
lead, statement rows that follow the kind, a quiz form that shows its rule or its list, and the
"Add to quiz…" page; axe-core on what we drew (the summary, and the whole of the new page)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.axe import blocking_violations
from tests.factories import PASSWORD, QuestionFactory, QuizFactory, StatementQuestionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_error_summary_is_at_the_top_and_its_links_lead_to_the_problem(page, live_server, log_in, staff):
    question = StatementQuestionFactory()  # statements 1 and 3 true, key "1 and 3 only"
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, staff.username, PASSWORD, admin=True)
    page.goto(f"{live_server.url}{reverse('admin:content_question_change', args=[question.pk])}")
    page.get_by_label("Explanation").fill("")
    page.locator("#id_statements-1-is_true").check()  # now all three are true: the key is wrong
    page.get_by_role("button", name="Save and continue editing").click()

    summary = page.get_by_role("alert").filter(has_text="problems to fix")
    expect(summary.get_by_role("heading")).to_have_text("3 problems to fix before this question can be saved")
    expect(summary).to_be_in_viewport()
    assert summary.bounding_box()["y"] < page.locator("#id_key").bounding_box()["y"]
    expect(page.locator(".errornote")).to_be_hidden()  # the summary says it, once
    assert blocking_violations(page, within=".error-summary") == []

    summary.get_by_role("link", name="Explanation: This field is required.").click()
    expect(page.get_by_label("Explanation")).to_be_focused()
    expect(page.get_by_label("Explanation")).to_be_in_viewport()

    page.evaluate("window.scrollTo(0, 0)")
    summary.get_by_role("link", name="Choices: the correct choice ('1 and 3 only') disagrees").click()
    expect(page.locator("#choices-group")).to_be_in_viewport()
    expect(page.locator("#choices-group .errorlist")).to_contain_text("disagrees with the statements' truth values")


def _statement_rows(page):
    return page.locator("#statements-group tbody tr.form-row:not(.empty-form)")


def test_admin_statement_rows_follow_the_kind(page, live_server, log_in, staff):
    log_in(page, staff.username, PASSWORD, admin=True)
    page.goto(f"{live_server.url}{reverse('admin:content_question_add')}")
    total = page.locator("#id_statements-TOTAL_FORMS")
    expect(_statement_rows(page)).to_have_count(0)  # a single answer, the default kind
    expect(total).to_have_value("0")
    page.get_by_label("Kind").select_option("assertion_reason")
    expect(_statement_rows(page)).to_have_count(2)
    page.get_by_label("Kind").select_option("statements_correct")
    expect(_statement_rows(page)).to_have_count(4)
    expect(total).to_have_value("4")
    page.locator("#id_statements-0-text").fill("India is a NATO member.")
    page.get_by_label("Kind").select_option("single")
    expect(_statement_rows(page)).to_have_count(1)  # a written row is the author's to remove
    _statement_rows(page).first.locator("a.inline-deletelink").click()
    expect(_statement_rows(page)).to_have_count(0)
    expect(total).to_have_value("0")


def test_admin_quiz_form_shows_the_rule_or_the_list(page, live_server, log_in, staff):
    log_in(page, staff.username, PASSWORD, admin=True)
    page.goto(f"{live_server.url}{reverse('admin:quiz_quiz_add')}")
    rule, fixed_list = page.locator("fieldset.rule-fields"), page.locator("#quiz_questions-group")
    expect(rule).to_be_hidden()
    expect(fixed_list).to_be_visible()
    page.locator("#id_selection").select_option("rule")
    expect(rule).to_be_visible()
    expect(rule.get_by_label("Rule count")).to_be_visible()  # unfolded, not only its heading
    expect(fixed_list).to_be_hidden()
    page.locator("#id_selection").select_option("fixed")
    expect(rule).to_be_hidden()
    expect(fixed_list).to_be_visible()


def test_admin_add_to_quiz_from_the_question_list(page, live_server, log_in, staff):
    quiz = QuizFactory(title="Weekly test", questions=[QuestionFactory(key="q-on")])
    QuestionFactory(key="q-new")
    log_in(page, staff.username, PASSWORD, admin=True)
    page.goto(f"{live_server.url}{reverse('admin:content_question_changelist')}?o=1")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("add_to_quiz")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add questions to a quiz")
    assert blocking_violations(page) == []
    page.get_by_label("Quiz").select_option(label="Weekly test")
    page.get_by_role("button", name="Add to this quiz").click()
    expect(page.locator(".messagelist")).to_have_text(
        "Added 1 question to “Weekly test”, at the end: q-new. It now has 2 questions. Skipped 1 already on it: q-on."
    )
    assert list(quiz.quiz_questions.values_list("question__key", flat=True)) == ["q-on", "q-new"]
