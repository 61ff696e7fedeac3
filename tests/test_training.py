"""cnnviz.training: the time budget and its learning-rate cycle (on a fake clock), the best checkpoint across a
resumed fit (real short fits of a tiny model), and run folders. Predictions: tests/test_prediction.py."""

import json

import numpy as np
import pytest

from cnnviz import config, training

keras = config.keras_quietly()
import tensorflow as tf  # noqa: E402  (after the quiet import)

# ---------------------------------------------------------------- a clock the test moves


class Clock:
    """A clock that stands still until ``Tick`` moves it: the tests run the same on a busy machine."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Tick(keras.callbacks.Callback):
    """Move ``clock`` by ``train`` seconds per training batch and ``test`` seconds per validation batch."""

    def __init__(self, clock, train=1.0, test=0.0):
        super().__init__()
        self.clock, self.train, self.test = clock, train, test

    def on_train_batch_end(self, batch, logs=None):
        self.clock.now += self.train

    def on_test_batch_end(self, batch, logs=None):
        self.clock.now += self.test


def _linear_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy")
    return model


def _linear_data(n=64):
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return x, keras.utils.to_categorical(np.arange(n) % 2, 2)


# ---------------------------------------------------------------- TimeBudget


def test_a_time_budget_stops_after_the_epoch_that_would_spend_it():
    """2 batches of 10 s per epoch, budget 50 s: after epoch 1 (40 s), another epoch would pass 50 s."""
    clock = Clock()
    budget = training.TimeBudget(50, clock=clock)
    x, y = _linear_data(16)
    history = _linear_model().fit(x, y, batch_size=8, epochs=10, verbose=0, callbacks=[Tick(clock, 10), budget])
    assert history.epoch == [0, 1] and budget.stopped
    assert budget.epoch_seconds == [20, 20] and budget.seconds == 40 and budget.steps == 4


def test_a_time_budget_without_a_limit_only_times():
    clock = Clock()
    budget = training.TimeBudget(clock=clock)
    x, y = _linear_data(16)
    history = _linear_model().fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Tick(clock, 5), budget])
    assert history.epoch == [0, 1, 2] and not budget.stopped and budget.seconds == 30


def test_time_budget_bad_settings():
    with pytest.raises(ValueError, match="budget_s must be a positive number"):
        training.TimeBudget(0)
    with pytest.raises(ValueError, match="budget_s must be a positive number"):
        training.TimeBudget(True)
    with pytest.raises(ValueError, match="warmup"):
        training.TimeBudget(10, peak_lr=0.1, warmup=1.5)
    with pytest.raises(ValueError, match="needs a budget_s"):
        training.TimeBudget(None, peak_lr=0.1)


def test_one_cycle_rates():
    cycle = training.TimeBudget(100, peak_lr=0.4, warmup=0.25, start=0.1)
    np.testing.assert_allclose(cycle.rate([0, 0.25, 0.625, 1, 2]), [0.04, 0.4, 0.2, 0, 0])
    rates = cycle.rate(np.linspace(0, 1, 101))
    assert np.all(np.diff(rates[:26]) > 0) and np.all(np.diff(rates[25:]) < 0)


@pytest.mark.slow  # fits for seconds
def test_one_cycle_follows_the_clock_and_stops_mid_epoch_when_the_budget_is_spent():
    """8 training batches of 1 s and 2 validation batches of 1 s per epoch, budget 95 s.

    From the first epoch's end on, its 2 s of validation are kept in reserve: training stops after
    the batch that reaches 93 s, the 3rd batch of epoch 9 (epoch k starts at 10k s), and the
    validation of that epoch ends the fit at exactly 95 s.
    """
    clock = Clock()
    model = _linear_model()
    cycle = training.TimeBudget(95, peak_lr=0.1, warmup=0.25, start=0.1, clock=clock)
    x, y = _linear_data(64)
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=1000,
        validation_data=(x[:16], y[:16]),
        verbose=0,
        callbacks=[Tick(clock, train=1, test=1), cycle],
    )
    assert cycle.stopped and history.epoch == list(range(10))
    assert cycle.steps == 9 * 8 + 3 and cycle.reserve == 2
    assert cycle.spent() == 95 and cycle.seconds == 95
    times, rates = np.array(cycle.history).T
    assert len(rates) == cycle.steps and times[0] == 0 and times[-1] == 92
    assert rates[0] == pytest.approx(0.01)  # start * peak_lr
    peak = int(rates.argmax())
    assert rates[peak] == pytest.approx(0.1, abs=0.005)
    assert np.all(np.diff(rates[: peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert rates[-1] == pytest.approx(0.1 * (1 - 92 / 93) / 0.75)  # almost 0 at the end
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(rates[-1])


def test_a_constant_rate_budget_keeps_the_rate_and_still_stops_mid_epoch():
    """cycle=False (an ablation's baseline): the rate stays at peak_lr; the budget still ends the fit mid-epoch,
    and epoch_steps records the short last epoch (Keras' own log line shows the planned count)."""
    clock = Clock()
    model = _linear_model()
    budget = training.TimeBudget(20, peak_lr=0.05, cycle=False, clock=clock)
    np.testing.assert_allclose(budget.rate([0, 0.1, 0.5, 1]), [0.05] * 4)
    x, y = _linear_data(64)
    model.fit(x, y, batch_size=8, epochs=1000, verbose=0, callbacks=[Tick(clock, train=1), budget])
    assert budget.stopped and budget.steps == 20 and budget.epoch_steps == [8, 8, 4]
    assert {rate for _, rate in budget.history} == {0.05}
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.05)


def test_a_resumed_cycle_counts_the_seconds_spent_before(tmp_path):
    state = tmp_path / "cycle.json"
    state.write_text(json.dumps({"spent": 30.0}))
    clock = Clock()
    resumed = training.TimeBudget(100, peak_lr=0.1, state=state, clock=clock)
    resumed.on_train_begin()
    clock.now += 5
    assert resumed.spent() == 35


# ---------------------------------------------------------------- checkpoints and resume


def _tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((6, 6, 3)), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _tiny_data(flip=False):
    """64 images; label 1 is one brighter everywhere (learnable in an epoch). ``flip``: the labels swapped."""
    rng = np.random.default_rng(0)
    y = np.arange(64) % 2
    x = rng.uniform(0, 1, (64, 6, 6, 3)).astype("float32") + y[:, None, None, None].astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, 1 - y if flip else y)).batch(8)


