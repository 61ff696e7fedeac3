"""Check cnnviz.attribution, cnnviz.introspection, cnnviz.heatmaps and the Grad-CAM explorer on hand-built models
whose answers are known: no training, weights set by hand."""

import matplotlib

matplotlib.use("agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from cnnviz import attribution, heatmaps, introspection, model_widgets, plots, widgets  # noqa: E402
from cnnviz import fields as rf  # noqa: E402

H = W = 8
LEFT = np.zeros((H, W), dtype="float32")
LEFT[:, : W // 2] = 1


def left_half_model():
    """Sigmoid model that only looks at the left half: p = sigmoid(2 * mean(red) - mean(green)) over the left half.

    conv (1x1): channel 0 copies red, channel 1 copies green; "left_half" zeroes the right half
    of those maps; global average pooling; Dense(1, sigmoid) with weights (2, -1), bias 0.
    """
    inputs = keras.Input((H, W, 3))
    x = layers.Conv2D(2, 1, use_bias=False, name="features")(inputs)
    x = layers.Lambda(lambda t: t * LEFT[None, :, :, None], name="left_half")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(1, activation="sigmoid", name="head")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("features").set_weights([np.array([[[[1, 0], [0, 1], [0, 0]]]], dtype="float32")])
    model.get_layer("head").set_weights([np.array([[2.0], [-1.0]], dtype="float32"), np.zeros(1, "float32")])
    return model


def stripes_model(scale=10.0):
    """Softmax model with three classes: class c is the mean of colour channel c (logits scaled by ``scale``)."""
    inputs = keras.Input((9, 9, 3))
    x = layers.Conv2D(3, 1, use_bias=False, activation="relu", name="colours")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("colours").set_weights([np.eye(3, dtype="float32").reshape(1, 1, 3, 3)])
    model.get_layer("head").set_weights([scale * np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    return model


def stripes_image(bright=0):
    """Return a 9x9 image: red left third, green middle third, blue right third; stripe ``bright`` is brighter."""
    image = np.zeros((9, 9, 3), dtype="float32")
    for c in range(3):
        image[:, 3 * c : 3 * c + 3, c] = 1.0 if c == bright else 0.6
    return image


@pytest.fixture(scope="module")
def photo():
    rng = np.random.default_rng(0)
    image = np.zeros((H, W, 3), dtype="float32")
    image[..., 0] = rng.uniform(0.5, 1.0, (H, W))  # red everywhere
    image[..., 1] = rng.uniform(0.0, 0.25, (H, W))  # a little green
    return image


# ------------------------------------------------------------------------ Grad-CAM


def test_gradcam_lights_the_left_half_only(photo):
    model = left_half_model()
    result = attribution.grad_cam(model, photo)
    assert result.layer == "left_half"  # the last map before global pooling
    assert result.classes.tolist() == [1]  # 2*red - green > 0: the model says class 1
    cam = result.maps[0]
    assert cam.shape == (H, W)
    assert np.all(cam[:, : W // 2] > 0)  # every pixel of the left half lights up
    assert np.all(cam[:, W // 2 :] == 0)  # and nothing of the right half (not transposed: not the top)


def test_gradcam_matches_the_hand_computation(photo):
    model = left_half_model()
    result = attribution.grad_cam(model, photo)
    # score z = 2*mean(A0) - mean(A1): d z / d A_k(i, j) = w_k / 64 everywhere, so alpha_k = w_k / 64
    np.testing.assert_allclose(result.weights[0], [2 / 64, -1 / 64], rtol=1e-6)
    maps = photo[..., :2] * LEFT[..., None]
    expected = np.maximum(maps @ np.array([2 / 64, -1 / 64]), 0)
    np.testing.assert_allclose(result.maps[0], expected, rtol=1e-5, atol=1e-8)
    z = 2 * maps[..., 0].mean() - maps[..., 1].mean()
    np.testing.assert_allclose(result.proba, [1 / (1 + np.exp(-z))], rtol=1e-5)


def test_gradcam_other_class_of_a_sigmoid_scores_minus_the_logit(photo):
    model = left_half_model()
    one, zero = attribution.grad_cam(model, photo, class_index=1), attribution.grad_cam(model, photo, class_index=0)
    np.testing.assert_allclose(zero.weights, -one.weights, rtol=1e-6)  # gradient of -z = -(gradient of z)
    signed = np.einsum("hwc,c->hw", photo[..., :2] * LEFT[..., None], one.weights[0])
    np.testing.assert_allclose(one.maps[0] - zero.maps[0], signed, rtol=1e-5, atol=1e-8)  # relu(S) - relu(-S) = S
    np.testing.assert_allclose(zero.proba + one.proba, [1.0], rtol=1e-6)
    assert np.all(zero.maps[0] == 0)  # the red left half is evidence for class 1, none of it for class 0


def test_gradcam_weights_whole_channels_occlusion_does_not(photo):
    """Taken before the layer that drops the right half, Grad-CAM lights the right half too; occlusion never does."""
    model = left_half_model()
    result = attribution.grad_cam(model, photo, layer_name="features")
    # d z / d A_k is w_k / 64 on the left half and 0 on the right: its mean over the map is w_k / 128
    np.testing.assert_allclose(result.weights[0], [2 / 128, -1 / 128], rtol=1e-6)
    cam = result.maps[0]
    assert np.all(cam[:, W // 2 :] > 0)
    drops = attribution.occlusion(model, photo, patch=4, stride=4, fill=0.0).drop
    assert np.all(drops[:, 1] == 0) and np.all(drops[:, 0] > 0)


def test_gradcam_softmax_lights_the_stripe_of_each_class():
    model = stripes_model()
    images = np.stack([stripes_image(bright=c) for c in range(3)])
    predicted = attribution.grad_cam(model, images)
    assert predicted.classes.tolist() == [0, 1, 2]
    for c in range(3):
        cam = attribution.grad_cam(model, images[0], class_index=c).maps[0]
        lit = np.zeros((9, 9), bool)
        lit[:, 3 * c : 3 * c + 3] = True
        assert np.all(cam[lit] > 0) and np.all(cam[~lit] == 0), f"class {c}"
    per_image = attribution.grad_cam(model, images, class_index=[2, 2, 0])
    assert per_image.classes.tolist() == [2, 2, 0]
    assert np.all(per_image.maps[2][:, :3] > 0) and np.all(per_image.maps[0][:, :6] == 0)


def test_gradcam_reads_logits_behind_an_activation_layer():
    inputs = keras.Input((9, 9, 3))
    x = layers.Conv2D(3, 1, use_bias=False, name="colours")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(3, use_bias=False, name="scores")(x)
    model = keras.Model(inputs, layers.Activation("softmax")(x))
    model.get_layer("colours").set_weights([np.eye(3, dtype="float32").reshape(1, 1, 3, 3)])
    model.get_layer("scores").set_weights([np.eye(3, dtype="float32")])
    result = attribution.grad_cam(model, stripes_image(bright=1), class_index=1)
    np.testing.assert_allclose(result.weights[0], [0, 1 / 81, 0], rtol=1e-5, atol=1e-9)  # 1/81: d mean / d cell


def test_gradcam_bad_input_gets_clear_errors(photo):
    model = left_half_model()
    with pytest.raises(ValueError, match="class_index 2 is not a class"):
        attribution.grad_cam(model, photo, class_index=2)
    with pytest.raises(ValueError, match="do not match the model's input"):
        attribution.grad_cam(model, np.zeros((9, 9, 3)))
    with pytest.raises(ValueError, match="no layer named"):
        attribution.grad_cam(model, photo, layer_name="nope")
    headless = keras.Model(model.inputs[0], model.get_layer("left_half").output)
    pooled = keras.Model(headless.inputs[0], layers.GlobalAveragePooling2D()(headless.outputs[0]))
    with pytest.raises(ValueError, match="ending in a Dense layer"):
        attribution.grad_cam(pooled, photo)


# ----------------------------------------------------------------------- occlusion


def test_occlusion_of_the_right_half_changes_nothing(photo):
    model = left_half_model()
    result = attribution.occlusion(model, photo, patch=2, stride=2, fill=0.0)
    assert result.class_index == 1
    assert result.drop.shape == (4, 4)
    assert np.all(result.drop[:, 2:] == 0)  # the model never looks there
    assert np.all(result.drop[:, :2] > 0)  # hiding red on the left lowers p(class 1)
    assert np.all(result.pixels[:, W // 2 :] == 0) and np.all(result.pixels[:, : W // 2] > 0)
    p = model(photo[None]).numpy()[0, 0]
    assert result.base == pytest.approx(float(p))


def test_occlusion_with_a_plain_function_known_answer():
    """A 'model' whose probability is the brightness of pixel (3, 5): only patches covering it matter."""
    image = np.full((10, 10, 1), 0.9, dtype="float32")

    def predict(batch):
        p = batch[:, 3, 5, 0]
        return np.stack([1 - p, p], axis=1)

    result = attribution.occlusion(predict, image, patch=3, stride=3, fill=0.5, batch_size=5)
    assert result.rows.tolist() == [0, 3, 6, 7] and result.cols.tolist() == [0, 3, 6, 7]  # last patch on the edge
    expected = np.zeros((4, 4))
    expected[1, 1] = 0.9 - 0.5  # the patch at rows 3-5, cols 3-5 covers (3, 5)
    np.testing.assert_allclose(result.drop, expected, atol=1e-6)
    covering = np.zeros((10, 10), bool)
    covering[3:6, 3:6] = True
    # each pixel gets the mean drop of the patches covering it
    assert result.pixels[3, 3] == pytest.approx(0.4, abs=1e-6)
    assert np.all(result.pixels[~covering] < 0.4)
    assert result.base == pytest.approx(0.9)


def test_occluded_batch_and_patch_starts():
    image = np.arange(16, dtype="float32").reshape(4, 4, 1)
    batch = heatmaps.occluded_batch(image, np.array([0, 2]), np.array([2, 0]), 2, -1)
    assert batch.shape == (2, 4, 4, 1)
    assert np.all(batch[0, :2, 2:] == -1) and np.all(batch[1, 2:, :2] == -1)
    assert (batch == -1).sum() == 8 and np.all(batch[0, 2:] == image[2:])
    assert heatmaps.patch_starts(8, 4, 4).tolist() == [0, 4]
    with pytest.raises(ValueError, match="larger than the image"):
        heatmaps.patch_starts(4, 5, 1)
    with pytest.raises(ValueError, match="stride must be a whole number"):
        heatmaps.patch_starts(4, 2, 0)


# ------------------------------------------------------------------ receptive fields


def test_receptive_fields_from_a_keras_model_agree_with_autodiff():
    """The box of image pixels that can change one unit is exactly where its gradient is non-zero."""
    inputs = keras.Input((13, 13, 1))
    x = layers.Conv2D(1, 3, padding="same", name="c1")(inputs)
    x = layers.ReLU(name="r1")(x)
    x = layers.Conv2D(1, 3, strides=2, padding="same", name="c2")(x)
    x = layers.AveragePooling2D(2, name="p1")(x)
    x = layers.Conv2D(1, (3, 1), name="c3")(x)
    model = keras.Model(inputs, layers.Flatten(name="flat")(x))
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            layer.set_weights([np.ones_like(layer.get_weights()[0]), np.zeros(1, "float32")])
    fields = introspection.model_receptive_fields(model)
    assert [fields[n]["rf"] for n in ("c1", "r1", "c2", "p1", "c3")] == [(3, 3), (3, 3), (5, 5), (7, 7), (15, 7)]
    assert fields["flat"]["whole"]
    image = tf.ones((1, 13, 13, 1))
    for name, row, col in (("c1", 0, 0), ("c2", 3, 5), ("c2", 6, 6), ("p1", 1, 2), ("c3", 0, 2)):
        sub = keras.Model(model.inputs[0], model.get_layer(name).output)
        with tf.GradientTape() as tape:
            tape.watch(image)
            unit = sub(image)[0, row, col, 0]
        grad = tape.gradient(unit, image).numpy()[0, ..., 0]
        top, left, bottom, right = rf.receptive_box(fields[name], row, col, (13, 13))
        box = np.zeros((13, 13), bool)
        box[top:bottom, left:right] = True
        np.testing.assert_array_equal(grad != 0, box, err_msg=f"{name} unit ({row}, {col})")


def test_receptive_fields_follow_a_residual_branch():
    inputs = keras.Input((16, 16, 2))
    a = layers.Conv2D(2, 3, padding="same", name="a")(inputs)
    b = layers.Conv2D(2, 3, padding="same", name="b")(a)
    c = layers.Add(name="add")([a, b])
    model = keras.Model(inputs, layers.MaxPooling2D(name="pool")(c))
    fields = introspection.model_receptive_fields(model)
    assert fields["add"]["rf"] == (5, 5) and fields["pool"]["rf"] == (6, 6) and fields["pool"]["channels"] == 2


def test_model_receptive_fields_refuse_a_layer_that_resizes():
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Resizing(4, 4, name="shrink")])
    with pytest.raises(ValueError, match="cannot follow the receptive field through layer 'shrink'"):
        introspection.model_receptive_fields(model)


def test_describe_fields_and_gradcam_layer():
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(4, 3, name="c1"),
            layers.BatchNormalization(name="bn"),
            layers.ReLU(name="act"),
            layers.MaxPooling2D(name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(2, activation="softmax", name="out"),
        ]
    )
    text = rf.describe_fields(introspection.model_receptive_fields(model).values())
    assert "30x30x4" in text and "3x3" in text and "15x15x4" in text and "whole image" in text and "900 values" in text
    assert attribution.gradcam_layer(model) == "act"
    assert introspection.conv_layers(model) == ["c1", "pool"]


# ------------------------------------------------------------ filters and top images


def test_filters_as_images_keep_zero_grey():
    kernel = np.zeros((2, 2, 3, 2))
    kernel[0, 0, 0, 0], kernel[1, 1, 2, 0] = 2.0, -1.0
    kernel[0, 1, 1, 1] = 0.5
    images = introspection.filters_as_images(kernel)
    assert images.shape == (2, 2, 2, 3)
    assert images[0, 0, 0, 0] == 1.0 and images[0, 1, 1, 2] == 0.25 and images[0, 0, 1, 1] == 0.5
    assert images[1, 0, 1, 1] == 1.0  # each filter scaled by its own largest weight
    assert introspection.filters_as_images(kernel, per_filter=False)[1, 0, 1, 1] == 0.625
    with pytest.raises(ValueError, match="kh, kw, channels, filters"):
        introspection.filters_as_images(np.zeros((3, 3)))


def test_top_k_known_answer():
    assert introspection.top_k([0.1, 5, 3, 5, -2], 3).tolist() == [1, 3, 2]
    with pytest.raises(ValueError, match="k must be a whole number from 1 to 5"):
        introspection.top_k([0.1, 5, 3, 5, -2], 6)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        introspection.top_k([], 1)


def test_top_activating_finds_the_greenest_images():
    model = stripes_model()
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 0.5, (12, 9, 9, 3)).astype("float32")
    images[[7, 2, 9], ..., 1] += np.array([0.9, 0.6, 0.3], dtype="float32")[:, None, None]
    images[7, 4, 6, 1] = 5.0  # the brightest green pixel of image 7
    top = introspection.top_activating(model, images, "colours", channel=1, k=3)
    assert top.indices.tolist() == [7, 2, 9]
    np.testing.assert_allclose(top.scores[1], images[2, ..., 1].mean(), rtol=1e-6)
    assert top.boxes[0] == (4, 6, 5, 7)  # a 1x1 receptive field at the peak
    with pytest.raises(ValueError, match="pick a channel from 0 to 2"):
        introspection.top_activating(model, images, "colours", channel=3)


# ----------------------------------------------------------------------- maps


def test_resize_map_matches_tensorflow_bilinear():
    rng = np.random.default_rng(2)
    values = rng.normal(size=(3, 5))
    ours = heatmaps.resize_map(values, (12, 10))
    theirs = tf.image.resize(values[None, ..., None], (12, 10), method="bilinear").numpy()[0, ..., 0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(heatmaps.resize_map([[0.0, 1.0]], (1, 4)), [[0, 0.25, 0.75, 1]])


def test_normalise():
    np.testing.assert_allclose(heatmaps.normalise([[0, 2], [1, 4]]), [[0, 0.5], [0.25, 1]])
    assert not heatmaps.normalise(np.zeros((2, 2))).any()


# -------------------------------------------------------------------- plots and widget


def test_plots_draw_what_was_computed(photo):
    model = left_half_model()
    cam = attribution.grad_cam(model, photo)
    ax = plots.gradcam_overlay(photo, cam.maps[0], title="class 1")
    heat = ax.images[-1].get_array()
    assert heat.shape == (H, W) and np.all(heat[:, W // 2 :] == 0) and heat.max() == pytest.approx(1.0)
    ax = plots.occlusion_overlay(photo, attribution.occlusion(model, photo, patch=4, stride=4, fill=0.0))
    assert ax.images[-1].get_array().shape == (H, W)
    ax = plots.filter_mosaic(introspection.filters_as_images(np.ones((3, 3, 3, 5))), ncols=4)
    assert ax.images[-1].get_array().shape == (2 * 4 + 1, 4 * 4 + 1, 3)
    top = introspection.top_activating(
        stripes_model(), np.stack([stripes_image(c) for c in range(3)]), "colours", 0, k=2
    )
    axes = plots.top_gallery(np.stack([stripes_image(c) for c in range(3)]), top)
    assert len(axes) == 2 and len(axes[0].patches) == 1
    plt.close("all")


def test_activations_through_depth_titles():
    model = keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(4, 3, name="c1"), layers.MaxPooling2D(name="p1")])
    fields = introspection.model_receptive_fields(model)
    fmaps = {"c1": np.random.rand(10, 10, 4), "p1": np.random.rand(5, 5, 4)}
    axes = plots.activations_through_depth(fmaps, fields, channels=3)
    assert axes.shape == (2, 3)
    assert "10x10x4" in axes[0, 0].get_title() and "RF 3x3" in axes[0, 0].get_title()
    assert "5x5x4" in axes[1, 0].get_title() and "RF 4x4" in axes[1, 0].get_title()
    plt.close("all")


def test_activations_through_depth_puts_the_input_and_the_field_of_the_brightest_unit_first():
    model = keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(4, 3, name="c1"), layers.MaxPooling2D(name="p1")])
    fields = introspection.model_receptive_fields(model)
    fmaps = {"c1": np.zeros((10, 10, 4)), "p1": np.zeros((5, 5, 4))}
    fmaps["c1"][2, 7, 1] = 5.0  # channel 1 is the strongest; its brightest unit: (2, 7)
    fmaps["p1"][..., 0] = 1.0  # channel 0; every unit ties: the first, (0, 0)
    image = np.full((12, 12, 3), 0.5)
    axes = plots.activations_through_depth(fmaps, fields, channels=2, image=image)
    assert axes.shape == (2, 3)
    assert axes[0, 0].images[0].get_array().shape == (12, 12, 3) and "yellow box" in axes[0, 0].get_title()
    box = axes[0, 0].patches[0]  # rows 2-4, columns 7-9 of the image: a 3x3 field
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (6.5, 1.5, 3, 3)
    box = axes[1, 0].patches[0]  # a 4x4 field at the corner
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (-0.5, -0.5, 4, 4)
    assert "10x10x4" in axes[0, 1].get_title() and "ch. 1: 0 to 5" in axes[0, 1].get_title()
    plt.close("all")


def test_gradcam_explorer_widget():
    model = stripes_model()
    images = np.stack([stripes_image(c) for c in range(3)])
    explorer = widgets.GradCamExplorer(images, ["red", "green", "blue"], **model_widgets.explorer_hooks(model))
    assert explorer.error == "" and explorer.cls.value == "predicted"
    assert "red" in explorer.text and explorer.cam.shape == (9, 9)
    explorer.image.value = 2
    assert "blue" in explorer.text and np.all(explorer.cam[:, 6:] > 0) and np.all(explorer.cam[:, :6] == 0)
    explorer.cls.value = "green"
    assert np.all(explorer.cam[:, 3:6] > 0) and np.all(explorer.cam[:, 6:] == 0) and "green" in explorer.text
    np.testing.assert_allclose(explorer.cam, attribution.grad_cam(model, images[2], class_index=1).maps[0])
    assert explorer.layer.options == ("colours",)
    explorer.occlusion.value = True
    assert explorer.error == "" and explorer.drop is not None
    np.testing.assert_allclose(
        explorer.drop, attribution.occlusion(model, images[2], patch=2, stride=1, class_index=1).drop
    )


def test_explorer_hooks_offer_the_maps_before_global_pooling():
    hooks = model_widgets.explorer_hooks(left_half_model())
    assert hooks["layers"] == ["features", "left_half"] and hooks["layer"] == "left_half"
    assert set(hooks["fields"]) >= {"features", "left_half"}


def test_gradcam_explorer_checks_the_class_names_at_construction():
    model = stripes_model()
    hooks = model_widgets.explorer_hooks(model)
    with pytest.raises(ValueError, match=r"the model gives 3 class probabilities but 2 class names"):
        widgets.GradCamExplorer(np.stack([stripes_image(0)]), ["red", "green"], **hooks)
    with pytest.raises(ValueError, match=r"the model gives 2 class probabilities but 3 class names"):
        widgets.GradCamExplorer(
            np.zeros((1, H, W, 3)), ["cat", "dog", "bird"], **model_widgets.explorer_hooks(left_half_model())
        )


def test_brightness_share():
    kernel = np.zeros((1, 2, 3, 3))
    kernel[0, 0, :, 0] = [1, 1, 1]  # the same on R, G, B: all brightness
    kernel[0, 0, :, 1] = [1, -1, 0]  # sums to 0 over channels: all colour
    kernel[0, 0, :, 2] = [2, 1, 0]  # mean 1 (3 alike), deviations 1, 0, 1
    np.testing.assert_allclose(introspection.brightness_share(kernel), [1, 0, 3 / 5])


def test_selective_channels_put_the_dead_filter_last():
    model = stripes_model()
    images = np.zeros((4, 9, 9, 3), dtype="float32")
    images[..., 0] = np.array([0.5, 0.6, 0.5, 0.6])[:, None, None]  # red: a little spread
    images[[0, 2], ..., 1] = 1.0  # green: on in two images, off in two
    images[..., 2] = -1.0  # blue: negative, so ReLU keeps it dead at 0
    assert introspection.selective_channels(model, images, "colours").tolist() == [1, 0, 2]


def test_spatial_and_depth_layers_of_a_deeper_stack():
    stack = [keras.Input((32, 32, 3))]
    for i in range(4):
        stack += [layers.Conv2D(2, 3, padding="same", name=f"c{i}"), layers.MaxPooling2D(name=f"p{i}")]
    model = keras.Sequential(stack + [layers.Flatten(name="flat"), layers.Dense(2, activation="softmax", name="out")])
    assert introspection.spatial_layers(model) == [f"{kind}{i}" for i in range(4) for kind in ("c", "p")]
    assert introspection.depth_layers(model, n=4) == ["c0", "c1", "p2", "p3"]  # evenly spread: 0, 2.3, 4.7, 7 of 0..7
    assert introspection.depth_layers(model, n=20) == introspection.conv_layers(model)
    scores, peaks = introspection.filter_scores(model, np.zeros((2, 32, 32, 3)), "p3", channel=1)
    assert scores.shape == (2,) and peaks.shape == (2, 2)
    for layer_name, channel, batch, said in [
        ("out", 0, 64, "'out' is not a layer of this model that gives a stack of maps"),
        ("flat", 0, 64, "'flat' is not a layer"),
        ("p3", 2, 64, "channel"),
        ("p3", 1.0, 64, "channel"),
        ("p3", True, 64, "channel"),
        ("p3", 1, 0, "batch_size"),
    ]:
        with pytest.raises(ValueError, match=said):
            introspection.filter_scores(model, np.zeros((2, 32, 32, 3)), layer_name, channel, batch_size=batch)
