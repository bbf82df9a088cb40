from datetime import timedelta
from io import StringIO

import pytest
import time_machine
import yaml
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import escape

from content.bank import BANK_DIR, QuestionIn, bank_export, bank_read, question_parse
from content.forms import import_payload
from content.models import Question, QuestionVersion
from content.rules import ASSERTION_REASON_CHOICES
from content.services import question_version_current
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
from tests.helpers import T0, graded_attempt, queries_for, quiz_form, wrong

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
    # Laid out by the paper's own template, so it reads as the paper does.
    assert '<dl class="statement-list">' in student_part
    assert "<dt>1.</dt><dd>First statement.</dd>" in student_part
    assert "Statement 2 confuses" not in student_part
    assert "Answer: <strong>(b) 1 and 3 only</strong>" in key_part
    assert "1 is correct; 2 is incorrect; 3 is correct." in key_part
    assert "<p>Statement 2 confuses a partner with an ally.</p>" in key_part
    assert f'href="/study/{question.note.topic.slug}/#note-{question.note.key}"' in key_part


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [QuestionFactory, StatementQuestionFactory])
def test_admin_preview_makes_a_fixed_number_of_queries(staff_client, factory):
    question = factory()
    assert queries_for(staff_client, reverse("admin:content_question_preview", args=[question.pk])) == 5


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


# --- import and export as bank files ------------------------------------------------------------

CHANGELIST = reverse("admin:content_question_changelist")
IMPORT_URL = reverse("admin:content_question_import")
EXPORT_URL = reverse("admin:content_question_export")


def export_action(client, questions) -> HttpResponse:
    return client.post(
        CHANGELIST, {"action": "export_bank_file", "_selected_action": [question.pk for question in questions]}
    )


def upload(client, text: str | bytes, *, name: str = "bank.yaml"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content, content_type="application/yaml")})


def preview_rows(response) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(row.key, row.status, row.fields) for row in response.context["preview"].rows]


def confirm(client, response, **changes):
    """Post the preview's confirmation form back, as its Confirm button does."""
    return client.post(IMPORT_URL, {**response.context["confirm_form"].initial, **changes}, follow=True)


def question_dict(note, **changes) -> dict:
    """A question as a bank file holds it."""
    return {
        "key": "imp-01",
        "topic": note.topic.slug,
        "kind": "single",
        "difficulty": 2,
        "stem": "Does a joint exercise create a treaty duty?",
        "choices": [{"key": k, "text": t, "is_correct": c} for k, (t, c) in zip("abcd", FOUR, strict=True)],
        "explanation": "Exercises build interoperability, not obligations.",
        "note": note.key,
        "is_trap": True,
        "trap_note": "An exercise is not a treaty.",
        "misconception": MisconceptionFactory().key,
        "status": "draft",
    } | changes


def as_yaml(questions: list[dict]) -> str:
    return yaml.safe_dump(questions, sort_keys=False)


@pytest.mark.django_db
def test_admin_export_action_writes_the_bank_schema(staff_client):
    question = StatementQuestionFactory(key="exp-01")
    response = export_action(staff_client, [question])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    assert response["Content-Disposition"] == f'attachment; filename="questions-{timezone.localdate():%Y-%m-%d}.yaml"'
    (exported,) = yaml.safe_load(response.content)
    # The fields of the schema load_bank reads, whose exact keys test_bank.py spells out.
    assert list(exported) == list(QuestionIn.model_fields)
    assert exported["choices"][1] == {"key": "b", "text": "1 and 3 only", "is_correct": True}
    assert (exported["misconception"], exported["tests"], exported["reveals"]) == (None, [], [])
    assert exported["note"]["key"] == question.note.key


@pytest.mark.django_db
def test_admin_export_round_trips_through_load_bank_losslessly(staff_client, tmp_path):
    trap = StatementQuestionFactory(
        key="exp-trap", is_trap=True, trap_note="A partner is taken for an ally.", misconception=MisconceptionFactory()
    )
    trap.tests.add(FactFactory(note=trap.note))
    trap.reveals.add(FactFactory(note=trap.note))
    plain = QuestionFactory(key="exp-plain", status="draft", accepted_flaws="no-tests: a warm-up")
    before = bank_export()
    path = tmp_path / "questions.yaml"
    path.write_bytes(export_action(staff_client, [trap, plain]).content)

    assert [question.model_dump() for question in bank_read([path]).questions] == [
        question_parse(item).model_dump() for item in before
    ]
    out = StringIO()
    call_command("load_bank", str(path), stdout=out)
    assert out.getvalue() == "Question bank loaded: 0 created, 0 updated, 2 unchanged.\n"
    Question.objects.all().delete()
    call_command("load_bank", str(path), stdout=out)
    assert bank_export() == before


