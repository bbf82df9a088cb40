from datetime import timedelta

import factory
from django.contrib.auth import get_user_model

from content.models import Choice, Fact, Misconception, Note, Question, Source, Statement, Topic
from content.rules import ASSERTION_REASON_CHOICES
from quiz.models import Quiz, QuizQuestion

PASSWORD = "correct-horse-battery"  # every UserFactory user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"student{n}")
    password = factory.django.Password(PASSWORD)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    kind = "concept note"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")
    description = "What this topic covers."
    order = factory.Sequence(lambda n: n)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    key = factory.Sequence(lambda n: f"note-{n}")
    source = factory.SubFactory(SourceFactory)
    topic = factory.SubFactory(TopicFactory)
    heading = factory.Sequence(lambda n: f"Note heading {n}")
    section = "Key point 1"
    order = factory.Sequence(lambda n: n)
    body = "A partnership carries **no** duty to fight."


def _options(model, flag: str, default: list[tuple[str, bool]]):
    """A post-generation hook creating ordered statements or choices: pass a list of (text, flag) to override."""

    def create_rows(question, create, extracted, **kwargs):
        if create:
            for order, (text, value) in enumerate(extracted if extracted is not None else default, start=1):
                key = "abcdefghij"[order - 1] if model is Choice else f"s{order}"
                model.objects.create(question=question, key=key, order=order, text=text, **{flag: value})

    return factory.PostGeneration(create_rows)


class MisconceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Misconception
        django_get_or_create = ("key",)

    key = "exercise-as-treaty"
    name = "A joint exercise is a defence pact"
    description = "Training together builds interoperability, not a duty to defend."


class FactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fact

    key = factory.Sequence(lambda n: f"fact-{n}")
    note = factory.SubFactory(NoteFactory)
    text = factory.Sequence(lambda n: f"Fact {n} of the material.")


class QuestionFactory(factory.django.DjangoModelFactory):
    """A published single-answer question whose first choice is correct."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"q-{n:03d}")
    note = factory.SubFactory(NoteFactory)
    topic = factory.SelfAttribute("note.topic")
    kind = Question.Kind.SINGLE
    difficulty = 2
    stem = factory.Sequence(lambda n: f"Question stem {n}?")
    explanation = "Because the note says so; the tempting option confuses a partner with an ally."
    status = Question.Status.PUBLISHED
    statements = _options(Statement, "is_true", [])
    choices = _options(
        Choice,
        "is_correct",
        [("Right answer", True), ("Wrong one", False), ("Wrong two", False), ("Wrong three", False)],
    )


class StatementQuestionFactory(QuestionFactory):
    """'Which are correct': statements 1 and 3 are true, so the key is '1 and 3 only'."""

    kind = Question.Kind.STATEMENTS_CORRECT
    stem = "Consider the following statements:"
    statements = _options(
        Statement, "is_true", [("First statement.", True), ("Second statement.", False), ("Third statement.", True)]
    )
    choices = _options(
        Choice,
        "is_correct",
        [("1 only", False), ("1 and 3 only", True), ("2 and 3 only", False), ("1, 2 and 3", False)],
    )


class AssertionReasonQuestionFactory(QuestionFactory):
    """Statement-I true, Statement-II false: the key is the third standard option."""

    kind = Question.Kind.ASSERTION_REASON
    stem = "Consider the following statements:"
    statements = _options(Statement, "is_true", [("Statement one.", True), ("Statement two.", False)])
    choices = _options(Choice, "is_correct", [(text, i == 2) for i, text in enumerate(ASSERTION_REASON_CHOICES)])


class QuizFactory(factory.django.DjangoModelFactory):
    """A published 10-minute quiz with UPSC marking; pass `questions=[...]` for its fixed list."""

    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"quiz-{n}")
    title = factory.Sequence(lambda n: f"Quiz {n}")
    instructions = "Answer every question you can."
    is_published = True
    time_limit = timedelta(minutes=10)
    selection = Quiz.Selection.FIXED

    @factory.post_generation
    def questions(quiz, create, extracted, **kwargs):
        if create and extracted:
            for order, question in enumerate(extracted, start=1):
                QuizQuestion.objects.create(quiz=quiz, question=question, order=order)


class RuleQuizFactory(QuizFactory):
    """Draws from every published question."""

    selection = Quiz.Selection.RULE
