"""The networks notebooks 05 and 06 define in their own cells, and notebook 08's fast-training ideas, are the same
code as their copies in cnnviz (models, training, prediction).

As nbdev keeps notebooks and library in sync: the lesson is the notebook's cell; 07, the tests and bench/
use the package's copy, so a change to one that is not made to the other fails here. The two
definitions (functions and classes) are compared as syntax trees (docstring included; comments and blank
lines are not code).
"""

import ast
import importlib
import inspect
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
COPIES = [  # (notebook, the cnnviz module holding the copy, the function or class)
    ("05_cats_vs_dogs.ipynb", "models", "ali2019_cnn"),
    ("06_cifar10.ipynb", "models", "anonymous_cnn"),
    ("06_cifar10.ipynb", "models", "cifar10_net"),
    ("08_fast_training.ipynb", "models", "identity_init"),
    ("08_fast_training.ipynb", "models", "EpochFlip"),
    ("08_fast_training.ipynb", "models", "with_epoch_flip"),
    ("08_fast_training.ipynb", "training", "ScaledBiasSGD"),
    ("08_fast_training.ipynb", "training", "AlternateFlips"),
    ("08_fast_training.ipynb", "prediction", "multi_crop"),
]
DEFINITIONS = (ast.FunctionDef, ast.ClassDef)


def _definitions(notebook, name):
    """Return the top-level ``def name`` and ``class name`` nodes of the notebook's code cells (magics turned into
    Python)."""
    found = []
    for index, cell in enumerate(nbformat.read(NOTEBOOKS / notebook, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(TransformerManager().transform_cell(cell.source), filename=f"{notebook} cell {index}")
        found += [(index, node) for node in tree.body if isinstance(node, DEFINITIONS) and node.name == name]
    return found


def _package_definition(module, name):
    tree = ast.parse(inspect.getsource(getattr(importlib.import_module(f"cnnviz.{module}"), name)))
    (node,) = tree.body
    return node


@pytest.mark.parametrize(("notebook", "module", "name"), COPIES)
def test_the_notebook_defines_the_function_the_package_copies(notebook, module, name):
    found = _definitions(notebook, name)
    assert found, (
        f"notebooks/{notebook} defines no function {name}() in a code cell, but cnnviz.{module}.{name} "
        "says it is a copy of one: define it in the notebook (the lesson) or remove the copy"
    )
    assert len(found) == 1, f"notebooks/{notebook} defines {name}() in cells {[i for i, _ in found]}: keep one"
    index, node = found[0]
    ours, theirs = ast.dump(node, indent=1), ast.dump(_package_definition(module, name), indent=1)
    assert ours == theirs, (
        f"notebooks/{notebook} cell {index} and cnnviz/{module}.py define {name}() differently; "
        f"copy the notebook's version into the package (or back):\n"
        f"--- notebook\n{ast.unparse(node)}\n--- package\n{ast.unparse(_package_definition(module, name))}"
    )


def test_the_comparison_sees_a_changed_layer():
    """The check is not blind: one changed number in a copy makes the trees differ; a comment does not."""
    source = inspect.getsource(importlib.import_module("cnnviz.models").anonymous_cnn)
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(source.replace("# the article's", "# a comment:")))
    changed = source.replace("layers.Dense(500", "layers.Dense(501")
    assert changed != source and ast.dump(ast.parse(changed)) != ast.dump(ast.parse(source))
    docstring = source.replace("528,054 parameters", "528,055 parameters")
    assert docstring != source and ast.dump(ast.parse(docstring)) != ast.dump(ast.parse(source))