@pytest.mark.django_db
def test_admin_export_button_exports_the_filtered_list(staff_client):
    QuestionFactory(key="pub-01")
    QuestionFactory.create_batch(2, status="draft")
    page = staff_client.get(CHANGELIST, {"status__exact": "draft"}).content.decode()
    assert f'href="{EXPORT_URL}?status__exact=draft"' in page
    response = staff_client.get(EXPORT_URL, {"status__exact": "draft"})
    assert response.status_code == 200
    assert [item["status"] for item in yaml.safe_load(response.content)] == ["draft", "draft"]
    assert len(yaml.safe_load(staff_client.get(EXPORT_URL).content)) == 3


@pytest.mark.django_db
def test_admin_export_button_with_a_bad_filter_goes_back_to_the_list(staff_client):
    response = staff_client.get(EXPORT_URL, {"no_such_field": "1"})
    assert (response.status_code, response["Location"]) == (302, f"{CHANGELIST}?e=1")


@pytest.mark.django_db
def test_admin_import_creates_questions_through_the_bank_rules(staff_client):
    note = NoteFactory()
    preview = upload(staff_client, as_yaml([question_dict(note)]))
    assert preview_rows(preview) == [("imp-01", "new", ())]
    response = confirm(staff_client, preview)
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Imported bank.yaml: 1 created, 0 updated, 0 unchanged."]
    question = Question.objects.get(key="imp-01")
    assert (question.is_trap, question.status, question.note_id) == (True, "draft", note.pk)
    assert [c.text for c in question.choices.order_by("order")] == [t for t, _ in FOUR]
    assert question.versions.count() == 1


@pytest.mark.django_db
def test_admin_import_reads_a_load_bank_file(staff_client):
    call_command("load_bank", "content/bank/notes.yaml", stdout=StringIO())
    path = BANK_DIR / "questions" / "partnership-vs-alliance.yaml"
    wanted = bank_read([path]).questions
    preview = upload(staff_client, path.read_text(), name=path.name)
    assert preview_rows(preview) == [(question.key, "new", ()) for question in wanted]
    response = confirm(staff_client, preview)
    assert [str(m) for m in response.context["messages"]] == [
        f"Imported partnership-vs-alliance.yaml: {len(wanted)} created, 0 updated, 0 unchanged."
    ]
    # The admin wrote exactly what load_bank writes from the same file.
    out = StringIO()
    call_command("load_bank", str(path), stdout=out)
    assert out.getvalue() == f"Question bank loaded: 0 created, 0 updated, {len(wanted)} unchanged.\n"


@pytest.mark.django_db
def test_admin_import_preview_shows_new_changed_with_its_fields_and_unchanged(staff_client):
    kept = QuestionFactory(key="kept")
    edited = QuestionFactory(key="edited")
    edited_dict, kept_dict = yaml.safe_load(export_action(staff_client, [kept, edited]).content)  # by key
    edited_dict["stem"] = "A reworded stem?"
    edited_dict["choices"][0]["text"] = "A reworded key"
    edited_dict["difficulty"] = 3
    new = question_dict(kept.note, key="brand-new")
    response = upload(staff_client, as_yaml([kept_dict, edited_dict, new]))
    assert response.status_code == 200
    assert preview_rows(response) == [
        ("kept", "unchanged", ()),
        ("edited", "changed", ("difficulty", "stem", "choices")),
        ("brand-new", "new", ()),
    ]
    page = response.content.decode()
    assert "3 questions: 1 new, 1 changed, 1 unchanged." in page
    assert "<strong>changes</strong> difficulty, stem, choices" in page
    # A preview writes nothing.
    assert sorted(Question.objects.values_list("key", "stem")) == [("edited", edited.stem), ("kept", kept.stem)]


