import json

import yaml
from django.core.management.base import BaseCommand

from content.bank import bank_export


class Command(BaseCommand):
    help = "Write the whole question bank to stdout in the bank schema (load_bank reads it back)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "yaml"], default="json")

    def handle(self, *args, format, **options):
        questions = bank_export()
        if format == "json":
            self.stdout.write(json.dumps(questions, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(yaml.safe_dump(questions, allow_unicode=True, sort_keys=False, width=100))
