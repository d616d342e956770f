"""The upload tests use the every-kind form of the form tests."""

from tests.formdefs.conftest import people  # noqa: F401 - a fixture, shared
from tests.formdefs.conftest import sink  # noqa: F401 - a fixture, shared
