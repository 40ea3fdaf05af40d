import pytest


@pytest.fixture(autouse=True)
def readiness_checked_each_time(settings):
    """Each /readyz of these tests runs the checks (the deployment reuses an answer for
    CMS_READYZ_CACHE_SECONDS), so a test can break a dependency between two probes."""
    from api.ops import probes

    settings.CMS_READYZ_CACHE_SECONDS = 0
    probes._last["at"] = 0.0
