from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.bank import BANK_DIR, BankError, bank_load, bank_read


class Command(BaseCommand):
    help = "Load the question bank (YAML or the JSON of export_bank), updating by key. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help=f"files or folders (default: {BANK_DIR})")
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")

    def handle(self, *args, paths, check, **options):
        try:
            bank = bank_read(paths or [BANK_DIR])
            if check:
                counted = [f"{len(bank.notes)} notes", f"{len(bank.questions)} questions"]
                counted += [f"{len(records)} {name}" for name, records in bank.sections.items()]
                self.stdout.write(f"OK: {', '.join(counted)}; nothing written.")
                return
            report = bank_load(bank=bank)
        except BankError as error:
            raise CommandError(f"{error}\nNothing was loaded.") from None
        self.stdout.write(self.style.SUCCESS(f"Question bank loaded: {report}."))
