"""Machine translation as a draft, never a publish.

`draft(story, source, target, user)` sends the story's texts to the configured provider and
keeps the result as a translator's proposal graded machine-translated (from a person's or
from an AI-written original), which an editor reviews and approves like any other. Nothing
is kept unless every text came back.

One provider speaks the DeepL API (https://developers.deepl.com): set `CMS_DEEPL_AUTH_KEY`.
Its errors are told apart because editors act on them differently: a refused key (check the
setting), a used-up quota (wait for the next period or raise the limit), a busy service
(retried with backoff, honouring Retry-After, then "try again shortly").
"""

import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms.media.figures import EXACT as IMAGE_LINE
from cms.models import Story, StoryTranslation
from cms.models.disclosure import Involvement
from cms.stories import approvals

from . import roundtrip

# DeepL takes at most 50 texts per request and a 128 KiB body; batches stay under both.
BATCH_TEXTS = 50
BATCH_BYTES = 100 * 1024
RETRIES = 3
# Grades whose text a person wrote; a machine's translation of them is graded as such.
BY_A_PERSON = {Involvement.HUMAN, Involvement.AI_ASSISTED}


class MachineTranslationError(Exception):
    """Nothing was translated; the message tells the editor what to do. `per_story`: the
    story itself was the reason (the others of a selection can go on)."""

    def __init__(self, message, per_story=False):
        super().__init__(message)
        self.per_story = per_story


def configured():
    """Whether a machine-translation provider is set up."""
    return bool(settings.CMS_DEEPL_AUTH_KEY)


