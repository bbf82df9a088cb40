"""Writes to authored content that are not a bank load: a question's versions.

A version is what a student sees of a question and is graded on (see `QuestionVersion`). Every
path that saves a question's content calls `question_version_current` afterwards (`bank_load`,
the admin's save and import), and starting a paper calls `question_versions_current` for its
questions, so a paper always pins the content it shows, however the question was last edited.
"""

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from content.models import Question, QuestionVersion


def question_version_current(*, question: Question) -> QuestionVersion:
    """The question's latest version if it still matches its content, else a new, next-numbered one."""
    return question_versions_current(question_ids=[question.pk])[question.pk]


def question_versions_current(*, question_ids) -> dict[int, QuestionVersion]:
    """`question_version_current` for many questions at once, in a fixed number of queries.

    The content is read afresh from the database (never a caller's prefetched rows, which a save
    may just have made stale).
    """
    question_ids = list(dict.fromkeys(question_ids))
    if not question_ids:
        return {}
    questions = Question.objects.filter(pk__in=question_ids).with_options()
    wanted = {question.pk: QuestionVersion.content_of(question) for question in questions}
    try:
        # A savepoint: two first starts of a paper at once, after an edit made outside the save
        # paths (a shell), may both number the same next version; the loser reads the winner's.
        with transaction.atomic():
            return _versions_matching(wanted)
    except IntegrityError:
        return _versions_matching(wanted)


def _versions_matching(wanted: dict[int, dict]) -> dict[int, QuestionVersion]:
    newest = QuestionVersion.objects.filter(question=OuterRef("question")).order_by("-number").values("number")[:1]
    latest = {
        version.question_id: version
        for version in QuestionVersion.objects.filter(question__in=list(wanted), number=Subquery(newest))
    }
    current, created = {}, []
    for question_id, content in wanted.items():
        version = latest.get(question_id)
        if version is None or version.content() != content:
            version = QuestionVersion(
                question_id=question_id,
                number=version.number + 1 if version else 1,
                correct_key=QuestionVersion.correct_key_of(content["choices"]),
                **content,
            )
            created.append(version)
        current[question_id] = version
    QuestionVersion.objects.bulk_create(created)
    return current
