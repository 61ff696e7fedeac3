"""Check cnnviz.ops: exact small examples, agreement with Keras layers, and clear errors."""

import numpy as np
import pytest

from cnnviz import ops


@pytest.fixture
def keras():
    """Keras, for the tests that compare with its layers; the rest of this file needs NumPy only."""
    return pytest.importorskip("keras")


# ------------------------------------------------------------ worked examples


def test_anonymous_worked_5x5_convolution():
    image = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    kernel = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    np.testing.assert_array_equal(ops.conv2d(image, kernel), [[12, 12, 17], [10, 17, 19], [9, 6, 14]])


def test_dishashree_output_size_examples():
    assert ops.output_size(32, 3, stride=1, padding=0) == 30
    image = np.zeros((32, 32, 3))
    kernels = np.zeros((5, 5, 3, 10))
    assert ops.conv2d(image, kernels).shape == (28, 28, 10)
    # same padding keeps the size; stride 2 halves it (rounding up, as Keras does)
    assert ops.output_size(7, 2, 2, "same") == 4
    assert ops.output_size(6, 3, 1, 1) == 6


def test_mean_reduce_divides_by_number_of_weights():
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.ones((3, 3))
    np.testing.assert_allclose(ops.conv2d(image, kernel, reduce="mean"), ops.conv2d(image, kernel) / 9)
    rgb = np.ones((4, 4, 3))
    np.testing.assert_allclose(ops.conv2d(rgb, np.ones((3, 3, 3)), reduce="mean"), np.ones((2, 2)))


def test_single_filter_spans_all_channels():
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(6, 6, 3)), rng.normal(size=(3, 3, 3))
    by_channel = sum(ops.conv2d(image[..., c], kernel[..., c]) for c in range(3))
    np.testing.assert_allclose(ops.conv2d(image, kernel), by_channel)


