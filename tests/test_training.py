"""Training helpers: checkpoint + resume, the time budget, and the NumPy evaluation helpers."""
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnviz import training


# ------------------------------------------------------------- evaluation (pure NumPy)

def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    cm = training.confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], n_classes=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    assert training.confusion_matrix([1, 0], [1, 1]).shape == (2, 2)


def test_per_class_accuracy_is_the_diagonal_over_row_totals_and_nan_for_empty_rows():
    cm = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    np.testing.assert_allclose(training.per_class_accuracy(cm), [0.5, 1.0, 0.0])
    acc = training.per_class_accuracy([[3, 1], [0, 0]])
    assert acc[0] == 0.75 and np.isnan(acc[1])


def test_accuracy_and_its_shape_check():
    assert training.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    with pytest.raises(ValueError, match="same shape"):
        training.accuracy([0, 1], [0, 1, 1])


def test_sigmoid_outputs_become_two_class_probabilities():
    proba = training.class_probabilities(np.array([[0.9], [0.2]]))
    np.testing.assert_allclose(proba, [[0.1, 0.9], [0.8, 0.2]])
    np.testing.assert_allclose(training.class_probabilities([0.25]), [[0.75, 0.25]])
    softmax = np.array([[0.2, 0.5, 0.3]])
    assert training.class_probabilities(softmax) is not None
    np.testing.assert_allclose(training.class_probabilities(softmax), softmax)


def test_labels_from_indices_columns_and_one_hot():
    np.testing.assert_array_equal(training.labels_from([[1], [0]]), [1, 0])
    np.testing.assert_array_equal(training.labels_from(np.eye(3)[[2, 0, 1]]), [2, 0, 1])


def test_confident_mistakes_are_the_wrong_answers_most_confident_first():
    y_true = np.array([0, 1, 0, 1, 1])
    proba = np.array([[0.9, 0.1],    # right
                      [0.6, 0.4],    # wrong, 60% sure
                      [0.05, 0.95],  # wrong, 95% sure
                      [0.2, 0.8],    # right
                      [0.99, 0.01]])  # wrong, 99% sure
    np.testing.assert_array_equal(training.confident_mistakes(y_true, proba, k=8), [4, 2, 1])
    np.testing.assert_array_equal(training.confident_mistakes(y_true, proba, k=2), [4, 2])
    sigmoid = proba[:, 1:]
    np.testing.assert_array_equal(training.confident_mistakes(y_true, sigmoid, k=8), [4, 2, 1])
    assert training.confident_mistakes([0, 1], [[0.9, 0.1], [0.1, 0.9]]).size == 0


# ---------------------------------------------------------------- with a tiny model

def _tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(2, (3, 3), activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")])
    return training.compile_model(model, learning_rate=1e-2, jit_compile=False)


def _tiny_data():
    rng = np.random.default_rng(0)
    y = np.arange(16) % 2
    x = rng.uniform(0, 1, (16, 6, 6, 3)).astype("float32") + y[:, None, None, None].astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def test_predict_dataset_keeps_labels_aligned_when_the_dataset_reshuffles():
    # The model's probability is sigmoid(10 * (x - 0.5)): label 1 exactly where x > 0.5.
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([np.array([[10.0]]), np.array([-5.0])])
    x = np.linspace(0, 1, 40, dtype="float32")[:, None]
    y = (x[:, 0] > 0.5).astype(int)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(40, seed=1, reshuffle_each_iteration=True).batch(7)
    y_true, proba, images = training.predict_dataset(model, dataset, keep_images=True)
    assert proba.shape == (40, 2) and images.shape == (40, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(proba.argmax(axis=1), y_true)
    assert training.accuracy(y_true, proba.argmax(axis=1)) == 1.0


class _PowerCut(keras.callbacks.Callback):
    """Record validation accuracy, then raise after epoch ``at`` (as a crash or a closed laptop would)."""

    def __init__(self, at, seen):
        super().__init__()
        self.at, self.seen = at, seen

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(logs["val_accuracy"])
        if epoch == self.at:
            raise RuntimeError("power cut")


def test_an_interrupted_fit_resumes_at_the_next_epoch_and_keeps_the_best_model(tmp_path):
    data, seen = _tiny_data(), []
    with pytest.raises(RuntimeError, match="power cut"):
        training.fit(_tiny_model(), data, data, epochs=4, folder=tmp_path, callbacks=[_PowerCut(1, seen)])
    assert (tmp_path / "backup").exists() and (tmp_path / "best.keras").exists()
    # A new kernel: a freshly built model continues from the backup of epoch index 1.
    record = []
    history = training.fit(_tiny_model(seed=1), data, data, epochs=4, folder=tmp_path,
                           callbacks=[_PowerCut(99, record)])
    assert history.epoch == [2, 3]
    assert len(history.history["loss"]) == 2 and len(history.epoch_seconds) == 2
    assert not (tmp_path / "backup").exists()  # a finished fit removes its backup
    best = json.loads((tmp_path / "best.json").read_text())
    assert best["monitor"] == "val_accuracy"
    assert best["best"] == pytest.approx(max(seen + record))
    assert keras.models.load_model(tmp_path / "best.keras").count_params() == _tiny_model().count_params()


def test_a_time_budget_stops_training_after_the_epoch_that_spends_it(tmp_path):
    history = training.fit(_tiny_model(), _tiny_data(), epochs=5, folder=tmp_path, budget_s=1e-6)
    assert history.stopped_by_budget and history.epoch == [0]
    assert history.seconds > 0
    with pytest.raises(ValueError, match="budget_s"):
        training.TimeBudget(0)
