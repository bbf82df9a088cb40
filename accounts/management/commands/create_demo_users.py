from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# The README names these; they exist so a first look at the app needs no sign-up. Never run this
# command against a production database.
DEMO_USERS = (
    {"username": "student", "password": "practise-upsc-2026", "is_staff": False, "is_superuser": False},
    {"username": "admin", "password": "curate-upsc-2026", "is_staff": True, "is_superuser": True},
)


class Command(BaseCommand):
    help = "Create (or reset) the demo student and demo admin named in README.md."

    def handle(self, *args, **options):
        User = get_user_model()
        for spec in DEMO_USERS:
            user, created = User.objects.get_or_create(username=spec["username"])
            user.is_staff, user.is_superuser = spec["is_staff"], spec["is_superuser"]
            user.set_password(spec["password"])
            user.save()
            self.stdout.write(f"{'Created' if created else 'Reset'} {spec['username']} / {spec['password']}")
