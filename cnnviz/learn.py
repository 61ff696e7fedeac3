"""Learn the X/O network's filters and votes by gradient descent; pure NumPy (never imports matplotlib or Keras).

The network is the one of ``cnnviz.xo`` (3x3 filters averaged over their 9 products, ReLU,
2x2 max pooling twice with 'same' padding, flattened filter by filter) followed by a dense
layer that turns the 4F values into one score per class, then softmax. Ali (2019)'s votes are
that dense layer with fixed weights (``hand_params``); here every weight is learned.
Backpropagation is written out by hand: each function below is one step of it.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnviz import ops, xo

CLASSES = ("X", "O")
LOSSES = ("cross_entropy", "squared")


# ---------------------------------------------------------------- data


def make_dataset(shifts=1, noisy=3, flips=3, thick=True, seed=0, shifted=True):
    """Return (x, y): the X and O with every shift up to ``shifts`` pixels, bolder and noisy copies.

    Args:
        shifts: the largest move, in pixels, along each axis (every (dy, dx) up to it is used).
        noisy: how many noisy copies per letter: a random shift with ``flips`` random pixels flipped.
        flips: how many pixels each noisy copy flips between +1 and -1.
        thick: add the bolder letter (``xo.thicken``).
        seed: makes the noisy copies repeatable; another seed gives other copies.
        shifted: add every shifted letter; with False (and ``thick=False``) only noisy copies.

    Returns:
        ``x`` (N, 9, 9) of +1/-1 and ``y`` (N,) holding 0 for X and 1 for O (the order of ``CLASSES``),
        the X's images first.
    """
    rng = np.random.default_rng(seed)
    moves = [(dy, dx) for dy in range(-shifts, shifts + 1) for dx in range(-shifts, shifts + 1)]
    x, y = [], []
    for label, name in enumerate(CLASSES):
        base = xo.IMAGES[name]
        images = [xo.shift(base, dy, dx) for dy, dx in moves] if shifted else []
        if thick:
            images.append(xo.thicken(base))
        for _ in range(noisy):
            dy, dx = moves[rng.integers(len(moves))]
            images.append(xo.add_noise(xo.shift(base, dy, dx), flips, seed=int(rng.integers(2**31))))
        x += images
        y += [label] * len(images)
    if not x:
        raise ValueError("make_dataset made no images: ask for noisy copies, shifted letters or the bolder ones")
    return np.stack(x), np.array(y)


def make_test_set(n=20, flips=4, seed=1):
    """Return (x, y): ``n`` noisy copies of each letter, none of them an image of ``make_dataset()``.

    Each copy is the X or the O moved by at most one pixel with ``flips`` random pixels flipped;
    the training set's noisy copies flip 3 and its other images none, so with the defaults no
    test image is a training image (``overlap`` checks it).

    Args:
        n: copies per letter.
        flips: pixels flipped in each copy.
        seed: the random seed of the copies (the training set uses 0).

    Returns:
        ``x`` (2n, 9, 9) of +1/-1 and ``y`` (2n,), the X's copies first.
    """
    return make_dataset(noisy=n, flips=flips, seed=seed, shifted=False, thick=False)


HARD_KINDS = ("bolder", "moved 2", "noisier")


def _bold_down(image):
    """Return ``image`` with every stroke pixel also inking the pixel below it (``xo.thicken`` turned by 90 degrees)."""
    return xo.thicken(np.asarray(image).T).T


def make_hard_test_set(noisy=50, flips=10, seed=2):
    """Return (x, y, kind): letters harder than any training image, in three kinds of ``HARD_KINDS``.

    - "bolder": the bolder letter of ``xo.thicken`` moved by one pixel in each of the 8 directions
      (the training set holds it unmoved only), and the letter bold downwards (each stroke pixel
      also inks the one below) at the 9 positions up to one pixel away: 17 images per letter;
    - "moved 2": the letter moved by 2 pixels along at least one axis, the 16 such moves (its
      outermost strokes partly leave the 9x9 image); the training set moves by 1 at most;
    - "noisier": ``noisy`` copies per letter, each moved by up to one pixel with ``flips`` random
      pixels flipped (the training set's noisy copies flip 3).

    With the defaults no image is a training image of ``make_dataset()`` (``overlap`` checks it).

    Args:
        noisy: noisy copies per letter.
        flips: pixels flipped in each noisy copy, 0 to 81.
        seed: the random seed of the noisy copies.

    Returns:
        ``x`` (N, 9, 9) of +1/-1, ``y`` (N,) (0 for X, 1 for O) and ``kind`` (N,), the kind of each
        image as a string of ``HARD_KINDS``; the kinds in that order, the X's images first in each.

    Raises:
        ValueError: if ``noisy`` is negative or ``flips`` is out of range.
    """
    if noisy < 0:
        raise ValueError(f"noisy must be 0 or more copies per letter; got {noisy}")
    rng = np.random.default_rng(seed)
    near = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    far = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if max(abs(dy), abs(dx)) == 2]
    x, y, kind = [], [], []

    def add(images, label, name):
        x.extend(images)
        y.extend([label] * len(images))
        kind.extend([name] * len(images))

    for label, letter in enumerate(CLASSES):
        base = xo.IMAGES[letter]
        add(
            [xo.shift(xo.thicken(base), dy, dx) for dy, dx in near if (dy, dx) != (0, 0)]
            + [xo.shift(_bold_down(base), dy, dx) for dy, dx in near],
            label,
            "bolder",
        )
    for label, letter in enumerate(CLASSES):
        add([xo.shift(xo.IMAGES[letter], dy, dx) for dy, dx in far], label, "moved 2")
    for label, letter in enumerate(CLASSES):
        moves = [near[i] for i in rng.integers(len(near), size=noisy)]
        add(
            [
                xo.add_noise(xo.shift(xo.IMAGES[letter], dy, dx), flips, seed=int(rng.integers(2**31)))
                for dy, dx in moves
            ],
            label,
            "noisier",
        )
    return np.stack(x), np.array(y), np.array(kind)


def accuracy_interval(accuracy, n, z=1.96):
    """Return the 95% (Wilson) interval of an accuracy measured on ``n`` images: (low, high).

    Args:
        accuracy: the fraction right, between 0 and 1.
        n: how many images it was measured on (at least 1).
        z: 1.96 for 95%.

    Returns:
        (low, high), both between 0 and 1; on 100 images and an accuracy near 0.5 about +-0.1.

    Raises:
        ValueError: if ``n`` < 1 or ``accuracy`` is outside [0, 1].
    """
    if n < 1 or not 0 <= accuracy <= 1:
        raise ValueError(f"accuracy_interval needs 0 <= accuracy <= 1 and n >= 1; got {accuracy}, {n}")
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def overlap(x_a, x_b):
    """Return how many images of ``x_b`` are also in ``x_a`` (pixel for pixel).

    Args:
        x_a, x_b: stacks of images (N, H, W).

    Returns:
        A whole number, 0 when the two sets share no image.
    """
    seen = {np.asarray(image, dtype=float).tobytes() for image in x_a}
    return sum(np.asarray(image, dtype=float).tobytes() in seen for image in x_b)


# ---------------------------------------------------------------- parameters


def init_params(n_filters=3, seed=0):
    """Return random starting weights: filters uniform in [-1, 1], small dense weights, zero bias.

    Args:
        n_filters: how many 3x3 filters.
        seed: the random seed.

    Returns:
        {"filters": (n_filters, 3, 3), "weights": (2, 4 n_filters), "bias": (2,)}.
    """
    rng = np.random.default_rng(seed)
    return {
        "filters": rng.uniform(-1, 1, (n_filters, 3, 3)),
        "weights": rng.normal(0, 0.1, (len(CLASSES), 4 * n_filters)),
        "bias": np.zeros(len(CLASSES)),
    }


def hand_params():
    """Return Ali (2019)'s hand-made network as parameters: its three filters, and votes as dense weights.

    Returns:
        The dict of ``init_params``: the weights of each class are 1 / (number of voting
        positions) at its voting positions and 0 elsewhere, so its scores are ``xo.votes``.
    """
    filters = np.stack(list(xo.FILTERS.values()))
    vectors = xo.class_vectors()
    weights = np.stack([xo.vote_mask(vectors[c]) / xo.vote_mask(vectors[c]).sum() for c in CLASSES])
    return {"filters": filters, "weights": weights, "bias": np.zeros(len(CLASSES))}


# ---------------------------------------------------------------- forward and backward


def _pool(a):
    """Max-pool (N, H, W, F) by 2x2 windows with stride 2 and 'same' padding; return out and argmax."""
    n, h, w, f = a.shape
    a = np.pad(a, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), constant_values=-np.inf)
    windows = a.reshape(n, a.shape[1] // 2, 2, a.shape[2] // 2, 2, f).transpose(0, 1, 3, 5, 2, 4)
    windows = windows.reshape(n, a.shape[1] // 2, a.shape[2] // 2, f, 4)
    idx = windows.argmax(-1)
    return np.take_along_axis(windows, idx[..., None], -1)[..., 0], idx


def _unpool(dout, idx, shape):
    """Send each pooled gradient back to the one input that won the max (the backward step of ``_pool``)."""
    n, h, w, f = shape
    ho, wo = dout.shape[1:3]
    d = np.zeros(dout.shape + (4,))
    np.put_along_axis(d, idx[..., None], dout[..., None], -1)
    d = d.reshape(n, ho, wo, f, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(n, 2 * ho, 2 * wo, f)
    return d[:, :h, :w]


def forward(params, x):
    """Run images ``x`` through the network; return class probabilities and a cache for ``backward``.

    Args:
        params: {"filters", "weights", "bias"} as ``init_params`` returns them.
        x: images (N, 9, 9), or one image (9, 9).

    Returns:
        (probs, cache): probabilities (N, 2) in the order of ``CLASSES``, and every intermediate
        (conv, relu, pool1, pool2 with the winners of each max, vector, scores).

    Raises:
        ValueError: if ``x`` is not (N, H, W) or (H, W).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"x must be (N, H, W) images or one (H, W) image; got shape {x.shape}")
    filters = params["filters"]
    patches = sliding_window_view(x, (3, 3), axis=(1, 2)).reshape(x.shape[0], x.shape[1] - 2, x.shape[2] - 2, 9)
    conv = patches @ filters.reshape(len(filters), 9).T / 9
    relu = np.maximum(conv, 0)
    pool1, idx1 = _pool(relu)
    pool2, idx2 = _pool(pool1)
    vector = pool2.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)
    scores = vector @ params["weights"].T + params["bias"]
    probs = ops.softmax(scores)
    cache = dict(
        patches=patches,
        conv=conv,
        relu=relu,
        pool1=pool1,
        idx1=idx1,
        pool2=pool2,
        idx2=idx2,
        vector=vector,
        scores=scores,
    )
    return probs, cache


