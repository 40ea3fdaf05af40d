"""Language tabs take only the publication's languages: another code is a clear 404; a
redirect after a save names the tab's language once."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import Http404
from django.utils.translation import gettext as _

from cms.core import languages


class KnownLanguagesMixin:
    """Put before parler's TranslatableAdmin: `?language=xx` answers 404, not a crash."""

    def _language(self, request, obj=None):
        code = super()._language(request, obj)
        if code not in languages.codes():
            raise Http404(
                _("Unsupported language “%(code)s”. Supported languages: %(supported)s.")
                % {"code": code, "supported": ", ".join(languages.codes())}
            )
        return code

    def _patch_redirect(self, request, obj, redirect):
        # Django already keeps the form's query on "Save and continue"; parler appends
        # `language` again. Keep the last value of each parameter, in order.
        redirect = super()._patch_redirect(request, obj, redirect)
        if redirect.status_code in (301, 302):
            parts = urlsplit(redirect["Location"])
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            redirect["Location"] = urlunsplit(parts._replace(query=urlencode(query)))
        return redirect
