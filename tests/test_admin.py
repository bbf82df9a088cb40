import json

import pytest
import tablib
from django.urls import reverse, reverse_lazy

from content.bank import QUESTION_FIELDS
from content.models import Question
from content.rules import ASSERTION_REASON_CHOICES
from tests.factories import (
    FactFactory,
    MisconceptionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    RuleQuizFactory,
    StatementQuestionFactory,
    UserFactory,
)
from tests.helpers import queries_for

ADD_URL = reverse("admin:content_question_add")
FOUR = [
    ("A partnership carries no duty to fight", True),
    ("Yes", False),
    ("Only after an exercise", False),
    ("Never", False),
]


def question_post(note, *, choices=FOUR, statements=(), **fields):
    """The POST the admin's add form sends, with its two inline formsets."""
    data = {
        "key": "admin-01",
        "status": "published",
        "topic": note.topic_id,
        "note": note.pk,
        "kind": "single",
        "difficulty": "2",
        "stem": "India's partner is attacked. Must India fight?",
        "explanation": "No mutual-defence clause; the tempting 'Yes' confuses a partner with an ally.",
        "trap_note": "",
        "statements-TOTAL_FORMS": str(len(statements)),
        "statements-INITIAL_FORMS": "0",
        "statements-MIN_NUM_FORMS": "0",
        "statements-MAX_NUM_FORMS": "1000",
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "4",
        "choices-MAX_NUM_FORMS": "4",
    }
    for i, (text, is_true) in enumerate(statements):
        data[f"statements-{i}-text"] = text
        if is_true:
            data[f"statements-{i}-is_true"] = "on"
    for i, (text, is_correct) in enumerate(choices):
        data[f"choices-{i}-text"] = text
        if is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(fields)
    return data


def errors_of(response) -> list[str]:
    """Every error the admin shows on the form: the question's own and each inline's."""
    return [str(error) for error in response.context["errors"]]


@pytest.mark.django_db
def test_admin_adds_a_question_with_inline_choices_numbered_in_order(staff_client):
    note = NoteFactory()
    response = staff_client.post(ADD_URL, question_post(note))
    assert response.status_code == 302
    question = Question.objects.get(key="admin-01")
    assert [(c.order, c.text, c.is_correct) for c in question.choices.order_by("order")] == [
        (1, "A partnership carries no duty to fight", True),
        (2, "Yes", False),
        (3, "Only after an exercise", False),
        (4, "Never", False),
    ]


@pytest.mark.django_db
def test_admin_refuses_a_question_without_exactly_one_correct_choice(staff_client):
    note = NoteFactory()
    two_correct = [(text, i < 2) for i, (text, _) in enumerate(FOUR)]
    response = staff_client.post(ADD_URL, question_post(note, choices=two_correct))
    assert response.status_code == 200
    assert errors_of(response) == ["Choices: exactly one choice must be correct, not 2."]
    none_correct = [(text, False) for text, _ in FOUR]
    response = staff_client.post(ADD_URL, question_post(note, choices=none_correct))
    assert errors_of(response) == ["Choices: exactly one choice must be correct, not 0."]
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_refuses_a_question_without_an_explanation(staff_client):
    response = staff_client.post(ADD_URL, question_post(NoteFactory(), explanation=""))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"explanation": ["This field is required."]}
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_refuses_fewer_than_four_choices(staff_client):
    response = staff_client.post(ADD_URL, question_post(NoteFactory(), choices=FOUR[:3]))
    assert errors_of(response) == ["Choices: a question has exactly 4 choices, not 3."]
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_refuses_a_trap_without_a_trap_note(staff_client):
    response = staff_client.post(ADD_URL, question_post(NoteFactory(), is_trap="on"))
    assert response.context["adminform"].form.errors == {
        "trap_note": ["A trap question needs a trap note naming the misconception it tests."],
        "misconception": ["A trap question names one of the bank's misconceptions."],
    }
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_refuses_a_key_that_disagrees_with_the_statements(staff_client):
    statements = [("First.", True), ("Second.", False)]
    choices = [("1 only", False), ("2 only", True), ("Both 1 and 2", False), ("Neither 1 nor 2", False)]
    post = question_post(NoteFactory(), kind="statements_correct", statements=statements, choices=choices)
    response = staff_client.post(ADD_URL, post)
    assert errors_of(response) == [
        "Choices: the correct choice ('2 only') disagrees with the statements' truth values.",
        "Choices: choice 1 ('1 only') is also right by the statements.",
    ]
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_accepts_an_assertion_reason_question(staff_client):
    statements = [("Statement one.", True), ("Statement two.", False)]
    choices = [(text, i == 2) for i, text in enumerate(ASSERTION_REASON_CHOICES)]
    post = question_post(NoteFactory(), kind="assertion_reason", statements=statements, choices=choices)
    assert staff_client.post(ADD_URL, post).status_code == 302
    question = Question.objects.get()
    assert [label for label, _ in question.labelled_statements()] == ["Statement-I", "Statement-II"]
    assert question.correct_choice().text == "Statement-I is correct, but Statement-II is incorrect"


