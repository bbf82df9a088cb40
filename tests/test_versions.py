"""Question versions: a paper shows, grades and reviews the question as it was when it started."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from content.bank import Bank, bank_load, question_parse
from content.models import Choice, Question, QuestionVersion
from content.services import question_version_current
from quiz.models import Answer, AttemptQuestion
from quiz.selectors.progress import statement_mastery
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from quiz.services.regrade import attempts_regrade
from tests.factories import NoteFactory, QuestionFactory, QuizFactory, UserFactory
from tests.helpers import T0, graded_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def note():
    return NoteFactory(key="dp-kp-01", topic__slug="pva")


def bank_question(**changes) -> dict:
    """One question as a bank file writes it (needs the `note` fixture), with `changes` applied."""
    question = {
        "key": "pva-01",
        "topic": "pva",
        "kind": "single",
        "difficulty": 2,
        "stem": "India's partner is attacked. Must India fight?",
        "choices": [
            {"key": "no", "text": "No: a partnership carries no duty to fight", "is_correct": True},
            {"key": "yes", "text": "Yes, always", "is_correct": False},
            {"key": "exercises", "text": "Only if they hold joint exercises", "is_correct": False},
            {"key": "treaty", "text": "Only if a treaty names the partnership", "is_correct": False},
        ],
        "explanation": "A partnership has no mutual-defence clause; exercises do not create one.",
        "note": "dp-kp-01",
    }
    return question | changes


def load(question: dict) -> Question:
    bank_load(bank=Bank(questions=[question_parse(question)]))
    return Question.objects.get(key=question["key"])


# The edit of the first test: a new stem, a reworded choice, the key moved, a new explanation.
EDITED = {
    "stem": "Your partner's neighbour attacks it. What must India do?",
    "choices": [
        {"key": "no", "text": "Nothing by treaty: a partnership is no alliance", "is_correct": False},
        {"key": "yes", "text": "Yes, always", "is_correct": True},
        {"key": "exercises", "text": "Only if they hold joint exercises", "is_correct": False},
        {"key": "treaty", "text": "Only if a treaty names the partnership", "is_correct": False},
    ],
    "explanation": "Rewritten explanation.",
}


def review_html(client, attempt) -> str:
    return client.get(reverse("attempt_result", args=[attempt.public_id])).content.decode()


def review_options(client, attempt) -> list[str]:
    """The review's options of the (one-question) attempt, as text with their badges, whitespace collapsed."""
    options = re.findall(r'<li class="review-option[^"]*">(.*?)</li>', review_html(client, attempt), flags=re.S)
    return [re.sub(r"<[^>]+>", "", re.sub(r"\s+", " ", option)).strip() for option in options]


# --- the service ---------------------------------------------------------------------------------


def test_question_version_current_makes_version_1_then_reuses_it():
    question = QuestionFactory()
    first = question_version_current(question=question)
    assert (first.number, first.kind, first.stem, first.explanation) == (
        1,
        "single",
        question.stem,
        question.explanation,
    )
    assert first.statements == []
    assert first.choices == [
        {"key": "a", "text": "Right answer", "is_correct": True},
        {"key": "b", "text": "Wrong one", "is_correct": False},
        {"key": "c", "text": "Wrong two", "is_correct": False},
        {"key": "d", "text": "Wrong three", "is_correct": False},
    ]
    assert question_version_current(question=question) == first
    assert QuestionVersion.objects.count() == 1


def test_question_version_current_numbers_the_next_version_on_a_change():
    question = QuestionFactory()
    question_version_current(question=question)
    Choice.objects.filter(question=question, key="b").update(text="Reworded")
    second = question_version_current(question=question)
    assert second.number == 2
    assert second.choices[1] == {"key": "b", "text": "Reworded", "is_correct": False}
    assert list(question.versions.values_list("number", flat=True)) == [1, 2]


# --- bank loads ----------------------------------------------------------------------------------


