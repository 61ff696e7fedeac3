"""Check the NumPy gradient descent of notebook 04: the forward pass, the gradients, and that it learns."""
import numpy as np
import pytest

from cnnviz import learn, ops, xo


def test_dataset_holds_shifted_bold_and_noisy_letters():
    x, y = learn.make_dataset()
    assert x.shape == (26, 9, 9) and np.bincount(y).tolist() == [13, 13]
    assert set(np.unique(x)) == {-1.0, 1.0}
    assert any(np.array_equal(image, xo.shift(xo.X, -1, 1)) for image in x[y == 0])
    assert any(np.array_equal(image, xo.thicken(xo.O)) for image in x[y == 1])
    x2, _ = learn.make_dataset()
    np.testing.assert_array_equal(x, x2)                       # seeded: the same every time
    x3, _ = learn.make_dataset(seed=1)
    assert not np.array_equal(x, x3)
    x4, y4 = learn.make_dataset(shifts=0, noisy=0, thick=False)
    np.testing.assert_array_equal(x4, np.stack([xo.X, xo.O]))
    assert y4.tolist() == [0, 1]
    with pytest.raises(ValueError, match="no images"):
        learn.make_dataset(noisy=0, thick=False, shifted=False)


def test_the_test_set_never_holds_a_training_image():
    x, _ = learn.make_dataset()
    x_test, y_test = learn.make_test_set()
    assert x_test.shape == (40, 9, 9) and np.bincount(y_test).tolist() == [20, 20]
    assert learn.overlap(x, x_test) == 0
    # the old test set, make_dataset(seed=1, noisy=10, flips=4), shared its 20 shifted and bolder letters
    old, _ = learn.make_dataset(seed=1, noisy=10, flips=4)
    assert learn.overlap(x, old) == 20
    for image, label in zip(x_test, y_test):                  # a letter moved by <= 1 pixel, 4 pixels flipped
        base = xo.IMAGES[learn.CLASSES[label]]
        assert min((image != xo.shift(base, dy, dx)).sum() for dy in (-1, 0, 1) for dx in (-1, 0, 1)) == 4


def test_hand_params_reproduce_the_seed_votes_exactly():
    params = learn.hand_params()
    probs, cache = learn.forward(params, np.stack([xo.X, xo.O]))
    for i, image in enumerate([xo.X, xo.O]):
        np.testing.assert_allclose(cache["vector"][i], xo.forward(image)["vector"], atol=1e-12)
        votes = xo.votes(xo.forward(image)["vector"])
        np.testing.assert_allclose(cache["scores"][i], [votes["X"], votes["O"]], atol=1e-12)
    np.testing.assert_allclose(probs[0], ops.softmax([1, 5 / 9]))
    # the seed's new input through the dense layer gives its 0.912 and 0.5175
    np.testing.assert_allclose(params["weights"] @ xo.NEW_INPUT, [0.912, 0.5175], atol=1e-12)


def test_forward_matches_xo_on_random_images():
    rng = np.random.default_rng(5)
    images = rng.choice([-1.0, 1.0], size=(6, 9, 9))
    filters = rng.normal(size=(3, 3, 3))
    _, cache = learn.forward({"filters": filters, "weights": np.zeros((2, 12)), "bias": np.zeros(2)}, images)
    named = {str(i): f for i, f in enumerate(filters)}
    for image, vector in zip(images, cache["vector"]):
        np.testing.assert_allclose(vector, xo.forward(image, named)["vector"], atol=1e-12)


@pytest.mark.parametrize("kind", learn.LOSSES)
def test_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 9, 9))                             # continuous input: no ties in the max
    y = np.array([0, 1, 1, 0])
    params = learn.init_params(seed=2)
    params["weights"] = rng.normal(size=params["weights"].shape)
    probs, cache = learn.forward(params, x)
    grads = learn.backward(params, probs, cache, y, kind)
    eps = 1e-6
    for name in ("filters", "weights", "bias"):
        for idx in list(np.ndindex(params[name].shape))[:12]:
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            numeric = (learn.loss(learn.forward(plus, x)[0], y, kind) -
                       learn.loss(learn.forward(minus, x)[0], y, kind)) / (2 * eps)
            assert grads[name][idx] == pytest.approx(numeric, abs=1e-7, rel=1e-4), (name, idx)


