"""Keep the real-browser test (tests/browser/) out of `make test`: it runs with `make test-browser`."""
from pathlib import Path

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def pytest_ignore_collect(collection_path, config):
    """Skip collecting tests/browser unless it (or a file in it) was named on the command line."""
    if Path(collection_path).resolve() != BROWSER_TESTS:
        return None
    named = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return None if any(p == BROWSER_TESTS or BROWSER_TESTS in p.parents for p in named) else True
