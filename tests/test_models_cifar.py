"""CIFAR-10 models of cnnviz.models (copies of notebook 06's): Anonymous (n.d.)'s network, the course's network,
its shift augmentation and whitening layer."""

import keras
import numpy as np
import pytest
from test_ops import anonymous_cnn_params_by_hand

from cnnviz import models, ops, whitening


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3)).astype("uint8")


# ------------------------------------------------------------------ the article's model


def test_anonymous_cnn_has_as_many_parameters_by_keras_as_by_hand():
    model = models.anonymous_cnn()
    assert model.count_params() == anonymous_cnn_params_by_hand()  # 528,054, the published count (test_ops)
    assert type(model.layers[0]).__name__ == "Rescaling"  # the article's division by 255, inside the model
    assert [tuple(layer.output.shape[1:]) for layer in model.layers[1:7]] == [
        (32, 32, 16),
        (16, 16, 16),
        (16, 16, 32),
        (8, 8, 32),
        (8, 8, 64),
        (4, 4, 64),
    ]
    assert model.compute_output_shape((None, 32, 32, 3)) == (None, 10)


def test_count_macs_matches_a_hand_count_for_the_anonymous_cnn():
    by_hand = 32 * 32 * 16 * 2 * 2 * 3 + 16 * 16 * 32 * 2 * 2 * 16 + 8 * 8 * 64 * 2 * 2 * 32 + 1024 * 500 + 500 * 10
    assert models.count_macs(models.anonymous_cnn()) == by_hand


# ------------------------------------------------------------------ augmentation


def test_random_shift_is_a_mirrored_shift_of_each_image_in_training_only():
    images = np.arange(4 * 6 * 6 * 2, dtype="float32").reshape(4, 6, 6, 2)
    layer = models.RandomShift(2, seed=3)
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)
    shifted = np.asarray(layer(images, training=True))
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
    offsets = []
    for image, out in zip(padded, shifted):
        found = [(dy, dx) for dy in range(5) for dx in range(5) if np.array_equal(image[dy : dy + 6, dx : dx + 6], out)]
        assert found, "each output must be a 6x6 window of the mirrored, padded image"
        offsets.append(found[0])
    assert len(set(offsets)) > 1, "images of one batch get their own shifts"


def test_random_shift_rejects_bad_pad_and_round_trips_its_config():
    with pytest.raises(ValueError, match="pad"):
        models.RandomShift(-1)
    with pytest.raises(ValueError, match="pad"):
        models.RandomShift(1.5)
    layer = models.RandomShift.from_config(models.RandomShift(3, seed=1).get_config())
    assert (layer.pad, layer.seed) == (3, 1)


def test_whitening_kernel_decorrelates_patches():
    rng = np.random.default_rng(0)
    base = rng.normal(128, 40, (64, 32, 32, 1))
    images = np.clip(base + rng.normal(0, 10, (64, 32, 32, 3)), 0, 255).astype("uint8")  # strongly correlated
    kernel = whitening.whitening_kernel(images)
    assert kernel.shape == (2, 2, 3, 24)
    np.testing.assert_allclose(kernel[..., 12:], -kernel[..., :12])
    x = (images / 255 - np.array(whitening.CIFAR10_MEAN)) / np.array(whitening.CIFAR10_STD)
    out = np.stack([ops.conv2d(image, kernel[..., :12].astype("float64")) for image in x[:16]]).reshape(-1, 12)
    cov = out.T @ out / len(out)
    np.testing.assert_allclose(cov, np.eye(12), atol=0.15)
    patches = whitening.image_patches(images).astype("float64")  # the patches the kernel was computed from
    strength = [np.mean((patches @ (f / np.linalg.norm(f))) ** 2) for f in kernel[..., :12].reshape(12, 12).T]
    assert np.all(np.diff(strength) < 0), "the strongest principal component comes first"
    with pytest.raises(ValueError, match="batch"):
        whitening.whitening_kernel(images[0])


def test_whitening_kernel_summed_over_chunks_is_that_of_all_patches_at_once():
    rng = np.random.default_rng(1)
    base = rng.normal(128, 40, (600, 8, 8, 1))  # 600 images: more than two chunks of 256
    images = np.clip(base + rng.normal(0, 10, (600, 8, 8, 3)), 0, 255).astype("uint8")
    patches = whitening.image_patches(images).astype("float64")
    variances, components = np.linalg.eigh(patches.T @ patches / len(patches))
    expected = (components / np.sqrt(variances + 5e-4))[:, ::-1]  # strongest first
    kernel = whitening.whitening_kernel(images).reshape(12, 24)[:, :12]
    signs = np.sign(np.sum(kernel * expected, axis=0))  # a principal component's sign is arbitrary
    np.testing.assert_allclose(kernel, expected * signs, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="batch"):
        whitening.whitening_kernel(images[:0])


# ------------------------------------------------------------------ the course's model


@pytest.mark.slow  # builds and trains the course's network
def test_cifar10_net_outputs_probabilities_and_trains_one_step():
    keras.utils.set_random_seed(0)
    x = _images(8)
    model = models.cifar10_net(whiten=whitening.whitening_kernel(x))
    assert not model.get_layer("whiten").trainable
    proba = np.asarray(model(x.astype("float32"), training=False))
    assert proba.shape == (8, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert model.count_params() < models.anonymous_cnn().count_params()
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), loss="categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, keras.utils.to_categorical(np.arange(8) % 10, 10), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    # the whitening filters are fixed: training leaves them as computed
    np.testing.assert_array_equal(model.get_layer("whiten").get_weights()[0], whitening.whitening_kernel(x))


def test_cifar10_net_saves_and_loads_with_its_custom_layer(tmp_path):
    model = models.cifar10_net(widths=(8, 8, 8))
    x = _images(2).astype("float32")
    path = tmp_path / "net.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(again(x, training=False)), np.asarray(model(x, training=False)), rtol=1e-5)


def test_cifar10_net_options_build_what_they_say():
    plain = models.cifar10_net(widths=(8, 16, 32))
    residual = models.cifar10_net(widths=(8, 16, 32), residual=True)
    assert not any(isinstance(layer, keras.layers.Add) for layer in plain.layers)
    assert residual.get_layer("stage3_add") and residual.get_layer("stage3c_conv").output.shape[1:] == (3, 3, 32)
    assert (
        models.count_macs(residual) - models.count_macs(plain) == 3 * 3 * 32 * 3 * 3 * 32
    )  # one more 3x3 conv on the 3x3 maps (32 -> 31 -> 15 -> 7 -> 3)
    assert plain.get_layer("whiten").trainable and plain.get_layer("shift").pad == 0
    assert models.cifar10_net(shift=3).get_layer("shift").pad == 3
    assert all(
        layer.momentum == 0.8
        for layer in models.cifar10_net(bn_momentum=0.8).layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    assert residual.compute_output_shape((None, 32, 32, 3)) == (None, 10)
