"""launch (.ci/launch.py, `make links`): badges, Colab setup lines, slide metadata, the index, idempotently."""

import contextlib
import io
import shlex
import sys
import types
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
import launch  # noqa: E402  (.ci/launch.py: a maintainer's tool, not part of the cnnviz package)

ADDRESS = "https://github.com/someone/cnnviz"
PYPROJECT = f'[project]\nname = "cnnviz"\n\n[project.urls]\nRepository = "{ADDRESS}/tree/dev"\n'
README = "# cnnviz: a title\n\nSome text.\n\n## A section\n\nMore text.\n"


def _lesson(title):
    """Return a small executed-looking notebook: title, setup, a heading, code with outputs, a sentence."""
    cells = [
        new_markdown_cell(f"# {title}\n\n*What this notebook teaches, in one line.*"),
        new_markdown_cell("Setup: the helpers."),
        new_code_cell("%matplotlib inline\nfrom cnnviz import ops", execution_count=1),
        new_markdown_cell("## 1. A heading"),
        new_code_cell(
            "print(6 * 7)\n6 * 7",
            execution_count=2,
            outputs=[
                new_output("stream", name="stdout", text="42\n"),
                new_output("execute_result", data={"text/plain": "42"}, execution_count=2),
            ],
        ),
        new_markdown_cell("A sentence that introduces the next step."),
        new_code_cell(
            "x",
            execution_count=3,
            metadata={"tags": ["nbval-ignore-output"]},
            outputs=[new_output("error", ename="NameError", evalue="x", traceback=[])],
        ),
        new_markdown_cell("### A smaller heading\n\nand its text"),
        new_markdown_cell("Text right after text."),
        new_code_cell(
            "explorer",
            execution_count=4,
            outputs=[
                new_output(
                    "display_data",
                    data={"text/plain": "VBox(...)", launch.WIDGET_VIEW: {"model_id": "abc", "version_major": 2}},
                )
            ],
        ),
    ]
    return new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "README.md").write_text(README)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(_lesson("01 · First lesson"), notebooks / "01_first.ipynb")
    nbformat.write(_lesson("05 · Later lesson"), notebooks / "05_later.ipynb")
    index = new_notebook(
        cells=[
            new_markdown_cell("# 00 · Index\n\n*Start here.*"),
            new_markdown_cell("old table", metadata={"cnnviz": launch.INDEX_TABLE_KEY}),
        ]
    )
    nbformat.write(index, notebooks / "00_index.ipynb")
    return tmp_path


def _files(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write(root):
    assert launch.main(["--root", str(root), "--write"]) == 0


def test_repository_reads_owner_name_and_branch_from_pyproject(repo, tmp_path_factory):
    assert launch.repository(repo) == ("someone", "cnnviz", "dev")
    assert all(launch.repository(ROOT))  # the project's own address (placeholder or real) parses
    bad = tmp_path_factory.mktemp("bad")
    (bad / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[project.urls]\nRepository = "https://gitlab.com/a/b"\n'
    )
    with pytest.raises(ValueError, match=r"\[project.urls\] Repository.*GitHub"):
        launch.repository(bad)


def test_links_point_at_the_notebook_on_colab_and_binder():
    repo = ("someone", "cnnviz", "dev")
    assert (
        launch.colab_url(repo, "notebooks/02_x.ipynb")
        == "https://colab.research.google.com/github/someone/cnnviz/blob/dev/notebooks/02_x.ipynb"
    )
    assert (
        launch.binder_url(repo, "notebooks/02_x.ipynb")
        == "https://mybinder.org/v2/gh/someone/cnnviz/dev?urlpath=lab%2Ftree%2Fnotebooks%2F02_x.ipynb"
    )


def test_check_reports_out_of_date_files_and_write_is_idempotent(repo, capsys):
    assert launch.main(["--root", str(repo)]) == 1  # check mode: everything is out of date
    assert "out of date: notebooks/01_first.ipynb" in capsys.readouterr().out
    _write(repo)
    once = _files(repo)
    _write(repo)
    assert _files(repo) == once, "a second run changed files"
    assert launch.plan(repo) == {}
    assert launch.main(["--root", str(repo)]) == 0


def test_only_the_first_cells_and_slide_metadata_change_never_an_output(repo):
    before = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4)
    _write(repo)
    after = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4)
    assert len(after.cells) == len(before.cells)
    for i, (old, new) in enumerate(zip(before.cells, after.cells)):
        assert new.get("outputs") == old.get("outputs") and new.get("execution_count") == old.get("execution_count")
        assert {k: v for k, v in new.metadata.items() if k != "slideshow"} == old.metadata
        if i not in (0, 2):  # the title cell (badges) and the first code cell (setup lines)
            assert new.source == old.source
    assert after.cells[0].source.startswith(before.cells[0].source)
    assert after.cells[2].source.endswith("\n" + before.cells[2].source)


