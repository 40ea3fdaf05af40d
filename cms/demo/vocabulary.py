"""Word lists for generated stories, drawn with Zipf frequencies in English and Chinese.

Real text follows Zipf's law: the word of rank r appears about 1/r as often as the most
common one, so a few words are in nearly every story and most words are in very few. The
benchmark's searches and counts need that shape (a common word matches most of the archive,
a rare one a handful of stories), so each language's vocabulary is a ranked list: common
words, then AI-news vocabulary, then many generated rare terms. The lists are built from a
fixed seed, so they are the same in every run; only the draws depend on the caller's seed.
"""

import random
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

# Zipf's exponent: about 1 in natural language (1.07 fits large English corpora).
EXPONENT = 1.07
RARE_TERMS = 40_000
_VOCABULARY_SEED = 20261201


def _words(text):
    return text.split()


# Most frequent first. Function words lead, as in any English text; the news desk's own
# words (model, AI, chips) are unusually common for a publication about AI.
ENGLISH_COMMON = _words("""
the of and to a in model AI is for that on with as its by new said models at from data
it are be has an this company will was training more than which have inference
open compute chips research its their but or not also after companies users
developers about agents safety could says we can first they one year two
billion policy release would market cloud reasoning other open-source regulators over
access systems into some week tools like been up million use most were people
startup security platform many while chip industry report benchmark
percent government funding were results may such only how what last cost
performance language agent large version rules under between researchers
Nvidia OpenAI China Google federal software tests context launch says
hardware export investors product power small long team early latest
services deal plans state evaluation prices capacity growth demand weights
parameters dataset API enterprise customers partners revenue lab labs
infrastructure privacy lawsuit copyright scaling efficiency latency tokens
GPU GPUs accelerator datacenter supply network coding assistant search
vision speech robotics autonomous multimodal alignment fine-tuning
benchmarks leaderboard license licensing framework transparency audit
compliance Europe Asia Beijing Brussels Washington silicon memory
bandwidth throughput pricing subscription preview beta rollout upgrade
partnership acquisition valuation round series shares stock analysts
quarter forecast roadmap announcement keynote conference paper preprint
reviewers dataset contamination hallucination jailbreak red-teaming
watermark provenance deepfake misinformation moderation guardrails
distillation quantization sparse mixture experts transformer attention
embedding retrieval vector database pipeline orchestration deployment
edge device smartphone laptop sensor simulation synthetic labeling
annotators contractors workforce salaries hiring layoffs talent
semiconductor foundry wafer packaging lithography node yield tariff
sanctions subsidies ministry commission parliament senate lawmakers
""")

# Most frequent first, one word per entry as a segmenter would cut them.
CHINESE_COMMON = _words("""
的 在 了 是 和 模型 人工智能 将 对 也 大模型 公司 发布 一个 中 数据 与 表示 已 训练
推理 为 等 这 芯片 上 不 有 算力 开源 用户 开发者 智能体 其 安全 更 企业 技术 研究
市场 能力 平台 政策 监管 进行 通过 可以 已经 今年 我们 他们 目前 行业 产品 服务 成本
价格 性能 基准 测试 评测 报告 融资 投资 估值 亿元 美元 万 亿 百分之 出口 规定 政府
部门 机构 专家 分析 认为 预计 显示 宣布 推出 上线 升级 版本 参数 上下文 长文本 多模态
语音 视觉 图像 视频 代码 编程 助手 搜索 应用 场景 生态 合作 伙伴 客户 收入 利润 增长
需求 供应 产能 数据中心 云计算 服务器 显卡 加速器 内存 带宽 延迟 吞吐 效率 能耗 电力
隐私 版权 诉讼 合规 透明 审计 框架 标准 治理 伦理 风险 漏洞 攻击 防御 对齐 幻觉 越狱
水印 溯源 深度伪造 内容 审核 护栏 蒸馏 量化 稀疏 混合专家 注意力 向量 检索 数据库 部署
端侧 手机 电脑 传感器 仿真 合成 标注 人才 招聘 裁员 薪酬 半导体 晶圆 封装 光刻 制程
良率 关税 制裁 补贴 欧洲 亚洲 北京 上海 深圳 硅谷 华盛顿 布鲁塞尔 季度 路线图 论文
会议 预印本 开放 权重 许可 授权 订阅 预览 测试版 发布会 首席执行官 创始人 团队 实验室
""")

_ONSETS = _words("b c d f g h j k l m n p r s t v w z br cr dr fl gr kr pl pr sk st tr sh ch th")
_VOWELS = _words("a e i o u ai ea ee io oa ou y")
_CODAS = ["", "", "n", "r", "s", "x", "l", "m", "t", "nd", "rk", "st", "ng"]
_HANZI = (
    "云星智联数芯算光量深图文语视听达航极元启明科创源海天宇宙锐思维度灵犀格物致远"
    "鸿蒙盘古悟空通义文心混元星火天工序列矩阵张量梯度权衡弦波粒子晶核磁电频谱"
)


@dataclass(frozen=True)
class Vocabulary:
    """A ranked word list and its cumulative Zipf weights, for fast weighted draws."""

    words: tuple
    cumulative: tuple
    separator: str

    def draw(self, rng, count):
        """`count` words drawn independently with Zipf frequencies."""
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)


def _ranked(common, rare):
    words = tuple(dict.fromkeys(common + rare))
    weights = accumulate(1 / rank**EXPONENT for rank in range(1, len(words) + 1))
    return words, tuple(weights)


def _rare_english(rng, taken):
    found = []
    seen = set(taken)
    while len(found) < RARE_TERMS:
        syllables = rng.randint(2, 3)
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if word not in seen:
            seen.add(word)
            found.append(word)
    return found


def _rare_chinese(rng, taken):
    found = []
    seen = set(taken)
    while len(found) < RARE_TERMS:
        word = "".join(rng.choice(_HANZI) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            found.append(word)
    return found


@cache
def english():
    rng = random.Random(_VOCABULARY_SEED)
    words, cumulative = _ranked(ENGLISH_COMMON, _rare_english(rng, ENGLISH_COMMON))
    return Vocabulary(words, cumulative, " ")


@cache
def chinese():
    rng = random.Random(_VOCABULARY_SEED)
    words, cumulative = _ranked(CHINESE_COMMON, _rare_chinese(rng, CHINESE_COMMON))
    return Vocabulary(words, cumulative, "")