def test_bank_load_makes_version_1_and_an_unchanged_reload_makes_none(note):
    question = load(bank_question())
    load(bank_question())
    load(bank_question(difficulty=3))  # not what a student sees: no new version
    assert list(question.versions.values_list("number", "stem")) == [
        (1, "India's partner is attacked. Must India fight?")
    ]


def test_bank_reload_after_an_edit_leaves_the_answered_attempt_as_it_was(note, student, student_client):
    question = load(bank_question())
    quiz = QuizFactory(questions=[question])
    answered = graded_attempt(user=student, quiz=quiz, picks={question: question.choices.get(key="no")}, now=T0)
    assert answered.score == Decimal("2.00")

    question = load(bank_question(**EDITED))

    assert list(question.versions.values_list("number", flat=True)) == [1, 2]
    answered.refresh_from_db()
    assert (answered.score, answered.correct_count) == (Decimal("2.00"), 1)
    assert Answer.objects.get(attempt=answered).outcome == "correct"
    assert review_options(student_client, answered) == [
        "(a) No: a partnership carries no duty to fight ✓ The answer Your answer",
        "(b) Yes, always",
        "(c) Only if they hold joint exercises",
        "(d) Only if a treaty names the partnership",
    ]
    html = review_html(student_client, answered)
    assert """<div class="question-stem"><p>India's partner is attacked. Must India fight?</p></div>""" in html
    assert (
        "<strong>Explanation.</strong> <p>A partnership has no mutual-defence clause; exercises do not create one.</p>"
        in html
    )
    assert EDITED["stem"] not in html and "Rewritten explanation." not in html and "no alliance" not in html


def test_a_paper_started_after_the_edit_shows_and_grades_the_new_version(note, student, student_client):
    question = load(bank_question())
    quiz = QuizFactory(questions=[question])
    graded_attempt(user=student, quiz=quiz, picks={question: question.choices.get(key="no")}, now=T0)
    question = load(bank_question(**EDITED))

    later = graded_attempt(
        user=student, quiz=quiz, picks={question: question.choices.get(key="yes")}, now=T0 + timedelta(hours=1)
    )

    assert later.items.get().version.number == 2
    assert later.score == Decimal("2.00")
    assert review_options(student_client, later) == [
        "(a) Nothing by treaty: a partnership is no alliance",
        "(b) Yes, always ✓ The answer Your answer",
        "(c) Only if they hold joint exercises",
        "(d) Only if a treaty names the partnership",
    ]


def test_an_edit_during_a_sitting_reaches_neither_its_paper_nor_its_grading(note, student, student_client):
    question = load(bank_question())
    attempt = attempt_start(
        quiz=QuizFactory(questions=[question]), user=student
    ).attempt  # now: the page reads the clock
    question = load(bank_question(**EDITED))

    paper = student_client.get(reverse("attempt_paper", args=[attempt.public_id])).content.decode()
    assert """<div class="question-stem"><p>India's partner is attacked. Must India fight?</p></div>""" in paper
    assert "No: a partnership carries no duty to fight" in paper and EDITED["stem"] not in paper
    answer_save(
        user=student,
        attempt_public_id=attempt.public_id,
        question_id=question.pk,
        choice_id=question.choices.get(key="no").pk,
        marked=False,
    )
    attempt = attempt_submit(attempt=attempt)
    assert (attempt.score, attempt.correct_count) == (Decimal("2.00"), 1)


def test_a_reorder_in_the_bank_leaves_every_answers_choice_text(note, student, student_client):
    question = load(bank_question())
    quiz = QuizFactory(questions=[question], attempts_allowed=None)
    picks = {"asha": "no", "ravi": "yes", "meera": "exercises", "dev": "treaty"}
    users = {"asha": student} | {name: UserFactory(username=name) for name in list(picks)[1:]}
    attempts = {
        name: graded_attempt(user=users[name], quiz=quiz, picks={question: question.choices.get(key=key)}, now=T0)
        for name, key in picks.items()
    }

    def chosen_texts():
        texts = {}
        for name, attempt in attempts.items():
            student_client.force_login(users[name])
            texts[name] = [option for option in review_options(student_client, attempt) if "Your answer" in option]
        return texts

    before = chosen_texts()
    ids_before = dict(question.choices.values_list("key", "pk"))
    load(bank_question(choices=bank_question()["choices"][::-1]))

    assert dict(question.choices.values_list("key", "pk")) == ids_before
    assert (
        chosen_texts()
        == before
        == {
            "asha": ["(a) No: a partnership carries no duty to fight ✓ The answer Your answer"],
            "ravi": ["(b) Yes, always ✗ Your answer"],
            "meera": ["(c) Only if they hold joint exercises ✗ Your answer"],
            "dev": ["(d) Only if a treaty names the partnership ✗ Your answer"],
        }
    )