def test_badges_and_setup_lines_carry_the_repository_address(repo):
    _write(repo)
    nb = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4)
    badge_line = nb.cells[0].source.splitlines()[-1]
    assert badge_line.count("[![") == 2
    assert "colab.research.google.com/github/someone/cnnviz/blob/dev/notebooks/01_first.ipynb" in badge_line
    assert "mybinder.org/v2/gh/someone/cnnviz/dev?urlpath=lab%2Ftree%2Fnotebooks%2F01_first.ipynb" in badge_line
    setup = nb.cells[2].source
    assert setup.startswith(launch.SETUP_START) and f"git+{ADDRESS}@dev" in setup
    # The README gets one block of badges, right after its title, and keeps the rest as it was.
    readme = (repo / "README.md").read_text()
    assert readme.startswith("# cnnviz: a title\n\n" + launch.README_START)
    assert readme.count(launch.README_START) == 1 and readme.endswith("## A section\n\nMore text.\n")
    assert "notebooks%2F00_index.ipynb" in readme


def test_a_new_address_replaces_the_old_one_everywhere(repo):
    _write(repo)
    (repo / "pyproject.toml").write_text(PYPROJECT.replace("someone/cnnviz/tree/dev", "school/cnn-course"))
    _write(repo)
    text = (repo / "README.md").read_text() + (repo / "notebooks" / "01_first.ipynb").read_text()
    assert "someone" not in text and "school/cnn-course" in text
    nb = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4)
    assert nb.cells[2].source.count(launch.SETUP_START) == 1 and nb.cells[0].source.count("[![Open in Colab]") == 1


def _setup_code(repo):
    """Return the setup block written into a lesson, as the Python IPython runs (magics transformed)."""
    _write(repo)
    source = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4).cells[2].source
    lines = source.split("\n")
    last = next(i for i, line in enumerate(lines) if line.startswith(launch.SETUP_LAST))
    assert "\n".join(lines[last + 1 :]) == "%matplotlib inline\nfrom cnnviz import ops"  # the lesson's lines follow
    return TransformerManager().transform_cell("\n".join(lines[: last + 1]) + "\n")


