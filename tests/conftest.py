import json
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# No deadline for any property test: a test that fails because the shared machine was slow
# for a moment tells nothing about the code (speed is measured by `make bench`).
hypothesis_settings.register_profile("cms", deadline=None)
hypothesis_settings.load_profile("cms")

CONTRACT_DIR = Path(settings.BASE_DIR).parent / "shared" / "contract"
SEED_STORY = Path(settings.BASE_DIR).parent / "shared" / "seed-story.txt"


def read_contract(name):
    """A document of the reader site's contract, read from ../shared/contract/ as it is."""
    path = CONTRACT_DIR / name
    if not path.exists():
        pytest.fail(f"The contract document {path} is missing: tests read it from ../shared.")
    return path.read_text(encoding="utf-8")


def without_cost(body):
    """The body without `extensions.cost`, after checking that every executed answer has it."""
    extensions = body.pop("extensions", None)
    if "data" in body:
        cost = extensions["cost"]
        assert isinstance(cost["requested"], int) and cost["requested"] >= 0
        assert cost["maximum"] == 10000
    return body


class GraphQLClient:
    """Posts GraphQL documents to /graphql the way a frontend does."""

    def __init__(self, client):
        self.client = client

    def __call__(self, query, variables=None, operation_name=None, **headers):
        body = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        response = self.client.post(
            "/graphql", data=json.dumps(body), content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.content
        return without_cost(response.json())


@pytest.fixture
def gql(client):
    return GraphQLClient(client)


@pytest.fixture
def contract():
    return read_contract


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty shared cache, as a fresh deployment would."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request answered in Chinese leaves Chinese active in this thread (Django's locale
    middleware activates, nothing deactivates): the next test starts in the default."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def counters_in_cache(request, settings):
    """Views and shares are counted in the shared cache and flushed in batches, as with
    Redis in production (one test process shares its local cache with itself); tests
    marked `counters_in_database` count as a process-local cache makes them do."""
    settings.CMS_COUNTERS_IN_CACHE = request.node.get_closest_marker("counters_in_database") is None


@pytest.fixture(autouse=True)
def every_request_counts(request, settings):
    """Tests count each request (a window of 0), so that one test client can count a story
    many times; tests marked `counted_once` keep the deployment's window, in which a client
    is counted once per story (cms.counting.counters.count_once)."""
    if request.node.get_closest_marker("counted_once") is None:
        settings.CMS_COUNT_WINDOW = 0