# --- regrade -------------------------------------------------------------------------------------


def test_regrade_repins_what_it_re_marks_so_the_review_shows_the_key_it_marks_by(note, student, student_client):
    question = load(bank_question())
    quiz = QuizFactory(questions=[question])
    attempt = graded_attempt(user=student, quiz=quiz, picks={question: question.choices.get(key="no")}, now=T0)
    load(bank_question(**EDITED))

    attempts_regrade(quizzes=[quiz], apply=True)

    attempt.refresh_from_db()
    assert (attempt.score, attempt.wrong_count) == (Decimal("-0.67"), 1)
    assert attempt.items.get().version.number == 2
    assert review_options(student_client, attempt) == [
        "(a) Nothing by treaty: a partnership is no alliance ✗ Your answer",
        "(b) Yes, always ✓ The answer",
        "(c) Only if they hold joint exercises",
        "(d) Only if a treaty names the partnership",
    ]


# --- the admin -----------------------------------------------------------------------------------


def change_post(question: Question, **fields) -> dict:
    """The POST of the question's change form as it stands, with `fields` changed (choice texts as `choice-<key>`)."""
    data = {
        "key": question.key,
        "status": question.status,
        "topic": question.topic_id,
        "note": question.note_id,
        "kind": question.kind,
        "difficulty": str(question.difficulty),
        "stem": question.stem,
        "explanation": question.explanation,
        "trap_note": question.trap_note,
        "accepted_flaws": question.accepted_flaws,
        "statements-TOTAL_FORMS": "0",
        "statements-INITIAL_FORMS": "0",
        "statements-MIN_NUM_FORMS": "0",
        "statements-MAX_NUM_FORMS": "1000",
        "choices-TOTAL_FORMS": "4",
        "choices-INITIAL_FORMS": "4",
        "choices-MIN_NUM_FORMS": "4",
        "choices-MAX_NUM_FORMS": "4",
        "_continue": "Save and continue editing",
    }
    for i, choice in enumerate(question.choices.order_by("order")):
        data |= {
            f"choices-{i}-id": choice.pk,
            f"choices-{i}-question": question.pk,
            f"choices-{i}-key": choice.key,
            f"choices-{i}-text": fields.pop(f"choice-{choice.key}", choice.text),
        }
        if choice.is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    return data | fields


def test_admin_edit_makes_a_version_and_the_page_lists_them(staff_client, student, note):
    question = load(bank_question())
    graded_attempt(user=student, quiz=QuizFactory(questions=[question]), picks={}, now=T0)
    change_url = reverse("admin:content_question_change", args=[question.pk])

    response = staff_client.post(change_url, change_post(question, **{"choice-treaty": "Only under a treaty"}))
    assert response.status_code == 302
    assert [v.choices[3]["text"] for v in question.versions.all()] == [
        "Only if a treaty names the partnership",
        "Only under a treaty",
    ]
    staff_client.post(change_url, change_post(question))  # saved unchanged: no version
    assert question.versions.count() == 2

    html = staff_client.get(change_url).content.decode()
    first, second = question.versions.order_by("number")
    attempts = reverse("admin:quiz_attempt_changelist")
    assert f'<a href="{attempts}?items__version__id__exact={first.pk}">1</a>' in html
    assert f'<a href="{attempts}?items__version__id__exact={second.pk}">0</a>' in html
    listed = staff_client.get(f"{attempts}?items__version__id__exact={first.pk}")
    assert [attempt.user.username for attempt in listed.context["cl"].result_list] == ["asha"]


