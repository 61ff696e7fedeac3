"""Train Keras models safely and judge them: checkpoints, resume, a time budget, evaluation helpers.

``fit`` keeps the best model (``best.keras``) and a backup of the last finished epoch in a
folder you name, so an interrupted fit resumes where it stopped. The evaluation helpers
(``confusion_matrix``, ``per_class_accuracy``, ``confident_mistakes``...) are pure NumPy.
"""
import io
import json
import time
from pathlib import Path

from cnnviz.config import keras_quietly

keras = keras_quietly()  # TensorFlow's C++ start-up lines never reach the notebook
import numpy as np

# ------------------------------------------------------------------- training


def compile_model(model, loss="binary_crossentropy", learning_rate=1e-3, weight_decay=1e-4,
                  decay_steps=None, jit_compile=True, metrics=("accuracy",)):
    """Compile ``model`` with AdamW, an optional cosine learning-rate decay over ``decay_steps``, and XLA."""
    lr = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps) if decay_steps else learning_rate
    model.compile(optimizer=keras.optimizers.AdamW(lr, weight_decay=weight_decay), loss=loss,
                  metrics=list(metrics), jit_compile=jit_compile)
    return model


class TimeBudget(keras.callbacks.Callback):
    """Time every epoch; stop when ``budget_s`` seconds are spent or the next epoch would overrun them.

    The next epoch is estimated to last as long as the mean of the epochs so far (None: no limit).
    """

    def __init__(self, budget_s=None):
        super().__init__()
        if budget_s is not None and budget_s <= 0:
            raise ValueError(f"budget_s must be a positive number of seconds or None; got {budget_s!r}")
        self.budget_s = budget_s
        self.epoch_seconds, self.seconds, self.stopped = [], 0.0, False

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.epoch_seconds.append(now - self._epoch_start)
        self.seconds = now - self._start
        if self.budget_s is not None and self.seconds + np.mean(self.epoch_seconds) > self.budget_s:
            self.stopped = self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self._start


class _RememberBest(keras.callbacks.Callback):
    """Write the best monitored value next to ``best.keras`` so a resumed fit does not overwrite a better model."""

    def __init__(self, checkpoint, path):
        super().__init__()
        self.checkpoint, self.path = checkpoint, Path(path)

    def on_epoch_end(self, epoch, logs=None):
        best = self.checkpoint.best
        if best is not None and np.isfinite(best):
            self.path.write_text(json.dumps({"monitor": self.checkpoint.monitor, "best": float(best)}))


def fit(model, train, val=None, epochs=1, folder="checkpoints/model", budget_s=None,
        monitor=None, verbose=0, callbacks=(), restore_best=True):
    """Fit ``model``, keeping the best model in ``folder/best.keras`` and resuming an interrupted fit.

    ``folder/backup`` holds the state of the last finished epoch while a fit runs: calling
    ``fit`` again with the same folder continues from there. ``budget_s`` stops training
    before the wall time would pass that many seconds. ``restore_best`` loads the best weights
    of this fit (and of the interrupted run it resumed) at the end.
    Returns the Keras History, plus ``seconds``, ``epoch_seconds`` and ``stopped_by_budget``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    monitor = monitor or ("val_accuracy" if val is not None else "accuracy")
    best_file, best_json, backup = folder / "best.keras", folder / "best.json", folder / "backup"
    # Resuming (a backup is there): keep the best so far. A new fit starts a new record.
    previous = json.loads(best_json.read_text()) if backup.exists() and best_json.exists() and best_file.exists() else {}
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(best_file), monitor=monitor, save_best_only=True,
        initial_value_threshold=previous.get("best") if previous.get("monitor") == monitor else None)
    timer, started = TimeBudget(budget_s), time.time()
    shuffle = {"shuffle": False} if hasattr(train, "element_spec") else {}  # tf.data shuffles itself
    history = model.fit(train, validation_data=val, epochs=epochs, verbose=verbose, **shuffle, callbacks=[
        keras.callbacks.BackupAndRestore(str(backup)), checkpoint,
        _RememberBest(checkpoint, best_json), timer, *callbacks])
    if restore_best and best_file.exists() and (previous or best_file.stat().st_mtime >= started):
        model.load_weights(str(best_file))  # never a stale file from an older, unrelated fit
    history.seconds, history.epoch_seconds, history.stopped_by_budget = timer.seconds, timer.epoch_seconds, timer.stopped
    return history


# ----------------------------------------------------------------- evaluation


def predict_dataset(model, dataset, keep_images=False):
    """Run ``model`` over a batched ``(images, labels)`` dataset once; return (y_true, proba[, images]).

    One pass keeps labels and predictions aligned even when the dataset reshuffles.
    ``proba`` is (N, K) class probabilities: a sigmoid output p becomes [1 - p, p].
    """
    ys, ps, xs = [], [], []
    for x, y in dataset:
        ps.append(np.asarray(model(x, training=False)))
        ys.append(np.asarray(y))
        if keep_images:
            xs.append(np.clip(np.asarray(x), 0, 255).astype(np.uint8))
    if not ys:
        raise ValueError("the dataset is empty: no batch to predict")
    y_true, proba = labels_from(np.concatenate(ys)), class_probabilities(np.concatenate(ps))
    return (y_true, proba, np.concatenate(xs)) if keep_images else (y_true, proba)


def labels_from(y):
    """Return class indices (N,) from labels given as indices, a (N, 1) column, or one-hot rows."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y)).astype(int)


