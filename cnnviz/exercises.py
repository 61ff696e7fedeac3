"""Check a learner's answers to the notebooks' exercises; pure NumPy (never imports matplotlib or Keras).

Each exercise's right answer is computed by cnnviz itself, never typed in. Register one with
``@exercise("01.2", hint=...)`` on a function that returns the right answer, then check an
answer with ``check("01.2", answer)``. For an exercise with many right answers (design a
filter, ...), register ``@exercise("02.3", hint=..., judge=True)`` on a function that takes
the answer and returns True/False (or raises ``ValueError`` saying what is wrong with it).

The rule the notebooks follow (the same for every exercise):

- ``None`` (the placeholder a notebook ships with) prints "replace None by your answer" and
  no hint: a hint appears only after a wrong answer.
- A wrong answer prints "not yet" and the hint. No hint contains the answer.
- A number given with d >= ``decimals`` decimal places is right when it is the right value
  rounded to d places (0.78 or 0.778 for 7/9, never the truncated 0.77); fractions such as
  ``7/9`` and whole numbers are compared exactly (to 1e-6).
- Letters and words are compared case-insensitively ("o" is "O"), ignoring spaces around them.
"""

import math
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from cnnviz import fields, heatmaps, learn, ops, samples, xo


class Exercise(NamedTuple):
    """One registered exercise: ``fn`` gives the right answer (or judges one, when ``judge``)."""

    fn: Callable
    hint: str
    decimals: int
    judge: bool


_EXERCISES = {}


def exercise(exercise_id, hint, decimals=2, judge=False):
    """Register the decorated function as the computed answer (or the judge) of ``exercise_id``.

    Args:
        exercise_id: "NN.k", NN the notebook.
        hint: printed after a wrong answer only; must not contain the answer.
        decimals: the fewest decimal places a rounded answer may have (the notebook's shown
            precision); answers with fewer are compared exactly.
        judge: if True, the function takes the answer and returns True/False.

    Returns:
        The decorator, which returns the function unchanged.
    """

    def register(fn):
        _EXERCISES[exercise_id] = Exercise(fn, hint, decimals, judge)
        return fn

    return register


def _places(x):
    """Decimal places of the float ``x`` as Python shows it (0.78 -> 2); 0 for whole numbers."""
    if isinstance(x, (bool, np.bool_, int, np.integer)):
        return 0
    exponent = Decimal(repr(float(x))).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _same_number(answer, expected, decimals):
    """True if the scalar ``answer`` is ``expected``, exactly or rounded to its own decimal places."""
    answer, expected = float(answer), float(expected)
    if np.isclose(answer, expected, rtol=1e-6, atol=1e-9):
        return True
    d = _places(answer)
    return d >= decimals and abs(answer - expected) <= 0.5 * 10.0**-d + 1e-12


def _same(answer, expected, decimals):
    """Compare an answer with the right one: numbers (or arrays, tuples of them) and strings."""
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().casefold() == expected.strip().casefold()
    if isinstance(answer, str):
        return False
    try:
        a = np.asarray(answer, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return answer == expected
    if a.shape != e.shape:
        return False
    return all(_same_number(x, y, decimals) for x, y in zip(np.ravel(answer), e.ravel()))


def check(exercise_id, answer, verbose=True):
    """Say whether ``answer`` is right for ``exercise_id``, with a hint only after a wrong answer.

    Args:
        exercise_id: "NN.k", as the notebook names it.
        answer: the learner's answer; ``None`` means not answered yet.
        verbose: print the verdict (the notebooks do).

    Returns:
        True if right, False if wrong or not answered yet.

    Raises:
        KeyError: if no exercise has that id.
    """
    if exercise_id not in _EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}; known: {sorted(_EXERCISES)}")
    ex = _EXERCISES[exercise_id]
    if answer is None or answer is Ellipsis:
        if verbose:
            print(f"Exercise {exercise_id}: replace None by your answer, then run this cell again.")
        return False
    problem = ""
    if ex.judge:
        try:
            right = bool(ex.fn(answer))
        except (TypeError, ValueError) as err:
            right, problem = False, f" ({err})"
    else:
        right = bool(_same(answer, ex.fn(), ex.decimals))
    if verbose:
        print(f"Exercise {exercise_id}: " + ("right!" if right else f"not yet{problem}. Hint: {ex.hint}"))
    return right


