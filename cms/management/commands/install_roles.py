from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cms.core.roles import ROLES, install_roles


class Command(BaseCommand):
    help = "Create or repair the Writer, Translator, Editor and Publisher groups."

    def handle(self, *args, **options):
        install_roles(Group, Permission)
        self.stdout.write(_("Roles installed: %(roles)s.") % {"roles": ", ".join(ROLES)})