def loss(probs, y, kind="cross_entropy"):
    """Return the mean loss over the batch: cross-entropy, or Ali (2019)'s total error 1/2 sum (target - output)^2.

    Args:
        probs: class probabilities (N, K), as ``forward`` returns them.
        y: the right classes (N,), whole numbers.
        kind: one of ``LOSSES``: "cross_entropy" (-ln of the right class's probability) or "squared".

    Returns:
        The loss averaged over the N images, a float.

    Raises:
        ValueError: for an unknown ``kind``.
    """
    if kind not in LOSSES:
        raise ValueError(f"loss kind must be one of {LOSSES}; got {kind!r}")
    target = np.eye(probs.shape[1])[np.asarray(y)]
    if kind == "squared":
        return float(np.mean(0.5 * np.sum((target - probs) ** 2, axis=1)))
    return float(-np.mean(np.log(np.sum(target * probs, axis=1) + 1e-12)))


def backward(params, probs, cache, y, kind="cross_entropy"):
    """Return the gradient of ``loss`` with respect to every parameter (backpropagation, step by step).

    Args:
        params: the parameters ``forward`` ran with.
        probs, cache: what ``forward`` returned.
        y: the right classes (N,).
        kind: the loss, one of ``LOSSES``.

    Returns:
        {"filters", "weights", "bias"}: arrays of the parameters' shapes, the gradient of the
        batch's mean loss.
    """
    n = probs.shape[0]
    target = np.eye(probs.shape[1])[np.asarray(y)]
    if kind == "squared":
        dp = (probs - target) / n
        dscores = probs * (dp - np.sum(dp * probs, axis=1, keepdims=True))  # through softmax
    else:
        dscores = (probs - target) / n  # softmax and cross-entropy together
    grads = {"weights": dscores.T @ cache["vector"], "bias": dscores.sum(0)}
    dvector = dscores @ params["weights"]
    f = params["filters"].shape[0]
    dpool2 = dvector.reshape(n, f, 2, 2).transpose(0, 2, 3, 1)
    dpool1 = _unpool(dpool2, cache["idx2"], cache["pool1"].shape)
    drelu = _unpool(dpool1, cache["idx1"], cache["relu"].shape)
    dconv = drelu * (cache["conv"] > 0)
    grads["filters"] = np.einsum("nyxk,nyxf->fk", cache["patches"], dconv).reshape(f, 3, 3) / 9
    return grads


