"""GraphiQL from the project's own static files: the page works without internet.

strawberry-graphql's GraphiQL page loads React, GraphiQL and its explorer plugin from a public
CDN, each with a Subresource Integrity hash. The same files, from the same npm packages at the
same versions, are copied into `api/static/graphiql/<package>@<version>/<path>` by
`make graphiql` (npm installs them from `vendor/graphiql/package-lock.json`; this module copies
them and refuses any file whose hash is not the one strawberry's page names). The page is
served with the CDN's addresses replaced by those static files, integrity hashes kept, so the
browser itself checks that the bytes are the published ones.

    python -m api.graphql_http.graphiql vendor/graphiql/node_modules
"""

import base64
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from django.templatetags.static import static
from strawberry.http.ides import get_graphql_ide_html

CDN = "https://unpkg.com/"
STATIC_PREFIX = "graphiql/"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "graphiql"
# An asset tag of the page: its CDN address and integrity hash, in whichever order.
_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.S)
_ADDRESS = re.compile(r'(?:src|href)="' + re.escape(CDN) + r'([^"]+)"')
_INTEGRITY = re.compile(r'integrity="([^"]+)"')
_PACKAGE = re.compile(r"^((?:@[^/@]+/)?[^/@]+)@([^/]+)/(.+)$")


@dataclass(frozen=True)
class Asset:
    """One file the page loads: `react@18.2.0/umd/react.production.min.js` and its hash."""

    path: str
    integrity: str

    @property
    def package(self):
        return _PACKAGE.match(self.path).group(1)

    @property
    def version(self):
        return _PACKAGE.match(self.path).group(2)

    @property
    def file(self):
        return _PACKAGE.match(self.path).group(3)

    @property
    def static_file(self):
        return STATIC_DIR / self.path


def assets(html):
    """Every CDN file the page loads, with its integrity hash."""
    found = []
    for tag in _TAG.findall(html):
        address = _ADDRESS.search(tag)
        if address:
            integrity = _INTEGRITY.search(tag)
            found.append(Asset(address.group(1), integrity.group(1) if integrity else ""))
    return found


def integrity_of(path, algorithm="sha384"):
    """The Subresource Integrity value of a file, e.g. `sha384-…`."""
    digest = hashlib.new(algorithm, Path(path).read_bytes()).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def matches(asset, path):
    algorithm = asset.integrity.split("-", 1)[0] if asset.integrity else "sha384"
    return bool(asset.integrity) and integrity_of(path, algorithm) == asset.integrity


def page():
    """strawberry's GraphiQL page, loading its files from the project's static copies."""
    return local_page(get_graphql_ide_html("graphiql"))


def local_page(html):
    """The page with every CDN address replaced by the project's static copy."""
    for asset in assets(html):
        html = html.replace(CDN + asset.path, static(STATIC_PREFIX + asset.path))
    return html


def copy_assets(html, node_modules):
    """Copy the page's files from an npm install into STATIC_DIR; each must match its hash."""
    node_modules = Path(node_modules)
    problems = []
    for asset in assets(html):
        package_dir = node_modules / asset.package
        source = package_dir / asset.file
        try:
            installed = json.loads((package_dir / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            installed = None
        if installed != asset.version:
            problems.append(f"{asset.package}: {asset.version} is needed, {installed} installed")
        elif not source.is_file():
            problems.append(f"{source} is missing")
        elif not matches(asset, source):
            problems.append(f"{source} does not have the hash {asset.integrity}")
        else:
            asset.static_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, asset.static_file)
            print(f"{asset.path} {asset.integrity}")
    return problems


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    shutil.rmtree(STATIC_DIR, ignore_errors=True)
    problems = copy_assets(get_graphql_ide_html("graphiql"), argv[0])
    for problem in problems:
        print(f"graphiql: {problem} (update vendor/graphiql/package.json)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
