"""Run a course notebook in quick mode in a fresh cache, as a student's first run would, for the tests that read it."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_quick(name, folder, env, core_only=False, extra=None, data_dir=None):
    """Execute notebook ``name`` in quick mode, offline, with an empty cache under ``folder``, on the generated data.

    CNNVIZ_DATA_DIR is removed, so the notebook finds no copy and uses the loaders' generated stand-in
    data, with or without ../shared: the tests that read a run check learning on images a network is known
    to learn within seconds. nbval runs the same notebooks in quick mode on the real data when it is there.

    Args:
        name: the notebook's file name in notebooks/.
        folder: a temporary folder: the kernel's working folder, with the cache inside it.
        env: a pytest ``MonkeyPatch`` (or its context) that sets the environment for the run.
        core_only: run only the cells not tagged ``optional``.
        extra: source of one more code cell run at the end (e.g. one that prints variables).
        data_dir: CNNVIZ_DATA_DIR for this run instead (e.g. a data bundle), or None for the generated data.

    Returns:
        (the executed notebook, the error outputs of its code cells).
    """
    if data_dir is None:
        env.delenv("CNNVIZ_DATA_DIR", raising=False)
    else:
        env.setenv("CNNVIZ_DATA_DIR", str(data_dir))
    for key, value in {
        "CNNVIZ_MODE": "quick",
        "CNNVIZ_OFFLINE": "1",
        "CNNVIZ_CACHE_DIR": str(Path(folder) / "cache"),
        "MPLBACKEND": "agg",
    }.items():
        env.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if core_only:
        nb.cells = [c for c in nb.cells if "optional" not in c.metadata.get("tags", [])]
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    return nb, errors
