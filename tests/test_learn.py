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
    np.testing.assert_array_equal(x, x2)  # seeded: the same every time
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
    for image, label in zip(x_test, y_test):  # a letter moved by <= 1 pixel, 4 pixels flipped
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
    x = rng.normal(size=(4, 9, 9))  # continuous input: no ties in the max
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
            numeric = (
                learn.loss(learn.forward(plus, x)[0], y, kind) - learn.loss(learn.forward(minus, x)[0], y, kind)
            ) / (2 * eps)
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
    for k in start:  # what notebook 04 does by hand
        np.testing.assert_allclose(one[k], start[k] - 0.1 * grads[k], atol=1e-15)
    two, _ = learn.train(x, y, steps=2, lr=0.1, kind="squared", params=start)
    probs1, cache1 = learn.forward(one, x)
    grads1 = learn.backward(one, probs1, cache1, y, "squared")
    for k in start:  # step 2 = 0.9 * step 1 - lr * gradient
        np.testing.assert_allclose(two[k], one[k] + 0.9 * (one[k] - start[k]) - 0.1 * grads1[k], atol=1e-12)
    plain, _ = learn.train(x, y, steps=2, lr=0.1, kind="squared", params=start, momentum=0.0)
    np.testing.assert_allclose(plain["filters"], one["filters"] - 0.1 * grads1["filters"], atol=1e-12)


def test_similarity_and_bad_input():
    hand = np.stack(list(xo.FILTERS.values()))
    sim = learn.similarity(np.concatenate([hand, -hand[:1]]))
    np.testing.assert_allclose(np.diag(sim[:3]), 1)
    assert sim[3, 0] == pytest.approx(-1)
    assert sim[0, 2] == pytest.approx(np.sum(hand[0] * hand[2]) / 9)  # the two diagonals
    with pytest.raises(ValueError, match="images"):
        learn.forward(learn.init_params(), np.zeros((2, 2, 9, 9)))