@pytest.mark.django_db
def test_admin_import_confirm_writes_the_changes_and_records_them(staff_client):
    edited = QuestionFactory(key="edited")
    (edited_dict,) = yaml.safe_load(export_action(staff_client, [edited]).content)
    preview = upload(staff_client, as_yaml([edited_dict | {"stem": "A reworded stem?"}, question_dict(edited.note)]))
    response = confirm(staff_client, preview)
    assert [str(m) for m in response.context["messages"]] == ["Imported bank.yaml: 1 created, 1 updated, 0 unchanged."]
    assert Question.objects.get(key="edited").stem == "A reworded stem?"
    assert [(e.object_repr, e.action_flag, e.change_message) for e in LogEntry.objects.order_by("pk")] == [
        (str(Question.objects.get(key="edited")), CHANGE, "Imported from bank.yaml: stem."),
        (str(Question.objects.get(key="imp-01")), ADDITION, "Imported from bank.yaml."),
    ]


@pytest.mark.django_db
def test_admin_import_of_an_unchanged_export_shows_all_unchanged_and_writes_nothing(staff_client):
    questions = [StatementQuestionFactory(key="st-01"), QuestionFactory(key="sg-01")]
    exported = export_action(staff_client, questions).content
    stamps = sorted(Question.objects.values_list("key", "updated_at"))
    versions = QuestionVersion.objects.count()
    response = upload(staff_client, exported)
    assert preview_rows(response) == [("sg-01", "unchanged", ()), ("st-01", "unchanged", ())]
    assert response.context["confirm_form"] is None
    assert "Every question in the file is unchanged: there is nothing to import." in response.content.decode()
    # Confirming it anyway (a signed copy of the same file) writes nothing either.
    payload = import_payload(name="bank.yaml", text=exported.decode(), user=response.wsgi_request.user)
    confirmed = staff_client.post(IMPORT_URL, {"payload": payload}, follow=True)
    assert [str(m) for m in confirmed.context["messages"]] == ["Imported bank.yaml: 0 created, 0 updated, 2 unchanged."]
    assert sorted(Question.objects.values_list("key", "updated_at")) == stamps
    assert QuestionVersion.objects.count() == versions
    assert not LogEntry.objects.exists()


