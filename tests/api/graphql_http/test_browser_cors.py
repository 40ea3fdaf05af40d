"""A reader site on another origin calls the API from the browser: a page served from
another port loads Apollo Client (the pinned npm package of .ci/clients, bundled as an ES
module with the pinned esbuild) and runs the contract's story page query in both
languages, preflights and all, in the browser test's headless Chromium; a page on an
origin the API does not allow gets nothing."""

import json
import os
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from tests.admin.test_browser import browser, chromium  # noqa: F401  (fixtures)
from tests.factories import make_story, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENTS = Path(settings.BASE_DIR) / ".ci" / "clients"
SLUG = "robots-fold"

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>Reader site</title>
<script type="module">
import { ApolloClient, HttpLink, InMemoryCache, gql } from "./apollo-client.mjs";
const { api, document, slug } = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const client = new ApolloClient({ cache: new InMemoryCache(), link: new HttpLink({ uri: api }) });
const query = gql(document);
const result = {};
try {
  for (const language of ["en", "zh-hans"]) {
    const { data, error } = await client.query({ query, variables: { slug, language } });
    if (error) throw error;
    result[language] = { language: data.story.language, title: data.story.title };
  }
  // A plain GET, as a page reads what the API exposes to scripts.
  const answer = await fetch(api + "?query=" + encodeURIComponent("{ __typename }"));
  result.headers = {
    etag: answer.headers.get("ETag"),
    contentLanguage: answer.headers.get("Content-Language"),
    rateLimitRemaining: answer.headers.get("RateLimit-Remaining"),
  };
} catch (error) {
  result.error = String(error);
}
window.readerResult = result;
</script>
"""


def bundle_apollo_client(folder):
    """Apollo Client as one ES module, from the pinned packages of .ci/clients."""
    esbuild = CLIENTS / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        reason = "Apollo Client is not installed: run `npm ci` in .ci/clients (CI does)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    subprocess.run(
        [esbuild, "browser/apollo-client.mjs", "--bundle", "--format=esm", "--log-level=warning",
         f"--outfile={folder / 'apollo-client.mjs'}"],
        cwd=CLIENTS, check=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def reader_site(tmp_path):
    """A static site on its own port: the page and the Apollo Client bundle."""
    bundle_apollo_client(tmp_path)
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def read_from(driver, page, api, document):
    from selenium.webdriver.support.ui import WebDriverWait

    hash_ = json.dumps({"api": api, "document": document, "slug": SLUG})
    driver.get(f"{page}/index.html#{hash_}")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.readerResult"))
    return driver.execute_script("return window.readerResult")


def test_a_page_on_another_origin_reads_both_languages_with_apollo_client(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    reader_site,
    contract,
    settings,
):
    site = f"http://127.0.0.1:{reader_site}"
    settings.CORS_ALLOWED_ORIGINS = [site]
    settings.CORS_ALLOWED_ORIGIN_REGEXES = []
    security = make_tag("security", en="Security", zh_hans="安全")
    make_story(SLUG, title_en="Robots fold towels", title_zh_hans="机器人叠毛巾", tags=[security])
    api = live_server.url.replace("localhost", "127.0.0.1") + "/graphql"
    document = contract("story_page.graphql")

    result = read_from(browser, site, api, document)
    assert result.get("error") is None, result
    assert result["en"] == {"language": "en", "title": "Robots fold towels"}
    assert result["zh-hans"] == {"language": "zh-hans", "title": "机器人叠毛巾"}
    assert result["headers"]["etag"] and result["headers"]["contentLanguage"] == "en"
    assert result["headers"]["rateLimitRemaining"] is not None

    # The same page from an origin the API does not allow: the browser withholds every answer.
    refused = read_from(browser, f"http://localhost:{reader_site}", api, document)
    assert "error" in refused and "en" not in refused, refused
