"""Cats-vs-dogs models of cnnviz.models (copies of notebook 05's): Ali (2019)'s network in Keras 3, the transfer
model on EfficientNet-Lite0, and the pretrained backbone checked on the ImageNet cat of assets/."""

import numpy as np
import pytest

from cnnviz import config, models, ops, photos, weights
from cnnviz.samples import ASSETS

keras = config.keras_quietly()
layers = keras.layers


def test_ali2019_network_has_the_parameter_count_of_its_layers():
    model = models.ali2019_cnn()
    # 64 -> conv 62 -> pool 31 -> conv 29 -> pool 14: 14 * 14 * 32 = 6,272 inputs to Dense(128)
    expected = (
        ops.conv_params(3, 3, 32)
        + ops.conv_params(3, 32, 32)
        + ops.dense_params(14 * 14 * 32, 128)
        + ops.dense_params(128, 1)
    )
    assert model.count_params() == expected == 813_217
    assert model.output_shape == (None, 1)
    assert models.ali2019_cnn(augment=False).count_params() == 813_217  # augmentation has no weights


def test_ali2019_takes_0_255_pixels_and_rescales_inside_the_model():
    model = models.ali2019_cnn(image_size=32, augment=False)
    names = [type(layer).__name__ for layer in model.layers]
    assert names[0] == "Rescaling" and model.layers[0].scale == pytest.approx(1 / 255)
    proba = np.asarray(model(np.full((2, 32, 32, 3), 255.0), training=False))
    assert proba.shape == (2, 1) and np.all((proba >= 0) & (proba <= 1))


def test_ali2019_augmentation_acts_in_training_only():
    keras.utils.set_random_seed(0)
    augmented, plain = models.ali2019_cnn(image_size=32), models.ali2019_cnn(image_size=32, augment=False)
    assert [type(layer).__name__ for layer in augmented.layers[:2]] == ["RandomFlip", "RandomZoom"]
    assert "RandomFlip" not in [type(layer).__name__ for layer in plain.layers]
    plain.set_weights(augmented.get_weights())
    photo = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(augmented(photo, training=False)), np.asarray(plain(photo, training=False)), rtol=1e-5
    )
    augment = keras.Sequential(augmented.layers[:2])
    np.testing.assert_array_equal(np.asarray(augment(photo, training=False)), photo)
    assert not np.allclose(np.asarray(augment(photo, training=True)), photo)


@pytest.fixture(scope="module")
def transfer():
    return models.lite0_transfer(image_size=64)


@pytest.mark.slow  # the pretrained EfficientNet-Lite0: seconds to build and run
def test_transfer_model_trains_only_its_new_head(transfer):
    assert transfer.count_params() == 3_414_305
    assert sum(int(np.prod(w.shape)) for w in transfer.trainable_weights) == 1280 + 1 == 1_281
    assert all(not layer.trainable for layer in transfer.layers if layer.name.startswith("lite0_"))
    assert transfer.get_layer("head").trainable
    proba = np.asarray(transfer(np.zeros((1, 64, 64, 3)), training=False))
    assert proba.shape == (1, 1) and 0 <= proba[0, 0] <= 1


@pytest.mark.slow  # the pretrained EfficientNet-Lite0: seconds to build and run
def test_transfer_backbone_holds_the_published_weights(transfer):
    state = weights.read_torch_legacy(weights.lite0_weights_path())
    stem = transfer.get_layer("lite0_stem_conv").get_weights()[0]
    np.testing.assert_array_equal(stem, state["_conv_stem.weight"].transpose(2, 3, 1, 0))
    dw = transfer.get_layer("lite0_b3_dw").get_weights()[0]
    np.testing.assert_array_equal(dw, state["_blocks.3._depthwise_conv.weight"].transpose(2, 3, 0, 1))


