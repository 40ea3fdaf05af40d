import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the demo administrator once, and print how to log in as it."

    def handle(self, *args, **options):
        password_file = settings.VAR_DIR / "demo-admin-password.txt"
        users = get_user_model().objects
        user = users.filter(username=USERNAME).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            users.create_superuser(USERNAME, "admin@example.com", password)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
        stored = password_file.read_text(encoding="utf-8").strip() if password_file.exists() else ""
        user = users.get(username=USERNAME)
        if stored and user.check_password(stored):
            self.stdout.write(f"Demo admin login: user {USERNAME!r}, password {stored!r}")
        else:
            self.stdout.write(
                f"The demo admin {USERNAME!r} exists with a password set since; "
                f"reset it with: python manage.py changepassword {USERNAME}"
            )