class _PowerCut(keras.callbacks.Callback):
    """Record validation accuracy, then raise after epoch ``at`` (as a crash or a closed laptop would)."""

    def __init__(self, at, seen):
        super().__init__()
        self.at, self.seen = at, seen

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(logs["val_accuracy"])
        if epoch == self.at:
            raise RuntimeError("power cut")


def _callbacks(folder, clock, stop):
    return [
        keras.callbacks.BackupAndRestore(folder / "backup"),
        training.BestCheckpoint(folder / "best.keras"),
        Tick(clock, 1),
        training.TimeBudget(1000, state=folder / "budget.json", clock=clock),
        stop,
    ]


@pytest.mark.slow  # fits for seconds
def test_an_interrupted_fit_resumes_at_the_next_epoch_and_keeps_the_best_model(tmp_path):
    data, seen, clock = _tiny_data(), [], Clock()
    with pytest.raises(RuntimeError, match="power cut"):
        _tiny_model().fit(
            data,
            validation_data=data,
            epochs=4,
            shuffle=False,
            verbose=0,
            callbacks=_callbacks(tmp_path, clock, _PowerCut(1, seen)),
        )
    assert (tmp_path / "backup").exists() and (tmp_path / "best.keras").exists()
    assert max(seen) > 0.5, "precondition: the tiny model learns the easy data in two epochs"
    record = json.loads((tmp_path / "best.keras.json").read_text())
    assert record == {"monitor": "val_accuracy", "best": pytest.approx(max(seen)), "epoch": int(np.argmax(seen))}
    assert json.loads((tmp_path / "budget.json").read_text())["spent"] == 16  # 2 epochs of 8 batches of 1 s
    saved = (tmp_path / "best.keras").stat().st_mtime_ns

    # A new kernel: a freshly built model continues from the backup of epoch index 1. It is now validated on
    # swapped labels, so each resumed epoch scores below the best so far: the checkpoint must keep the old model
    # (Keras' own ModelCheckpoint forgets its best value when a fit restarts and would overwrite it).
    later, clock = [], Clock()
    best = training.BestCheckpoint(tmp_path / "best.keras")
    callbacks = _callbacks(tmp_path, clock, _PowerCut(99, later))
    callbacks[1] = best
    history = _tiny_model(seed=1).fit(
        data, validation_data=_tiny_data(flip=True), epochs=4, shuffle=False, verbose=0, callbacks=callbacks
    )
    assert history.epoch == [2, 3] and len(history.history["loss"]) == 2
    assert max(later) < max(seen), "precondition: the resumed epochs score below the best"
    assert (tmp_path / "best.keras").stat().st_mtime_ns == saved and best.best_epoch == int(np.argmax(seen))
    assert not (tmp_path / "backup").exists()  # a finished fit removes its backup
    assert callbacks[3].seconds == 16 + 16 and not (tmp_path / "budget.json").exists()  # resumed, then finished
    assert keras.models.load_model(tmp_path / "best.keras").count_params() == _tiny_model().count_params()


