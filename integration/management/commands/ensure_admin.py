import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Make sure an administrator account exists and print how to log in."

    def handle(self, *args, **options):
        username = os.environ.get("TANDEM_ADMIN_USER", "admin")
        password = os.environ.get("TANDEM_ADMIN_PASSWORD", "admin")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            User.objects.create_superuser(username, f"{username}@tandem.local", password)
            note = f"password {password!r}"
        else:
            note = "its existing password"
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            self.style.SUCCESS(
                f"Log in at http://127.0.0.1:{port}/admin/ as {username!r} with {note}."
            )
        )
