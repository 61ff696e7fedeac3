"""The networks notebooks 05 and 06 define in their own cells and the copies in cnnviz.models are the same code.

As nbdev keeps notebooks and library in sync: the lesson is the notebook's cell; 07, the tests and bench/
use the package's copy, so a change to one that is not made to the other fails here. The two
definitions are compared as syntax trees (docstring included; comments and blank lines are not code).
"""

import ast
import inspect
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from cnnviz import models

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
COPIES = [
    ("05_cats_vs_dogs.ipynb", "ali2019_cnn"),
    ("06_cifar10.ipynb", "anonymous_cnn"),
    ("06_cifar10.ipynb", "cifar10_net"),
]


def _definitions(notebook, name):
    """Return the top-level ``def name`` nodes of the notebook's code cells (IPython magics turned into Python)."""
    found = []
    for index, cell in enumerate(nbformat.read(NOTEBOOKS / notebook, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(TransformerManager().transform_cell(cell.source), filename=f"{notebook} cell {index}")
        found += [(index, node) for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name]
    return found


def _package_definition(name):
    tree = ast.parse(inspect.getsource(getattr(models, name)))
    (node,) = tree.body
    return node


@pytest.mark.parametrize(("notebook", "name"), COPIES)
def test_the_notebook_defines_the_function_the_package_copies(notebook, name):
    found = _definitions(notebook, name)
    assert found, (
        f"notebooks/{notebook} defines no function {name}() in a code cell, but cnnviz.models.{name} "
        "says it is a copy of one: define it in the notebook (the lesson) or remove the copy"
    )
    assert len(found) == 1, f"notebooks/{notebook} defines {name}() in cells {[i for i, _ in found]}: keep one"
    index, node = found[0]
    ours, theirs = ast.dump(node, indent=1), ast.dump(_package_definition(name), indent=1)
    assert ours == theirs, (
        f"notebooks/{notebook} cell {index} and cnnviz/models.py define {name}() differently; "
        f"copy the notebook's version into the package (or back):\n"
        f"--- notebook\n{ast.unparse(node)}\n--- package\n{ast.unparse(_package_definition(name))}"
    )


def test_the_comparison_sees_a_changed_layer():
    """The check is not blind: one changed number in a copy makes the trees differ; a comment does not."""
    source = inspect.getsource(models.anonymous_cnn)
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(source.replace("# the article's", "# a comment:")))
    changed = source.replace("layers.Dense(500", "layers.Dense(501")
    assert changed != source and ast.dump(ast.parse(changed)) != ast.dump(ast.parse(source))
    docstring = source.replace("528,054 parameters", "528,055 parameters")
    assert docstring != source and ast.dump(ast.parse(docstring)) != ast.dump(ast.parse(source))
