"""Save and reload the models the notebooks train, where a later notebook finds them (05 and 06 save, 07 loads).

Keras module. Models go to ``<CNNVIZ_CACHE_DIR>/models/<name>.keras``; the course's own layers
(``models.RandomShift``) are registered with Keras when ``cnnviz.models`` is imported, which this
module does, so ``load`` reads every model the course saves.
"""

import os

from cnnviz import config, data, models  # noqa: F401  (models registers the course's layers with Keras)

keras = config.keras_quietly()
SAVED_BY = {"cats_vs_dogs": "05", "cats_vs_dogs_ali": "05", "cifar10": "06"}  # the notebook that saves each model


def saved_model_path(name):
    """Return where a notebook saves its trained model ``name``.

    Args:
        name: e.g. ``"cats_vs_dogs"`` or ``"cifar10"``.

    Returns:
        ``<CNNVIZ_CACHE_DIR>/models/<name>.keras`` (a ``Path``; the file may not exist).
    """
    return config.cache_dir() / "models" / f"{name}.keras"


def save_model(model, name):
    """Save ``model`` where notebook 07 finds it; a quick-mode run never replaces a saved model.

    Quick runs (tests, CI) last seconds: a model saved earlier may come from a class or full run,
    which is worth far more to notebook 07.

    Args:
        model: the trained Keras model.
        name: its name, e.g. ``"cifar10"``.

    Returns:
        A sentence saying what was done and where.
    """
    path = saved_model_path(name)
    if config.mode() == "quick" and path.exists():
        return f"kept the model already saved at {path} (a quick run never replaces one)"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}-{os.getpid()}.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)  # only a whole file gets the model's name: a full disk leaves the old one
    except OSError as err:
        tmp.unlink(missing_ok=True)
        data.raise_if_disk_full(err, path)
        raise
    return f"saved the {config.mode()}-mode model to {path}"


def find_saved(name):
    """Return the file of the model ``name`` that ``load_saved`` reads, or None when there is none.

    Args:
        name: e.g. ``"cifar10"``.

    Returns:
        ``saved_model_path(name)`` when that file exists, else ``<CNNVIZ_DATA_DIR>/models/<name>.keras``
        (a data bundle, ``python -m cnnviz.data bundle``) when that exists, else None.
    """
    places = [saved_model_path(name)]
    if config.data_dir() is not None:
        places.append(config.data_dir() / "models" / f"{name}.keras")
    return next((path for path in places if path.is_file()), None)


def load_saved(name):
    """Return the model a notebook saved as ``name`` (or a data bundle holds), or None when there is none yet.

    Args:
        name: e.g. ``"cats_vs_dogs"``.

    Returns:
        A Keras model, or None. A file Keras cannot read (saved by an older version of the course, by
        another course, or cut short) counts as missing: a banner says what happened, and a file in the
        cache is kept beside, renamed ``<name>.unreadable.keras``, so the next save is not blocked.
    """
    path = find_saved(name)
    if path is None:
        return None
    try:
        return keras.models.load_model(path)
    except Exception as err:  # an old, foreign or truncated file: treat it as missing, say so
        kept = path
        if path == saved_model_path(name):  # never rename inside a data bundle (it may be read-only)
            aside = path.with_name(f"{name}.unreadable.keras")
            try:
                os.replace(path, aside)
                kept = aside
            except OSError:  # a read-only cache (a shared hub folder): leave the file where it is
                pass
        notebook = f"notebook {SAVED_BY[name]}" if name in SAVED_BY else "the notebook that saves it"
        line = "=" * 78
        print(
            f"{line}\nNOTE: the saved model {path.name} cannot be read by this version of the course "
            f"({err.__class__.__name__}: {str(err)[:200]}).\nIt may come from an older version of the course, "
            f"from another course, or be cut short. It is treated as missing: this notebook carries on "
            f"without it\n(the next banner says what it does instead). The file is kept, as {kept}; run "
            f"{notebook} again to save a new one.\n{line}"
        )
        return None
