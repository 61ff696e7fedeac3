"""Feature maps: introspection.feature_maps (the reference for the notebooks' own code),
the plot helper and the viewer widget."""

import keras
import matplotlib
import numpy as np
import pytest

from cnnviz import introspection, models, ops, plots, widgets

matplotlib.use("agg")

KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # a Sobel edge kernel


def _edge_model():
    """A model whose maps are known: one Sobel filter (no bias, no activation), then 2x2 max pooling."""
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(1, (3, 3), use_bias=False, name="edges"),
            keras.layers.MaxPooling2D((2, 2), name="pool"),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.get_layer("edges").set_weights([KERNEL[:, :, None, None]])
    return model


IMAGE = np.zeros((8, 8, 1), dtype="float32")
IMAGE[:, 4:] = 1.0  # a vertical edge between columns 3 and 4


def test_feature_maps_equal_the_numpy_convolution_and_pooling():
    fmaps = introspection.feature_maps(_edge_model(), IMAGE)
    assert list(fmaps) == ["edges", "pool"]
    conv = ops.conv2d(IMAGE[..., 0], KERNEL)
    np.testing.assert_allclose(fmaps["edges"][..., 0], conv, atol=1e-5)
    np.testing.assert_allclose(fmaps["pool"][..., 0], ops.pool2d(conv, 2, 2), atol=1e-5)
    assert fmaps["edges"].shape == (6, 6, 1) and fmaps["pool"].shape == (3, 3, 1)
    assert np.abs(fmaps["edges"]).max() == pytest.approx(4.0)  # the edge lights up; flat areas give 0


def test_feature_maps_pick_named_layers_and_refuse_unknown_ones():
    model = _edge_model()
    assert introspection.conv_layers(model) == ["edges", "pool"]
    assert list(introspection.feature_maps(model, IMAGE, ["pool"])) == ["pool"]
    sub = introspection.submodel(model, ["edges", "pool"])
    assert [tuple(t.shape[1:]) for t in sub.outputs] == [(6, 6, 1), (3, 3, 1)]
    with pytest.raises(ValueError, match=r"no layer named \['conv9'\].*choose from \['edges', 'pool'\]"):
        introspection.feature_maps(model, IMAGE, ["conv9"])


def test_feature_maps_of_a_model_without_maps_say_so():
    dense_only = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no convolution or pooling layer"):
        introspection.feature_maps(dense_only, np.zeros(4))


def test_feature_maps_refuse_an_image_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"images of shape \(9, 9, 1\) do not match the model's input \(8, 8, 1\)"):
        introspection.feature_maps(_edge_model(), np.zeros((9, 9, 1)))


def test_the_ali2019_network_exposes_its_four_maps():
    fmaps = introspection.feature_maps(models.ali2019_cnn(), np.zeros((64, 64, 3)))
    assert [f.shape for f in fmaps.values()] == [(62, 62, 32), (31, 31, 32), (29, 29, 32), (14, 14, 32)]


def test_fmap_channels_tiles_each_channel_in_its_own_range():
    fmap = np.stack([np.full((4, 4), 5.0), np.arange(16.0).reshape(4, 4)], axis=-1)
    ax = plots.fmap_channels(fmap, highlight=1)
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (1 * 5 + 1, 2 * 5 + 1)
    np.testing.assert_allclose(mosaic[1:5, 6:10], np.arange(16.0).reshape(4, 4) / 15)
    np.testing.assert_allclose(mosaic[1:5, 1:5], 0.0)  # a flat channel is drawn flat, not divided by zero
    assert len(ax.patches) == 1
    with pytest.raises(ValueError, match="channels"):
        plots.fmap_channels(np.zeros((4, 4)))


def test_viewer_shows_the_chosen_layer_and_channel():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(3, (3, 3), name="c1"),
            keras.layers.MaxPooling2D((2, 2), name="p1"),
            keras.layers.Conv2D(5, (2, 2), name="c2"),
        ]
    )
    expected = introspection.feature_maps(model, IMAGE)
    viewer = widgets.FeatureMapViewer(IMAGE, expected)
    assert viewer.layer.options == ("c1", "p1", "c2") and viewer.channel.max == 2
    np.testing.assert_allclose(viewer.fmap, expected["c1"][..., 0])
    viewer.channel.value = 2
    np.testing.assert_allclose(viewer.fmap, expected["c1"][..., 2])
    viewer.layer.value = "c2"
    assert viewer.channel.max == 4 and viewer.channel.value == 2
    np.testing.assert_allclose(viewer.fmap, expected["c2"][..., 2])
    viewer.channel.value = 4
    np.testing.assert_allclose(viewer.fmap, expected["c2"][..., 4])
    viewer.layer.value = "p1"  # 3 channels: the channel comes back inside the range
    assert viewer.channel.value == 2 and viewer.channel.max == 2
    assert "p1: 3 maps of 3x3" in viewer.status.value and viewer.error == ""
    assert viewer.view.value[:4] == b"\x89PNG"


def test_viewer_refuses_maps_it_cannot_show():
    with pytest.raises(ValueError, match="fmaps is empty"):
        widgets.FeatureMapViewer(IMAGE, {})
    with pytest.raises(ValueError, match=r"the maps of 'c1' have shape \(1, 6, 6, 3\).*drop the batch axis"):
        widgets.FeatureMapViewer(IMAGE, {"c1": np.zeros((1, 6, 6, 3))})