# ------------------------------------------------------------------ notebook 01


@exercise(
    "01.1",
    hint="the channel that holds the most light has the largest values on average: compare "
    "photo[..., c].mean() for c = 0, 1, 2, in the order the photo stores its lights.",
)
def _brightest_channel_of_the_cat():
    means = samples.load_asset("cat_chelsea.jpg").reshape(-1, 3).mean(axis=0)
    return ("red", "green", "blue")[int(np.argmax(means))]


@exercise(
    "01.2",
    hint="flattened, the image is height x width x channels numbers (3 per pixel); each of the "
    "128 neurons has one weight per number, plus one bias: ops.dense_params(n_in, n_out).",
)
def _dense_on_64x64_rgb():
    return ops.dense_params(64 * 64 * 3, 128)


@exercise(
    "01.3",
    hint="on a grayscale image each kernel has 3 * 3 weights plus one bias, whatever the image "
    "size; every kernel has its own (ops.conv_params(kernel_size, in_channels, filters)).",
)
def _conv_32_filters_grayscale():
    return ops.conv_params(3, 1, 32)


def _rgb_pixel(answer):
    pixel = np.asarray(answer)
    if pixel.shape != (3,) or not np.issubdtype(pixel.dtype, np.number):
        raise ValueError("give three numbers [red, green, blue], each from 0 to 255")
    if pixel.min() < 0 or pixel.max() > 255:
        raise ValueError("each channel holds a value from 0 to 255")
    return pixel.astype(float)


@exercise(
    "01.4", hint="yellow light is a mix of two of the three lights, both strong, with little of the third.", judge=True
)
def _a_yellow_pixel(answer):
    r, g, b = _rgb_pixel(answer)
    return r >= 200 and g >= 200 and b <= 60


# ------------------------------------------------------------------ notebooks 02-04 (the X/O network)


@exercise(
    "02.2",
    hint="take the top-left 3x3 window of xo.thicken(xo.X), multiply it cell by cell with filter 1 "
    "(diagonal \\), add the 9 products and divide by 9; a fraction such as 2/9 is a valid answer.",
)
def _bold_x_filter1_window_0_0():
    return ops.conv2d(xo.thicken(xo.X), xo.FILTERS["diagonal \\"], reduce="mean")[0, 0]


@exercise(
    "02.4",
    hint="Keras's formula floor((n + 2*padding - kernel) / stride) + 1, with the numbers of the "
    "question; floor rounds down.",
)
def _output_size_28_5_2_2():
    return ops.output_size(28, 5, 2, 2, strict=False)


@exercise(
    "02.6",
    hint="give (height, width, depth): each side is floor((64 - 3) / 1) + 1, and the depth is one "
    "map per filter, because each filter spans all 3 input channels.",
)
def _shape_64x64x3_16_filters():
    return ops.conv2d(np.zeros((64, 64, 3)), np.zeros((3, 3, 3, 16))).shape


@exercise(
    "02.7", hint="a filter spans every channel: 5 * 5 weights per channel, times the number of channels (no bias)."
)
def _weights_one_5x5_rgb_filter():
    return ops.conv_params(5, 3, 1, bias=False)


def _as_kernel_3x3(answer):
    kernel = np.asarray(answer)
    if kernel.shape != (3, 3) or not np.issubdtype(kernel.dtype, np.number):
        raise ValueError(
            f"give a 3x3 array of numbers, such as np.zeros((3, 3)) with some weights changed; got shape {kernel.shape}"
        )
    return kernel.astype(float)