# ---------------------------------------------------------------- training


def accuracy(params, x, y):
    """Return the fraction of images whose most probable class is the right one.

    Args:
        params: the network's parameters.
        x, y: images (N, 9, 9) and their classes (N,).

    Returns:
        A float between 0 and 1.
    """
    probs, _ = forward(params, x)
    return float(np.mean(probs.argmax(1) == np.asarray(y)))


def train(x, y, steps=300, lr=1.0, momentum=0.9, kind="cross_entropy", params=None, seed=0):
    """Fit the filters and dense weights to (x, y) by gradient descent with momentum on the whole set.

    Each step computes the gradient on all of (x, y) at once, then moves every parameter by
    ``velocity = momentum * velocity - lr * gradient``: with ``momentum=0`` it is plain
    gradient descent, and with the default 0.9 each step keeps 90% of the previous one. The
    first step is the same either way (the velocity starts at 0).

    Args:
        x, y: training images (N, 9, 9) and labels (N,) as ``make_dataset`` returns them.
        steps: how many updates.
        lr: the learning rate.
        momentum: the share of the previous step kept, 0 <= momentum < 1.
        kind: the loss, one of ``LOSSES``.
        params: starting parameters (copied, never modified); default ``init_params(seed=seed)``.
        seed: the random start when ``params`` is None.

    Returns:
        (params, history): the parameters after the last update, and ``history['loss']`` and
        ``history['accuracy']`` per step, measured before each update (so the first entry is
        the untrained network).

    Raises:
        ValueError: for an unknown loss or a momentum outside [0, 1).
    """
    if kind not in LOSSES:
        raise ValueError(f"kind must be one of {LOSSES}; got {kind!r}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1) (0 is plain gradient descent); got {momentum!r}")
    params = {k: v.astype(float).copy() for k, v in (params or init_params(seed=seed)).items()}
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    history = {"loss": [], "accuracy": []}
    for _ in range(steps):
        probs, cache = forward(params, x)
        history["loss"].append(loss(probs, y, kind))
        history["accuracy"].append(float(np.mean(probs.argmax(1) == y)))
        grads = backward(params, probs, cache, y, kind)
        for k in params:
            velocity[k] = momentum * velocity[k] - lr * grads[k]
            params[k] += velocity[k]
    return params, history


def similarity(filters, reference=None):
    """Return the cosine similarity of each filter (rows) with each reference filter (columns).

    Args:
        filters: (F, 3, 3) filters, e.g. learned ones.
        reference: (G, 3, 3) filters to compare with; default Ali (2019)'s three.

    Returns:
        An (F, G) array: 1 for the same pattern, -1 for its negative, 0 for unrelated ones.
    """
    a = np.asarray(filters, dtype=float).reshape(len(filters), -1)
    ref = np.stack(list(xo.FILTERS.values())) if reference is None else np.asarray(reference, dtype=float)
    b = ref.reshape(len(ref), -1)
    return (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
