"""Plausible bilingual stories in bulk, for benchmarks: Zipf-drawn words, realistic sizes.

Words come from `cms.demo.vocabulary`, so common and rare words are spread over the archive
as in real text. The analysis is written as Markdown, HTML and plain text at once (it only
uses paragraphs and emphasis, whose rendering is fixed), because rendering Markdown per
story would dominate the time of a million stories; `finish` fills every other derived
field with the model's own methods, and `matches_model` checks a sample against them.
"""

import copy

from cms.demo import vocabulary
from cms.models import Source, StoryTranslation, Tag
from cms.search import index
from cms.stories import derive

LANGUAGES = ("en", "zh-hans")
# Derived fields compared with what StoryTranslation.save() computes.
DERIVED_FIELDS = ("analysis_html", "analysis_text", "search_terms", "complete", "content_hash")

TAGS = {
    "security": ("Security", "安全"),
    "policy": ("Policy", "政策"),
    "llm": ("LLM", "大模型"),
    "open-source": ("Open source", "开源"),
    "chips": ("Chips", "芯片"),
    "funding": ("Funding", "融资"),
    "research": ("Research", "研究"),
    "robotics": ("Robotics", "机器人"),
    "agents": ("Agents", "智能体"),
}
SOURCES = {
    "reuters": ("https://www.reuters.com", "Reuters", "路透社"),
    "techcrunch": ("https://techcrunch.com", "TechCrunch", "TechCrunch"),
    "the-information": ("https://www.theinformation.com", "The Information", "The Information"),
    "36kr": ("https://36kr.com", "36Kr", "36氪"),
}
COMPANIES = [
    ("OpenAI", "OpenAI"), ("Google DeepMind", "谷歌DeepMind"), ("Meta", "Meta"),
    ("Alibaba", "阿里巴巴"), ("Baidu", "百度"), ("Mistral", "Mistral"), ("Nvidia", "英伟达"),
    ("Tencent", "腾讯"), ("ByteDance", "字节跳动"), ("Microsoft", "微软"), ("Huawei", "华为"),
]  # fmt: skip


def ensure_tags():
    tags = []
    for slug, (english, chinese) in TAGS.items():
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag = Tag(slug=slug)
            tag.set_current_language("en")
            tag.name = english
            tag.set_current_language("zh-hans")
            tag.name = chinese
            tag.save()
        tags.append(tag)
    return tags


def ensure_sources():
    sources = []
    for slug, (homepage, english, chinese) in SOURCES.items():
        source = Source.objects.filter(slug=slug).first()
        if source is None:
            source = Source(slug=slug, homepage=homepage)
            source.set_current_language("en")
            source.name = english
            source.set_current_language("zh-hans")
            source.name = chinese
            source.save()
        sources.append(source)
    return sources


