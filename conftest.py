"""Pytest settings shared by unit tests and nbval."""

import pytest


def pytest_collectstart(collector):
    # TensorFlow writes C++ log lines to stderr that JupyterLab saves but nbval does not
    # capture; compare stdout and rich outputs only.
    if collector.fspath and str(collector.fspath).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(items):
    """nbval's cells execute a notebook: they are in the `notebook` tier (pyproject's markers), not in `make check`."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
