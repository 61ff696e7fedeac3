"""The settings the notebooks read from the environment, in one place, and TensorFlow's quiet import;
imports Keras only inside keras_quietly().

CNNVIZ_MODE      quick (slow machines and CI: minutes per notebook on a small subset of the real
                 data; generated stand-in data only offline with no copy),
                 class (default: fits a class period on a 2-core laptop),
                 full (best results, longer).
CNNVIZ_DATA_DIR  a folder holding local copies of the datasets.
CNNVIZ_OFFLINE   1 = never download; use local copies or generated offline data.
CNNVIZ_PROJECTOR 1 = figures' and widgets' text at least 14 px high as shown (cnnviz.style).
"""

import os
import sys
import warnings
from pathlib import Path

MODES = ("quick", "class", "full")


def mode():
    """Return the run mode named by CNNVIZ_MODE, read each time it is called.

    Returns:
        ``"quick"``, ``"class"`` (the default, also when the variable is empty) or ``"full"``.

    Raises:
        ValueError: CNNVIZ_MODE names no mode; the message lists the three.
    """
    value = os.environ.get("CNNVIZ_MODE", "class").strip().lower() or "class"
    if value not in MODES:
        raise ValueError(f"CNNVIZ_MODE={value!r} is not a mode; use one of {', '.join(MODES)}")
    return value


def pick(quick, class_, full):
    """Return the value that belongs to the current mode, e.g. ``epochs = config.pick(1, 5, 20)``.

    Args:
        quick: the value for ``CNNVIZ_MODE=quick``.
        class_: the value for ``class`` (the default mode).
        full: the value for ``full``.

    Returns:
        One of the three arguments.

    Raises:
        ValueError: as :func:`mode`.
    """
    return {"quick": quick, "class": class_, "full": full}[mode()]


def data_dir():
    """Return the folder of local dataset copies.

    Returns:
        A ``Path`` from CNNVIZ_DATA_DIR (``~`` expanded), or None when it is unset or empty.
    """
    value = os.environ.get("CNNVIZ_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def offline():
    """Return whether CNNVIZ_OFFLINE asks never to download.

    Returns:
        True for ``1``, ``true``, ``yes`` or ``on`` (any case), else False.
    """
    return os.environ.get("CNNVIZ_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def projector():
    """Return whether CNNVIZ_PROJECTOR asks for text large enough to read on a projector (``cnnviz.style``).

    Returns:
        True for ``1``, ``true``, ``yes`` or ``on`` (any case), else False.
    """
    return os.environ.get("CNNVIZ_PROJECTOR", "").strip().lower() in ("1", "true", "yes", "on")


def cache_dir():
    """Return the folder where decoded datasets and trained models are cached.

    Returns:
        A ``Path`` from CNNVIZ_CACHE_DIR (``~`` expanded), else ``~/.cache/cnnviz``.
    """
    value = os.environ.get("CNNVIZ_CACHE_DIR", "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "cnnviz"


def keras_quietly():
    """Import TensorFlow with its C++ start-up lines silenced, then return the ``keras`` module.

    TensorFlow writes its start-up log (``oneDNN custom operations are on``, absl's
    ``WARNING: All log messages before absl::InitializeLog()``) straight to file descriptor 2
    while it is imported, where no environment variable reaches it, and a notebook shows every
    line to the student. The descriptor points at /dev/null for the import only: a real error
    raised by the import still reaches the user as a Python exception.

    Returns:
        The ``keras`` module.

    Raises:
        ModuleNotFoundError: TensorFlow is not installed; the message says which extra installs it.
    """
    quiet_tensorflow()
    if "tensorflow" not in sys.modules:
        sys.stderr.flush()
        saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        try:
            import tensorflow  # noqa: F401
        except ModuleNotFoundError as err:
            raise ModuleNotFoundError(
                "Keras needs TensorFlow, which is not installed: pip install 'cnnviz[cpu]' "
                "(or 'cnnviz[gpu]' for an NVIDIA GPU); `make lab` installs it for you"
            ) from err
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # no "WARNING:tensorflow: ... triggered tf.function retracing" in a lesson
    # fit() on a tf.data.Dataset that shuffles itself warns that its own shuffle=True is ignored
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed", category=UserWarning)
    return keras


def enable_colab_widgets():
    """On Google Colab, turn on the widget manager that custom widgets (ipycanvas) need.

    Colab renders only its built-in ipywidgets until ``google.colab.output.enable_custom_widget_manager()``
    runs in the kernel, and a runtime restart forgets it; so every ``import cnnviz`` calls this.

    Returns:
        True when it ran on Colab, False elsewhere (where it does nothing).
    """
    if "google.colab" not in sys.modules:
        return False
    try:
        from google.colab import output  # optional: exists on Colab only
    except ImportError:
        return False
    output.enable_custom_widget_manager()
    return True


def quiet_tensorflow():
    """Set TensorFlow's log level and CPU speed-ups; takes effect only before TensorFlow is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # runtime C++ notices (e.g. "oneDNN supports DT_INT64 only...")
    # oneDNN roughly doubles CPU training speed on AMD and many laptop CPUs, where
    # TensorFlow leaves it off by default (shared/docs/cpu-performance.md).
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    # Each convolution splits its work into equal shares, one per intra-op thread, and waits for the
    # slowest: with one thread per core, any other busy thread (Keras' Python loop, Jupyter, another
    # job) stalls every operation, and on 2 cores speed flips between full and half from one fit to
    # the next. One core is left free (measured: bench/README.md, "Steady speed"; bench/cifar10_steady.py).
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(intra_op_threads()))


def intra_op_threads():
    """Return the intra-op threads cnnviz gives TensorFlow: one fewer than the usable CPUs (at least 1)."""
    try:
        cpus = len(os.sched_getaffinity(0))  # Linux: respects taskset and container limits
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, cpus - 1)


enable_colab_widgets()  # at import (cnnviz/__init__ imports this module): survives a runtime restart
