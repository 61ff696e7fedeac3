"""cnnviz.prediction: outputs read as class probabilities, labels kept aligned, the class-count check, and the
same reading for a Keras model, a plain function, a dataset and mirrored images (known answers, no training)."""

import numpy as np
import pytest

from cnnviz import metrics, prediction

# ---------------------------------------------------------------- NumPy only (no Keras needed)


def test_sigmoid_outputs_become_two_class_probabilities():
    proba = prediction.class_probabilities(np.array([[0.9], [0.2]]))
    np.testing.assert_allclose(proba, [[0.1, 0.9], [0.8, 0.2]])
    np.testing.assert_allclose(prediction.class_probabilities([0.25]), [[0.75, 0.25]])
    softmax = np.array([[0.2, 0.5, 0.3]])
    np.testing.assert_allclose(prediction.class_probabilities(softmax), softmax)


def test_labels_from_indices_columns_and_one_hot():
    np.testing.assert_array_equal(prediction.labels_from([[1], [0]]), [1, 0])
    np.testing.assert_array_equal(prediction.labels_from(np.eye(3)[[2, 0, 1]]), [2, 0, 1])
    np.testing.assert_array_equal(prediction.labels_from(np.array([2, 0], dtype="uint8")), [2, 0])


def test_one_image_through_a_widget_function_and_the_class_count_check():
    np.testing.assert_allclose(prediction.of_one(lambda image: 0.8, np.zeros((2, 2, 3))), [0.2, 0.8])
    np.testing.assert_allclose(prediction.of_one(lambda image: np.array([0.8]), np.zeros((2, 2, 3))), [0.2, 0.8])
    np.testing.assert_allclose(prediction.of_one(lambda image: np.array([0.1, 0.3, 0.6]), None), [0.1, 0.3, 0.6])
    assert prediction.check_class_names([0.2, 0.8], ("cats", "dogs")) == ["cats", "dogs"]
    with pytest.raises(ValueError, match=r"2 class probabilities but 3 class names were given \(\['a', 'b', 'c'\]\)"):
        prediction.check_class_names([[0.2, 0.8]], ["a", "b", "c"])


def test_probabilities_of_a_plain_function_in_batches():
    calls = []

    def brightness(batch):  # P(class 1) = the mean pixel of each image
        calls.append(len(batch))
        return batch.mean(axis=(1, 2, 3))

    images = np.linspace(0, 1, 5)[:, None, None, None] * np.ones((5, 2, 2, 3))
    proba = prediction.probabilities(brightness, images, batch_size=2)
    np.testing.assert_allclose(proba[:, 1], np.linspace(0, 1, 5))
    assert calls == [2, 2, 1]
    assert prediction.probabilities(brightness, images[3]).shape == (1, 2)  # one image: a batch of one
    with pytest.raises(ValueError, match="expected a Keras model or a function from images to probabilities; got str"):
        prediction.probabilities("model.keras", images)


# ---------------------------------------------------------------- Keras models


def _keras():
    return pytest.importorskip("keras")


def _threshold_model():
    """The probability is sigmoid(10 * (x - 0.5)): label 1 exactly where x > 0.5."""
    keras = _keras()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([np.array([[10.0]]), np.array([-5.0])])
    return model


def test_over_dataset_keeps_labels_aligned_when_the_dataset_reshuffles():
    model = _threshold_model()
    tf = pytest.importorskip("tensorflow")
    x = np.linspace(0, 1, 40, dtype="float32")[:, None]
    y = (x[:, 0] > 0.5).astype(int)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(40, seed=1, reshuffle_each_iteration=True).batch(7)
    y_true, proba, images = prediction.over_dataset(model, dataset, keep_images=True)
    assert proba.shape == (40, 2) and images.shape == (40, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(proba.argmax(axis=1), y_true)
    assert metrics.accuracy(y_true, proba.argmax(axis=1)) == 1.0
    with pytest.raises(ValueError, match="the dataset is empty"):
        prediction.over_dataset(model, dataset.take(0))


def test_flip_average_averages_an_image_and_its_mirror():
    keras = _keras()
    inputs = keras.Input((2, 3, 1))
    x = keras.layers.Flatten()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="d")(x))
    model.get_layer("d").set_weights(
        [np.array([[1, 0], [0, 0], [0, 1], [0, 0], [0, 0], [0, 0]], "float32"), np.zeros(2, "float32")]
    )
    images = np.zeros((1, 2, 3, 1), "float32")
    images[0, 0, 0] = 3.0  # pixel (0, 0): evidence for class 0; its mirror (0, 2): for class 1
    np.testing.assert_allclose(prediction.flip_average(model, images), [[0.5, 0.5]], atol=1e-6)
    with pytest.raises(ValueError, match=r"images must be a batch \(N, H, W, C\)"):
        prediction.flip_average(model, images[0])


def test_probabilities_of_a_sigmoid_model_and_the_input_check():
    keras = _keras()
    model = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation="sigmoid", name="d"),
        ]
    )
    model.get_layer("d").set_weights([np.array([[1.0], [0.0], [0.0]]), np.array([-100.0])])  # P(1) = sigmoid(red - 100)
    assert prediction.check_images(model, np.zeros((4, 4, 3))).shape == (1, 4, 4, 3)
    with pytest.raises(ValueError, match=r"images of shape \(5, 4, 3\) do not match the model's input \(4, 4, 3\)"):
        prediction.check_images(model, np.zeros((5, 4, 3)))
    with pytest.raises(ValueError, match=r"images of shape \(5, 4, 3\) do not match the model's input \(4, 4, 3\)"):
        prediction.probabilities(model, np.zeros((5, 4, 3)))
    red = np.zeros((3, 4, 4, 3))
    red[1:, ..., 0] = 200
    proba = prediction.probabilities(model, red, batch_size=2)
    np.testing.assert_allclose(proba, [[1, 0], [0, 1], [0, 1]], atol=1e-12)
    assert proba[1, 1] == pytest.approx(1 / (1 + np.exp(-100)))
