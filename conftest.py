"""Pytest settings shared by unit tests and nbval."""


def pytest_collectstart(collector):
    # TensorFlow writes C++ log lines to stderr that JupyterLab saves but nbval does not
    # capture; compare stdout and rich outputs only.
    if collector.fspath and str(collector.fspath).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)
