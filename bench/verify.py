"""After a load run: is every acknowledged answer stored, and is every score right?

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python -m bench.verify --quiz bench-50 \\
        bench/.run/<run>/*.answers

The `.answers` files are what the simulated students were told was saved (one line per 200 from
the autosave: attempt, question, choice or `-`, marked). For each (attempt, question) the last
acknowledged line must equal the stored Answer's choice and mark. Every closed attempt's score is
then recomputed here from the stored choices and the keys, with UPSC marking (+2, minus a third of
that) in exact fractions, independently of quiz/scoring.py, and compared with what grading stored.
"""

import argparse
import json
import os
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CORRECT = Fraction(2)
WRONG = -Fraction(2) / 3


def cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def acknowledged(paths: list[str]) -> tuple[int, dict[tuple[str, int], tuple[int | None, bool]]]:
    """How many saves were acknowledged, and the last (choice, marked) of each (attempt, question)."""
    saves, last = 0, {}
    for path in paths:
        with open(path) as lines:
            for line in lines:
                attempt, question, choice, marked = line.split()
                last[attempt, int(question)] = (None if choice == "-" else int(choice), marked == "1")
                saves += 1
    return saves, last


def verify(*, quiz_slug: str, answer_files: list[str]) -> dict:
    from quiz.models import Answer, Attempt, AttemptQuestion

    saves, acks = acknowledged(answer_files)
    attempts = {
        str(a["public_id"]): a
        for a in Attempt.objects.filter(quiz__slug=quiz_slug).values(
            "pk",
            "public_id",
            "status",
            "score",
            "correct_count",
            "wrong_count",
            "blank_count",
            "marks_per_correct",
            "penalty_numerator",
            "penalty_denominator",
        )
    }
    stored = {
        (str(public_id), question): (choice, marked, is_correct)
        for public_id, question, choice, marked, is_correct in Answer.objects.filter(
            attempt__quiz__slug=quiz_slug
        ).values_list("attempt__public_id", "question_id", "choice_id", "marked", "choice__is_correct")
    }
    problems: list[str] = []
    for (attempt, question), (choice, marked) in acks.items():
        row = stored.get((attempt, question))
        if row is None:
            problems.append(f"lost: attempt {attempt} question {question}: acknowledged {choice}, nothing stored")
        elif row[:2] != (choice, marked):
            problems.append(
                f"wrong: attempt {attempt} question {question}: acknowledged {choice, marked}, stored {row[:2]}"
            )
    questions_of = defaultdict(list)
    for attempt_id, question in AttemptQuestion.objects.filter(attempt__quiz__slug=quiz_slug).values_list(
        "attempt_id", "question_id"
    ):
        questions_of[attempt_id].append(question)
    closed = 0
    for public_id, attempt in attempts.items():
        if attempt["status"] == Attempt.Status.IN_PROGRESS:
            continue
        closed += 1
        if (attempt["marks_per_correct"], attempt["penalty_numerator"], attempt["penalty_denominator"]) != (2, 1, 3):
            problems.append(f"marking: attempt {public_id} is not marked +2 / -2/3")
        counts = {"correct": 0, "wrong": 0, "blank": 0}
        score = Fraction(0)
        for question in questions_of[attempt["pk"]]:
            choice, _, is_correct = stored.get((public_id, question), (None, False, None))
            outcome = "blank" if choice is None else "correct" if is_correct else "wrong"
            counts[outcome] += 1
            score += {"correct": CORRECT, "wrong": WRONG, "blank": Fraction(0)}[outcome]
        expected = (cents(score), counts["correct"], counts["wrong"], counts["blank"])
        got = (attempt["score"], attempt["correct_count"], attempt["wrong_count"], attempt["blank_count"])
        if expected != got:
            problems.append(f"score: attempt {public_id}: expected {expected}, stored {got}")
    return {
        "acknowledged_saves": saves,
        "answers_checked": len(acks),
        "attempts": len(attempts),
        "attempts_closed": closed,
        "attempts_open": len(attempts) - closed,
        "scores_checked": closed,
        "problems": problems,
        "ok": not problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiz", default="bench-50")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("answers", nargs="+", help=".answers files written by bench/locustfile.py")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    result = verify(quiz_slug=args.quiz, answer_files=args.answers)
    if args.json:
        print(json.dumps(result))
        return
    for problem in result["problems"][:50]:
        print(problem)
    print(
        f"{result['acknowledged_saves']} acknowledged saves; {result['answers_checked']} answers checked; "
        f"{result['scores_checked']} scores checked of {result['attempts']} attempts: "
        + ("all stored and right" if result["ok"] else f"{len(result['problems'])} PROBLEMS")
    )
    raise SystemExit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
