"""Cats-vs-dogs builders: the seeds' networks in Keras 3, augmentation, the better models."""
import numpy as np
import pytest
from PIL import Image

from cnnviz import models, ops
from cnnviz.samples import ASSETS


def test_seed000_network_has_the_parameter_count_of_its_layers():
    model = models.seed000_cnn()
    # 64 -> conv 62 -> pool 31 -> conv 29 -> pool 14: 14 * 14 * 32 = 6,272 inputs to Dense(128)
    expected = (ops.conv_params(3, 3, 32) + ops.conv_params(3, 32, 32)
                + ops.dense_params(14 * 14 * 32, 128) + ops.dense_params(128, 1))
    assert model.count_params() == expected == 813_217
    assert model.output_shape == (None, 1)


def test_seed001_claimed_219801_parameters_but_has_438842():
    model = models.seed001_cnn()
    # 300 -> 5x5 valid conv 296 -> pool 148: 148 * 148 * 10 = 219,040 inputs to Dense(2)
    expected = ops.conv_params(5, 3, 10) + ops.dense_params(148 * 148 * 10, 2)
    assert model.count_params() == expected == 438_842 != 219_801


def test_rescaling_lives_inside_the_model():
    model = models.catsdogs_small_cnn(image_size=32, widths=(4, 8))
    names = [type(layer).__name__ for layer in model.layers]
    assert "Rescaling" in names
    batchnorms = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
    assert batchnorms and all(layer.momentum == 0.9 for layer in batchnorms)
    proba = np.asarray(model(np.full((2, 32, 32, 3), 255.0), training=False))
    assert proba.shape == (2, 1) and np.all((proba >= 0) & (proba <= 1))


def test_augmentation_changes_photos_only_in_training():
    augment = models.augmentation(seed=1)
    photo = np.random.default_rng(0).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(augment(photo, training=False)), photo)
    assert not np.allclose(np.asarray(augment(photo, training=True)), photo)
    assert [type(layer).__name__ for layer in augment.layers] == ["RandomFlip", "RandomZoom", "RandomShear", "RandomRotation"]


def test_transfer_model_trains_only_its_new_head():
    model = models.catsdogs_transfer(image_size=96, pretrained=False)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 1280 + 1
    assert all(not layer.trainable for layer in model.layers if layer.name.startswith("lite0_"))
    proba = np.asarray(model(np.zeros((1, 96, 96, 3)), training=False))
    assert proba.shape == (1, 1) and 0 <= proba[0, 0] <= 1


def test_pretrained_efficientnet_lite0_recognises_the_cat_in_assets():
    model = models.efficientnet_lite0(image_size=224)
    state = models._read_torch_legacy(models.lite0_weights_path())
    published = sum(w.size for name, w in state.items() if not name.endswith("num_batches_tracked"))
    assert model.count_params() == published  # every number of the published weights file has its place
    photo = np.asarray(Image.open(ASSETS / "cat_chelsea.jpg").convert("RGB").resize((224, 224)), dtype="float32")
    proba = np.asarray(model(photo[None], training=False))[0]
    assert proba.sum() == pytest.approx(1.0, abs=1e-4)
    # ImageNet classes 281-285 are tabby, tiger cat, Persian, Siamese and Egyptian cat.
    assert 281 <= proba.argmax() <= 285 and proba[281:286].sum() > 0.8