def class_probabilities(proba):
    """Return (N, K) probabilities; a single sigmoid column p (N,) or (N, 1) becomes [1 - p, p]."""
    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1 or proba.shape[1] == 1:
        p = proba.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    return proba


def accuracy(y_true, y_pred):
    """Return the fraction of predictions equal to the true labels."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be non-empty and the same shape")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Count (true class, predicted class) pairs: row i, column j = images of class i predicted as j."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must have the same shape")
    n = n_classes or int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1)
    cm = np.zeros((n, n), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def per_class_accuracy(cm):
    """Return, for each true class, the fraction of its images predicted right (NaN for a class with none)."""
    cm = np.asarray(cm, dtype=float)
    totals = cm.sum(axis=1)
    return np.divide(np.diag(cm), totals, out=np.full(len(cm), np.nan), where=totals > 0)


def confident_mistakes(y_true, proba, k=8):
    """Return the indices of the ``k`` wrong predictions made with the highest confidence, most confident first."""
    y_true, proba = np.asarray(y_true), class_probabilities(proba)
    y_pred, conf = proba.argmax(axis=1), proba.max(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    return wrong[np.argsort(-conf[wrong], kind="stable")][:k]


# ------------------------------------------------------------ one photo in


MIN_SIDE = 32


def decode_photo(data, image_size, min_side=MIN_SIDE):
    """Decode image bytes (JPEG, PNG, GIF...) into a (h, w, 3) uint8 RGB array resized to ``image_size``.

    Grayscale, palette and CMYK photos are converted to RGB; transparency is laid on white.
    Raises ValueError naming the problem for bytes that are not an image or a photo too small.
    """
    from PIL import Image, UnidentifiedImageError
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise ValueError("no image data: upload a photo file (JPEG or PNG)")
    try:
        photo = Image.open(io.BytesIO(bytes(data)))
        photo.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError(f"this file is not an image Pillow can read ({err.__class__.__name__}); "
                         "upload a JPEG or PNG photo") from err
    if min(photo.size) < min_side:
        raise ValueError(f"the photo is only {photo.size[0]}x{photo.size[1]} pixels; "
                         f"use one at least {min_side}x{min_side} so there is something to see")
    if photo.mode in ("RGBA", "LA", "PA") or (photo.mode == "P" and "transparency" in photo.info):
        photo = photo.convert("RGBA")
        background = Image.new("RGBA", photo.size, (255, 255, 255, 255))
        photo = Image.alpha_composite(background, photo)
    photo = photo.convert("RGB")
    h, w = image_size
    return np.asarray(photo.resize((w, h), Image.BILINEAR), dtype=np.uint8)


def predict_photo(model, image, class_names):
    """Return (class name, probability of that class) for one (H, W, 3) ``image`` in 0-255 pixels."""
    image = np.asarray(image, dtype="float32")
    expected = tuple(model.inputs[0].shape[1:])
    if image.shape != expected:
        raise ValueError(f"image shape {image.shape} does not match the model's input {expected}")
    proba = class_probabilities(np.asarray(model(image[None], training=False)))[0]
    if len(proba) != len(class_names):
        raise ValueError(f"the model gives {len(proba)} class probabilities but {len(class_names)} class names were given")
    best = int(proba.argmax())
    return class_names[best], float(proba[best])