def _tampered(payload: str) -> str:
    """The signed payload with its text swapped for another, signature kept."""
    value, signature = payload.rsplit(":", 1)
    forged = signing.dumps({"name": "bank.yaml", "text": "[]", "user": 1}, salt="other", compress=True)
    return f"{forged.rsplit(':', 1)[0]}:{signature}" if value else payload


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_tampered, id="text swapped"),
        pytest.param(lambda payload: payload[:-1] + ("A" if payload[-1] != "A" else "B"), id="signature edited"),
        pytest.param(
            lambda payload: signing.dumps({"name": "bank.yaml", "text": "[]", "user": 1}, key="guess", salt="x"),
            id="signed with another key",
        ),
    ],
)
def test_admin_import_confirm_refuses_a_tampered_payload_and_writes_nothing(staff_client, tamper):
    preview = upload(staff_client, as_yaml([question_dict(NoteFactory())]))
    payload = preview.context["confirm_form"].initial["payload"]
    response = staff_client.post(IMPORT_URL, {"payload": tamper(payload)})
    assert response.status_code == 400
    assert list(response.context["refused"]) == [
        "This confirmation is not the file you previewed: it was altered on the way. Nothing was imported: "
        "upload the file again."
    ]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_admin_import_confirm_refuses_another_users_payload(staff_client):
    payload = import_payload(name="bank.yaml", text=as_yaml([question_dict(NoteFactory())]), user=UserFactory())
    response = staff_client.post(IMPORT_URL, {"payload": payload})
    assert response.status_code == 400
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_admin_import_confirm_refuses_an_expired_preview(staff_client):
    with time_machine.travel(T0):
        preview = upload(staff_client, as_yaml([question_dict(NoteFactory())]))
    with time_machine.travel(T0 + timedelta(hours=1, seconds=1)):
        response = confirm(staff_client, preview)
    assert response.status_code == 400
    assert list(response.context["refused"]) == [
        "This preview is more than an hour old. Nothing was imported: upload the file again."
    ]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_admin_import_confirm_reads_the_file_again_and_writes_nothing_if_it_no_longer_loads(staff_client):
    note = NoteFactory()
    preview = upload(staff_client, as_yaml([question_dict(note)]))
    note.delete()
    response = confirm(staff_client, preview)
    assert response.status_code == 200
    assert response.context["preview"].errors == [
        f"bank.yaml: question 'imp-01': field 'note': unknown note '{note.key}'"
    ]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_admin_import_confirm_that_fails_while_writing_says_why_and_writes_nothing(staff_client, student):
    question = QuestionFactory(key="answered")
    answered = wrong(question)
    graded_attempt(user=student, quiz=QuizFactory(questions=[question]), picks={question: answered}, now=T0)
    (exported,) = yaml.safe_load(export_action(staff_client, [question]).content)
    for choice in exported["choices"]:
        choice["key"] = "z" if choice["key"] == answered.key else choice["key"]
    exported["stem"] = "A reworded stem?"
    preview = upload(staff_client, as_yaml([exported]))
    assert preview_rows(preview) == [("answered", "changed", ("stem", "choices"))]
    response = confirm(staff_client, preview)
    assert response.status_code == 200
    assert response.context["preview"].errors == [
        "question 'answered': field 'choices': students have answered this question, so its choices cannot be "
        "removed (keep each answered option's key; reword it instead)"
    ]
    assert Question.objects.get().stem == question.stem
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_admin_import_lists_every_invalid_question_and_writes_nothing(staff_client):
    note = NoteFactory()
    all_correct = [{"key": k, "text": t, "is_correct": True} for k, (t, _) in zip("abcd", FOUR, strict=True)]
    questions = [
        question_dict(note, key="imp-02"),
        question_dict(note, choices=all_correct),
        question_dict(note, key="imp-03", difficulty="hard"),
        question_dict(note, key="imp-02", stem="The same key again?"),
    ]
    response = upload(staff_client, as_yaml(questions))
    assert response.status_code == 200
    assert response.context["preview"].errors == [
        "bank.yaml: question 'imp-01': field 'choices': exactly one choice must be correct, not 4",
        "bank.yaml: question 'imp-03': field 'difficulty': input should be a valid integer",
        "bank.yaml: question 'imp-02': field 'key': question key 'imp-02' appears twice in the bank "
        "(also in bank.yaml)",
    ]
    assert preview_rows(response) == [("imp-02", "new", ())]
    assert response.context["confirm_form"] is None
    assert "This file cannot be imported: 3 problems. Nothing was written." in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "bank.yaml",
            b"- key: [unclosed",
            "bank.yaml: not valid YAML (line 1: expected ',' or ']', but got '<stream end>')",
        ),
        (
            "bank.yaml",
            b"- key: x\n  stem: [",
            "bank.yaml: not valid YAML (line 2: expected the node content, but found '<stream end>')",
        ),
        ("bank.json", b'[{"key": }]', "bank.json: not valid JSON (line 1: Expecting value)"),
        (
            "notes.yaml",
            b"notes: []",
            "notes.yaml: a mapping, not a list of questions: this imports question files (as the export writes "
            "them and content/bank/questions/ holds them); load notes and quizzes with `manage.py load_bank`",
        ),
        ("bank.yaml", b"3", "bank.yaml: not a list of questions, which is what a question file holds"),
        ("bank.yaml", b"[]", "bank.yaml: no questions in the file"),
        ("bank.yaml", b"- just a line", "bank.yaml: each question is a mapping of fields"),
    ],
)
def test_admin_import_of_a_malformed_file_says_why_and_writes_nothing(staff_client, name, content, error):
    response = upload(staff_client, content, name=name)
    assert response.status_code == 200
    assert response.context["preview"].errors == [error]
    assert response.context["confirm_form"] is None
    assert f"<li>{escape(error)}</li>" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("bank.csv", b"key,stem", "bank.csv: a bank file ends in .yaml, .yml or .json."),
        ("bank.yaml", b"", "The submitted file is empty."),
        ("bank.yaml", b"- key: \xff\xfe", "bank.yaml: not UTF-8 text."),
        (
            "big.yaml",
            b"#" * 1_000_001,
            "big.yaml: 1,000,001 bytes, more than the import takes (1,000,000): split it, or load it with "
            "`manage.py load_bank`.",
        ),
    ],
)
def test_admin_import_refuses_a_file_it_cannot_read(staff_client, name, content, error):
    response = upload(staff_client, content, name=name)
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [error]}
    assert response.context["preview"] is None


