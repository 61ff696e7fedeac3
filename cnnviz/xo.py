"""Build the hand-made X/O network of Ali (2019) from ``cnnviz.ops``; pure NumPy (never imports matplotlib or Keras).

A 9x9 image of +1 (stroke) and -1 (background) goes through three 3x3 filters
(convolution averaged over the 9 products), ReLU, 2x2 max pooling with Keras 'same'
padding (7x7 -> 4x4), pooling again (4x4 -> 2x2), and is flattened into 12 values,
filter by filter. Each class "votes" with the positions where its own vector is strongest.
"""

import numpy as np

from cnnviz import ops


def make_x(size=9):
    """Return a size x size X: +1 on both diagonals inside a one-pixel -1 border."""
    image = -np.ones((size, size))
    for i in range(1, size - 1):
        image[i, i] = image[i, size - 1 - i] = 1
    return image


def make_o():
    """Return the 9x9 O of Ali (2019): a ring of +1 on a -1 background."""
    image = -np.ones((9, 9))
    for c in (3, 4, 5):
        image[1, c] = image[7, c] = 1
    for r in (3, 4, 5):
        image[r, 1] = image[r, 7] = 1
    for r, c in ((2, 2), (2, 6), (6, 2), (6, 6)):
        image[r, c] = 1
    return image


X = make_x()
O = make_o()
IMAGES = {"X": X, "O": O}

FILTERS = {
    "diagonal \\": np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float),
    "cross x": np.array([[1, -1, 1], [-1, 1, -1], [1, -1, 1]], dtype=float),
    "diagonal /": np.array([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]], dtype=float),
}

# The 12 values Ali (2019) feeds to the network as an unknown new input.
NEW_INPUT = np.array([0.9, 0.65, 0.45, 0.87, 0.96, 0.73, 0.23, 0.63, 0.44, 0.89, 0.94, 0.53])


def check_image(image):
    """Return ``image`` as a float array after checking it is an X/O picture.

    Args:
        image: a 2-D grid of at least 4x4 pixels, each +1 (stroke) or -1 (background).

    Returns:
        The image as a float array.

    Raises:
        ValueError: if the image is not 2-D, is smaller than 4x4, or holds a value other
            than +1 and -1 (0, 255, NaN, True/False all count as wrong).
    """
    arr = np.asarray(image)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"the X/O network takes a 2-D grid of numbers +1 and -1; got dtype {arr.dtype}")
    arr = arr.astype(float)
    if arr.ndim != 2 or arr.shape[0] < 4 or arr.shape[1] < 4:
        raise ValueError(f"the X/O network takes a 2-D image of at least 4x4 pixels; got shape {arr.shape}")
    bad = ~np.isin(arr, (-1.0, 1.0))
    if bad.any():
        found = [float(v) for v in np.unique(arr[bad])[:5]]
        raise ValueError(
            f"the X/O network takes pixels of +1 (stroke) and -1 (background) only; "
            f"{int(bad.sum())} of the {arr.size} pixels are not (values such as {found}). "
            f"Turn a drawing into +1/-1 first, e.g. np.where(image > 0, 1, -1)"
        )
    return arr


def forward(image, filters=None, relu=True):
    """Run ``image`` through the X/O network and return every intermediate in a dict.

    Args:
        image: a 2-D grid of +1 (stroke) and -1 (background), at least 4x4 (the course's are 9x9).
        filters: {name: 3x3 kernel}; default ``FILTERS``, Ali (2019)'s three.
        relu: False leaves ReLU out (``relu`` is then the convolution maps unchanged), to see
            what it changes (notebook 03).

    Returns:
        A dict: ``conv`` (F, 7, 7) convolution maps averaged over the 9 products, ``relu``
        (the same after ReLU), ``pool1`` (F, 4, 4) and ``pool2`` (F, 2, 2) after each 2x2 max
        pooling with 'same' padding, and ``vector`` (4F,), the 2x2 maps flattened one filter
        after another.

    Raises:
        ValueError: if ``image`` is not such a grid (see ``check_image``).
    """
    image = check_image(image)
    kernels = list((filters or FILTERS).values())
    conv = np.stack([ops.conv2d(image, k, reduce="mean") for k in kernels])
    relu = ops.relu(conv) if relu else conv
    pool1 = np.stack([ops.pool2d(m, 2, 2, "max", padding="same") for m in relu])
    pool2 = np.stack([ops.pool2d(m, 2, 2, "max", padding="same") for m in pool1])
    return {"conv": conv, "relu": relu, "pool1": pool1, "pool2": pool2, "vector": ops.flatten(pool2)}


def class_vectors(filters=None):
    """Return the 12-value vector of the clean X and of the clean O: what each class looks like.

    Args:
        filters: {name: 3x3 kernel}; default ``FILTERS``.

    Returns:
        {"X": vector, "O": vector}, each ``forward(letter, filters)["vector"]``.
    """
    return {name: forward(image, filters)["vector"] for name, image in IMAGES.items()}