@pytest.mark.slow  # fits for seconds
def test_best_checkpoint_holds_the_best_validation_epoch_of_a_fit(tmp_path):
    """Without a power cut, the checkpoint is the best validation epoch of the run (here: lower loss is better)."""
    losses = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            losses.append(logs["val_loss"])

    best = training.BestCheckpoint(tmp_path / "best.keras", monitor="val_loss")
    _tiny_model().fit(
        _tiny_data(), validation_data=_tiny_data(), epochs=3, shuffle=False, verbose=0, callbacks=[Record(), best]
    )
    assert best.best_epoch == int(np.argmin(losses))
    assert json.loads((tmp_path / "best.keras.json").read_text())["best"] == pytest.approx(min(losses))


# ---------------------------------------------------------------- run folders


def test_run_folder_starts_afresh_unless_a_backup_waits(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path))
    finished = training.run_folder("done")
    assert finished == tmp_path / "runs" / "done" and finished.is_dir()
    (finished / "best.keras").write_text("old")
    assert not (training.run_folder("done") / "best.keras").exists(), "a finished fit starts afresh"
    interrupted = training.run_folder("half")
    (interrupted / "backup").mkdir()
    (interrupted / "best.keras").write_text("kept")
    again = training.run_folder("half")
    assert (again / "backup").is_dir() and (again / "best.keras").read_text() == "kept", "an interrupted fit resumes"


def test_batches_gives_every_image_once_per_epoch_in_a_new_order_with_autotuning_off():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    dataset = training.batches(x, y, batch_size=4, seed=1)
    epochs = [np.concatenate([xb.numpy()[:, 0] for xb, _ in dataset]) for _ in range(2)]
    assert [len(b) for b, _ in dataset] == [4, 4, 2]
    for images in epochs:
        assert sorted(images) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled at each epoch
    for xb, yb in dataset:
        assert np.array_equal(xb.numpy()[:, 0], yb.numpy())  # images and labels stay paired
    assert dataset.options().autotune.enabled is False


@pytest.mark.parametrize(
    "args, message",
    [((np.zeros((3, 1)), np.zeros(2), 2), "one label per image"), ((np.zeros((3, 1)), np.zeros(3), 2.0), "batch_size")],
)
def test_batches_refuses_mismatched_labels_and_a_float_batch_size(args, message):
    with pytest.raises(ValueError, match=message):
        training.batches(*args)
