"""Read every setting the notebooks use from the environment, in one place.

CNNVIZ_MODE      quick (CI: seconds per notebook, offline data allowed),
                 class (default: fits a class period on a 2-core laptop),
                 full (best results, longer).
CNNVIZ_DATA_DIR  a folder holding local copies of the datasets.
CNNVIZ_OFFLINE   1 = never download; use local copies or generated offline data.
"""
import os
import sys
from pathlib import Path

MODES = ("quick", "class", "full")


def mode():
    """Return the run mode named by CNNVIZ_MODE (default ``class``)."""
    value = os.environ.get("CNNVIZ_MODE", "class").strip().lower() or "class"
    if value not in MODES:
        raise ValueError(f"CNNVIZ_MODE={value!r} is not a mode; use one of {', '.join(MODES)}")
    return value


def pick(quick, class_, full):
    """Return the value that belongs to the current mode."""
    return {"quick": quick, "class": class_, "full": full}[mode()]


def data_dir():
    """Return the folder named by CNNVIZ_DATA_DIR, or None."""
    value = os.environ.get("CNNVIZ_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def offline():
    """Return True when CNNVIZ_OFFLINE asks never to download."""
    return os.environ.get("CNNVIZ_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def cache_dir():
    """Return the folder where decoded datasets are cached (CNNVIZ_CACHE_DIR or ~/.cache/cnnviz)."""
    value = os.environ.get("CNNVIZ_CACHE_DIR", "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "cnnviz"


def keras_quietly():
    """Import TensorFlow with its C++ start-up lines silenced, then return the ``keras`` module.

    TensorFlow writes its start-up log (``oneDNN custom operations are on``, absl's
    ``WARNING: All log messages before absl::InitializeLog()``) straight to file descriptor 2
    while it is imported, where no environment variable reaches it, and a notebook shows every
    line to the student. The descriptor points at /dev/null for the import only: a real error
    raised by the import still reaches the user as a Python exception.
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
                "(or 'cnnviz[gpu]' for an NVIDIA GPU); `make lab` installs it for you") from err
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)
    import keras
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
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # oneDNN roughly doubles CPU training speed on AMD and many laptop CPUs, where
    # TensorFlow leaves it off by default (shared/docs/cpu-performance.md).
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


enable_colab_widgets()  # at import (cnnviz/__init__ imports this module): survives a runtime restart