class Writer:
    """Sentences and story fields in one language, from Zipf-drawn words."""

    def __init__(self, code, rng):
        self.code = code
        self.rng = rng
        self.chinese = code != "en"
        self.vocabulary = vocabulary.chinese() if self.chinese else vocabulary.english()
        self.space = "" if self.chinese else " "
        self.comma, self.stop, self.question = (
            ("，", "。", "？") if self.chinese else (",", ".", "?")
        )

    def words(self, low, high):
        return self.vocabulary.draw(self.rng, self.rng.randint(low, high))

    def phrase(self, low, high):
        """Words without punctuation (titles, headings)."""
        return self.space.join(self.words(low, high))

    def sentence(self, low=8, high=18, end=None, emphasis=0.0):
        """One sentence as (Markdown, HTML, plain text); `emphasis` is the chance of a bold word."""
        words = self.words(low, high)
        if not self.chinese:
            words[0] = words[0][:1].upper() + words[0][1:]
        marked = list(words)
        html = list(words)
        if self.rng.random() < emphasis:
            at = self.rng.randrange(len(words))
            strong = self.rng.random() < 0.6
            mark, tag = ("**", "strong") if strong else ("*", "em")
            marked[at] = f"{mark}{words[at]}{mark}"
            html[at] = f"<{tag}>{words[at]}</{tag}>"
        if len(words) > 6:
            at = self.rng.randrange(2, len(words) - 2)
            for tokens in (words, marked, html):
                tokens[at] += self.comma
        end = self.stop if end is None else end
        return tuple(self.space.join(tokens) + end for tokens in (marked, html, words))

    def text(self, sentences, low=8, high=18, end=None):
        """Plain sentences, joined as running text."""
        return self.space.join(self.sentence(low, high, end)[2] for _ in range(sentences))

    def analysis(self):
        """Two to four paragraphs as (Markdown, HTML, plain text), as richtext renders them."""
        paragraphs = []
        for _ in range(self.rng.randint(2, 4)):
            parts = [self.sentence(8, 16, emphasis=0.3) for _ in range(self.rng.randint(2, 3))]
            paragraphs.append(tuple(self.space.join(column) for column in zip(*parts, strict=True)))
        markdown = "\n\n".join(markdown for markdown, _html, _text in paragraphs)
        html = "\n".join(f"<p>{html}</p>" for _markdown, html, _text in paragraphs)
        text = "\n\n".join(text for _markdown, _html, text in paragraphs)
        return markdown, html, text


def writers(rng):
    """One writer per generated language, sharing `rng` (so a seed fixes all content)."""
    return {code: Writer(code, rng) for code in LANGUAGES}


def translation(writer, story_id, company, changed_at, ai_generated=True):
    """An unsaved translation of story `story_id` by `writer`, its derived fields filled in."""
    rng = writer.rng
    company = company[1] if writer.chinese else company[0]
    analysis, analysis_html, analysis_text = writer.analysis()
    result = StoryTranslation(
        master_id=story_id,
        language_code=writer.code,
        # Skipping save(): the grade follows the story's flag (cms.disclosure.rules).
        ai_involvement="ai_generated" if ai_generated else "human",
        title=company + writer.space + writer.phrase(5, 10),
        summary=writer.text(2, 10, 20),
        tldr=[writer.sentence(5, 10)[2] for _ in range(rng.randint(2, 3))],
        key_data=[
            {"entity": company, "detail": writer.phrase(2, 5), "metric": f"{rng.randint(1, 99)}%"}
            for _ in range(rng.randint(0, 3))
        ],
        analysis=analysis,
        insights=[
            {"title": writer.phrase(2, 4), "body": writer.text(1)} for _ in range(rng.randint(1, 3))
        ],
        faq=[
            {"question": writer.sentence(5, 10, writer.question)[2], "answer": writer.text(1)}
            for _ in range(rng.randint(1, 2))
        ],
    )
    finish(result, analysis_html, analysis_text, changed_at)
    # Every generated story has every language: where each version is served.
    result.search_scope = index.scope_markers(writer.code, LANGUAGES)
    return result


def finish(translation, analysis_html, analysis_text, changed_at):
    """Fill a generated translation's derived fields as saving it does.

    The one place bulk generation computes them: the rendered analysis comes from the
    writer, everything else from what a save runs (`cms.stories.derive` and the model's
    `refresh_state`), so a field they learn to derive is filled here too. Versions saved
    together changed together (Story.save_translations): all get `changed_at`.
    """
    translation.analysis_html = analysis_html
    translation.analysis_text = analysis_text
    derive.index_terms(translation)
    translation.refresh_state(now=changed_at)


def matches_model(translation):
    """Whether `translation`'s derived fields are what saving it computes."""
    check = copy.copy(translation)
    check.content_hash = ""
    derive.derive(check)
    check.refresh_state(now=translation.content_changed_at)
    return all(getattr(check, name) == getattr(translation, name) for name in DERIVED_FIELDS)
