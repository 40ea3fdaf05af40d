import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cms.core import roles
from cms.models import LanguageAssignment

USERNAME = "admin"
# One demo colleague per role, sharing the admin's password; the translator does Chinese.
NEWSROOM = {
    "writer": roles.WRITER,
    "translator": roles.TRANSLATOR,
    "editor": roles.EDITOR,
    "publisher": roles.PUBLISHER,
}


class Command(BaseCommand):
    help = "Create the demo administrator and one demo user per role once; print the logins."

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
        if not (stored and user.check_password(stored)):
            self.stdout.write(
                f"The demo admin {USERNAME!r} exists with a password set since; "
                f"reset it with: python manage.py changepassword {USERNAME}"
            )
            return
        self.stdout.write(f"Demo admin login: user {USERNAME!r}, password {stored!r}")
        for username, role in NEWSROOM.items():
            if not users.filter(username=username).exists():
                colleague = users.create_user(
                    username, f"{username}@example.com", stored, is_staff=True
                )
                colleague.groups.set([Group.objects.get(name=role)])
                if role == roles.TRANSLATOR:
                    LanguageAssignment.objects.create(user=colleague, language="zh-hans")
        self.stdout.write(
            _("Newsroom demo users (same password): %(users)s.")
            % {"users": ", ".join(f"{username} ({_(role)})" for username, role in NEWSROOM.items())}
        )
