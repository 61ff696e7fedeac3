"""Save and reload the models the notebooks train, where a later notebook finds them (05 and 06 save, 07 loads).

Keras module. Models go to ``<CNNVIZ_CACHE_DIR>/models/<name>.keras``; the course's own layers
(``models.RandomShift``) are registered with Keras when ``cnnviz.models`` is imported, which this
module does, so ``load`` reads every model the course saves.
"""
from cnnviz import config, models  # noqa: F401  (models registers the course's layers with Keras)

keras = config.keras_quietly()


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
    model.save(path)
    return f"saved the {config.mode()}-mode model to {path}"


def load_saved(name):
    """Return the model a notebook saved as ``name``, or None when there is none yet.

    Args:
        name: e.g. ``"cats_vs_dogs"``.

    Returns:
        A Keras model, or None.

    Raises:
        ValueError: if the file exists but Keras cannot read it (say which file, and to re-run its notebook).
    """
    path = saved_model_path(name)
    if not path.exists():
        return None
    try:
        return keras.models.load_model(path)
    except Exception as err:  # a truncated or foreign file: say what to do
        raise ValueError(f"{path} is not a model Keras can read ({err.__class__.__name__}: {err}); delete it "
                         "and run the notebook that saves it again") from err
