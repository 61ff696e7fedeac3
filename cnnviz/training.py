"""Train with Keras safely: a wall-time budget (optionally one learning-rate cycle over it), progress
lines, a best-model checkpoint that survives a restart, run folders, and copies of notebook 08's optimizer
with faster BatchNorm offsets and its alternating-flips switch (``tests/test_notebook_sync.py``).

Keras module (TensorFlow is imported through ``config.keras_quietly``). The notebooks call
``model.compile`` and ``model.fit`` themselves and pass these callbacks by name; predictions
live in ``cnnviz.prediction``, NumPy metrics in ``cnnviz.metrics``.
"""

import json
import shutil
import time
from pathlib import Path

import numpy as np

from cnnviz import arguments, config

keras = config.keras_quietly()
import tensorflow as tf  # noqa: E402  (after the quiet import)


class TimeBudget(keras.callbacks.Callback):
    """Stop training when a wall-time budget is spent; with ``peak_lr``, run one learning-rate cycle over it.

    Without ``peak_lr`` training stops at the end of an epoch when the next one (estimated as the
    mean of the epochs so far) would pass the budget. With ``peak_lr`` the learning rate follows the
    clock: it climbs linearly from ``start * peak_lr`` to ``peak_lr`` over the first ``warmup`` share
    of the budget, then falls linearly to 0 at its end (with ``cycle=False`` it stays at ``peak_lr``
    throughout, the constant-rate baseline of an ablation), and training stops, mid-epoch if need be,
    when the budget is spent. The time each epoch's end takes (validation, checkpoints) is measured
    and kept in reserve, so the whole fit stays within the budget.

    Args:
        budget_s: seconds of training allowed (None: no limit; the callback then only times).
        peak_lr: the highest learning rate of the cycle, or None for no schedule.
        warmup: share of the budget spent climbing to ``peak_lr`` (0 < warmup < 1).
        start: the first learning rate as a share of ``peak_lr``.
        cycle: False keeps the learning rate at ``peak_lr`` (no warm-up, no fall) while still
            stopping mid-epoch when the budget is spent.
        state: a file that keeps the seconds spent across an interrupted and resumed fit.
        clock: a function returning seconds (tests pass a fake one).

    Attributes:
        seconds: training seconds so far; ``epoch_seconds``: one entry per finished epoch;
        ``steps``: batches trained; ``epoch_steps``: batches trained in each finished epoch (the
        last one is short when the budget stopped it mid-epoch); ``stopped``: True when the budget ended the fit;
        ``history``: (seconds, learning rate) at each step of a cycle.

    Raises:
        ValueError: for a budget that is not a positive number, or a warmup outside (0, 1).
    """

    def __init__(
        self, budget_s=None, peak_lr=None, warmup=0.2, start=0.1, state=None, clock=time.perf_counter, cycle=True
    ):
        super().__init__()
        if budget_s is not None and (isinstance(budget_s, bool) or not budget_s > 0):
            raise ValueError(f"budget_s must be a positive number of seconds or None; got {budget_s!r}")
        if peak_lr is not None and budget_s is None:
            raise ValueError("a learning-rate cycle (peak_lr) needs a budget_s to spread over")
        if not 0 < warmup < 1:
            raise ValueError(f"warmup is the share of the budget spent warming up, between 0 and 1; got {warmup!r}")
        self.budget_s, self.peak_lr, self.warmup, self.start, self.cycle = budget_s, peak_lr, warmup, start, cycle
        self.state, self.clock = (Path(state) if state else None), clock
        self.seconds, self.epoch_seconds, self.steps, self.stopped = 0.0, [], 0, False
        self.epoch_steps, self._steps_at_epoch_start = [], 0
        self.history, self.reserve = [], 0.0

    def rate(self, fraction):
        """Return the cycle's learning rate after ``fraction`` (0..1, a number or an array) of the budget."""
        f = np.clip(np.asarray(fraction, dtype=float), 0, 1)
        if not self.cycle:
            return self.peak_lr * np.ones_like(f)
        up = self.start + (1 - self.start) * f / self.warmup
        return self.peak_lr * np.where(f < self.warmup, up, (1 - f) / (1 - self.warmup))

    def spent(self):
        """Return the seconds of the budget spent so far (including before a resume)."""
        return self._before + self.clock() - self._t0

    def _fraction(self):
        return self.spent() / max(self.budget_s - self.reserve, 1e-9)

    def on_train_begin(self, logs=None):
        self._before = json.loads(self.state.read_text())["spent"] if self.state and self.state.exists() else 0.0
        self._t0 = self._last_step = self.clock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._steps_at_epoch_start = self.clock(), self.steps

    def on_train_batch_begin(self, batch, logs=None):
        if self.peak_lr is not None:
            rate = float(self.rate(self._fraction()))
            self.model.optimizer.learning_rate = rate
            self.history.append((self.spent(), rate))

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self._last_step = self.clock()
        if self.peak_lr is not None and self._fraction() >= 1:
            self.stopped = self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        now = self.clock()
        self.epoch_seconds.append(now - self._epoch_start)
        self.epoch_steps.append(self.steps - self._steps_at_epoch_start)
        self.seconds = self.spent()
        if self.peak_lr is not None:
            # runs after validation and checkpointing (callbacks earlier in the list): keep that much in reserve
            self.reserve = min(max(self.reserve, now - self._last_step), self.budget_s / 2)
        elif self.budget_s is not None and self.seconds + np.mean(self.epoch_seconds) > self.budget_s:
            self.stopped = self.model.stop_training = True
        if self.state:
            self.state.write_text(json.dumps({"spent": self.seconds}))

    def on_train_end(self, logs=None):
        self.seconds = self.spent()
        if self.state and (self.stopped or self.peak_lr is None):
            self.state.unlink(missing_ok=True)  # finished: a new fit starts a new budget


