from django.core.management.base import BaseCommand

from content.bank import bank_dump, bank_export


class Command(BaseCommand):
    help = "Write the whole question bank to stdout in the bank schema (load_bank reads it back)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "yaml"], default="json")

    def handle(self, *args, format, **options):
        self.stdout.write(bank_dump(bank_export(), format=format))
