"""The meeting tests use the engine tests' tree and people."""

from tests.workflow.conftest import people  # noqa: F401 - a fixture, shared
