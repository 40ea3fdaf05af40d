"""WSGI entry point: response-cache hits first, then Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

django_application = get_wsgi_application()

from api.graphql_http.fastpath import FastPath  # noqa: E402  (needs Django set up)

application = FastPath(django_application)