@pytest.mark.django_db
def test_admin_edit_moves_the_correct_choice(staff_client):
    question = QuestionFactory()
    choices = list(question.choices.order_by("order"))
    url = reverse("admin:content_question_change", args=[question.pk])
    post = question_post(
        question.note,
        key=question.key,
        choices=[(c.text, c.order == 3) for c in choices],
        **{"choices-INITIAL_FORMS": "4"},
    )
    for i, choice in enumerate(choices):
        post[f"choices-{i}-id"] = choice.pk
        post[f"choices-{i}-question"] = question.pk
    response = staff_client.post(url, post)
    assert response.status_code == 302, errors_of(response)
    assert question.correct_choice().pk == choices[2].pk


@pytest.mark.django_db
def test_admin_changelist_filters_and_searches(staff_client):
    trap = QuestionFactory(
        stem="Is NATO membership implied by dialogue?", is_trap=True, trap_note="Dialogue is not membership."
    )
    QuestionFactory(stem="Which exercise is with France?")
    url = reverse("admin:content_question_changelist")
    assert [q.key for q in staff_client.get(url, {"is_trap__exact": "1"}).context["cl"].result_list] == [trap.key]
    assert [q.key for q in staff_client.get(url, {"q": "NATO"}).context["cl"].result_list] == [trap.key]
    response = staff_client.get(url, {"note__source__id__exact": trap.note.source_id})
    assert [q.key for q in response.context["cl"].result_list] == [trap.key]


