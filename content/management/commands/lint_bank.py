from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.bank import BANK_DIR, BankError, bank_lint, bank_read


class Command(BaseCommand):
    help = (
        "Report item-writing flaws in the question bank files: per question, between questions, the "
        "fixed papers of quizzes.yaml, and the bank's figures. With --strict, exit 1 unless the bank "
        "meets every threshold."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help=f"files or folders (default: {BANK_DIR})")
        parser.add_argument("--strict", action="store_true", help="fail on any open flaw or unmet threshold")

    def handle(self, *args, paths, strict, **options):
        # The fixed papers come from the quiz app's quizzes.yaml; content's modules never import quiz.
        from quiz.bank import QUIZZES, quizzes_papers, quizzes_read

        try:
            bank = bank_read(paths or [BANK_DIR], set_aside=[QUIZZES], database=False)
            report = bank_lint(bank=bank, papers=quizzes_papers(quizzes_read(bank=bank)))
        except BankError as error:
            raise CommandError(str(error)) from None
        for line in report.lines():
            self.stdout.write(line)
        if strict and not report.ok:
            failed = sum(not check.ok for check in report.checks)
            raise CommandError(
                f"The bank does not meet the strict checks: {failed} threshold(s) unmet, "
                f"{len(report.open_flaws)} open flaw(s)."
            )
