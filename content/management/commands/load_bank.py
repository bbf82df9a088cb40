from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.bank import BANK_DIR, BankError, bank_lint, bank_load, bank_read


class Command(BaseCommand):
    help = "Load the question bank (YAML or the JSON of export_bank), updating by key. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help=f"files or folders (default: {BANK_DIR})")
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="also refuse a bank that fails the checker's thresholds or has open flaws (see lint_bank)",
        )

    def handle(self, *args, paths, check, strict, **options):
        try:
            bank = bank_read(paths or [BANK_DIR])
            if strict:
                report = bank_lint(bank=bank)
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
                counted += [f"{len(records)} {name}" for name, records in bank.sections.items()]
                self.stdout.write(f"OK: {', '.join(counted)}; nothing written.")
                return
            report = bank_load(bank=bank)
        except BankError as error:
            raise CommandError(f"{error}\nNothing was loaded.") from None
        self.stdout.write(self.style.SUCCESS(f"Question bank loaded: {report}."))