@exercise(
    "02.3",
    hint="the O's left side is a vertical run of +1 pixels (rows 3-5 of column 1), and the X never "
    "has three +1 pixels one above the other; make the kernel look like such a run.",
    judge=True,
)
def _responds_to_the_o_left_side(answer):
    """Right when the kernel's strongest response on the O's left side beats its strongest response on the X."""
    kernel = _as_kernel_3x3(answer)
    on_o = ops.conv2d(xo.O, kernel, reduce="mean")[:, :2].max()  # windows over columns 0-3: the left side
    on_x = ops.conv2d(xo.X, kernel, reduce="mean").max()
    return bool(on_o > on_x + 1e-9)


@exercise(
    "02.5",
    hint="in the explorer choose the image X and the preset 'cross x', type -1 into the box k[1,1], "
    "move the row slider to 3 and the column slider to 3, and read the mean (or pass explorer.mean).",
)
def _cross_without_centre_on_x_centre():
    kernel = xo.FILTERS["cross x"].copy()
    kernel[1, 1] = -1
    return ops.conv2d(xo.X, kernel, reduce="mean")[3, 3]


@exercise(
    "02.1",
    hint="every window reads the same nine pixels as before, wherever those pixels are now; compare "
    "conv2d_by_hand(xo.X, f1) with conv2d_by_hand(xo.shift(xo.X, 0, 1), f1): where did the value "
    "of row 2, column 2 go?",
)
def _where_a_value_moves_after_a_shift():
    before = ops.conv2d(xo.X, xo.FILTERS["diagonal \\"], reduce="mean")
    after = ops.conv2d(xo.shift(xo.X, 0, 1), xo.FILTERS["diagonal \\"], reduce="mean")
    if not np.allclose(after[:, 1:], before[:, :-1]):
        raise AssertionError("shifting the X one pixel right should shift its feature map one cell right")
    return (2, 2 + 1)


@exercise(
    "03.4",
    hint="average pooling adds the values of the window and divides by how many there are (copy "
    "max_pool_by_hand and change block.max() to block.mean()); the window is the top-left 2x2 "
    "block of the O's ReLU map for filter 1, xo.forward(xo.O)['relu'][0].",
)
def _o_relu1_avg_pool_corner():
    return ops.pool2d(xo.forward(xo.O)["relu"][0], 2, 2, "avg", "same")[0, 0]


@exercise("03.1", hint="with padding='same' a pooling of stride s gives ceil(n / s) along each side.")
def _same_pool_13():
    return ops.output_size(13, 2, 2, "same")


@exercise(
    "03.2",
    judge=True,
    hint="max pooling keeps the largest value of a block, and ReLU only changes negative values: ReLU changes "
    "a pooled value only when every value of that quarter of a map is negative, i.e. the image disagrees "
    "with a filter in more than half of the pixels of every window there. What does a filter give on a "
    "window that is all stroke, or all background?",
)
def _an_image_where_relu_matters(image):
    image = xo.check_image(image)
    return not np.array_equal(xo.forward(image)["vector"], xo.forward(image, relu=False)["vector"])


@exercise(
    "03.7",
    hint="with padding='valid' every window lies wholly inside the map: use the output-size formula "
    "floor((n - k) / s) + 1 with n = 13, a 3x3 window and stride 2.",
)
def _valid_pool_13_3_2():
    return ops.output_size(13, 3, 2, 0)


@exercise(
    "03.3",
    hint="compare xo.forward(xo.O)['pool2'] with xo.forward(xo.shift(xo.O, 1, 0))['pool2'] and count "
    "the values that differ (out of 12); np.isclose helps.",
)
def _changes_after_shifting_o_down():
    return int(np.sum(~np.isclose(xo.forward(xo.O)["pool2"], xo.forward(xo.shift(xo.O, 1, 0))["pool2"])))


def _kernel_3x3(kernel):
    k = np.asarray(kernel, dtype=float)
    if k.shape != (3, 3) or not np.isfinite(k).all():
        raise ValueError(
            f"give a 3x3 kernel of numbers, e.g. np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1]]); got shape {k.shape}"
        )
    return k


