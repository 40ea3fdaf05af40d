#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def development_defaults():
    """After `make run`, commands run in development mode without setting anything.

    `make run` leaves the checkout's development secret key in var/secret-key.txt; where it
    exists and neither DJANGO_SECRET_KEY nor DJANGO_DEBUG is set, this is a development
    checkout, so `python manage.py import_stories …` works as the docs show it.
    """
    if "DJANGO_SECRET_KEY" in os.environ or "DJANGO_DEBUG" in os.environ:
        return
    var_dir = Path(os.environ.get("DJANGO_VAR_DIR") or Path(__file__).resolve().parent / "var")
    if (var_dir / "secret-key.txt").is_file():
        os.environ["DJANGO_DEBUG"] = "1"


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    development_defaults()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