def test_the_hard_test_set_holds_three_kinds_none_of_them_a_training_image():
    x, y, kind = learn.make_hard_test_set()
    x_train, _ = learn.make_dataset()
    counts = {k: int((kind == k).sum()) for k in learn.HARD_KINDS}
    assert counts == {"bolder": 34, "moved 2": 32, "noisier": 100} and len(x) == len(y) == len(kind)
    assert set(np.unique(x)) == {-1.0, 1.0} and learn.overlap(x_train, x) == 0
    assert len({image.tobytes() for image in x}) == len(x)  # no image twice
    for k in learn.HARD_KINDS:  # each kind: half X, half O
        assert np.bincount(y[kind == k]).tolist() == [counts[k] // 2] * 2
    bolder = x[(kind == "bolder") & (y == 0)]
    assert any(np.array_equal(im, xo.shift(xo.thicken(xo.X), 1, 1)) for im in bolder)
    assert any(np.array_equal(im, xo.thicken(xo.X.T).T) for im in bolder)  # bold downwards
    assert not any(np.array_equal(im, xo.thicken(xo.X)) for im in bolder)  # that one is a training image
    moved = x[(kind == "moved 2") & (y == 1)]
    assert any(np.array_equal(im, xo.shift(xo.O, -2, 1)) for im in moved)
    for image, label in zip(x[kind == "noisier"], y[kind == "noisier"]):  # 10 flips of a letter moved <= 1
        base = xo.IMAGES[learn.CLASSES[label]]
        assert min((image != xo.shift(base, dy, dx)).sum() for dy in (-1, 0, 1) for dx in (-1, 0, 1)) == 10
    again = learn.make_hard_test_set()
    assert all(np.array_equal(a, b) for a, b in zip(again, (x, y, kind)))  # seeded
    with pytest.raises(ValueError, match="noisy"):
        learn.make_hard_test_set(noisy=-1)


def test_on_the_hard_test_set_the_hand_made_network_fails_and_learning_is_measured():
    """The claims of notebook 04, section 10: the hand-made network calls every bolder letter an O; the learned
    one reads them all; on the letters moved by 2 the two are a tie; on the noisier ones they are level."""
    x, y, kind = learn.make_hard_test_set()
    hand = learn.hand_params()
    model, _ = learn.train(*learn.make_dataset(), steps=100, lr=1.0, momentum=0.0)

    def acc(params, k):
        return learn.accuracy(params, x[kind == k], y[kind == k])

    assert (learn.forward(hand, x[kind == "bolder"])[0].argmax(1) == 1).all()  # all "O"
    assert acc(hand, "bolder") == 0.5 and acc(model, "bolder") == 1.0
    low, _ = learn.accuracy_interval(acc(model, "bolder"), (kind == "bolder").sum())
    assert low > learn.accuracy_interval(acc(hand, "bolder"), (kind == "bolder").sum())[1]  # far outside the noise
    n2 = (kind == "moved 2").sum()
    assert acc(hand, "moved 2") < 0.8 and acc(model, "moved 2") > acc(hand, "moved 2")
    assert learn.accuracy_interval(acc(model, "moved 2"), n2)[0] < learn.accuracy_interval(acc(hand, "moved 2"), n2)[1]
    assert abs(acc(model, "noisier") - acc(hand, "noisier")) <= 0.02 and acc(hand, "noisier") > 0.9
    assert learn.accuracy(hand, *learn.make_dataset()) > 0.9  # the training letters are easy


def test_what_training_changed_in_the_filters_is_what_notebook_04_says():
    """Section 9 of notebook 04: little change in 10 steps; by 100, filter 3 towards \\, filter 1 away from it,
    filter 2 near its start with its -0.9 similarity to / already there at step 0; no learned filter is Ali's."""
    x, y = learn.make_dataset()
    start = learn.init_params(seed=0)
    at = {
        steps: learn.train(x, y, steps=steps, lr=1.0, momentum=0.0, params=start)[0]["filters"] for steps in (10, 100)
    }
    at[0] = start["filters"]

    def to_start(filters):
        return np.diag(learn.similarity(filters, start["filters"]))

    assert (to_start(at[10]) > 0.95).all()
    assert to_start(at[100])[1] > 0.95 and to_start(at[100])[2] < 0.7
    assert learn.similarity(at[0])[1, 2] < -0.9 and learn.similarity(at[100])[1, 2] < -0.9
    assert learn.similarity(at[100])[2, 0] > learn.similarity(at[0])[2, 0] + 0.2  # filter 3 towards \
    assert learn.similarity(at[100])[0, 0] < learn.similarity(at[0])[0, 0] - 0.2  # filter 1 away from it
    assert (learn.similarity(at[100]) < 0.9).all()


def test_plain_descent_with_lr_1_learns_and_momentum_helps_a_small_lr():
    x, y = learn.make_dataset()
    _, plain = learn.train(x, y, steps=100, lr=1.0, momentum=0.0)
    assert plain["loss"][-1] < plain["loss"][0] / 10 and plain["accuracy"][-1] == 1.0
    slow = {m: learn.train(x, y, steps=100, lr=0.1, momentum=m)[1]["loss"][-1] for m in (0.0, 0.9)}
    assert slow[0.0] > 10 * slow[0.9]  # plain descent at lr 0.1 is far behind after 100 steps


def test_accuracy_interval_is_the_wilson_interval():
    low, high = learn.accuracy_interval(0.5, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    assert learn.accuracy_interval(1.0, 34)[1] == 1.0 and learn.accuracy_interval(1.0, 34)[0] < 1.0
    assert learn.accuracy_interval(0.0, 10)[0] == 0.0
    for bad in ((0.5, 0), (1.2, 10), (-0.1, 10)):
        with pytest.raises(ValueError, match="accuracy_interval"):
            learn.accuracy_interval(*bad)