def top_arc_response(kernel):
    """Return (strongest response on the O's top arc, strongest response anywhere on the X) of a 3x3 kernel.

    Responses are the X/O network's averaged convolution values after ReLU; the top arc is
    the first two rows of the O's 7x7 map (windows whose top row is image row 0 or 1).

    Args:
        kernel: a 3x3 array of numbers.

    Returns:
        Two floats; exercise 03.5 wants the first larger.

    Raises:
        ValueError: if ``kernel`` is not 3x3 finite numbers.
    """
    k = _kernel_3x3(kernel)
    o_map = ops.relu(ops.conv2d(xo.O, k, reduce="mean"))
    x_map = ops.relu(ops.conv2d(xo.X, k, reduce="mean"))
    return float(o_map[:2].max()), float(x_map.max())


@exercise(
    "03.5",
    judge=True,
    hint="print xo.O[0:3, 2:7]: the arc is a row of stroke pixels with background above and below. Make your "
    "kernel look like one 3x3 window of it, then compare exercises.top_arc_response(kernel).",
)
def _kernel_for_the_top_arc(kernel):
    arc, x_best = top_arc_response(kernel)
    return arc > x_best


def pooling_covers(size, stride, padding, n=7):
    """Return (output side, True if the windows do not overlap and every one of the n cells is in a window).

    Args:
        size, stride: the pooling window's side and stride.
        padding: 'valid' or 'same'.
        n: the side of the map pooled.

    Returns:
        (whole number, bool).
    """
    out = ops.output_size(n, size, stride, padding, strict=False)
    before = ops.same_padding(n, size, stride)[0] if padding == "same" else 0
    covered = np.zeros(n, dtype=int)
    for j in range(out):
        start = j * stride - before
        covered[max(start, 0) : max(start + size, 0)] += 1
    return out, size <= stride and bool((covered >= 1).all())


@exercise(
    "03.6",
    judge=True,
    hint="move the size and stride sliders and pick the padding: windows that neither overlap nor leave gaps "
    "have a stride equal to their size; 7 is not a multiple of many sizes, so look at what "
    "padding='same' adds.",
)
def _pooling_explorer_to_2x2(explorer):
    if not all(hasattr(explorer, name) for name in ("size", "stride", "padding", "pooled")):
        raise ValueError("pass the pooling explorer itself: exercises.check('03.6', pooling)")
    out, tiles = pooling_covers(explorer.size.value, explorer.stride.value, explorer.padding.value)
    return explorer.pooled.shape == (2, 2) and out == 2 and tiles


@exercise(
    "04.1",
    hint="run the moved X through the network, v = xo.forward(...)['vector'], turn it into two votes "
    "with the dense layer, W @ v + b, and give the two votes to ops.softmax; class X comes first.",
)
def _softmax_x_for_x_moved_down_left():
    votes = xo.votes(xo.forward(xo.shift(xo.X, 1, -1))["vector"])
    return ops.softmax([votes["X"], votes["O"]])[0]


def _pad_image(answer):
    image = getattr(answer, "image", answer)
    arr = np.asarray(image, dtype=float)
    if arr.shape != (9, 9) or not np.isin(arr, (-1.0, 1.0)).all():
        raise ValueError("pass the drawing pad (exercises.check('04.2', pad)) or a 9x9 grid of +1 and -1")
    return arr


@exercise(
    "04.2",
    judge=True,
    hint="the votes read filters by quarter (\\ top-left, / top-right, ...), not pixels, and pooling forgets "
    "where in a quarter a stroke is; paint diagonals that avoid every black cell of xo.X "
    "(choose 'blank' in the load menu to start afresh).",
)
def _x_without_the_xs_pixels(pad):
    image = _pad_image(pad)
    if (image > 0).sum() < 5:
        raise ValueError("draw at least 5 stroke pixels")
    if ((image > 0) & (xo.X > 0)).any():
        raise ValueError(
            f"{int(((image > 0) & (xo.X > 0)).sum())} of your stroke pixels are stroke pixels of xo.X; move them"
        )
    scores = xo.predict(image)[1]
    return scores["X"] > scores["O"]


NUDGE_TOLERANCE = 0.005  # how far a nudge-test slope may be from the exact one: the slope rounded to 2 decimals counts


