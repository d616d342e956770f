"""The inbox tests use the engine tests' tree, people and models."""

from tests.workflow.conftest import people  # noqa: F401 - a fixture, shared