class DeepL:
    """The DeepL API's /v2/translate, in JSON."""

    def __init__(self, url=None, key=None, timeout=None, sleep=time.sleep):
        self.url = (url or settings.CMS_DEEPL_URL).rstrip("/") + "/v2/translate"
        self.key = key or settings.CMS_DEEPL_AUTH_KEY
        self.timeout = timeout or settings.CMS_DEEPL_TIMEOUT_SECONDS
        self.sleep = sleep

    def code(self, language, role):
        try:
            return settings.CMS_DEEPL_LANGUAGES[language][role]
        except KeyError:
            raise MachineTranslationError(
                _("Machine translation does not cover %(language)s.") % {"language": language}
            ) from None

    def translate(self, texts, source, target):
        """`texts` translated from `source` into `target`, in order."""
        translated = []
        for batch in batches(texts):
            translated += self._batch(
                batch, self.code(source, "source"), self.code(target, "target")
            )
        return translated

    def _batch(self, texts, source, target):
        body = json.dumps({"text": texts, "source_lang": source, "target_lang": target}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"DeepL-Auth-Key {self.key}",
                "Content-Type": "application/json",
                "User-Agent": "ainews-cms",
            },
        )
        for attempt in range(RETRIES + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    return _translations(answer.read(), len(texts))
            except urllib.error.HTTPError as error:
                wait = _busy_wait(error, attempt)
                if wait is None or attempt == RETRIES:
                    raise _refusal(error) from None
                self.sleep(wait)
            except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
                if attempt == RETRIES:
                    raise MachineTranslationError(
                        _("DeepL could not be reached (%(reason)s); try again shortly.")
                        % {"reason": getattr(error, "reason", error)}
                    ) from None
                self.sleep(2**attempt)
        raise AssertionError("unreachable")


def batches(texts):
    batch, size = [], 0
    for text in texts:
        length = len(json.dumps(text).encode())
        if batch and (len(batch) == BATCH_TEXTS or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += length
    if batch:
        yield batch


def _translations(body, count):
    try:
        found = [item["text"] for item in json.loads(body)["translations"]]
    except (ValueError, KeyError, TypeError):
        found = None
    if found is None or len(found) != count or not all(isinstance(t, str) for t in found):
        raise MachineTranslationError(_("DeepL answered with something that is not a translation."))
    return found


def _busy_wait(error, attempt):
    """Seconds to wait before retrying a busy answer (429, 529, 5xx), or None: do not."""
    if error.code not in (429, 529) and not 500 <= error.code < 600:
        return None
    try:
        return min(float(error.headers.get("Retry-After", "")), 30.0)
    except ValueError:
        return float(2**attempt)


def _refusal(error):
    if error.code == 403:
        return MachineTranslationError(
            _("DeepL refused the key: check CMS_DEEPL_AUTH_KEY (and that CMS_DEEPL_URL fits it).")
        )
    if error.code == 456:
        return MachineTranslationError(
            _(
                "The DeepL quota for this period is used up: nothing was translated. Wait for "
                "the next period or raise the limit in the DeepL account."
            )
        )
    if error.code in (429, 529) or error.code >= 500:
        return MachineTranslationError(
            _("DeepL is busy: nothing was translated; try again shortly.")
        )
    return MachineTranslationError(
        _("DeepL refused the request (HTTP %(status)d): nothing was translated.")
        % {"status": error.code}
    )


def provider():
    if not configured():
        raise MachineTranslationError(
            _("Machine translation is not set up (CMS_DEEPL_AUTH_KEY is empty).")
        )
    return DeepL()


def _pieces(text):
    """The analysis split around its image lines, which are kept as they are, untranslated."""
    pieces, last = [], 0
    for match in IMAGE_LINE.finditer(text):
        pieces.append((text[last : match.start()], True))
        pieces.append((match.group(0), False))
        last = match.end()
    pieces.append((text[last:], True))
    return pieces


def grade(original):
    """How a machine translation of `original` is labelled for readers."""
    if original.ai_involvement in BY_A_PERSON:
        return Involvement.MACHINE_FROM_HUMAN
    return Involvement.MACHINE_FROM_AI


def _check(values):
    """Refuse a translation a field would refuse (an empty title, a control character),
    as the field's own validation says: a provider's answer is outside input."""
    for name, value in values.items():
        field = StoryTranslation._meta.get_field(name)
        try:
            field.clean(value, None)
        except ValidationError as error:
            raise MachineTranslationError(
                _("The machine translation of the %(field)s cannot be kept: %(problem)s")
                % {"field": field.verbose_name, "problem": " ".join(error.messages)},
                per_story=True,
            ) from None


def draft(story, source, target, user, translator=None):
    """Translate `story` from `source` into `target` and propose it; return the proposal."""
    translator = translator or provider()
    original = StoryTranslation.objects.filter(master=story, language_code=source).first()
    if original is None:
        raise MachineTranslationError(
            _("The story has no version in the source language."), per_story=True
        )
    if not roundtrip.may_import(user, story, target):
        raise MachineTranslationError(
            _("You may not translate this story into this language."), per_story=True
        )
    if approvals.pending(story.pk, target).exists():
        # A draft replaces a proposal whole: a translator's words waiting for review would
        # be lost. Asked before the service, so no quota is spent on it.
        raise MachineTranslationError(
            _(
                "A translation into this language is waiting for review: approve or reject "
                "it before drafting a machine translation."
            ),
            per_story=True,
        )
    units = [
        (unit_id, text)
        for name in roundtrip.FIELDS
        for unit_id, text, _where in roundtrip.cells(name, getattr(original, name))
    ]
    texts, places = [], []
    for unit_id, text in units:
        for piece, translate in _pieces(text) if unit_id == "analysis" else [(text, True)]:
            core = piece.strip()
            translate = translate and bool(core)
            places.append((unit_id, piece, translate))
            if translate:
                texts.append(core)
    done = iter(translator.translate(texts, source, target))
    joined = {}
    for unit_id, piece, translated in places:
        if translated:
            # The blank lines around an image line are the Markdown's; a provider trims them.
            core = piece.strip()
            start = piece.index(core)
            piece = piece[:start] + next(done).strip() + piece[start + len(core) :]
        joined[unit_id] = joined.get(unit_id, "") + piece
    # Put into the target version as it stands, as an XLIFF import does: what only the
    # target has (a row the original lacks, a text the original leaves empty) is kept for
    # the reviewer, never dropped by approving the draft.
    current = StoryTranslation.objects.filter(master=story, language_code=target).first()
    values = {}
    for name in roundtrip.FIELDS:
        field = StoryTranslation._meta.get_field(name)
        now = getattr(current, name) if current is not None else field.get_default()
        targets = {
            unit_id: text for unit_id, text in joined.items() if unit_id.split("-")[0] == name
        }
        values[name] = roundtrip.rebuild(name, now, targets)
    values["title"] = values["title"][: StoryTranslation._meta.get_field("title").max_length]
    _check(values)
    values["ai_involvement"] = grade(original)
    with transaction.atomic():
        locked = Story._base_manager.select_for_update().get(pk=story.pk)
        return approvals.propose(locked, target, values, user)
