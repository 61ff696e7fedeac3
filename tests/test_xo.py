"""Check the X/O network against Ali (2019), exactly, as multiples of 1/9."""

import numpy as np
import pytest

from cnnviz import xo


def ninths(a):
    """Return ``a`` * 9 as integers, failing if any value is not a multiple of 1/9."""
    scaled = np.asarray(a) * 9
    rounded = np.rint(scaled)
    np.testing.assert_allclose(scaled, rounded, atol=1e-9)
    return rounded.astype(int)


def test_images_are_plus_minus_one_9x9():
    for image in (xo.X, xo.O):
        assert image.shape == (9, 9)
        assert set(np.unique(image)) == {-1.0, 1.0}
    assert (xo.X == 1).sum() == 13 and (xo.O == 1).sum() == 16
    np.testing.assert_array_equal(xo.X, xo.X[:, ::-1])  # an X is mirror-symmetric


def test_x_filter1_map_matches_seed_table():
    # Ali (2019), section 3.1.1, in ninths (the article prints 7/9 as 0.77 and 5/9 as 0.55)
    expected = [
        [7, -1, 1, 3, 5, -1, 3],
        [-1, 9, -1, 3, -1, 1, -1],
        [1, -1, 9, -3, 1, -1, 5],
        [3, 3, -3, 5, -3, 3, 3],
        [5, -1, 1, -3, 9, -1, 1],
        [-1, 1, -1, 3, -1, 9, -1],
        [3, -1, 5, 3, 1, -1, 7],
    ]
    np.testing.assert_array_equal(ninths(xo.forward(xo.X)["conv"][0]), expected)


def test_x_filter2_and_filter3_maps():
    conv = ninths(xo.forward(xo.X)["conv"])
    assert conv[1].tolist()[3] == [-1, 3, -7, 9, -7, 3, -1]
    assert conv[1].tolist()[0] == [3, -5, 1, -1, 1, -5, 3]
    # filter 3 is filter 1 mirrored, and so is its map of the (symmetric) X
    np.testing.assert_array_equal(conv[2], conv[0][:, ::-1])


def test_relu_and_pooled_maps_for_x():
    out = xo.forward(xo.X)
    assert (out["relu"] >= 0).all()
    np.testing.assert_array_equal(ninths(out["pool1"][0]), [[9, 3, 5, 3], [3, 9, 3, 5], [5, 3, 9, 1], [3, 5, 1, 7]])
    np.testing.assert_array_equal(ninths(out["pool1"][1]), [[5, 3, 5, 3], [3, 9, 5, 1], [5, 5, 5, 1], [3, 1, 1, 3]])
    # the article prints 1.55 at [1, 1]: impossible after ReLU of averages <= 1; it is 5/9
    np.testing.assert_array_equal(ninths(out["pool1"][2]), [[3, 5, 9, 7], [5, 5, 9, 3], [9, 9, 1, 5], [7, 3, 5, 3]])
    np.testing.assert_array_equal(ninths(out["pool2"]), [[[9, 5], [5, 9]], [[9, 5], [5, 5]], [[5, 9], [9, 5]]])


def test_relu_changes_none_of_the_12_values_of_the_66_training_and_test_letters():
    from cnnviz import learn, ops

    (x_train, _), (x_test, _) = learn.make_dataset(), learn.make_test_set()
    letters = np.concatenate([x_train, x_test])
    assert len(letters) == 66 and learn.overlap(x_train, x_test) == 0  # notebook 03 says 66
    for image in letters:
        out, without = xo.forward(image), xo.forward(image, relu=False)
        assert (out["conv"] < 0).any()  # ReLU does zero some values...
        np.testing.assert_array_equal(without["vector"], out["vector"])  # ...that max pooling drops anyway
        assert without["vector"].min() > 0  # a positive value in every block
        np.testing.assert_array_equal(without["relu"], out["conv"])
    # max pooling and ReLU commute, so ReLU matters only where a whole block is negative
    relu_first = ops.pool2d(ops.relu(xo.forward(xo.O)["conv"][1]), 2, 2, "max", "same")
    np.testing.assert_array_equal(relu_first, ops.relu(ops.pool2d(xo.forward(xo.O)["conv"][1], 2, 2, "max", "same")))
    assert not np.array_equal(xo.forward(np.ones((9, 9)))["vector"], xo.forward(np.ones((9, 9)), relu=False)["vector"])


def test_class_vectors_match_seed_votes():
    vectors = xo.class_vectors()
    np.testing.assert_array_equal(ninths(vectors["X"]), [9, 5, 5, 9, 9, 5, 5, 5, 5, 9, 9, 5])
    np.testing.assert_array_equal(ninths(vectors["O"]), [5, 9, 9, 5, 5, 5, 5, 5, 9, 5, 5, 9])
    assert np.flatnonzero(xo.vote_mask(vectors["X"])).tolist() == [0, 3, 4, 9, 10]
    assert np.flatnonzero(xo.vote_mask(vectors["O"])).tolist() == [1, 2, 8, 11]


def test_article_prediction_0912_for_x_and_05175_for_o():
    scores = xo.votes(xo.NEW_INPUT)
    assert scores["X"] == pytest.approx(0.912, abs=1e-12)
    assert scores["O"] == pytest.approx(0.5175, abs=1e-12)


def test_clean_images_are_recognised():
    assert xo.predict(xo.X)[0] == "X"
    assert xo.predict(xo.O)[0] == "O"


def test_squared_error_of_the_articles_boat_example():
    # Ali (2019), step 3: target [0, 0, 1, 0], output [0.2, 0.4, 0.1, 0.3]
    assert xo.squared_error([0, 0, 1, 0], [0.2, 0.4, 0.1, 0.3]) == pytest.approx(0.55)
    with pytest.raises(ValueError, match="same shape"):
        xo.squared_error([0, 1], [0.5, 0.2, 0.3])


def test_bad_image_raises():
    with pytest.raises(ValueError, match="2-D image of at least 4x4"):
        xo.forward(np.ones(9))
    with pytest.raises(ValueError, match="2-D image of at least 4x4"):
        xo.forward(np.ones((3, 3)))


def test_images_that_are_not_plus_minus_one_are_refused():
    # xo.predict(np.zeros((9, 9))) used to answer "X": a grey page is not a drawing
    for bad, shown in (
        (np.zeros((9, 9)), "0.0"),
        (np.full((9, 9), 255.0), "255.0"),
        (np.where(xo.X > 0, 1.0, 0.0), "0.0"),
        (np.full((9, 9), np.nan), "nan"),
    ):
        with pytest.raises(ValueError, match=r"\+1 \(stroke\) and -1 \(background\) only") as err:
            xo.predict(bad)
        assert shown in str(err.value) and "np.where(image > 0, 1, -1)" in str(err.value)
    with pytest.raises(ValueError, match="numbers"):
        xo.forward([["a"] * 9] * 9)
    one_off = xo.X.copy()
    one_off[0, 0] = 0.5
    with pytest.raises(ValueError, match="1 of the 81 pixels"):
        xo.shift(one_off, 0, 1)
    np.testing.assert_array_equal(xo.check_image(xo.X.astype(int)), xo.X)  # +1/-1 integers are fine
