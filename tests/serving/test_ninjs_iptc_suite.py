"""The validator the ninjs tests use is IPTC's schema wired right: every case of IPTC's
test suite meant to pass passes, and every case meant to fail is refused, for both
versions this publication writes. The previous minor version's cases run too (2.1's
against 2.2, 3.0's against 3.1): a minor version accepts what the one before it did."""

import pytest

from cms.serving import ninjs
from tests import ninjs_validation

# The suites each schema version is checked with.
SUITES = {"2.2": ("2.1", "2.2"), "3.1": ("3.0", "3.1")}
CASES = [
    (version, expected, path)
    for version in ninjs.VERSIONS
    for suite in SUITES[version]
    for expected in ("should_pass", "should_fail")
    for path in sorted((ninjs_validation.SUITE / suite / expected).glob("*.json"))
]


def test_the_suite_has_cases_of_both_kinds_for_each_version():
    kinds = {(version, expected) for version, expected, _path in CASES}
    assert kinds == {(v, e) for v in ninjs.VERSIONS for e in ("should_pass", "should_fail")}


@pytest.mark.parametrize(
    ("version", "expected", "path"),
    CASES,
    ids=lambda v: f"{v.parent.parent.name}/{v.name}" if hasattr(v, "name") else v,
)
def test_iptc_cases_pass_or_fail_as_iptc_says(version, expected, path):
    case = ninjs_validation.read(path)
    core_errors = list(ninjs_validation.core(version).iter_errors(case))
    extended_errors = list(ninjs_validation.extended(version).iter_errors(case))
    if expected == "should_pass":
        assert core_errors == [] and extended_errors == []
    else:
        # Refused by IPTC's schema, and by the extension, which takes all of it in.
        assert core_errors and extended_errors


def test_the_extension_refuses_what_it_does_not_define():
    valid = {"uri": "urn:x", "aigc:grade": "human"}
    assert list(ninjs_validation.extended("2.2").iter_errors(valid)) == []
    for bad in (
        {"uri": "urn:x", "aigc:other": "x"},
        {"uri": "urn:x", "aigc:grade": "robot"},
        {"uri": "urn:x", "aigc:AIGC": {"Label": "1"}},
        {"uri": "not a uri"},
    ):
        assert list(ninjs_validation.extended("2.2").iter_errors(bad)), bad