def vote_mask(class_vector):
    """Return True where a class vector reaches its maximum: the positions that vote for the class.

    Args:
        class_vector: one class's vector (``class_vectors()[name]``).

    Returns:
        A boolean array of the vector's shape.
    """
    v = np.asarray(class_vector)
    return np.isclose(v, v.max())


def votes(vector, filters=None):
    """Score ``vector`` for each class: the mean of its values at that class's voting positions.

    Args:
        vector: 12 values (4F for F filters), e.g. ``forward(image)["vector"]`` or ``NEW_INPUT``.
        filters: the filters whose clean-letter vectors define the voting positions.

    Returns:
        {"X": score, "O": score}: averages of activations, not probabilities.
    """
    vector = np.asarray(vector, dtype=float)
    return {name: float(vector[vote_mask(cv)].mean()) for name, cv in class_vectors(filters).items()}


def predict(image, filters=None):
    """Return the class with the highest vote for ``image`` and the votes.

    Args:
        image: a 2-D grid of +1 and -1 (see ``check_image``).
        filters: {name: 3x3 kernel}; default ``FILTERS``.

    Returns:
        (label, votes): "X" or "O" (the first on a tie), and ``votes(...)``'s dict.

    Raises:
        ValueError: if ``image`` is not a grid of +1 and -1.
    """
    scores = votes(forward(image, filters)["vector"], filters)
    return max(scores, key=scores.get), scores


def squared_error(target, output):
    """Return Ali (2019)'s total error: the sum over classes of 1/2 (target - output)^2.

    Args:
        target: the wanted outputs, e.g. [0, 0, 1, 0].
        output: the network's outputs, of the same shape.

    Returns:
        The total error, a float.

    Raises:
        ValueError: if the two shapes differ.
    """
    target, output = np.asarray(target, dtype=float), np.asarray(output, dtype=float)
    if target.shape != output.shape:
        raise ValueError(f"target {target.shape} and output {output.shape} must have the same shape")
    return float(0.5 * np.sum((target - output) ** 2))


# ------------------------------------------- variants and fractions (notebooks 02-04)


def shift(image, dy=0, dx=0):
    """Move ``image`` dy pixels down and dx pixels right, filling the uncovered edge with background (-1).

    Args:
        image: a 2-D grid of +1 and -1.
        dy, dx: whole numbers of pixels (negative: up or left).

    Returns:
        The moved image, same shape.

    Raises:
        ValueError: if the image is not a +1/-1 grid, or the move takes it wholly out of view.
    """
    image = check_image(image)
    h, w = image.shape
    if abs(dy) >= h or abs(dx) >= w:
        raise ValueError(f"shift ({dy}, {dx}) moves the whole {h}x{w} image out of view; use |dy| < {h}, |dx| < {w}")
    out = -np.ones_like(image)
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = image[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def thicken(image):
    """Return ``image`` with every stroke pixel also inking its right-hand neighbour (a bolder pen).

    Args:
        image: a 2-D grid of +1 and -1.

    Returns:
        The bolder image, same shape.

    Raises:
        ValueError: if the image is not a +1/-1 grid.
    """
    image = check_image(image)
    out = image.copy()
    out[:, 1:] = np.maximum(image[:, 1:], image[:, :-1])
    return out


def add_noise(image, flips=3, seed=0):
    """Return ``image`` with ``flips`` distinct pixels, chosen at random, switched between +1 and -1.

    Args:
        image: a 2-D grid of +1 and -1.
        flips: how many pixels to flip, 0 to the number of pixels.
        seed: the random generator's seed: the same seed flips the same pixels.

    Returns:
        The noisy image, same shape.

    Raises:
        ValueError: if the image is not a +1/-1 grid, or ``flips`` is out of range.
    """
    image = check_image(image)
    if not 0 <= flips <= image.size:
        raise ValueError(f"flips must be between 0 and {image.size} (the number of pixels); got {flips}")
    rng = np.random.default_rng(seed)
    out = image.copy().reshape(-1)
    idx = rng.choice(out.size, size=flips, replace=False)
    out[idx] = -out[idx]
    return out.reshape(image.shape)


def ninths(values):
    """Write each value as a fraction of 9 ("7/9", "-1/9", "1", "0") when it is one, else with 2 decimals.

    Args:
        values: a number or an array of numbers.

    Returns:
        A string for a number, else nested lists of strings of the array's shape.
    """
    arr = np.asarray(values, dtype=float)
    scaled = np.rint(arr * 9)
    exact = np.isclose(arr * 9, scaled, atol=1e-9)
    out = np.empty(arr.shape, dtype=object)
    for i, (v, n, ok) in enumerate(zip(arr.flat, scaled.flat, exact.flat)):
        n = int(n)
        out.flat[i] = (f"{n // 9}" if n % 9 == 0 else f"{n}/9") if ok else f"{v:.2f}"
    return out.tolist() if out.ndim else out.item()
