"""Writes to a quiz's own make-up (the admin's "Add to quiz…" action calls these)."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from content.models import Question
from quiz.models import Quiz, QuizQuestion


@dataclass(frozen=True)
class Appended:
    """What appending questions to a fixed quiz did: the keys added, and those skipped and why."""

    added: list[str]
    already_on: list[str]
    unpublished: list[str]
    total: int  # questions on the quiz now


def quiz_questions_append(*, quiz: Quiz, questions) -> Appended:
    """Append the published ones of `questions`, in their order, after the quiz's last question,
    skipping any already on it."""
    with transaction.atomic():
        # Two appends at once would number their rows alike: the quiz's row lock serialises them.
        quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
        on_quiz = set(quiz.quiz_questions.values_list("question_id", flat=True))
        order = quiz.quiz_questions.aggregate(last=Max("order"))["last"] or 0
        added, already_on, unpublished, rows = [], [], [], []
        for question in questions:
            if question.pk in on_quiz:
                already_on.append(question.key)
            elif question.status != Question.Status.PUBLISHED:
                unpublished.append(question.key)
            else:
                order += 1
                rows.append(QuizQuestion(quiz=quiz, question=question, order=order))
                added.append(question.key)
        QuizQuestion.objects.bulk_create(rows)
    return Appended(added=added, already_on=already_on, unpublished=unpublished, total=len(on_quiz) + len(rows))
