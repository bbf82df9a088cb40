from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from quiz.services.demo import demo_papers_create


class Command(BaseCommand):
    help = (
        "Give the demo student a few past papers over the last ten days, so History, Practice and the "
        "results have something to show. Adds nothing to a student who has papers. Local use only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="student", help="whose papers (default: the demo student)")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}: run `python manage.py create_demo_users` first.")
        try:
            papers = demo_papers_create(user=user, now=timezone.now())
        except LookupError as error:
            raise CommandError(f"{error}: run `python manage.py load_bank` first.") from error
        if not papers:
            self.stdout.write(f"{username} has papers already: none added.")
            return
        self.stdout.write(f"Gave {username} {len(papers)} past papers:")
        for paper in papers:
            when = timezone.localtime(paper.submitted_at).strftime("%d %b %H:%M")
            self.stdout.write(f"  {when}  {paper.quiz.title}: {paper.score} / {paper.max_score}")
