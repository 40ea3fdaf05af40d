"""Text to search terms, with no ORM: how a language version's words become tokens.

Normalized tokens (NFKC, lower case); Latin-script words stemmed with Snowball's English
stemmer (models, modelling → model); Chinese runs segmented by jieba, in search mode for stored
text (大模型 is stored as 大模型 and 模型) and in precise mode for a query's words, each of which
search mode also yields. The search engine (`cms.search`) and the derived fields of a language
version (`cms.stories.derive`) both read text through here, so stored and searched words agree.
"""

import logging
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache

from . import chinese

# Chinese characters (CJK unified ideographs, extension A, compatibility ideographs).
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of Chinese characters, or a run of other letters and digits (never `_`).
WORD_RUNS = re.compile(rf"([{CJK}]+)|([^\W_{CJK}]+)")
ASCII_WORD = re.compile(r"[a-z]+")
LETTERS = re.compile(r"[^\W_]+")
CJK_CHAR = re.compile(f"[{CJK}]")
# AI-news words jieba's dictionary lacks: with them 大模型 is one word (and 模型 a part of it).
# Changing this list changes how text is stored: run `manage.py reindex_search` afterwards.
DOMAIN_WORDS = ("大模型", "大语言模型", "语言模型", "小模型", "智能体", "多模态", "开源模型")

_jieba = None
_jieba_lock = threading.Lock()


def _segmenter():
    """jieba, initialised once per process, quietly, its cache file in the temp directory."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word)
                _memoise_hmm()
                _jieba = tokenizer
    return _jieba


def _memoise_hmm():
    """Remember jieba's HMM pass over runs of characters its dictionary lacks.

    Names and new coinages are such runs, and they recur from story to story; the HMM's
    Viterbi search in pure Python is about half of segmenting a Chinese text. The pass is a
    pure function of the run (this project adds no forced splits), so a bounded memo returns
    exactly what it would compute. jieba looks the function up on its module at each call.
    """
    from jieba import finalseg

    if getattr(finalseg.cut, "memoised", False):
        return
    compute = finalseg.cut
    remembered = lru_cache(maxsize=100_000)(lambda run: tuple(compute(run)))

    def cut(run):
        return iter(remembered(run))

    cut.memoised = True
    finalseg.cut = cut


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def _stem(word):
    # Snowball in pure Python costs tens of microseconds a word; a vocabulary repeats.
    return _stemmer().stemWord(word)


def _normalize(word):
    return unicodedata.normalize("NFKC", word).casefold()


@lru_cache(maxsize=100_000)
def _latin_tokens(run):
    # NFKC may split one run (a ligature, a full-width sign): each part is a token. Cached:
    # a text's words repeat, and a snippet reads every word of a story's analysis.
    return tuple(
        _stem(token) if ASCII_WORD.fullmatch(token) else token
        for token in LETTERS.findall(_normalize(run))
    )


@lru_cache(maxsize=100_000)
def _segments(run, mode):
    """The (start, end) of each word of a Chinese run, as jieba cuts it."""
    return tuple((begin, end) for _word, begin, end in _segmenter().tokenize(run, mode=mode))


def tokens_with_offsets(text, mode="search", wanted=None):
    """(token, start, end) for each word of `text`: `mode` is jieba's for Chinese runs.

    "search" also yields the shorter words inside a long one (stored text); "default" only
    the words themselves (a query's, each of which search mode also yields). With `wanted`
    (a set of tokens), Chinese runs that contain none of them are not segmented: every
    Chinese token is a part of its run, so they would yield no wanted token.
    """
    cjk_wanted = None if wanted is None else [w for w in wanted if CJK_CHAR.search(w)]
    # jieba's dictionary is Simplified Chinese: Traditional text (a derived zh-hant version,
    # a reader's Traditional query) is cut where its Simplified rendering (OpenCC t2s, one
    # call for the whole text) would be, and the words are the text's own characters at those
    # places, so that Traditional words are stored and searched. A conversion that changes
    # the length (a rare phrase mapping) leaves the text cut as it is written.
    simplified = chinese.convert(text, "t2s") if CJK_CHAR.search(text) else text
    aligned = len(simplified) == len(text)
    for match in WORD_RUNS.finditer(text):
        start = match.start()
        run = match.group(1)
        if run:
            if cjk_wanted is not None and not any(word in run for word in cjk_wanted):
                continue
            cut = simplified[start : match.end()] if aligned else run
            for begin, end in _segments(cut, mode):
                yield run[begin:end], start + begin, start + end
        else:
            for token in _latin_tokens(match.group(2)):
                yield token, start, match.end()


def analyze(text, mode="search"):
    """The tokens of `text`, in order (with repeats: they count for ranking)."""
    return [token for token, _start, _end in tokens_with_offsets(text, mode)]


@lru_cache(maxsize=4096)
def _part_terms(text):
    return " ".join(analyze(text))


def document_terms(*parts):
    """`search_terms` for a language version made of `parts` (its texts, in order)."""
    return " ".join(terms for terms in map(_part_terms, filter(None, parts)) if terms)