@pytest.mark.django_db
def test_admin_publish_and_unpublish_actions(staff_client):
    drafts = QuestionFactory.create_batch(2, status="draft")
    url = reverse("admin:content_question_changelist")
    response = staff_client.post(url, {"action": "publish", "_selected_action": [q.pk for q in drafts]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Published 2 questions."]
    assert set(Question.objects.values_list("status", flat=True)) == {"published"}
    staff_client.post(url, {"action": "unpublish", "_selected_action": [drafts[0].pk]})
    assert Question.objects.get(pk=drafts[0].pk).status == "draft"


@pytest.mark.django_db
def test_admin_preview_shows_the_student_view_then_key_and_explanation(staff_client):
    question = StatementQuestionFactory(explanation="Statement 2 confuses a partner with an ally.")
    response = staff_client.get(reverse("admin:content_question_preview", args=[question.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    student_part, key_part = html.split("Key and explanation")
    assert "Which of the statements given above is/are correct?" in student_part
    assert "Statement 2 confuses" not in student_part
    assert "Answer: <strong>(b) 1 and 3 only</strong>" in key_part
    assert "1 is correct; 2 is incorrect; 3 is correct." in key_part
    assert "<p>Statement 2 confuses a partner with an ally.</p>" in key_part
    assert f'href="/study/{question.note.topic.slug}/#note-{question.note.key}"' in key_part


@pytest.mark.django_db
def test_admin_preview_is_staff_only(student_client):
    question = QuestionFactory()
    response = student_client.get(reverse("admin:content_question_preview", args=[question.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_admin_changelist_links_to_the_cited_note(staff_client):
    question = QuestionFactory()
    html = staff_client.get(reverse("admin:content_question_changelist")).content.decode()
    assert f'href="{reverse("admin:content_note_change", args=[question.note_id])}"' in html
    assert f'href="/study/{question.note.topic.slug}/#note-{question.note.key}"' in html


@pytest.mark.django_db
def test_admin_export_writes_the_bank_schema(staff_client):
    question = StatementQuestionFactory(key="exp-01")
    response = staff_client.post(
        reverse("admin:content_question_export"),
        {
            "format": "0",
            "export_items": [question.pk],
            **{f"questionresource_{name}": "on" for name in QUESTION_FIELDS},
        },
    )
    assert response.status_code == 200, response.content[:500]
    rows = list(tablib.Dataset().load(response.content.decode(), format="csv").dict)
    # The same columns as export_bank, whose exact keys test_bank.py spells out.
    assert list(rows[0]) == list(QUESTION_FIELDS)
    assert json.loads(rows[0]["choices"])[1] == {"key": "b", "text": "1 and 3 only", "is_correct": True}
    assert (rows[0]["misconception"], rows[0]["tests"], rows[0]["reveals"]) == ("", "[]", "[]")
    assert json.loads(rows[0]["note"])["key"] == question.note.key


def _import(client, csv_text: str, *, confirm: bool):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("admin:content_question_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("bank.csv", csv_text.encode(), content_type="text/csv"),
        },
    )
    if not confirm or response.status_code != 200 or "confirm_form" not in response.context:
        return response
    form = response.context["confirm_form"]
    return client.post(reverse("admin:content_question_process_import"), {**form.initial}, follow=True)


def _csv(rows: list[dict]) -> str:
    data = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        data.append(list(row.values()))
    return data.export("csv")


def _row(note, **changes) -> dict:
    row = {
        "key": "imp-01",
        "topic": note.topic.slug,
        "kind": "single",
        "difficulty": "2",
        "stem": "Does a joint exercise create a treaty duty?",
        "statements": "[]",
        "choices": json.dumps([{"key": k, "text": t, "is_correct": c} for k, (t, c) in zip("abcd", FOUR, strict=True)]),
        "explanation": "Exercises build interoperability, not obligations.",
        "note": note.key,
        "is_trap": "1",
        "trap_note": "An exercise is not a treaty.",
        "misconception": MisconceptionFactory().key,
        "status": "draft",
    }
    row.update(changes)
    return row


@pytest.mark.django_db
def test_admin_import_creates_questions_through_the_bank_rules(staff_client):
    note = NoteFactory()
    response = _import(staff_client, _csv([_row(note)]), confirm=True)
    assert response.status_code == 200
    question = Question.objects.get(key="imp-01")
    assert (question.is_trap, question.status, question.note_id) == (True, "draft", note.pk)
    assert [c.text for c in question.choices.order_by("order")] == [t for t, _ in FOUR]


@pytest.mark.django_db
def test_admin_import_reports_an_invalid_row_and_writes_nothing(staff_client):
    note = NoteFactory()
    bad = _row(
        note,
        choices=json.dumps([{"key": k, "text": t, "is_correct": True} for k, (t, _) in zip("abcd", FOUR, strict=True)]),
    )
    response = _import(staff_client, _csv([_row(note, key="imp-02"), bad]), confirm=False)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    invalid = result.invalid_rows[0]
    assert invalid.number == 2
    assert invalid.error_dict == {"choices": ["exactly one choice must be correct, not 4"]}
    assert Question.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "expected"), [("admin:content_question_changelist", 7), ("admin:content_note_changelist", 7)]
)
def test_admin_changelists_query_count_does_not_grow_with_questions(
    staff_client, url_name, expected, django_assert_num_queries
):
    QuestionFactory()
    with django_assert_num_queries(expected):
        small = queries_for(staff_client, reverse(url_name))
    QuestionFactory.create_batch(30)
    with django_assert_num_queries(expected):
        assert queries_for(staff_client, reverse(url_name)) == small


@pytest.mark.django_db
def test_admin_preview_unknown_question_is_404(staff_client):
    assert staff_client.get(reverse("admin:content_question_preview", args=[999_999])).status_code == 404


LONG_KEY = [
    ("A cooperative tie that reaches beyond arms sales into co-production, training and shared intelligence", True),
    ("A treaty of alliance", False),
    ("A one-off arms sale", False),
    ("A trade agreement", False),
]


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in response.context["messages"]]


@pytest.mark.django_db
def test_admin_save_warns_of_the_questions_item_writing_flaws(staff_client):
    response = staff_client.post(ADD_URL, question_post(NoteFactory(), choices=LONG_KEY), follow=True)
    assert Question.objects.filter(key="admin-01").exists()  # a warning, not an error
    assert (
        "warning",
        "Item-writing flaw [key-longest]: the key (101 characters) is conspicuously the longest option "
        "(others 17 to 20).",
    ) in _messages(response)


@pytest.mark.django_db
def test_admin_save_reports_an_accepted_flaw_as_information(staff_client):
    post = question_post(NoteFactory(), choices=LONG_KEY, accepted_flaws="key-longest: a definition is long")
    response = staff_client.post(ADD_URL, post, follow=True)
    messages = _messages(response)
    assert (
        "info",
        "Accepted flaw [key-longest]: the key (101 characters) is conspicuously the longest option (others 17 to 20).",
    ) in messages
    assert not [m for m in messages if m[0] == "warning" and "key-longest" in m[1]]


@pytest.mark.django_db
def test_admin_changelist_filters_questions_with_open_flaws(staff_client):
    clean = QuestionFactory(key="clean", stem="Which navy trains with India in Varuna?")
    clean.tests.add(FactFactory(note=clean.note))
    QuestionFactory(key="flawed", stem="What does co-production add?")  # names no fact it tests
    response = staff_client.get(reverse("admin:content_question_changelist") + "?flaws=open")
    assert [q.key for q in response.context["cl"].result_list] == ["flawed"]
    response = staff_client.get(reverse("admin:content_question_changelist") + "?flaws=none")
    assert [q.key for q in response.context["cl"].result_list] == ["clean"]


@pytest.mark.django_db
def test_admin_bank_report_lists_checks_and_flaws(staff_client):
    QuestionFactory(key="flawed")
    response = staff_client.get(reverse("admin:content_bank_report"))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.published == 1
    assert [flaw.code for flaw in report.flaws] == ["no-tests"]
    assert "at least 100 published questions" in response.content.decode()


@pytest.mark.django_db
def test_admin_bank_report_needs_the_view_permission(client):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    assert client.get(reverse("admin:content_bank_report")).status_code == 403


@pytest.mark.django_db
def test_admin_quiz_page_shows_its_paper_checks(staff_client):
    giver, taker = QuestionFactory.create_batch(2)
    fact = FactFactory(note=taker.note)
    giver.reveals.add(fact)
    taker.tests.add(fact)
    fixed = QuizFactory(questions=[giver, taker])
    rule = RuleQuizFactory()
    page = staff_client.get(reverse("admin:quiz_quiz_change", args=[fixed.pk])).content.decode()
    assert f"{giver.key}: [same-paper] gives away {taker.key}: it declares that it reveals {fact.key}" in page
    page = staff_client.get(reverse("admin:quiz_quiz_change", args=[rule.pk])).content.decode()
    assert "2 published questions match the rule; 1 pair(s) of them give each other away" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (reverse_lazy("admin:content_bank_report"), 10),
        (f"{reverse_lazy('admin:content_question_changelist')}?flaws=open", 14),
        (f"{reverse_lazy('admin:content_question_changelist')}?flaws=none", 14),
    ],
)
def test_admin_checker_pages_make_a_fixed_number_of_queries(staff_client, url, expected):
    for question in QuestionFactory.create_batch(2):
        question.tests.add(FactFactory(note=question.note))
    assert queries_for(staff_client, str(url)) == expected
    for question in QuestionFactory.create_batch(
        20, is_trap=True, trap_note="A partner is taken for an ally.", misconception=MisconceptionFactory()
    ):
        question.tests.add(FactFactory(note=question.note))
        question.reveals.add(FactFactory(note=question.note))
    assert queries_for(staff_client, str(url)) == expected