@pytest.mark.django_db
def test_admin_import_needs_a_csrf_token(staff):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post(IMPORT_URL, {"file": SimpleUploadedFile("bank.yaml", b"[]")}).status_code == 403


def _user_with(*codenames: str):
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="content", codename__in=codenames))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codenames", "can_import", "can_export"),
    [
        ((), False, False),
        (("view_question",), False, True),
        (("view_question", "add_question"), False, True),
        (("view_question", "change_question"), False, True),
        (("add_question", "change_question"), True, True),
    ],
)
def test_admin_import_needs_add_and_change_and_export_needs_view(client, codenames, can_import, can_export):
    user = _user_with(*codenames)
    client.force_login(user)
    question = QuestionFactory()
    import_status = 200 if can_import else 403
    assert client.get(IMPORT_URL).status_code == import_status
    assert upload(client, as_yaml([question_dict(question.note)])).status_code == import_status
    payload = import_payload(name="bank.yaml", text=as_yaml([question_dict(question.note)]), user=user)
    assert client.post(IMPORT_URL, {"payload": payload}).status_code == (302 if can_import else 403)
    assert client.get(EXPORT_URL).status_code == (200 if can_export else 403)
    if can_export:
        assert export_action(client, [question]).status_code == 200
        page = client.get(CHANGELIST).content.decode()
        assert (f'href="{IMPORT_URL}"' in page) == can_import
    assert Question.objects.count() == (2 if can_import else 1)


@pytest.mark.django_db
def test_admin_import_preview_makes_a_fixed_number_of_queries(staff_client, django_assert_num_queries):
    """Session, user, the keys a question may cite (5), the saved questions with their options and
    facts (5) and the notes they cite: however many questions the file holds."""
    for size in (3, 20):
        questions = QuestionFactory.create_batch(size)
        for question in questions:
            question.tests.add(FactFactory(note=question.note))
        exported = yaml.safe_load(export_action(staff_client, questions).content)
        exported[0]["stem"] = "A reworded stem?"
        new = [question_dict(questions[0].note, key=f"new-{size}"), question_dict(questions[1].note, key=f"n-{size}")]
        with django_assert_num_queries(13):
            response = upload(staff_client, as_yaml([*exported, *new]))
        assert response.context["preview"].counts == {"unchanged": size - 1, "changed": 1, "new": 2}


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


@pytest.mark.django_db
def test_admin_pages_name_the_site_icon(staff_client):
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in Client().get(reverse("admin:login")).content.decode()
    assert icon in staff_client.get(reverse("admin:index")).content.decode()
    assert icon in staff_client.get(reverse("admin:content_question_add")).content.decode()


def test_favicon_ico_sends_browsers_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/favicon.svg")


# --- control characters (issue 14, finding 10) -------------------------------------------------------

IN_TEXT = "only tabs and line breaks may lay out text."
IN_A_LINE = "this field is one line of text."


STATEMENT_QUESTION = {
    "kind": "statements_correct",
    "stem": "Consider the following statements:",
    "statements": [("NATO members promise to defend each other.", True), ("A partnership obliges war.", False)],
    "choices": [("1 only", True), ("2 only", False), ("Both 1 and 2", False), ("Neither 1 nor 2", False)],
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stem": "Must India\x00 fight?"}, f"Remove the control character U+0000 at character 11: {IN_TEXT}"),
        ({"explanation": "No clause.\x1b[2J"}, f"Remove the control character U+001B at character 11: {IN_TEXT}"),
        ({"trap_note": "A\x7f partner"}, f"Remove the control character U+007F at character 2: {IN_TEXT}"),
        ({"choices-1-text": "Ye\x07s"}, f"Remove the control character U+0007 at character 3: {IN_TEXT}"),
        (
            {**STATEMENT_QUESTION, "statements-1-text": "A partnership\x0b obliges war."},
            f"Remove the control character U+000B at character 14: {IN_TEXT}",
        ),
    ],
    ids=["nul-in-stem", "escape-in-explanation", "delete-in-trap-note", "bell-in-a-choice", "tab-v-in-a-statement"],
)
def test_admin_refuses_nul_and_control_characters_in_a_question(staff_client, fields, message):
    response = staff_client.post(ADD_URL, question_post(NoteFactory(), **fields))
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)), errors_of(response)
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_admin_keeps_tabs_and_line_breaks_in_a_question(staff_client):
    response = staff_client.post(ADD_URL, question_post(NoteFactory(), stem="Consider:\r\n\tMust India fight?"))
    assert response.status_code == 302
    assert Question.objects.get().stem == "Consider:\r\n\tMust India fight?"