def test_relu_softmax_flatten():
    np.testing.assert_array_equal(ops.relu([-2, 0, 3]), [0, 0, 3])
    p = ops.softmax([1000.0, 1000.0, 0.0])
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, [0.5, 0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(ops.softmax([[1.0, 2.0], [3.0, 3.0]]).sum(axis=-1), [1.0, 1.0])
    np.testing.assert_array_equal(ops.flatten([[1, 2], [3, 4]]), [1, 2, 3, 4])


def test_pooling_modes_by_hand():
    fmap = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert ops.pool2d(fmap, mode="max")[0, 0] == 4
    assert ops.pool2d(fmap, mode="avg")[0, 0] == 2.5
    assert ops.pool2d(fmap, mode="sum")[0, 0] == 10
    assert ops.pool2d(fmap, mode="l2")[0, 0] == pytest.approx(np.sqrt(30))


def test_same_pooling_turns_7x7_into_4x4_then_2x2():
    fmap = np.arange(49.0).reshape(7, 7)
    p1 = ops.pool2d(fmap, padding="same")
    assert p1.shape == (4, 4)
    assert ops.pool2d(p1, padding="same").shape == (2, 2)
    assert ops.pool2d(fmap, padding="valid").shape == (3, 3)
    # the padded row and column are ignored: the last cell sees only fmap[6, 6]
    assert p1[3, 3] == 48
    assert ops.pool2d(fmap, padding="same", mode="avg")[3, 3] == 48


def test_parameter_counts():
    assert ops.conv_params(3, 3, 32) == 896
    assert ops.dense_params(1024, 500) == 512500
    assert ops.locally_connected_params(30, 30, 3, 1, 1) == 900 * 10
    assert ops.dense_params(1000 * 1000, 1000, bias=False) == 10**9


# ----------------------------------------------------------- agreement with Keras

CONV_CASES = [
    # (H, W, C, F, k, stride, padding)
    (7, 7, 1, 1, 3, 1, "valid"),
    (9, 9, 1, 3, 3, 1, "same"),
    (8, 10, 3, 4, 3, 2, "same"),
    (11, 11, 3, 2, 5, 2, "valid"),
    (10, 9, 2, 5, 2, 3, "same"),
    (12, 12, 4, 3, 4, 3, "valid"),
]


@pytest.mark.parametrize("h,w,c,f,k,stride,padding", CONV_CASES)
def test_conv2d_agrees_with_keras(h, w, c, f, k, stride, padding, keras):
    rng = np.random.default_rng(h * 100 + k * 10 + stride)
    image = rng.normal(size=(h, w, c)).astype("float32")
    kernel = rng.normal(size=(k, k, c, f)).astype("float32")
    layer = keras.layers.Conv2D(f, (k, k), strides=stride, padding=padding, use_bias=False)
    layer.build((1, h, w, c))
    layer.set_weights([kernel])
    expected = np.asarray(layer(image[None]))[0]
    got = ops.conv2d(image, kernel, stride=stride, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


POOL_CASES = [
    (7, 7, 2, 2, "same"),
    (7, 7, 2, 2, "valid"),
    (8, 6, 3, 2, "same"),
    (9, 9, 3, 3, "valid"),
    (10, 7, 2, 1, "same"),
    (5, 5, 3, 2, "same"),
]


@pytest.mark.parametrize("h,w,size,stride,padding", POOL_CASES)
@pytest.mark.parametrize("mode,layer_cls", [("max", "MaxPooling2D"), ("avg", "AveragePooling2D")])
def test_pool2d_agrees_with_keras(h, w, size, stride, padding, mode, layer_cls, keras):
    rng = np.random.default_rng(h * w + size)
    fmap = rng.normal(size=(h, w, 3)).astype("float32")
    layer = getattr(keras.layers, layer_cls)(pool_size=size, strides=stride, padding=padding)
    expected = np.asarray(layer(fmap[None]))[0]
    got = ops.pool2d(fmap, size, stride, mode, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def anonymous_cnn_params_by_hand():
    """Count the parameters of Anonymous (n.d.)'s CIFAR-10 network (models.anonymous_cnn) with NumPy only.

    Returns:
        The sum of its three 2x2 convolutions (3 -> 16 -> 32 -> 64 channels) and its two Dense layers
        (the 4x4x64 maps left after three 2x2 poolings -> 500 -> 10); tests/test_models_cifar.py compares it
        with Keras' count of the built model.
    """
    return (
        ops.conv_params(2, 3, 16)
        + ops.conv_params(2, 16, 32)
        + ops.conv_params(2, 32, 64)
        + ops.dense_params(4 * 4 * 64, 500)
        + ops.dense_params(500, 10)
    )


def test_anonymous_cifar_network_has_the_published_528054_parameters_by_hand():
    assert anonymous_cnn_params_by_hand() == 528_054  # the count Anonymous (n.d.) publishes


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ops.conv2d(np.zeros(5), np.ones((3, 3))), "2-D .* or 3-D"),
        (lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3, 1))), "2-D kernel"),
        (lambda: ops.conv2d(np.zeros((5, 5, 3)), np.ones((3, 3))), "spanning its 3 channels"),
        (lambda: ops.conv2d(np.zeros((2, 2)), np.ones((3, 3))), "larger than the padded image"),
        (lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=0), "stride must be"),
        (lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=1.5), "stride must be"),
        (lambda: ops.conv2d(np.zeros((5, 5, 3)), np.ones((3, 3, 2, 4))), "channel mismatch"),
        (lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 2))), "must be square"),
        (lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), padding="full"), "padding must be"),
        (lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), reduce="max"), "reduce must be"),
        (lambda: ops.conv2d([["a"]], np.ones((1, 1))), "array of numbers"),
        (lambda: ops.pool2d(np.zeros((4, 4)), mode="median"), "mode must be one of"),
        (lambda: ops.pool2d(np.zeros((4, 4)), padding=1), "'valid' or 'same'"),
        (lambda: ops.pool2d(np.zeros((4, 4, 1, 1))), "2-D .* or 3-D"),
        (lambda: ops.pool2d(np.zeros((2, 2)), size=3), "larger than the feature map"),
        (lambda: ops.output_size(7, 3, stride=3), "does not tile"),
        (lambda: ops.output_size(3, 5), "larger than the padded input"),
        (lambda: ops.output_size(0, 3), "input size n must be"),
    ],
)
def test_bad_input_raises_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_tiling_stride_message_suggests_strides_that_fit():
    with pytest.raises(ValueError, match=r"Strides that tile here: \[1, 2, 4\]"):
        ops.output_size(7, 3, stride=3)
    assert ops.output_size(7, 3, stride=3, strict=False) == 2


