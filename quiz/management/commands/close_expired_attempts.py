from django.core.management.base import BaseCommand

from quiz.services.grading import attempts_close_expired


class Command(BaseCommand):
    help = "Close and grade every attempt whose deadline and grace have passed (run it from cron, e.g. each minute)."

    def handle(self, *args, **options):
        closed = attempts_close_expired()
        self.stdout.write(f"Closed {closed} expired attempt{'s' if closed != 1 else ''}.")