@pytest.mark.django_db
def test_admin_refuses_control_characters_in_notes_and_quizzes(staff_client):
    note = NoteFactory()
    note_form = {
        "key": "n-2",
        "source": note.source_id,
        "topic": note.topic_id,
        "heading": "A partnership\tis not an alliance",
        "section": "Key point 2",
        "order": "2",
        "body": "Body\x00 text.",
        "examinable": "on",
    }
    response = staff_client.post(reverse("admin:content_note_add"), note_form)
    errors = response.context["adminform"].form.errors
    assert f"Remove the control character U+0009 at character 14: {IN_A_LINE}" in errors["heading"]
    assert f"Remove the control character U+0000 at character 5: {IN_TEXT}" in errors["body"]

    form = quiz_form(title="Weekly\ntest", instructions="Answer\x00 all.", selection="rule", is_published="")
    response = staff_client.post(reverse("admin:quiz_quiz_add"), form)
    errors = response.context["adminform"].form.errors
    assert f"Remove the control character U+000A at character 7: {IN_A_LINE}" in errors["title"]
    assert f"Remove the control character U+0000 at character 7: {IN_TEXT}" in errors["instructions"]
    assert not QuizFactory._meta.model.objects.exists()

    form = quiz_form(title="Mock \u202e1 kcom", instructions="Answer \u2067all.", selection="rule", is_published="")
    response = staff_client.post(reverse("admin:quiz_quiz_add"), form)
    errors = response.context["adminform"].form.errors
    assert f"Remove the control character U+202E at character 6: {IN_A_LINE}" in errors["title"]
    assert f"Remove the control character U+2067 at character 8: {IN_TEXT}" in errors["instructions"]
    assert NoteFactory._meta.model.objects.count() == 1


@pytest.mark.django_db
def test_admin_import_refuses_control_characters(staff_client):
    note = NoteFactory()
    raw = as_yaml([question_dict(note)]).replace("Does a joint", "Does\x00 a joint").encode()
    response = upload(staff_client, raw)
    assert response.context["form"].errors == {
        "file": [
            "bank.yaml: line 5, column 13: control character U+0000; remove it (only tabs and line breaks may lay "
            "out text)."
        ]
    }
    escaped = as_yaml([question_dict(note, stem="Does\x1b a joint exercise create a treaty duty?")])
    assert "\\e" in escaped  # YAML writes ESC as an escape: the file's own text is clean
    response = upload(staff_client, escaped)
    assert response.context["preview"].errors == [
        "bank.yaml: question 'imp-01': field 'stem': control character U+001B at character 5: remove it (only "
        "tabs and line breaks may lay out text)"
    ]
    assert response.context["confirm_form"] is None
    assert not Question.objects.exists()


# --- the error summary and the statement rows (issue 17, item 7) -------------------------------------


def _summary(response) -> list[tuple[str, str]]:
    return [(line.text, line.anchor) for line in response.context["error_summary"]]


@pytest.mark.django_db
def test_admin_error_summary_puts_the_wrong_key_at_the_top_linked_to_the_choices(staff_client):
    statements = [("First.", True), ("Second.", False)]
    choices = [("1 only", False), ("2 only", True), ("Both 1 and 2", False), ("Neither 1 nor 2", False)]
    post = question_post(NoteFactory(), kind="statements_correct", statements=statements, choices=choices)
    response = staff_client.post(ADD_URL, post)
    message = "Choices: the correct choice ('2 only') disagrees with the statements' truth values."
    assert _summary(response) == [
        (message, "choices-group"),
        ("Choices: choice 1 ('1 only') is also right by the statements.", "choices-group"),
    ]
    html = response.content.decode()
    summary = html.index('<div class="error-summary" role="alert" aria-labelledby="error-summary-title">')
    assert summary < html.index('id="id_key"') < html.index('id="choices-group"')
    assert '<h2 id="error-summary-title">2 problems to fix before this question can be saved</h2>' in html
    assert f'<li><a href="#choices-group">{escape(message)}</a></li>' in html


