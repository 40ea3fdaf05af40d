"""Which database answers: anonymous GraphQL queries may read a replica, all else the primary."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache

from api import db_router
from api.ops import readiness
from cms.models import ApiKey, Partner, Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def replicas_answer(request, monkeypatch):
    """The fake replica aliases below have no server to probe: they count as healthy, except
    in the tests of health itself."""
    if "health" not in request.node.name:
        monkeypatch.setattr(db_router, "healthy", lambda alias: True)


LIST = "{ stories(first: 3) { edges { node { slug title } } } }"


@pytest.fixture
def replicas(monkeypatch):
    """Two replicas configured; reads the router sends them are recorded, then served by
    the test database (which every replica alias mirrors in tests)."""
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica_0", "replica_1"])
    decisions = []
    choose = db_router.ReplicaRouter.db_for_read

    def recording(self, model, **hints):
        alias = choose(self, model, **hints)
        decisions.append(alias)
        return "default"

    monkeypatch.setattr(db_router.ReplicaRouter, "db_for_read", recording)
    return decisions


def test_inside_public_reads_the_router_picks_a_replica_and_writes_stay_on_the_primary(
    monkeypatch,
):
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica_0", "replica_1"])
    router = db_router.ReplicaRouter()
    assert router.db_for_read(Story) == "default"
    chosen = set()
    for _ in range(4):
        with db_router.public_reads() as alias:
            assert router.db_for_read(Story) == alias
            assert router.db_for_write(Story) == "default"
            chosen.add(alias)
    assert chosen == {"replica_0", "replica_1"}
    with db_router.public_reads(enabled=False):
        assert router.db_for_read(Story) == "default"
    assert router.db_for_read(Story) == "default"


def test_without_replicas_everything_uses_the_primary():
    router = db_router.ReplicaRouter()
    with db_router.public_reads() as alias:
        assert alias is None
        assert router.db_for_read(Story) == "default"


def test_migrations_run_on_the_primary_only():
    router = db_router.ReplicaRouter()
    assert router.allow_migrate("default", "cms")
    assert not router.allow_migrate("replica_0", "cms")


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_query_reads_from_a_replica(client, replicas, method):
    make_story("s")
    if method == "get":
        response = client.get("/graphql", {"query": LIST}, headers={"accept": "application/json"})
    else:
        response = client.post("/graphql", {"query": LIST}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["data"]["stories"]["edges"]
    assert any(alias.startswith("replica_") for alias in replicas)


def test_a_keyed_query_reads_from_the_primary(client, replicas):
    make_story("s")
    partner = Partner.objects.create(name="Daily")
    _key, secret = ApiKey.issue(partner=partner, name="site", scopes=["read"])
    replicas.clear()
    response = client.post(
        "/graphql",
        {"query": LIST},
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"},
    )
    assert response.json()["data"]["stories"]["edges"]
    assert replicas and set(replicas) == {"default"}


def test_a_mutation_reads_its_own_writes_on_the_primary(client, replicas):
    make_story("s")
    replicas.clear()
    response = client.post(
        "/graphql",
        json.dumps({"query": 'mutation { recordView(slug: "s") { viewCount } }'}),
        content_type="application/json",
    )
    assert response.json()["data"]["recordView"]["viewCount"] == 1
    assert replicas and set(replicas) == {"default"}


def test_the_admin_reads_from_the_primary(admin_client, replicas):
    make_story("s")
    replicas.clear()
    assert admin_client.get("/admin/cms/story/").status_code == 200
    assert replicas and set(replicas) == {"default"}


def settings_in_a_fresh_process(code, **environment):
    env = {**os.environ, "DJANGO_SECRET_KEY": "x", **environment}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "api.settings"},
        capture_output=True,
        text=True,
    )


def test_each_replica_url_becomes_an_alias_that_mirrors_the_primary_in_tests():
    result = settings_in_a_fresh_process(
        "from django.conf import settings; "
        "print(sorted(settings.DATABASES), settings.DATABASES['replica_1']['PORT'], "
        "settings.DATABASES['replica_1']['TEST']['MIRROR'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/news",
        DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:5433/news, "
        "postgres://postgres@127.0.0.1:5434/news",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['default',",
        "'replica_0',",
        "'replica_1']",
        "5434",
        "default",
    ]


def test_an_unknown_purge_backend_is_a_clear_error():
    result = settings_in_a_fresh_process("", CMS_EDGE_PURGE_BACKEND="akamai")
    assert result.returncode != 0
    assert "CMS_EDGE_PURGE_BACKEND must be none, varnish, fastly or cloudflare" in result.stderr


def test_health_a_replica_that_does_not_answer_is_skipped_for_the_primary_until_it_does(
    monkeypatch, settings
):
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica_0"])
    monkeypatch.setattr(db_router, "caught_up", lambda alias: True)
    answers = iter([False, True])
    probes = []

    def probe(alias):
        probes.append(alias)
        return next(answers)

    monkeypatch.setattr(db_router, "probe", probe)
    for _ in range(3):
        with db_router.public_reads() as alias:
            assert alias is None
    # One probe for all three reads: the verdict is shared until it is due again.
    assert probes == ["replica_0"]
    cache.delete("db:replica-health:replica_0")
    with db_router.public_reads() as alias:
        assert alias == "replica_0"
    assert probes == ["replica_0", "replica_0"]


def test_health_a_replica_lagging_past_the_bound_is_skipped(monkeypatch):
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica_0", "replica_1"])
    lags = {"replica_0": 120.0, "replica_1": 0.5}
    monkeypatch.setattr(
        readiness,
        "replica",
        lambda alias: {"ok": lags[alias] <= 30, "lag_seconds": lags[alias]},
    )
    chosen = set()
    for _ in range(4):
        with db_router.public_reads() as alias:
            chosen.add(alias)
    assert chosen == {"replica_1"}


class Unconnected:
    """A replica alias with no server behind it (the aliases here are made up)."""

    def close(self):
        pass


def test_health_a_skipped_replica_comes_back_only_once_it_has_replayed_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica_0"])
    monkeypatch.setattr(db_router, "probe", lambda alias: True)
    replayed = iter([False, False, True])
    monkeypatch.setattr(db_router, "caught_up", lambda alias: next(replayed))
    with db_router.public_reads() as alias:
        assert alias == "replica_0"
    # A read failed on it (or it lagged past the bound): purges stop waiting for it.
    monkeypatch.setattr(db_router, "connections", {"replica_0": Unconnected()})
    db_router.mark_down("replica_0")
    for _ in range(2):
        cache.delete("db:replica-health:replica_0")
        # It answers within the bound again, but has not replayed what was written meanwhile.
        with db_router.public_reads() as alias:
            assert alias is None
    cache.delete("db:replica-health:replica_0")
    with db_router.public_reads() as alias:
        assert alias == "replica_0"
    # Caught up once is enough: later probes let it serve without asking again.
    cache.delete("db:replica-health:replica_0")
    with db_router.public_reads() as alias:
        assert alias == "replica_0"


@pytest.mark.parametrize(
    ("primary", "replayed", "expected"),
    [
        ("0/3000060", "0/3000060", True),
        ("0/3000060", "1/0", True),
        ("1/0", "0/FFFFFFFF", False),
        ("0/3000060", None, True),
        ("", None, True),
    ],
)
def test_health_caught_up_compares_the_replayed_position_with_the_primary_s(
    monkeypatch, primary, replayed, expected
):
    monkeypatch.setattr(db_router, "primary_position", lambda: primary)
    monkeypatch.setattr(db_router, "replayed_position", lambda alias: replayed)
    assert db_router.caught_up("replica_0") is expected


def test_health_a_replica_that_cannot_tell_its_position_is_not_let_back(monkeypatch):
    from django.db import OperationalError

    def fails(alias):
        raise OperationalError("the replica went away")

    monkeypatch.setattr(db_router, "primary_position", lambda: "0/1")
    monkeypatch.setattr(db_router, "replayed_position", fails)
    monkeypatch.setattr(db_router, "connections", {"replica_0": Unconnected()})
    assert db_router.caught_up("replica_0") is False


def test_health_the_primary_s_and_this_database_s_positions_are_read():
    from django.db import connection

    position = db_router.primary_position()
    replayed = db_router.replayed_position("default")
    if connection.vendor == "postgresql":
        assert db_router.wal_lsn(position) > 0
        # The test database is a primary, not a standby: nothing replayed.
        assert replayed is None
    else:
        assert (position, replayed) == ("", None)