def _training_loss_slope():
    """The slope of the training loss along the dense weight from 'x top-left' to class X, at the random start."""
    x, y = learn.make_dataset()
    params = learn.init_params(seed=0)
    probs, cache = learn.forward(params, x)
    return float(learn.backward(params, probs, cache, y)["weights"][0, 4])


@exercise(
    "04.3",
    judge=True,
    hint="copy the nudge cell and nudge params['weights'][0, 4] instead of the filter weight: "
    "(loss after the nudge - loss before) / nudge, with a nudge of 0.001 or smaller.",
)
def _nudge_the_dense_weight(answer):
    if isinstance(answer, (str, bytes, bool)) or np.ndim(answer) != 0:
        raise ValueError("give one number, the slope")
    slope = _training_loss_slope()
    return abs(float(answer) - slope) <= NUDGE_TOLERANCE


def hard_test_accuracy(params):
    """Return the accuracy of ``params`` on ``learn.make_hard_test_set()``."""
    x, y, _ = learn.make_hard_test_set()
    return learn.accuracy(params, x, y)


@exercise(
    "04.4",
    hint="learn.train(x_train, y_train, steps=100, lr=1.0, momentum=0.0, params=learn.hand_params()), "
    "then learn.accuracy(...) on x_hard, y_hard (all three kinds together).",
)
def _hard_accuracy_when_starting_from_alis_network():
    params, _ = learn.train(*learn.make_dataset(), steps=100, lr=1.0, momentum=0.0, params=learn.hand_params())
    return hard_test_accuracy(params)


# ------------------------------------------------------------------ notebook 07 (what the network learned)


@exercise(
    "07.1",
    hint="go layer by layer: rf_out = rf_in + (kernel - 1) * jump_in and jump_out = jump_in * stride, "
    "starting from rf = 1, jump = 1; or fields.receptive_fields([...], (32, 32)).",
)
def _rf_conv5_pool_conv3_pool_conv3():
    specs = [("conv", 5, 1), ("pool", 2, 2), ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)]
    return fields.receptive_fields(specs, (32, 32))[-1]["rf"][0]


@exercise(
    "07.2",
    hint="the jump multiplies by each stride on the way: three 2x2 poolings of stride 2 before "
    "the layer give 2 * 2 * 2; stride-1 convolutions do not change it.",
)
def _jump_after_three_pools():
    specs = [
        ("conv", 3, 1, "same"),
        ("pool", 2, 2),
        ("conv", 3, 1, "same"),
        ("pool", 2, 2),
        ("conv", 3, 1, "same"),
        ("pool", 2, 2),
        ("conv", 3, 1, "same"),
    ]
    return fields.receptive_fields(specs, (64, 64))[-1]["jump"][0]


@exercise(
    "07.3",
    hint="along each side the patch starts at 0, 4, 8, ... up to 32 - 8 = 24 "
    "(heatmaps.patch_starts(32, 8, 4)); one copy per (row start, column start) pair.",
)
def _occlusion_copies_32_8_4():
    return len(heatmaps.patch_starts(32, 8, 4)) ** 2


GRADCAM_SUM_07_4 = np.array([[0.4, 0.1, -0.2], [0.3, 0.0, -0.5]])  # the "dog" sum S given in exercise 07.4


@exercise(
    "07.4",
    hint="one output z: 'cat' scores -z, so every channel weight flips sign and the sum before the "
    "ReLU becomes -S; then keep the positive part, cell by cell (2 rows of 3 numbers).",
)
def _cat_map_from_the_dog_sum():
    return np.maximum(-GRADCAM_SUM_07_4, 0.0)


@exercise(
    "07.5",
    hint="the three channels' mean is what they have alike: count its |value| once per channel; "
    "what differs is |each weight - the mean|; the share is alike / (alike + differs).",
)
def _brightness_share_of_2_1_0():
    weights = np.array([2.0, 1.0, 0.0])  # red, green, blue of one 1x1 filter
    mean = weights.mean()
    alike, differs = abs(mean) * len(weights), np.abs(weights - mean).sum()
    return alike / (alike + differs)


# ------------------------------------------------------------------ notebook 05


