"""Review cards for papers graded before 'Practise my mistakes' existed, so past misses come back too."""

from django.db import migrations
from django.utils import timezone


def cards_from_history(apps, schema_editor):
    # The schedule's pure rules are stable and import no models, so replaying them here is safe.
    from quiz.practice import CardState, card_after
    from quiz.scoring import Outcome

    Attempt = apps.get_model("quiz", "Attempt")
    Answer = apps.get_model("quiz", "Answer")
    ReviewCard = apps.get_model("quiz", "ReviewCard")
    cards: dict[tuple[int, int], tuple[CardState, int, object]] = {}
    closed = Attempt.objects.exclude(status="in_progress").order_by("submitted_at", "pk")
    for attempt in closed.iterator():
        today = timezone.localdate(attempt.submitted_at)
        for question_id, outcome in Answer.objects.filter(attempt=attempt).values_list("question_id", "outcome"):
            key = (attempt.user_id, question_id)
            state, misses, _ = cards.get(key, (None, 0, None))
            after = card_after(state, outcome=Outcome(outcome or "blank"), today=today)
            if after is not None:
                cards[key] = (after, misses + (outcome != "correct"), attempt.submitted_at)
    ReviewCard.objects.bulk_create(
        ReviewCard(
            user_id=user_id,
            question_id=question_id,
            box=state.box,
            due_on=state.due_on,
            misses=misses,
            last_seen_at=seen,
        )
        for (user_id, question_id), (state, misses, seen) in cards.items()
    )


class Migration(migrations.Migration):
    dependencies = [("quiz", "0002_practice_and_review_cards")]

    operations = [migrations.RunPython(cards_from_history, migrations.RunPython.noop)]
