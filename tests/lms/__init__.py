"""A test LTI 1.3 platform that answers like Moodle 4.5 over real HTTP, and a browser for it."""

from .browser import LtiBrowser
from .platform import TestPlatform

__all__ = ["LtiBrowser", "TestPlatform"]
