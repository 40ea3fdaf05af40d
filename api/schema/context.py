"""What every resolver of one request shares."""

from functools import cached_property

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from api.graphql_http.errors import BadUserInput
from cms import languages
from cms.models import Story


def header_language(request):
    """The best supported language of the request's Accept-Language, or the default."""
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header[:1000]):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class Context:
    """The request, the caller's language, and what the answer depends on (for caching)."""

    def __init__(self, request, key=None, preview=None):
        self.request = request
        self.key = key
        # A `cms.preview.Preview`: its story is found by one-story lookups, whatever its state.
        self.preview = preview
        # A key's answers change when its restrictions do.
        self.dependencies = {f"apikey:{key.pk}"} if key is not None else set()
        self.uses_counters = False

    def stories(self, language):
        """The stories this caller may read in `language`."""
        return Story.objects.readable(language, self.key)

    def findable(self, language):
        """The stories a one-story lookup may return: the readable ones and the previewed one."""
        if self.preview is None:
            return self.stories(language)
        return Story.objects.previewable(self.preview.story_id, language, self.key)

    def chain(self, language):
        """The languages this caller may be served, in order, for a request in `language`."""
        allowed = self.key.languages if self.key is not None and self.key.languages else None
        return languages.chain(language, allowed)

    def allowed_languages(self):
        """Every language this caller may be served, in settings order."""
        allowed = self.key.languages if self.key is not None and self.key.languages else None
        return [code for code in languages.codes() if allowed is None or code in allowed]

    def may(self, scope):
        """Whether the caller holds `scope` (anonymous readers read everything public)."""
        return self.key is None or self.key.has_scope(scope)

    @cached_property
    def header_language(self):
        return header_language(self.request)

    def language(self, requested):
        """The language an answer is served in: the argument, else the header, else the default."""
        if requested is None:
            return self.header_language
        code = languages.normalize(requested)
        if code is None:
            raise BadUserInput(
                _("Unsupported language “%(code)s”. Supported languages: %(supported)s.")
                % {"code": requested, "supported": ", ".join(self.allowed_languages())}
            )
        return code

    def depends_on(self, *dependencies):
        self.dependencies.update(dependencies)
