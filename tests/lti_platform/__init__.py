"""The test LTI platform lives in tests.lms; this name is kept for imports that expect it."""

from tests.lms import LtiBrowser, TestPlatform  # noqa: F401
