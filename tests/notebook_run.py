"""Run a course notebook in quick mode in a fresh cache, as a student's first run would, for the tests that read it."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_quick(name, folder, env, core_only=False, extra=None):
    """Execute notebook ``name`` in quick mode, offline, with an empty cache under ``folder``.

    Args:
        name: the notebook's file name in notebooks/.
        folder: a temporary folder: the kernel's working folder, with the cache inside it.
        env: a pytest ``MonkeyPatch`` (or its context) that sets the environment for the run.
        core_only: run only the cells not tagged ``optional``.
        extra: source of one more code cell run at the end (e.g. one that prints variables).

    Returns:
        (the executed notebook, the error outputs of its code cells).
    """
    for key, value in {"CNNVIZ_MODE": "quick", "CNNVIZ_OFFLINE": "1", "CNNVIZ_CACHE_DIR": str(Path(folder) / "cache"),
                       "MPLBACKEND": "agg"}.items():
        env.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if core_only:
        nb.cells = [c for c in nb.cells if "optional" not in c.metadata.get("tags", [])]
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    return nb, errors
