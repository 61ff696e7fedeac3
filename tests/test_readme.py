"""The README a teacher reads first: the two commands near the top, the articles by name, a layout true to the code."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
import launch  # noqa: E402  (.ci/launch.py, which writes the launch links block)

README = (ROOT / "README.md").read_text()
BENCH = (ROOT / "bench" / "README.md").read_text()


def test_the_two_commands_stand_near_the_top():
    top = README[: README.index("## The path through the notebooks")]
    assert "make lab" in top and "make test" in top


def test_articles_are_named_by_author_never_by_seed_number():
    for text in (README, BENCH):
        assert not re.search(r"\bseeds?\b", text, re.IGNORECASE), "say Ali (2019), Anonymous (n.d.), ..., not 'seed'"
    for short in ("Ali (2019)", "Dishashree (n.d.)", "Mwiti (2018)", "Anonymous (n.d.)", "Spahović (n.d.)"):
        assert short in README, short


def test_the_launch_links_block_is_there_once():
    assert README.count(launch.README_START) == 1 and README.count(launch.README_END) == 1


def test_the_layout_lists_every_module_and_only_modules_that_exist():
    listed = set(re.findall(r"^cnnviz/(\w+)\.py\s", README, re.MULTILINE))
    modules = {p.stem for p in (ROOT / "cnnviz").glob("*.py") if p.stem != "__init__"}
    assert listed == modules, f"missing from the layout: {sorted(modules - listed)}; gone: {sorted(listed - modules)}"


def _imports(module):
    """The cnnviz modules ``module`` imports, read from its source (at import time or inside a function)."""
    tree = ast.parse((ROOT / "cnnviz" / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "cnnviz":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cnnviz."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("cnnviz.")}
    return found - {module, "__version__"}


def test_who_imports_whom_is_read_from_the_code():
    block = README.split("Who imports whom", 1)[1].split("```")[1]
    drawn = {}
    for name, targets in re.findall(r"^  (\w+)\s+──> (.*)$", block, re.MULTILINE):
        drawn[name] = set() if targets.startswith("(") else set(targets.split(", "))
    modules = {p.stem for p in (ROOT / "cnnviz").glob("*.py") if p.stem != "__init__"}
    assert set(drawn) == modules
    wrong = {m: (sorted(drawn[m]), sorted(_imports(m))) for m in modules if drawn[m] != _imports(m)}
    assert not wrong, f"README draws (left) what the code does not import (right): {wrong}"


def test_every_benchmark_command_names_a_script_that_exists():
    scripts = set(re.findall(r"bench/(\w+\.py)", BENCH + README))
    assert scripts, "bench/README.md names no command"
    missing = sorted(s for s in scripts if not (ROOT / "bench" / s).is_file())
    assert not missing, f"bench/README.md or README.md names {missing}, which do not exist"