class Progress(keras.callbacks.Callback):
    """Print a short line every ``every_s`` seconds inside long epochs; ``fit(verbose=2)`` prints only at their ends.

    Args:
        every_s: seconds between two lines.
        clock: a function returning seconds (tests pass a fake one).
    """

    def __init__(self, every_s=15, clock=time.perf_counter):
        super().__init__()
        if not every_s > 0:
            raise ValueError(f"every_s must be a positive number of seconds; got {every_s!r}")
        self.every_s, self.clock, self.lines = every_s, clock, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._start = epoch, self.clock()
        self._last = self._start

    def on_train_batch_end(self, batch, logs=None):
        now = self.clock()
        if now - self._last >= self.every_s:
            self._last, logs = now, logs or {}
            steps = self.params.get("steps") if self.params else None
            shown = ", ".join(f"{k} {float(v):.3f}" for k, v in logs.items() if k in ("loss", "accuracy"))
            print(
                f"  epoch {self._epoch + 1}: step {batch + 1}/{steps or '?'}, {now - self._start:.0f} s, {shown}",
                flush=True,
            )
            self.lines += 1


class BestCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keep the model of the best epoch in a ``.keras`` file, also across an interrupted and resumed fit.

    Keras' ``ModelCheckpoint(save_best_only=True)`` starts each fit with no best value, so after
    ``BackupAndRestore`` resumes a run its first epoch would overwrite a better model. This one
    writes the best value beside the file (``<path>.json``) and, when the file is there, passes it
    back to Keras as ``initial_value_threshold``.

    Args:
        path: the ``.keras`` file to write.
        monitor: the quantity to watch, ``"val_accuracy"`` (higher is better) or ``"val_loss"``.

    Attributes:
        best_epoch: the epoch (0-based) whose model is in the file, or None.
    """

    def __init__(self, path, monitor="val_accuracy"):
        self.record = Path(f"{path}.json")
        saved = json.loads(self.record.read_text()) if self.record.exists() and Path(path).exists() else {}
        if saved.get("monitor") != monitor:
            saved = {}
        super().__init__(str(path), monitor=monitor, save_best_only=True, initial_value_threshold=saved.get("best"))
        self.best_epoch = saved.get("epoch")

    def on_epoch_end(self, epoch, logs=None):
        before = self.best
        super().on_epoch_end(epoch, logs)
        if self.best is not None and self.best != before and np.isfinite(self.best):  # Keras saved a new best
            self.best_epoch = epoch
            self.record.write_text(json.dumps({"monitor": self.monitor, "best": float(self.best), "epoch": epoch}))


def run_folder(name):
    """Return the folder for one training run's checkpoints, emptied unless an interrupted run left a backup.

    Args:
        name: a name for the run, e.g. ``"05_ali_64px"``; the folder is
            ``<CNNVIZ_CACHE_DIR>/runs/<name>``.

    Returns:
        A ``Path``. When it holds a ``backup/`` subfolder (left by ``BackupAndRestore`` when a fit
        was interrupted), everything is kept, so the next fit resumes.
    """
    folder = config.cache_dir() / "runs" / name
    if folder.exists() and not (folder / "backup").exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def batches(x, y, batch_size, seed=0):
    """Return a tf.data pipeline of shuffled batches of ``(x, y)`` for ``model.fit``, with autotuning off.

    ``model.fit(x, y, batch_size=...)`` builds the same pipeline itself, autotuned; on a 2-core machine the
    autotuning thread sometimes holds up the start of an epoch by about 10 s while the previous epoch's iterator
    is destroyed (measured: bench/README.md), which on a race of 45 s costs a quarter of the training. This one
    does not wait.

    Args:
        x: the images, an array of shape (n, ...).
        y: their labels, n of them (one-hot or class numbers).
        batch_size: images per step, a whole number >= 1.
        seed: the shuffle's seed (a new order every epoch, the same orders every run).

    Returns:
        A ``tf.data.Dataset`` of ``(images, labels)`` batches, reshuffled at each epoch.

    Raises:
        ValueError: if ``x`` and ``y`` hold different numbers of items, or ``batch_size`` is not a whole number >= 1.
    """
    batch_size = arguments.whole_number(batch_size, "batch_size", minimum=1)
    if len(x) != len(y):
        raise ValueError(f"x holds {len(x)} images but y {len(y)} labels: give one label per image")
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(batch_size).prefetch(2)
    return dataset.with_options(options)


# --------------------------------------------- notebook 08's fast-training ideas (copies of its cells)


class ScaledBiasSGD(keras.optimizers.SGD):
    """SGD (as ``keras.optimizers.SGD``) whose BatchNorm offsets (variables named ``beta``) learn faster.

    A Keras optimizer has one learning rate for all weights; multiplying the offsets' gradients by
    ``bias_scale`` before each update does the same as multiplying their learning rate (SGD and momentum
    are linear in the gradient), and leaves the decoupled weight decay as it was.

    Args:
        bias_scale: how many times faster the offsets learn (1: plain SGD).
        *args, **kwargs: as ``keras.optimizers.SGD``.
    """

    def __init__(self, *args, bias_scale=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.bias_scale = bias_scale

    def apply(self, grads, trainable_variables=None):
        variables = trainable_variables if trainable_variables is not None else self._trainable_variables
        if self.bias_scale != 1:
            grads = [g * self.bias_scale if v.name == "beta" else g for g, v in zip(grads, variables)]
        return super().apply(grads, trainable_variables)


class AlternateFlips(keras.callbacks.Callback):
    """Switch the model's ``EpochFlip`` layer (named ``flip``) on in odd epochs and off in even ones."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model.get_layer("flip").flipped.assign(float(epoch % 2))