@pytest.mark.django_db
def test_admin_error_summary_links_a_statements_problem_to_the_statements(staff_client):
    statements = [("First.", True), ("Second.", True), ("Third.", False)]
    choices = [(text, i == 0) for i, text in enumerate(ASSERTION_REASON_CHOICES)]
    post = question_post(NoteFactory(), kind="assertion_reason", statements=statements, choices=choices)
    response = staff_client.post(ADD_URL, post)
    assert _summary(response) == [
        ("Statements: a question of the kind “Assertion and reason” has 2 statements, not 3.", "statements-group")
    ]


@pytest.mark.django_db
def test_admin_error_summary_links_fields_and_inline_rows(staff_client):
    post = question_post(NoteFactory(), explanation="")
    post["choices-1-text"] = ""
    response = staff_client.post(ADD_URL, post)
    assert _summary(response) == [
        ("Explanation: This field is required.", "id_explanation"),
        ("Choices, row 2, text: This field is required.", "id_choices-1-text"),
    ]
    html = response.content.decode()
    assert '<h2 id="error-summary-title">2 problems to fix before this question can be saved</h2>' in html
    assert '<a href="#id_choices-1-text">Choices, row 2, text: This field is required.</a>' in html
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_admin_error_summary_is_absent_from_a_form_without_errors(staff_client):
    response = staff_client.get(ADD_URL)
    assert "error_summary" not in response.context
    assert "error-summary" not in response.content.decode().replace("css/admin.css", "")


def _statement_rows(response) -> tuple[int, int]:
    """(rows on the form, rows already saved) of the question's statements."""
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "statements")
    return formset.total_form_count(), formset.initial_form_count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "rows"),
    [("", 4), ("?kind=assertion_reason", 2), ("?kind=statements_count", 4), ("?kind=single", 0), ("?kind=x", 4)],
)
def test_admin_new_question_gets_the_statement_rows_its_kind_takes(staff_client, query, rows):
    assert _statement_rows(staff_client.get(ADD_URL + query)) == (rows, 0)


@pytest.mark.django_db
def test_admin_question_statement_rows_make_up_what_its_kind_takes(staff_client):
    two_of_four = StatementQuestionFactory(statements=[("One.", True), ("Two.", False)])
    assertion_reason = StatementQuestionFactory(kind="assertion_reason", statements=[("One.", True), ("Two.", False)])
    single = QuestionFactory()

    def rows(question):
        return _statement_rows(staff_client.get(reverse("admin:content_question_change", args=[question.pk])))

    assert rows(two_of_four) == (4, 2)
    assert rows(assertion_reason) == (2, 2)
    assert rows(single) == (0, 0)


@pytest.mark.django_db
def test_admin_question_kind_tells_the_page_the_rows_each_kind_takes(staff_client):
    html = staff_client.get(ADD_URL).content.decode()
    rows = '{"single": 0, "statements_correct": 4, "statements_count": 4, "match_pairs": 4, "assertion_reason": 2}'
    assert f'data-statement-rows="{escape(rows)}"' in html
    assert '<script src="/static/js/admin-question.js"></script>' in html


@pytest.mark.django_db
def test_admin_question_change_page_makes_a_fixed_number_of_queries(staff_client, django_assert_num_queries):
    """Whatever the question's statements and the versions and papers behind it."""
    small = StatementQuestionFactory(statements=[("One.", True), ("Two.", False)])
    question_version_current(question=small)
    large = StatementQuestionFactory()
    for _ in range(3):
        large.stem += " Again."
        large.save()
        question_version_current(question=large)
    counts = [queries_for(staff_client, reverse("admin:content_question_change", args=[q.pk])) for q in (small, large)]
    assert counts == [11, 11]
