"""Deployment checks of the newsroom's own settings (`manage.py check --deploy`)."""

from django.core import checks

from cms.disclosure import rules as disclosure


@checks.register("compliance", deploy=True)
def aigc_values(app_configs, **kwargs):
    """The producer and propagator an `AIGC` label names must be values GB 45438-2025
    Annex E accepts: a code (TC260's service provider coding rules), not a name with
    spaces or Chinese characters."""
    return [
        checks.Warning(
            f"{name} is not printable ASCII without spaces, quotes or backslashes, as "
            "GB 45438-2025 Annex E asks of the AIGC fields.",
            hint="Set CMS_AIGC_PRODUCER_CODE (and CMS_AIGC_PROPAGATOR_CODE if another "
            "body republishes) to the 27-character service provider code.",
            id="cms.W001",
        )
        for name in disclosure.nonconforming_settings()
    ]