def _ali_params(n):
    """Count the weights of Ali (2019)'s network for an n x n RGB input.

    Two 3x3 conv + 2x2 pool blocks, Dense 128, Dense 1.
    """
    side = ops.output_size(ops.output_size(n, 3) // 2, 3) // 2
    return (
        ops.conv_params(3, 3, 32)
        + ops.conv_params(3, 32, 32)
        + ops.dense_params(side * side * 32, 128)
        + ops.dense_params(128, 1)
    )


@exercise(
    "05.1",
    hint="follow the sizes: 3x3 valid conv takes 2 pixels off, 2x2 pooling halves (rounding "
    "down); the Dense(128) layer gets side*side*32 inputs: ops.dense_params(n_in, 128).",
)
def _ali_params_at_128():
    return _ali_params(128)


@exercise(
    "05.4",
    hint="global average pooling leaves one number per map: the Dense(128) layer then has "
    "32 inputs instead of 14*14*32; the convolutions and the output keep their weights.",
)
def _ali_with_global_pooling():
    return ops.conv_params(3, 3, 32) + ops.conv_params(3, 32, 32) + ops.dense_params(32, 128) + ops.dense_params(128, 1)


@exercise(
    "05.2",
    hint="one step per batch: the photos divided by 32, rounded up (the last batch is smaller): math.ceil(1700 / 32).",
)
def _steps_per_epoch_1700():
    return math.ceil(1700 / 32)


@exercise(
    "05.3",
    hint="a Dense layer has (inputs + 1 bias) weights per unit, and one unit per class: ops.dense_params(1280, 3).",
)
def _head_for_three_classes():
    return ops.dense_params(1280, 3)


@exercise(
    "05.5",
    hint="1.96 * sqrt(p * (1 - p) / n) with p = 270 / 300 and n = 300, then times 100 for points; "
    "(276 - 270) / 300 is the difference to compare with it.",
    decimals=1,
)
def _interval_270_of_300():
    p = 270 / 300
    return 100 * 1.96 * math.sqrt(p * (1 - p) / 300)


def early_stopping_epoch(val_losses, patience):
    """Return the epoch (1-based) after which ``keras.callbacks.EarlyStopping(monitor="val_loss", patience=...)``
    stops: the first time ``patience`` epochs in a row bring no new lowest loss (or the last epoch)."""
    best, wait = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return len(val_losses)


EXERCISE_05_6_LOSSES = (0.69, 0.64, 0.60, 0.61, 0.58, 0.59, 0.62, 0.60, 0.57)


@exercise(
    "05.6",
    hint="count the epochs since the lowest loss so far; one higher epoch (0.61) is followed by a new "
    "low, so it does not stop there: it stops when 2 epochs in a row bring no new low.",
)
def _early_stopping_patience_2():
    return early_stopping_epoch(EXERCISE_05_6_LOSSES, patience=2)


# ------------------------------------------------------------------ notebook 06


@exercise(
    "06.1",
    hint="(kernel height * kernel width * input channels + 1 bias) weights per filter, times the "
    "filters: ops.conv_params(3, 128, 128).",
)
def _spahovic_fourth_conv():
    return ops.conv_params(3, 128, 128)


@exercise(
    "06.2",
    hint="keep the three convolutions, and replace both dense layers by one from the 4*4*64 "
    "flattened numbers to 10 outputs: ops.dense_params(4 * 4 * 64, 10).",
)
def _anonymous_without_dense_500():
    return (
        ops.conv_params(2, 3, 16)
        + ops.conv_params(2, 16, 32)
        + ops.conv_params(2, 32, 64)
        + ops.dense_params(4 * 4 * 64, 10)
    )


@exercise(
    "06.3",
    hint="0.99 ** n < 0.01 means n > log(0.01) / log(0.99); take the next whole number "
    "(math.ceil), or try values of n in a loop.",
)
def _bn_steps_to_forget():
    n = 0
    while 0.99**n >= 0.01:
        n += 1
    return n


@exercise(
    "06.4", hint="with a one-hot label only the true class counts: the loss is -ln(p_true), np.log is the natural log."
)
def _cross_entropy_of_quarter():
    return float(-np.log(0.25))


def _course_net_macs(widths, n_white=24):
    """Count the course's CIFAR-10 network's multiply-adds per image (notebook 06), layer by layer."""
    side, total = 31, 31 * 31 * n_white * 2 * 2 * 3  # the 2x2 whitening conv: 32 -> 31
    c_in = n_white
    for width in widths:
        total += side * side * width * 9 * c_in  # stage "a" 3x3 'same' convolution, full map
        side //= 2  # 2x2 max pooling
        total += side * side * width * 9 * width  # stage "b" convolution, on the pooled map
        c_in = width
    return total + widths[-1] * 10  # the Dense(10) head


@exercise(
    "06.5",
    decimals=1,
    hint="a convolution costs height x width x filters x 3 x 3 x input channels; halving "
    "every width makes each stage's cost about 4 times smaller, except the first "
    "convolution, whose input (the whitening layer) keeps its 24 channels.",
)
def _course_net_macs_16_32_64():
    return _course_net_macs((16, 32, 64)) / 1e6


@exercise(
    "06.6",
    hint="1.96 * sqrt(p * (1 - p) / n) with p = 0.75 and n = 10,000 gives a fraction of 1; "
    "multiply by 100 for percentage points.",
)
def _interval_75_on_10000():
    return float(1.96 * np.sqrt(0.75 * 0.25 / 10_000) * 100)


@exercise(
    "06.7",
    decimals=1,
    hint="a class's accuracy is its diagonal entry divided by the sum of its row "
    "(all the images that truly belong to it).",
)
def _class1_accuracy_of_small_matrix():
    cm = np.array([[50, 10, 0], [20, 70, 10], [0, 5, 95]])
    return float(cm[1, 1] / cm[1].sum())


# ------------------------------------------------------------------ notebook 08 (how fast two cores learn CIFAR-10)


@exercise(
    "08.1",
    hint="Keras' smoothed target is y * (1 - s) + s / K: the true class gets 1 - s plus its share s / K of the "
    "smoothing, with s = 0.2 and K = 10 classes.",
)
def _label_smoothing_true_target():
    return 1 - 0.2 + 0.2 / 10


@exercise(
    "08.2",
    decimals=0,
    hint="filter i passes input channel i through, and there is one input channel per filter to pass: "
    "as many filters as the smaller of (input channels, filters).",
)
def _identity_filters_24_in_32_out():
    return min(24, 32)


@exercise(
    "08.3",
    hint="1.96 * sqrt(p * (1 - p) / n) with p = 0.78 and n = 5,000, times 100 for percentage points; "
    "a gain smaller than it (or than the seeds' spread) is a tie.",
)
def _interval_78_on_5000():
    return float(1.96 * np.sqrt(0.78 * 0.22 / 5000) * 100)


@exercise(
    "08.4",
    hint="SGD's step is learning rate x gradient (momentum only adds up past steps): a gradient 64 times "
    "larger makes the same step as a learning rate 64 times larger.",
)
def _scaled_bias_peak_rate():
    return 0.05 * 64


@exercise(
    "08.5",
    decimals=0,
    hint="three positions (unmoved, up-left, down-right), each seen as it is and mirrored.",
)
def _multi_crop_passes():
    return 3 * 2


@exercise(
    "08.6",
    decimals=0,
    hint="images per second x seconds = images seen; divided by the batch size = steps. Compute both rows "
    "and subtract.",
)
def _more_steps_per_budget():
    return round((1920 - 1280) * 110 / 64)


@exercise(
    "08.7",
    hint="random flips mirror each image with probability 1/2, on its own, in each epoch: the image is seen the "
    "same way in two epochs when both epochs mirror it or neither does.",
)
def _random_flips_same_side_twice():
    return 0.5 * 0.5 + 0.5 * 0.5


@exercise(
    "08.8",
    hint="the recipe is chosen on the validation images, before any test score exists; the report is the test "
    "score of that recipe, whatever the other recipes' test scores would have been.",
)
def _reported_test_score():
    valid, test = [80.9, 81.4, 80.8], [81.0, 80.7, 81.3]
    return test[valid.index(max(valid))]
