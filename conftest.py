"""The test suite's shared fixtures, registered as plugins once (pytest reads ``pytest_plugins``
only from the top-level conftest), rather than re-imported by each directory that uses them: the
engine tests' tree and people, the demo enterprise with every shipped model, the form with a field
of every kind. The suite itself is under tests/ (tests/conftest.py: the app and its database)."""

pytest_plugins = ("tests.plugins.people", "tests.plugins.demo", "tests.plugins.form_sink")