def test_loss_values():
    probs = np.array([[0.8, 0.2], [0.4, 0.6]])
    assert learn.loss(probs, [0, 1], "squared") == pytest.approx(np.mean([0.04, 0.16]))
    assert learn.loss(probs, [0, 1]) == pytest.approx(-np.mean(np.log([0.8, 0.6])))
    with pytest.raises(ValueError, match="loss kind"):
        learn.loss(probs, [0, 1], "hinge")


@pytest.mark.parametrize("kind", learn.LOSSES)
def test_training_lowers_the_loss_and_learns_to_classify_variants(kind):
    x, y = learn.make_dataset()
    params, history = learn.train(x, y, steps=100, lr=0.1, kind=kind)
    assert len(history["loss"]) == 100
    assert history["loss"][-1] < history["loss"][0] / 10
    assert history["accuracy"][0] == 0.5 and history["accuracy"][-1] == 1.0
    x_test, y_test = learn.make_test_set()
    assert learn.accuracy(params, x_test, y_test) >= 0.95
    # a bolder X, which the hand-made filters call O, is an X for the learned ones
    assert xo.predict(xo.thicken(xo.X))[0] == "O"
    assert learn.forward(params, xo.thicken(xo.X))[0].argmax() == 0


def test_training_is_repeatable_and_starts_from_given_params():
    x, y = learn.make_dataset()
    a, ha = learn.train(x, y, steps=5)
    b, hb = learn.train(x, y, steps=5)
    assert ha == hb and all(np.array_equal(a[k], b[k]) for k in a)
    hand = learn.hand_params()
    _, h = learn.train(x, y, steps=1, params=hand)
    assert h["accuracy"][0] == pytest.approx(learn.accuracy(hand, x, y))
    np.testing.assert_array_equal(hand["filters"], np.stack(list(xo.FILTERS.values())))  # not modified
    with pytest.raises(ValueError, match="kind"):
        learn.train(x, y, steps=1, kind="mse")
    with pytest.raises(ValueError, match="momentum"):
        learn.train(x, y, steps=1, momentum=1.0)


def test_the_first_step_is_plain_gradient_descent_and_momentum_keeps_the_last_step():
    x, y = learn.make_dataset()
    start = learn.init_params(seed=0)
    probs, cache = learn.forward(start, x)
    grads = learn.backward(start, probs, cache, y, "squared")
    one, _ = learn.train(x, y, steps=1, lr=0.1, kind="squared", params=start)
    for k in start:                                            # what notebook 04 does by hand
        np.testing.assert_allclose(one[k], start[k] - 0.1 * grads[k], atol=1e-15)
    two, _ = learn.train(x, y, steps=2, lr=0.1, kind="squared", params=start)
    probs1, cache1 = learn.forward(one, x)
    grads1 = learn.backward(one, probs1, cache1, y, "squared")
    for k in start:                                            # step 2 = 0.9 * step 1 - lr * gradient
        np.testing.assert_allclose(two[k], one[k] + 0.9 * (one[k] - start[k]) - 0.1 * grads1[k], atol=1e-12)
    plain, _ = learn.train(x, y, steps=2, lr=0.1, kind="squared", params=start, momentum=0.0)
    np.testing.assert_allclose(plain["filters"], one["filters"] - 0.1 * grads1["filters"], atol=1e-12)


def test_similarity_and_bad_input():
    hand = np.stack(list(xo.FILTERS.values()))
    sim = learn.similarity(np.concatenate([hand, -hand[:1]]))
    np.testing.assert_allclose(np.diag(sim[:3]), 1)
    assert sim[3, 0] == pytest.approx(-1)
    assert sim[0, 2] == pytest.approx(np.sum(hand[0] * hand[2]) / 9)   # the two diagonals
    with pytest.raises(ValueError, match="images"):
        learn.forward(learn.init_params(), np.zeros((2, 2, 9, 9)))
