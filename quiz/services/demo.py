"""The demo student's past papers (`manage.py create_demo_papers`, run by `make run`), so that a
newcomer opens History, Practice and a result with something in them.

They are sat through the real services, each at its own past moment, so every figure shown (scores,
ranks, review boxes, what is due) is one a student sitting those papers would get. Local use only,
like the demo accounts.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from quiz.models import Attempt, Quiz
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit


@dataclass(frozen=True)
class DemoPaper:
    days_ago: int
    at: time  # local time the paper was started
    quiz: str  # slug of a quiz the bank ships
    right: int
    wrong: int  # the rest of the paper is left blank


# Ten days of a student finding their feet: Quick 10 warm-ups, the trap drill twice and a source
# drill, scoring a little better as they go (from about a quarter of the maximum to half), with two
# papers on the last day.
DEMO_PAPERS = (
    DemoPaper(days_ago=10, at=time(19, 5), quiz="quick-10", right=4, wrong=4),
    DemoPaper(days_ago=8, at=time(18, 40), quiz="trap-drill", right=6, wrong=6),
    DemoPaper(days_ago=6, at=time(7, 30), quiz="india-and-nato", right=5, wrong=3),
    DemoPaper(days_ago=4, at=time(19, 15), quiz="quick-10", right=6, wrong=3),
    DemoPaper(days_ago=1, at=time(8, 0), quiz="trap-drill", right=9, wrong=4),
    DemoPaper(days_ago=1, at=time(20, 10), quiz="quick-10", right=7, wrong=2),
)


TAGS = ("sure", "fifty", "guess", "")
TAGGED_RIGHT = (6, 4, 1, 0)
TAGGED_WRONG = (1, 5, 3, 1)


def demo_papers_create(*, user, now: datetime) -> list[Attempt]:
    """Sit `DEMO_PAPERS` as `user`, each on its day before `now`, and return them, oldest first.

    Nothing is added for a student who has any paper already: running it twice adds nothing, and a
    demo account someone has used is left as it is. Raises LookupError naming any quiz the bank has
    not loaded, before writing anything.
    """
    quizzes = Quiz.objects.in_bulk({paper.quiz for paper in DEMO_PAPERS}, field_name="slug")
    if missing := sorted({paper.quiz for paper in DEMO_PAPERS} - quizzes.keys()):
        raise LookupError(f"no quiz {', '.join(missing)}")
    with transaction.atomic():
        if Attempt.objects.filter(user=user).exists():
            return []
        return [_sit(paper, quiz=quizzes[paper.quiz], user=user, now=now) for paper in DEMO_PAPERS]


def _sit(paper: DemoPaper, *, quiz: Quiz, user, now: datetime) -> Attempt:
    day = timezone.localdate(now) - timedelta(days=paper.days_ago)
    began = timezone.make_aware(datetime.combine(day, paper.at))
    attempt = attempt_start(quiz=quiz, user=user, now=began).attempt
    items = list(attempt.items.order_by("position").select_related("question"))
    # Which questions went right, wrong or blank is scattered through the paper, the same at every run.
    rng = random.Random(f"{paper.quiz}-{paper.days_ago}-{paper.at}")  # noqa: S311 (demo data, not security)
    order = rng.sample(range(len(items)), len(items))
    right, wrong = set(order[: paper.right]), set(order[paper.right : paper.right + paper.wrong])
    marked = rng.choice(sorted(wrong or right or {0}))
    # How sure they said they were, drawn apart so the answers above stay what they were: mostly sure or
    # 50:50 when right, more often a guess when wrong, and now and then sure and wrong (issue 15's report).
    tags = random.Random(f"tags-{paper.quiz}-{paper.days_ago}-{paper.at}")  # noqa: S311 (demo data)
    moment = began
    for n, item in enumerate(items):
        if n not in right and n not in wrong:
            continue
        seconds = rng.randint(25, 55)  # a reader's pace, well inside the time allowed, as the page measures it
        moment += timedelta(seconds=seconds)
        choices = list(item.question.choices.order_by("order"))
        choice = (
            next(c for c in choices if c.is_correct)
            if n in right
            else rng.choice([c for c in choices if not c.is_correct])
        )
        answer_save(
            user=user,
            attempt_public_id=attempt.public_id,
            question_id=item.question_id,
            choice_id=choice.pk,
            marked=n == marked,
            confidence=tags.choices(TAGS, weights=TAGGED_RIGHT if n in right else TAGGED_WRONG)[0],
            seconds=seconds,
            now=moment,
        )
    return attempt_submit(
        attempt=attempt, now=min(moment + timedelta(seconds=60), attempt.deadline - timedelta(seconds=1))
    )