def test_locally_connected_equals_conv_when_all_kernels_are_equal():
    rng = np.random.default_rng(3)
    image, kernel = rng.normal(size=(6, 5)), rng.normal(size=(3, 3))
    kernels = np.broadcast_to(kernel, (4, 3, 3, 3))
    np.testing.assert_allclose(ops.locally_connected2d(image, kernels), ops.conv2d(image, kernel))
    kernels = rng.normal(size=(4, 3, 3, 3))
    out = ops.locally_connected2d(image, kernels)
    assert out[1, 2] == pytest.approx((image[1:4, 2:5] * kernels[1, 2]).sum())
    with pytest.raises(ValueError, match="one k x k kernel per output pixel"):
        ops.locally_connected2d(image, kernels[:3])


# ------------------------------------------------ notebook 02: floor formula and cross-correlation, against Keras


def test_floor_output_size_explains_tiling():
    assert ops.explain_floor_output_size(7, 3, 2, 0)[0] == 3
    size, text = ops.explain_floor_output_size(7, 3, 3, 0)
    assert size == 2 and "floor(1.33333) + 1 = 2" in text and "do not tile exactly" in text
    assert "tile exactly, every pixel" in ops.explain_floor_output_size(7, 3, 3, 1)[1]
    with pytest.raises(ValueError, match="larger than the padded input"):
        ops.explain_floor_output_size(3, 5, 1, 0)
    with pytest.raises(ValueError, match="ceil"):
        ops.explain_floor_output_size(7, 3, 1, "same")


def test_keras_conv2d_is_cross_correlation_with_the_floor_output_size(keras):
    rng = np.random.default_rng(1)
    image = rng.normal(size=(9, 9))
    kernel = rng.normal(size=(3, 3))  # not symmetric: flipping it changes the result
    for stride in (1, 2, 3):
        layer = keras.layers.Conv2D(1, 3, strides=stride, padding="valid", use_bias=False)
        layer.build((1, 9, 9, 1))
        layer.set_weights([kernel[:, :, None, None]])
        got = np.asarray(layer(image[None, :, :, None].astype("float32")))[0, :, :, 0]
        n_out = ops.explain_floor_output_size(9, 3, stride, 0)[0]
        assert got.shape == (n_out, n_out)
        np.testing.assert_allclose(
            got,
            ops.conv2d(image, kernel, stride=stride) if stride != 3 else ops.conv2d(image, kernel, stride=1)[::3, ::3],
            atol=1e-5,
        )
        if stride == 1:  # a true convolution (kernel flipped) differs
            assert not np.allclose(got, ops.conv2d(image, kernel[::-1, ::-1]), atol=1e-3)


def test_leftover_counts_the_pixels_no_window_reaches():
    for n in range(1, 12):
        for k in range(1, n + 1):
            for s in range(1, 5):
                for p in range(0, 3):
                    span = n + 2 * p
                    reached = {start + i for start in range(0, span - k + 1, s) for i in range(k)}
                    assert ops.leftover(n, k, s, p) == span - 1 - max(reached), (n, k, s, p)
                    tiles = "do not tile" not in ops.explain_floor_output_size(n, k, s, p)[1]
                    assert tiles == (ops.leftover(n, k, s, p) == 0)
