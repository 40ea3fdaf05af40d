"""GraphiQL is served from the project's static files: it works without internet."""

import re

import pytest
from django.contrib.staticfiles import finders
from strawberry.http.ides import get_graphql_ide_html

from api.graphql_http import graphiql

UPSTREAM = get_graphql_ide_html("graphiql")


def test_graphiqls_page_loads_nothing_from_another_site(client):
    response = client.get("/graphql", headers={"accept": "text/html"})
    page = response.content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert addresses, "the page names no assets"
    assets = [address for address in addresses if not address.startswith("data:")]
    assert assets and all(address.startswith("/static/graphiql/") for address in assets), assets
    assert "unpkg" not in page
    # The published files' integrity hashes stay: the browser checks the bytes it gets.
    assert page.count('integrity="sha384-') == len(graphiql.assets(UPSTREAM))


def test_graphiqls_policy_allows_scripts_from_this_site_only(client):
    response = client.get("/graphql", headers={"accept": "text/html"})
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"].split()[0] == "'self'"
    assert all(source.startswith("'sha256-") for source in policy["script-src"].split()[1:])
    for directive in ("style-src", "font-src", "img-src", "connect-src"):
        assert "http" not in policy[directive], policy[directive]


@pytest.mark.parametrize("asset", graphiql.assets(UPSTREAM), ids=lambda asset: asset.path)
def test_every_graphiql_file_is_the_one_strawberrys_page_names(asset):
    """Fails when strawberry moves to other versions: run `make graphiql` then."""
    found = finders.find(graphiql.STATIC_PREFIX + asset.path)
    assert found, f"{asset.path} is not among the static files: run `make graphiql`"
    assert graphiql.integrity_of(found, "sha384") == asset.integrity


def test_copying_refuses_a_file_that_is_not_the_published_one(tmp_path, monkeypatch):
    monkeypatch.setattr(graphiql, "STATIC_DIR", tmp_path / "static")
    asset = graphiql.assets(UPSTREAM)[0]
    package = tmp_path / "node_modules" / asset.package
    (package / asset.file).parent.mkdir(parents=True)
    (package / "package.json").write_text(f'{{"version": "{asset.version}"}}')
    (package / asset.file).write_text("altered")
    page = UPSTREAM[UPSTREAM.index("<script") : UPSTREAM.index("</script>") + 9]
    problems = graphiql.copy_assets(page, tmp_path / "node_modules")
    assert problems == [f"{package / asset.file} does not have the hash {asset.integrity}"]
    assert not (tmp_path / "static").exists()
