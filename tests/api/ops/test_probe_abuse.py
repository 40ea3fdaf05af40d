"""/readyz is behind the host check and cheap to call repeatedly."""

from unittest import mock

import pytest
from django.test import Client

from api.ops import probes, readiness

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["evil.example", "attacker.test:8080"])
def test_readyz_for_a_host_this_site_is_not_is_refused(host):
    response = Client().get("/readyz", headers={"host": host})
    assert response.status_code == 400
    assert response.json()["failed"] == ["host"]


@pytest.mark.parametrize("host", ["testserver", "10.0.3.7:8000", "[2001:db8::5]:8000"])
def test_readyz_answers_the_site_and_a_probe_by_address(host):
    assert Client().get("/readyz", headers={"host": host}).status_code == 200


def test_many_probes_run_the_checks_once_per_interval(settings):
    settings.CMS_READYZ_CACHE_SECONDS = 60
    probes._last["at"] = 0.0
    with mock.patch.object(readiness, "run", wraps=readiness.run) as run:
        statuses = {Client().get("/readyz").status_code for _ in range(50)}
    assert statuses == {200}
    assert run.call_count == 1
