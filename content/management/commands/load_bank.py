from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from content.bank import BANK_DIR, BankError, bank_lint, bank_load, bank_read


class Command(BaseCommand):
    help = (
        "Load the question bank (YAML or the JSON of export_bank) and its quizzes (quizzes.yaml), "
        "updating by key. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help=f"files or folders (default: {BANK_DIR})")
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="also refuse a bank that fails the checker's thresholds or has open flaws (see lint_bank)",
        )

    def handle(self, *args, paths, check, strict, **options):
        # The quizzes are the quiz app's, built on the questions: content's modules never import quiz
        # (quiz imports content), so this command, which loads both, brings it in here.
        from quiz.bank import QUIZZES, quizzes_papers, quizzes_read, quizzes_write

        try:
            bank = bank_read(paths or [BANK_DIR], set_aside=[QUIZZES])
            quizzes = quizzes_read(bank=bank)
            if strict:
                report = bank_lint(bank=bank, papers=quizzes_papers(quizzes))
                if not report.ok:
                    failing = [f"  {c.name}: {c.figure}" for c in report.checks if not c.ok]
                    failing += [f"  {flaw}" for flaw in report.open_flaws]
                    raise CommandError(
                        "The bank fails the strict checks (python manage.py lint_bank for the full report):\n"
                        + "\n".join(failing)
                        + "\nNothing was loaded."
                    )
            if check:
                counted = [f"{len(bank.notes)} notes", f"{len(bank.questions)} questions"]
                counted += [f"{len(quizzes)} quizzes"] if quizzes is not None else []
                self.stdout.write(f"OK: {', '.join(counted)}; nothing written.")
                return
            # One transaction for both: a quiz that cannot be written leaves the questions unloaded too.
            with transaction.atomic():
                loaded = [str(bank_load(bank=bank))]
                if quizzes is not None:
                    loaded.append(f"quizzes: {quizzes_write(quizzes)}")
        except BankError as error:
            raise CommandError(f"{error}\nNothing was loaded.") from None
        self.stdout.write(self.style.SUCCESS(f"Question bank loaded: {'; '.join(loaded)}."))
