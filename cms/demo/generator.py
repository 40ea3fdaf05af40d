"""Plausible bilingual stories in bulk, for benchmarks: varied words, realistic sizes."""

from cms import richtext, search
from cms.models import Source, StoryTranslation, Tag

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
ACTIONS = [
    ("releases a new reasoning model", "发布新一代推理模型"),
    ("cuts inference prices", "下调推理价格"),
    ("opens its agent platform to developers", "向开发者开放智能体平台"),
    ("faces new export rules", "面临新的出口规定"),
    ("raises a large funding round", "完成大额融资"),
    ("publishes a safety framework", "发布安全框架"),
    ("unveils a custom AI chip", "推出自研AI芯片"),
    ("open-sources a small model", "开源一款小模型"),
]
PARAGRAPHS = {
    "en": [
        "Analysts say the move changes the economics of **training and serving** large models.",
        "The announcement follows months of speculation about *compute budgets* and supply.",
        "Developers reacted cautiously, pointing to unanswered questions about pricing and access.",
        "Regulators in several markets are watching closely as capabilities grow quickly.",
        "Competitors are expected to respond within weeks, which may compress margins further.",
        "The company said more details would follow in a technical report.",
        "Benchmarks shared so far suggest gains on coding and long-context tasks.",
        "Critics argue that evaluation methods have not kept pace with the models themselves.",
    ],
    "zh-hans": [
        "分析人士认为,此举改变了大模型**训练与推理**的成本结构。",
        "此前数月,业界一直在猜测其*算力预算*与供应情况。",
        "开发者反应谨慎,认为定价和访问方式仍有许多未解问题。",
        "随着模型能力快速提升,多个市场的监管机构正在密切关注。",
        "预计竞争对手将在数周内作出回应,利润空间可能进一步收窄。",
        "该公司表示,更多细节将在技术报告中公布。",
        "目前公布的基准测试显示,其在编程和长上下文任务上有所提升。",
        "批评者认为,评测方法尚未跟上模型本身的发展速度。",
    ],
}


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


def topic(rng):
    return rng.choice(COMPANIES), rng.choice(ACTIONS), rng.randint(2, 9)


def rendered_paragraphs():
    """Each language's paragraphs as (Markdown, HTML, plain text)."""
    result = {}
    for code, texts in PARAGRAPHS.items():
        result[code] = []
        for text in texts:
            html = richtext.render(text)
            result[code].append((text, html, richtext.to_text(html)))
    return result


def translation(rng, story, code, topic, paragraphs):
    """An unsaved translation of `story` in `code`, its derived fields filled in."""
    (company_en, company_zh), (action_en, action_zh), version = topic
    chosen = rng.sample(paragraphs, 4)
    analysis = "\n\n".join(text for text, _html, _plain in chosen)
    if code == "en":
        title = f"{company_en} {action_en} ({version}.0)"
        summary = f"{company_en} {action_en}. {chosen[0][0].replace('**', '').replace('*', '')}"
        tldr = [f"{company_en} {action_en}.", "Pricing and access details remain unclear."]
        insights = [{"title": "Costs", "body": "Serving costs keep falling across the industry."}]
        faq = [{"question": f"What did {company_en} announce?", "answer": f"It {action_en}."}]
        key_data = [{"entity": company_en, "detail": action_en, "metric": f"v{version}.0"}]
    else:
        title = f"{company_zh}{action_zh}({version}.0)"
        summary = f"{company_zh}{action_zh}。{chosen[0][0].replace('**', '').replace('*', '')}"
        tldr = [
            f"{company_zh}{action_zh}。",
            "定价与访问细节尚不明确。",
            "业内预计将引发连锁反应。",
        ]
        insights = [{"title": "成本", "body": "全行业的推理成本持续下降。"}]
        faq = [{"question": f"{company_zh}宣布了什么?", "answer": f"{action_zh}。"}]
        key_data = []
    result = StoryTranslation(
        master_id=story.pk,
        language_code=code,
        # bulk_create skips save(): the grade follows the story's flag (cms.disclosure).
        ai_involvement="ai_generated" if story.ai_generated else "human",
        title=title,
        summary=summary,
        tldr=tldr,
        key_data=key_data,
        analysis=analysis,
        insights=insights,
        faq=faq,
    )
    # Rendering Markdown once per paragraph instead of once per story keeps
    # 100,000 stories within minutes; the joined result is what render() gives.
    result.analysis_html = "\n".join(html for _text, html, _plain in chosen)
    result.analysis_text = "\n\n".join(plain for _text, _html, plain in chosen)
    result.search_terms = search.document_terms(title, summary, result.analysis_text)
    result.search_scope = search.scope_markers(code, PARAGRAPHS)
    return result
