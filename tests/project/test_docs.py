"""The docs hold together: every relative link in README.md and docs/ reaches a file, and
every `#anchor` a heading, as GitHub renders them; the VCL is linked, never copied."""

import re
import unicodedata
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
VCL = BASE / "deploy" / "varnish" / "default.vcl"

# An inline link or image: [text](target) or ![alt](target "title"). Text may hold one
# level of brackets (`[`schema.graphql`](…)`, `[[image:12]]` stays code and is skipped).
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def documents():
    """README.md and every Markdown file under docs/."""
    return [BASE / "README.md", *sorted((BASE / "docs").rglob("*.md"))]


def prose_lines(text):
    """(number, line) of the lines outside fenced code blocks, inline code blanked out."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r"(`+)(?:(?!\1).)+?\1", "", line)


def slug(heading):
    """A heading's anchor as GitHub makes it: the rendered text, lower case, without
    punctuation (letters of any script, digits, `-` and `_` stay), spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links show their text
    text = re.sub(r"<[^>]+>", "", text)  # tags are not text
    text = text.replace("`", "").lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "-_ " or category[0] in "LN" or category in ("Mn", "Mc"):
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(path):
    """Every anchor a Markdown file offers; repeated headings get -1, -2, … as on GitHub."""
    found, seen = set(), {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path):
    """`file:line: target (why)` for each relative link of `path` that leads nowhere."""
    broken = []
    text = path.read_text(encoding="utf-8")
    for number, line in prose_lines(text):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
                continue  # http:, https:, mailto: … are not ours to check here
            name, _hash, anchor = target.partition("#")
            where = f"{path.relative_to(BASE)}:{number}: {target}"
            linked = (path.parent / name).resolve() if name else path
            if not linked.exists():
                broken.append(f"{where} (no such file)")
            elif BASE.resolve() not in (linked, *linked.parents):
                broken.append(f"{where} (outside the repository)")
            elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
                broken.append(f"{where} (no such anchor)")
    return broken


def test_every_relative_link_in_the_docs_resolves():
    broken = [line for path in documents() for line in broken_links(path)]
    assert not broken, "Broken links:\n" + "\n".join(broken)


def test_the_link_check_finds_a_missing_file_a_missing_anchor_and_a_link_out_of_the_tree(
    tmp_path, monkeypatch
):
    repository = tmp_path / "repository"
    (repository / "docs").mkdir(parents=True)
    monkeypatch.setattr(f"{__name__}.BASE", repository)
    (tmp_path / "elsewhere.md").write_text("# Elsewhere\n", encoding="utf-8")
    (repository / "docs" / "guide.md").write_text(
        "# Guide\n\n## Caching and persisted queries\n\n## 发布：定时\n", encoding="utf-8"
    )
    readme = repository / "README.md"
    readme.write_text(
        "[fine](docs/guide.md#caching-and-persisted-queries) [zh](docs/guide.md#发布定时)\n"
        "[gone](docs/missing.md) [no anchor](docs/guide.md#caching) [out](../elsewhere.md)\n"
        "[top](#readme) ![picture](docs/shot.png)\n"
        "```sh\n[in code](nowhere.md)\n```\n`[inline](nowhere.md)` [web](https://example.com/x)\n",
        encoding="utf-8",
    )
    assert broken_links(readme) == [
        "README.md:2: docs/missing.md (no such file)",
        "README.md:2: docs/guide.md#caching (no such anchor)",
        "README.md:2: ../elsewhere.md (outside the repository)",
        "README.md:3: #readme (no such anchor)",
        "README.md:3: docs/shot.png (no such file)",
    ]


def test_github_anchors_drop_punctuation_and_keep_every_script():
    assert slug("For client authors: ids, languages and caches") == (
        "for-client-authors-ids-languages-and-caches"
    )
    assert slug("3a. Add the lead image") == "3a-add-the-lead-image"
    assert slug("`make cluster`") == "make-cluster"
    assert slug("6. Nobody overwrites anybody; every change can be undone") == (
        "6-nobody-overwrites-anybody-every-change-can-be-undone"
    )
    assert slug("5. 审核、定时、发布") == "5-审核定时发布"
    assert slug("The editor's guide") == "the-editors-guide"


def test_the_docs_link_the_vcl_that_make_cluster_runs_and_copy_none_of_it():
    linked = [
        path
        for path in documents()
        for _number, line in prose_lines(path.read_text(encoding="utf-8"))
        for target in LINK.findall(line)
        if (path.parent / target.partition("#")[0]).resolve() == VCL.resolve()
    ]
    assert BASE / "docs" / "operations" / "edge.md" in linked
    copies = [path for path in documents() if "```vcl" in path.read_text(encoding="utf-8")]
    assert not copies, f"the VCL is copied into {copies}; link deploy/varnish/default.vcl"
