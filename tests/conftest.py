"""What pytest collects in tests/: the real-browser test only when named; the Keras tests only where Keras runs."""

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BROWSER_TESTS = HERE / "browser"

# The files that test cnnviz's Keras code (they import Keras, or a cnnviz module that does, at the top).
# Without Keras and its TensorFlow backend (a NumPy-only environment), they are left out and every other
# test still runs: the NumPy references (test_ops.py and the rest) never need Keras.
# A test elsewhere that needs Keras carries @pytest.mark.keras and is skipped.
KERAS_TESTS = [
    "test_attribution.py",
    "test_data.py",
    "test_feature_maps.py",
    "test_models_catsdogs.py",
    "test_models_cifar.py",
    "test_notebook_sync.py",
    "test_store.py",
    "test_training.py",
]
HAVE_KERAS = all(importlib.util.find_spec(m) for m in ("keras", "tensorflow"))
collect_ignore = [] if HAVE_KERAS else KERAS_TESTS


def pytest_collection_modifyitems(items):
    if not HAVE_KERAS:
        for item in items:
            if item.get_closest_marker("keras"):
                item.add_marker(pytest.mark.skip(reason="needs Keras and TensorFlow, which are not installed"))


def pytest_ignore_collect(collection_path, config):
    """Skip collecting tests/browser unless it (or a file in it) was named on the command line."""
    if Path(collection_path).resolve() != BROWSER_TESTS:
        return None
    named = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return None if any(p == BROWSER_TESTS or BROWSER_TESTS in p.parents for p in named) else True
