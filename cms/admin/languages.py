"""Language tabs take only the publication's languages: another code is a clear 404."""

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
