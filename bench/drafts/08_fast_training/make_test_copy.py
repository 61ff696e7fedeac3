"""Copy the draft notebook for a quick-mode test: register its exercises and read the table from /work/wip08/assets."""

import sys

import nbformat
from nbformat.v4 import new_code_cell

nb = nbformat.read("/work/wip08/08_fast_training.ipynb", as_version=4)
setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
nb.cells.insert(
    setup + 1,
    new_code_cell(
        "from pathlib import Path\n"
        "exec(Path('/work/wip08/exercises_08.py').read_text(), vars(exercises))  # test copy only\n"
        "samples.ASSETS = Path('/work/wip08/assets')  # test copy only: a tiny run's table",
        metadata={"tags": ["nbval-ignore-output"]},
    ),
)
nbformat.write(nb, sys.argv[1])
