"""The browser harness's fixtures, shared by every browser test of the admin."""

from tests.admin.test_browser import browser, chromium  # noqa: F401