def imagenet_lite0(image_size=224):
    """EfficientNet-Lite0 with its published 1000-class ImageNet head: backbone, global pooling, Dense(1000)."""
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.GlobalAveragePooling2D()(models.lite0_features(inputs))
    model = keras.Model(inputs, layers.Dense(1000, activation="softmax", name="imagenet")(x))
    kernel, bias = weights.load_lite0_weights(model)
    model.get_layer("imagenet").set_weights([kernel, bias])
    return model


@pytest.mark.slow  # the pretrained EfficientNet-Lite0: seconds to build and run
def test_pretrained_efficientnet_lite0_recognises_the_cat_in_assets():
    model = imagenet_lite0()
    state = weights.read_torch_legacy(weights.lite0_weights_path())
    published = sum(w.size for name, w in state.items() if not name.endswith("num_batches_tracked"))
    assert model.count_params() == published == 4_694_024  # every number of the weights file has its place
    photo = photos.read_photo(ASSETS / "cat_chelsea.jpg", (224, 224)).astype("float32")
    proba = np.asarray(model(photo[None], training=False))[0]
    assert proba.sum() == pytest.approx(1.0, abs=1e-4)
    # ImageNet classes 281-285 are tabby, tiger cat, Persian, Siamese and Egyptian cat.
    assert 281 <= proba.argmax() <= 285 and proba[281:286].sum() > 0.8


@pytest.mark.slow  # the pretrained EfficientNet-Lite0: seconds to build and run
def test_lite0_backbone_is_one_named_model_with_the_published_weights_and_pooled_features():
    backbone = models.lite0_backbone(64)
    assert backbone.name == "efficientnet_lite0" and backbone.output_shape == (None, 1280)
    assert backbone.count_params() == 3_414_305 - 1_281  # lite0_transfer without its head
    state = weights.read_torch_legacy(weights.lite0_weights_path())
    np.testing.assert_array_equal(
        backbone.get_layer("lite0_stem_conv").get_weights()[0], state["_conv_stem.weight"].transpose(2, 3, 1, 0)
    )
    backbone.trainable = False
    assert backbone.trainable_weights == []


@pytest.mark.slow  # the pretrained EfficientNet-Lite0: seconds to build and run
def test_frozen_backbone_called_with_training_false_keeps_imagenet_batchnorm_statistics():
    """Notebook 05 trains a head with backbone(x, training=False): one step of fit leaves the backbone unchanged."""
    backbone = models.lite0_backbone(32)
    backbone.trainable = False
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(backbone(inputs, training=False)))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = [w.copy() for w in backbone.get_weights()]
    x = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    model.fit(x, np.array([0, 1] * 4), epochs=1, verbose=0)
    for a, b in zip(before, backbone.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow  # the pretrained EfficientNet-Lite0: seconds to build and run
def test_flat_transfer_gives_the_nested_models_predictions_with_every_backbone_layer_reachable():
    keras.utils.set_random_seed(0)
    backbone = models.lite0_backbone(64)
    head = keras.Sequential(
        [keras.Input((1280,)), layers.Dropout(0.2), layers.Dense(1, activation="sigmoid")], name="head"
    )
    head.layers[-1].set_weights(
        [np.random.default_rng(1).normal(0, 0.05, (1280, 1)).astype("float32"), np.array([0.1], "float32")]
    )
    backbone.get_layer("lite0_b15_project").set_weights(
        [w * 1.5 for w in backbone.get_layer("lite0_b15_project").get_weights()]
    )  # as if fine-tuned
    inputs = keras.Input((64, 64, 3))
    nested = keras.Model(inputs, head(backbone(layers.RandomFlip("horizontal")(inputs), training=False)))
    flat = models.flat_transfer(nested)
    assert flat.get_layer("lite0_stem_conv") is not None and flat.input_shape == (None, 64, 64, 3)
    photos_ = np.random.default_rng(2).uniform(0, 255, (3, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(flat(photos_, training=False)), np.asarray(nested(photos_, training=False)), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="must hold a backbone 'efficientnet_lite0' and a head 'head'"):
        models.flat_transfer(keras.Sequential([keras.Input((4,)), layers.Dense(1)]))