class _Shell:
    """Stands in for IPython's get_ipython(): records the line magics the block runs."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line):
        self.magics.append((name, line))


def test_setup_block_is_three_lines_under_a_colab_only_label(repo):
    _write(repo)
    source = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4).cells[2].source
    block = source.split("\n")[:3]
    assert block[0] == launch.SETUP_START and block[0].startswith("# Colab only")
    assert block[1:] == ["try: import cnnviz", "except ImportError:"]
    assert source.split("\n")[3].startswith("    %pip install -q --no-deps ")


def test_setup_lines_print_nothing_and_install_nothing_when_cnnviz_is_installed(repo):
    code, shell = _setup_code(repo), _Shell()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        exec(compile(code, "setup", "exec"), {"get_ipython": lambda: shell})
    assert out.getvalue() == "" and shell.magics == []


def test_setup_lines_install_cnnviz_and_what_colab_lacks_when_cnnviz_is_missing(repo, monkeypatch):
    code, shell = _setup_code(repo), _Shell()
    monkeypatch.setitem(sys.modules, "cnnviz", None)  # `import cnnviz` now raises ImportError
    exec(compile(code, "setup", "exec"), {"get_ipython": lambda: shell})
    ((name, line),) = shell.magics
    words = shlex.split(line)
    assert name == "pip" and words[:4] == ["install", "-q", "--no-deps", f"cnnviz @ git+{ADDRESS}@dev"]
    # --no-deps keeps Colab's own NumPy/TF/Jupyter; what Colab lacks is named explicitly
    assert words[4:] == launch.COLAB_MISSING
    assert any(p.startswith("ipycanvas") for p in launch.COLAB_MISSING)


def test_an_older_setup_block_is_replaced_not_kept(repo):
    path = repo / "notebooks" / "01_first.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = f"{launch.OLD_SETUP_START}\nimport subprocess\n{launch.OLD_SETUP_END}\n" + nb.cells[2].source
    nbformat.write(nb, path)
    _write(repo)
    source = nbformat.read(path, as_version=4).cells[2].source
    assert launch.OLD_SETUP_START not in source and "subprocess" not in source
    assert source.count(launch.SETUP_START) == 1 and source.endswith("\n%matplotlib inline\nfrom cnnviz import ops")


def test_write_with_file_names_touches_only_those_files(repo, monkeypatch, capsys):
    before = _files(repo)
    monkeypatch.chdir(repo)
    assert launch.main(["--root", str(repo), "--write", "notebooks/05_later.ipynb"]) == 0
    changed = {p for p, data in _files(repo).items() if before[p] != data}
    assert changed == {repo / "notebooks" / "05_later.ipynb"}
    assert "updated notebooks/05_later.ipynb" in capsys.readouterr().out
    # checking a named file that is now up to date passes; the others are still out of date
    assert launch.main(["--root", str(repo), "notebooks/05_later.ipynb"]) == 0
    assert launch.main(["--root", str(repo), "notebooks/01_first.ipynb"]) == 1
    # without names, everything is written
    _write(repo)
    assert launch.plan(repo) == {}


def test_a_file_outside_the_suite_is_refused_by_name(repo, capsys):
    assert launch.main(["--root", str(repo), "--write", str(repo / "notebooks" / "99_missing.ipynb")]) == 2
    err = capsys.readouterr().err
    assert "99_missing.ipynb" in err and "not a notebook of the suite" in err
    with pytest.raises(ValueError, match="pyproject.toml"):
        launch.plan(repo, only=[repo / "pyproject.toml"])


def test_slides_only_in_notebooks_01_to_04_headings_start_slides(repo):
    _write(repo)
    first = nbformat.read(repo / "notebooks" / "01_first.ipynb", as_version=4)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in first.cells]
    # title, setup sentence, setup code, heading, code, sentence, code, ### heading, text, widget (RISE shows text)
    assert kinds == ["slide", "skip", "skip", "slide", "fragment", "subslide", "fragment", "subslide", "-", "skip"]
    later = nbformat.read(repo / "notebooks" / "05_later.ipynb", as_version=4)
    assert not any("slideshow" in c.metadata for c in later.cells)


def test_index_table_is_built_from_each_notebooks_title_cell(repo):
    _write(repo)
    index = nbformat.read(repo / "notebooks" / "00_index.ipynb", as_version=4)
    table = next(c.source for c in index.cells if c.metadata.get("cnnviz") == launch.INDEX_TABLE_KEY)
    assert table.splitlines() == [
        "| notebook | what it teaches |",
        "| --- | --- |",
        "| [01 · First lesson](01_first.ipynb) | What this notebook teaches, in one line. |",
        "| [05 · Later lesson](05_later.ipynb) | What this notebook teaches, in one line. |",
    ]
    assert not any(c.cell_type == "code" for c in index.cells)


def test_the_repository_readme_and_notebooks_are_up_to_date():
    stale = sorted(str(p.relative_to(ROOT)) for p in launch.plan(ROOT))
    assert not stale, f"launch links, Colab setup lines or slides are out of date in {stale}: run `make links`"


def test_cnnviz_turns_on_colabs_custom_widget_manager_only_on_colab(monkeypatch):
    from cnnviz import config

    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert config.enable_colab_widgets() is False  # not on Colab: nothing happens
    calls = []
    colab, output = types.ModuleType("google.colab"), types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: calls.append("on")
    colab.output = output
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    assert config.enable_colab_widgets() is True and calls == ["on"]