# --- starting a paper ----------------------------------------------------------------------------


def test_attempt_start_pins_a_version_of_its_own_question(student):
    questions = QuestionFactory.create_batch(3)
    attempt_start(quiz=QuizFactory(questions=questions), user=student, now=T0)
    assert [
        (item.question_id, item.version.question_id, item.version.number) for item in AttemptQuestion.objects.all()
    ] == [(q.pk, q.pk, 1) for q in questions]


def test_statement_mastery_judges_and_shows_the_statements_as_the_paper_did(note, student):
    statements = {
        "kind": "statements_correct",
        "stem": "Consider the following statements:",
        "statements": [
            {"key": "nato", "text": "NATO members promise to defend each other.", "is_true": True},
            {"key": "partner", "text": "A partnership obliges partners to fight.", "is_true": False},
        ],
        "choices": [
            {"key": "a", "text": "1 only", "is_correct": True},
            {"key": "b", "text": "2 only", "is_correct": False},
            {"key": "c", "text": "Both 1 and 2", "is_correct": False},
            {"key": "d", "text": "Neither 1 nor 2", "is_correct": False},
        ],
    }
    question = load(bank_question(**statements))
    graded_attempt(
        user=student, quiz=QuizFactory(questions=[question]), picks={question: question.choices.get(key="c")}, now=T0
    )
    reworded = [statements["statements"][0], {**statements["statements"][1], "text": "Partners must go to war."}]
    load(bank_question(**statements | {"statements": reworded}))

    assert [(row.statement.text, row.label, row.misjudged, row.judged) for row in statement_mastery(student)] == [
        ("A partnership obliges partners to fight.", "2", 1, 1)
    ]


# --- the migrations ------------------------------------------------------------------------------

BEFORE = [("content", "0002_stable_keys_facts_misconceptions"), ("quiz", "0003_review_cards_from_past_attempts")]
AFTER = [("content", "0003_question_versions"), ("quiz", "0004_attempt_questions_pin_a_version")]


def test_migrations_make_version_1_and_pin_past_papers_to_it(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    note = old.get_model("content", "Note").objects.create(
        key="n",
        source=old.get_model("content", "Source").objects.create(key="s", title="S", kind="note"),
        topic=old.get_model("content", "Topic").objects.create(slug="t", name="T"),
        heading="H",
        section="1",
        body="B",
    )
    question = old.get_model("content", "Question").objects.create(
        key="q", topic=note.topic, note=note, kind="single", stem="Stem?", explanation="Why."
    )
    for order, (key, text) in enumerate([("a", "Right"), ("b", "Wrong")], start=1):
        old.get_model("content", "Choice").objects.create(
            question=question, key=key, order=order, text=text, is_correct=key == "a"
        )
    user = old.get_model("auth", "User").objects.create(username="asha")
    attempt = old.get_model("quiz", "Attempt").objects.create(
        user=user,
        quiz=old.get_model("quiz", "Quiz").objects.create(slug="z", title="Z", time_limit=timedelta(minutes=5)),
        number=1,
        started_at=T0,
        deadline=T0 + timedelta(minutes=5),
        marks_per_correct=2,
        penalty_numerator=1,
        penalty_denominator=3,
    )
    old.get_model("quiz", "AttemptQuestion").objects.create(attempt=attempt, question=question, position=1)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    version = new.get_model("content", "QuestionVersion").objects.get()
    assert (version.question_id, version.number, version.kind, version.stem, version.explanation) == (
        question.pk,
        1,
        "single",
        "Stem?",
        "Why.",
    )
    assert (version.statements, version.choices) == (
        [],
        [{"key": "a", "text": "Right", "is_correct": True}, {"key": "b", "text": "Wrong", "is_correct": False}],
    )
    assert list(new.get_model("quiz", "AttemptQuestion").objects.values_list("version_id", flat=True)) == [version.pk]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
