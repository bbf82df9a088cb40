"""Quizzes, and students' sittings of them.

Every state change lives in `quiz/services/`, every rule of who may do what and when in
`quiz/policy.py`; this module holds the data and its invariants. History points at authored
content with PROTECT, so a question a student has answered can be unpublished but never deleted
from under their score. One module per concern; every model is importable from `quiz.models`.
"""

from quiz.models.attempts import Answer, Attempt, AttemptQuestion
from quiz.models.cards import ReviewCard
from quiz.models.quizzes import ExtraTime, MarkingScheme, Quiz, QuizQuestion
from quiz.models.tallies import QuestionTally, StatementJudgement, StatementTally

__all__ = [
    "Answer",
    "Attempt",
    "AttemptQuestion",
    "ExtraTime",
    "MarkingScheme",
    "QuestionTally",
    "Quiz",
    "QuizQuestion",
    "ReviewCard",
    "StatementJudgement",
    "StatementTally",
]
