"""Check a learner's answers to the notebooks' exercises; pure NumPy (never imports matplotlib or Keras).

Each exercise's right answer is computed by cnnviz itself, never typed in. Register one with
``@exercise("01.2", hint=...)`` on a function that returns the right answer, then check an
answer with ``check("01.2", answer)``. For an exercise with many right answers (design a
filter, ...), register ``@exercise("02.5", hint=..., judge=True)`` on a function that takes
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
from decimal import Decimal
from typing import Callable, NamedTuple

import numpy as np

from cnnviz import fields, learn, ops, samples, xo


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
    return d >= decimals and abs(answer - expected) <= 0.5 * 10.0 ** -d + 1e-12


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

@exercise("01.1", hint="height x width x channels: every pixel of a colour image holds 3 numbers.")
def _numbers_in_64x64_rgb():
    return 64 * 64 * 3


@exercise("01.2", hint="each of the 128 neurons has one weight per input number, plus one bias: "
                       "ops.dense_params(n_in, n_out).")
def _dense_on_64x64_rgb():
    return ops.dense_params(64 * 64 * 3, 128)


@exercise("01.3", hint="a 3x3 filter on an RGB input spans all 3 channels, so it has 3 * 3 weights per channel, "
                       "plus one bias; count one such filter and multiply by the number of filters "
                       "(ops.conv_params(kernel_size, in_channels, filters)).")
def _conv_32_filters_rgb():
    return ops.conv_params(3, 3, 32)


@exercise("01.4", hint="look again at the three channel pictures of the cat: which one is brightest overall? "
                       "You can check with photo[..., c].mean() for c = 0, 1, 2.")
def _brightest_channel_of_the_cat():

    means = samples.load_asset("cat_chelsea.jpg").reshape(-1, 3).mean(axis=0)
    return ("red", "green", "blue")[int(np.argmax(means))]


def _rgb_pixel(answer):
    pixel = np.asarray(answer)
    if pixel.shape != (3,) or not np.issubdtype(pixel.dtype, np.number):
        raise ValueError("give three numbers [red, green, blue], each from 0 to 255")
    if pixel.min() < 0 or pixel.max() > 255:
        raise ValueError("each channel holds a value from 0 to 255")
    return pixel.astype(float)


@exercise("01.5", hint="yellow light is a mix of two of the three lights, both strong, with little of the third.",
          judge=True)
def _a_yellow_pixel(answer):
    r, g, b = _rgb_pixel(answer)
    return r >= 200 and g >= 200 and b <= 60


# ------------------------------------------------------------------ notebooks 02-04 (the X/O network)

def _xo():

    return xo


@exercise("02.1", hint="take the top-left 3x3 window of xo.thicken(xo.X), multiply it cell by cell with filter 1 "
                       "(diagonal \\), add the 9 products and divide by 9; a fraction such as 2/9 is a valid answer.")
def _bold_x_filter1_window_0_0():
    xo = _xo()
    return ops.conv2d(xo.thicken(xo.X), xo.FILTERS["diagonal \\"], reduce="mean")[0, 0]


@exercise("02.2", hint="Keras's formula floor((n + 2*padding - kernel) / stride) + 1, with the numbers of the "
                       "question; floor rounds down.")
def _output_size_28_5_2_2():
    return ops.output_size(28, 5, 2, 2, strict=False)


@exercise("02.3", hint="give (height, width, depth): each side is floor((64 - 3) / 1) + 1, and the depth is one "
                       "map per filter, because each filter spans all 3 input channels.")
def _shape_64x64x3_16_filters():
    return ops.conv2d(np.zeros((64, 64, 3)), np.zeros((3, 3, 3, 16))).shape


@exercise("02.4", hint="a filter spans every channel: 5 * 5 weights per channel, times the number of channels "
                       "(no bias).")
def _weights_one_5x5_rgb_filter():
    return ops.conv_params(5, 3, 1, bias=False)


def _as_kernel_3x3(answer):
    kernel = np.asarray(answer)
    if kernel.shape != (3, 3) or not np.issubdtype(kernel.dtype, np.number):
        raise ValueError(f"give a 3x3 array of numbers, such as np.zeros((3, 3)) with some weights changed; "
                         f"got shape {kernel.shape}")
    return kernel.astype(float)


@exercise("02.5", hint="the O's left side is a vertical run of +1 pixels (rows 3-5 of column 1), and the X never "
                       "has three +1 pixels one above the other; make the kernel look like such a run.", judge=True)
def _responds_to_the_o_left_side(answer):
    """Right when the kernel's strongest response on the O's left side beats its strongest response on the X."""
    xo = _xo()
    kernel = _as_kernel_3x3(answer)
    on_o = ops.conv2d(xo.O, kernel, reduce="mean")[:, :2].max()     # windows over columns 0-3: the left side
    on_x = ops.conv2d(xo.X, kernel, reduce="mean").max()
    return bool(on_o > on_x + 1e-9)


@exercise("02.6", hint="in the explorer choose the image X and the preset 'cross x', type -1 into k[1,1], move the "
                       "window to row 3, column 3 and read the mean (or pass explorer.mean).")
def _cross_without_centre_on_x_centre():
    xo = _xo()
    kernel = xo.FILTERS["cross x"].copy()
    kernel[1, 1] = -1
    return ops.conv2d(xo.X, kernel, reduce="mean")[3, 3]


@exercise("02.7", hint="every window reads the same nine pixels as before, wherever those pixels are now; compare "
                       "conv2d_by_hand(xo.X, f1) with conv2d_by_hand(xo.shift(xo.X, 0, 1), f1): where did the value "
                       "of row 2, column 2 go?")
def _where_a_value_moves_after_a_shift():
    xo = _xo()
    before = ops.conv2d(xo.X, xo.FILTERS["diagonal \\"], reduce="mean")
    after = ops.conv2d(xo.shift(xo.X, 0, 1), xo.FILTERS["diagonal \\"], reduce="mean")
    if not np.allclose(after[:, 1:], before[:, :-1]):
        raise AssertionError("shifting the X one pixel right should shift its feature map one cell right")
    return (2, 2 + 1)


@exercise("03.1", hint="average pooling adds the values of the window and divides by how many there are; the "
                       "window is the top-left 2x2 block of the O's ReLU map for filter 1, xo.forward(xo.O)['relu'][0].")
def _o_relu1_avg_pool_corner():
    xo = _xo()
    return ops.pool2d(xo.forward(xo.O)["relu"][0], 2, 2, "avg", "same")[0, 0]


@exercise("03.2", hint="with padding='same' a pooling of stride s gives ceil(n / s) along each side.")
def _same_pool_13():
    return ops.output_size(13, 2, 2, "same")


@exercise("03.3", hint="with padding='valid' every window lies wholly inside the map: use the output-size formula "
                       "of section 9 with n = 13, a 3x3 window and stride 2.")
def _valid_pool_13_3_2():
    return ops.output_size(13, 3, 2, 0)


@exercise("03.4", hint="compare xo.forward(xo.O)['pool2'] with xo.forward(xo.shift(xo.O, 1, 0))['pool2'] and count "
                       "the values that differ (out of 12); np.isclose helps.")
def _changes_after_shifting_o_down():
    xo = _xo()
    return int(np.sum(~np.isclose(xo.forward(xo.O)["pool2"], xo.forward(xo.shift(xo.O, 1, 0))["pool2"])))


def _kernel_3x3(kernel):
    k = np.asarray(kernel, dtype=float)
    if k.shape != (3, 3) or not np.isfinite(k).all():
        raise ValueError(f"give a 3x3 kernel of numbers, e.g. np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1]]); "
                         f"got shape {k.shape}")
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
    xo = _xo()
    k = _kernel_3x3(kernel)
    o_map = ops.relu(ops.conv2d(xo.O, k, reduce="mean"))
    x_map = ops.relu(ops.conv2d(xo.X, k, reduce="mean"))
    return float(o_map[:2].max()), float(x_map.max())


@exercise("03.5", judge=True,
          hint="print xo.O[0:3, 2:7]: the arc is a row of stroke pixels with background above and below. Make your "
               "kernel look like one 3x3 window of it, then compare exercises.top_arc_response(kernel).")
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
        covered[max(start, 0):max(start + size, 0)] += 1
    return out, size <= stride and bool((covered >= 1).all())


@exercise("03.6", judge=True,
          hint="windows that neither overlap nor leave gaps have a stride equal to their size; 7 is not a multiple "
               "of many sizes, so look at what padding='same' adds.")
def _pooling_explorer_to_2x2(explorer):
    if not all(hasattr(explorer, name) for name in ("size", "stride", "padding", "pooled")):
        raise ValueError("pass the pooling explorer itself: exercises.check('03.6', pooling)")
    out, tiles = pooling_covers(explorer.size.value, explorer.stride.value, explorer.padding.value)
    return explorer.pooled.shape == (2, 2) and out == 2 and tiles


@exercise("04.1", hint="run the moved X through the network, xo.forward(...)['vector'], and average its values at "
                       "the O's voting positions; or read xo.predict(...).")
def _o_vote_for_x_moved_down_left():
    xo = _xo()
    return xo.votes(xo.forward(xo.shift(xo.X, 1, -1))["vector"])["O"]


@exercise("04.2", hint="softmax only sees differences: exp(a) / (exp(a) + exp(b)) = 1 / (1 + exp(b - a)), "
                       "or ops.softmax([a, b]).")
def _softmax_of_ten_times_the_votes():
    return ops.softmax([10.0, 50 / 9])[0]


@exercise("04.3", hint="Ali (2019)'s total error: the sum of 1/2 (target - output)^2 over the 4 classes, "
                       "target [0, 0, 1, 0], output [0.25, 0.25, 0.25, 0.25].")
def _total_error_undecided():
    return _xo().squared_error([0, 0, 1, 0], [0.25, 0.25, 0.25, 0.25])


def _pad_image(answer):
    image = getattr(answer, "image", answer)
    arr = np.asarray(image, dtype=float)
    if arr.shape != (9, 9) or not np.isin(arr, (-1.0, 1.0)).all():
        raise ValueError("pass the drawing pad (exercises.check('04.4', pad)) or a 9x9 grid of +1 and -1")
    return arr


@exercise("04.4", judge=True,
          hint="the network looks for diagonal strokes and pooling forgets exactly where they are; paint a "
               "letter of diagonals that avoids every black cell of xo.X (load 'blank' to start afresh).")
def _x_without_the_xs_pixels(pad):
    xo = _xo()
    image = _pad_image(pad)
    if (image > 0).sum() < 5:
        raise ValueError("draw at least 5 stroke pixels")
    if ((image > 0) & (xo.X > 0)).any():
        raise ValueError(f"{int(((image > 0) & (xo.X > 0)).sum())} of your stroke pixels are stroke pixels of "
                         f"xo.X; move them")
    scores = xo.predict(image)[1]
    return scores["X"] > scores["O"]


def momentum_comparison(x, y, steps=100, lr=0.1, kind="squared"):
    """Return the training loss after ``steps`` steps with momentum 0.9 and with momentum 0 (plain descent).

    Args:
        x, y: the training set (``learn.make_dataset()``).
        steps, lr, kind: as for ``learn.train``.

    Returns:
        {0.9: final loss, 0.0: final loss}.
    """

    return {m: learn.train(x, y, steps=steps, lr=lr, momentum=m, kind=kind)[1]["loss"][-1] for m in (0.9, 0.0)}


@exercise("04.5", hint="run learn.train on the training set with momentum=0.0 (the steps, lr and loss of the "
                       "squared-error run of section 9) and compare the last value of its history['loss'] with that run's.")
def _loss_without_momentum():

    losses = momentum_comparison(*learn.make_dataset())
    return "higher" if losses[0.0] > losses[0.9] else "lower"


# ------------------------------------------------------------------ notebook 07 (what the network learned)

@exercise("07.1", hint="go layer by layer: rf_out = rf_in + (kernel - 1) * jump_in and jump_out = jump_in * stride, "
                       "starting from rf = 1, jump = 1; or fields.receptive_fields([...], (32, 32)).")
def _rf_conv5_pool_conv3_pool_conv3():
    specs = [("conv", 5, 1), ("pool", 2, 2), ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)]
    return fields.receptive_fields(specs, (32, 32))[-1]["rf"][0]


@exercise("07.2", hint="the jump multiplies by each stride on the way: three 2x2 poolings of stride 2 before "
                       "the layer give 2 * 2 * 2; stride-1 convolutions do not change it.")
def _jump_after_three_pools():
    specs = [("conv", 3, 1, "same"), ("pool", 2, 2), ("conv", 3, 1, "same"), ("pool", 2, 2),
             ("conv", 3, 1, "same"), ("pool", 2, 2), ("conv", 3, 1, "same")]
    return fields.receptive_fields(specs, (64, 64))[-1]["jump"][0]


@exercise("07.3", hint="along each side the patch starts at 0, 4, 8, ... up to 32 - 8 = 24 "
                       "(ops.patch_starts(32, 8, 4)); one copy per (row start, column start) pair.")
def _occlusion_copies_32_8_4():
    return len(ops.patch_starts(32, 8, 4)) ** 2


# ------------------------------------------------------------------ notebook 05

def _ali_params(n):
    """Count the weights of Ali (2019)'s network for an n x n RGB input: two 3x3 conv + 2x2 pool blocks, Dense 128, Dense 1."""
    side = ops.output_size(ops.output_size(n, 3) // 2, 3) // 2
    return (ops.conv_params(3, 3, 32) + ops.conv_params(3, 32, 32)
            + ops.dense_params(side * side * 32, 128) + ops.dense_params(128, 1))


@exercise("05.1", hint="follow the sizes: 3x3 valid conv takes 2 pixels off, 2x2 pooling halves (rounding "
                       "down); the Dense(128) layer gets side*side*32 inputs: ops.dense_params(n_in, 128).")
def _ali_params_at_128():
    return _ali_params(128)


@exercise("05.4", hint="global average pooling leaves one number per map: the Dense(128) layer then has "
                       "32 inputs instead of 14*14*32; the convolutions and the output keep their weights.")
def _ali_with_global_pooling():
    return ops.conv_params(3, 3, 32) + ops.conv_params(3, 32, 32) + ops.dense_params(32, 128) + ops.dense_params(128, 1)


@exercise("05.2", hint="steps_per_epoch counts batches, not images: multiply by the batch size.")
def _mwiti_images_per_epoch():
    return 5000 * 32


@exercise("05.3", hint="Conv2D(32, 3, 3) means 3x3 kernels with stride 3: "
                       "ops.output_size(64, 3, stride=3, strict=False).")
def _conv_32_3_3_on_64():
    return ops.output_size(64, 3, 3, strict=False)


# ------------------------------------------------------------------ notebook 06

@exercise("06.1", hint="(kernel height * kernel width * input channels + 1 bias) weights per filter, times the "
                       "filters: ops.conv_params(3, 128, 128).")
def _spahovic_fourth_conv():
    return ops.conv_params(3, 128, 128)


@exercise("06.2", hint="keep the three convolutions, and replace both dense layers by one from the 4*4*64 "
                       "flattened numbers to 10 outputs: ops.dense_params(4 * 4 * 64, 10).")
def _anonymous_without_dense_500():
    return (ops.conv_params(2, 3, 16) + ops.conv_params(2, 16, 32) + ops.conv_params(2, 32, 64)
            + ops.dense_params(4 * 4 * 64, 10))


@exercise("06.3", hint="0.99 ** n < 0.01 means n > log(0.01) / log(0.99); take the next whole number "
                       "(math.ceil), or try values of n in a loop.")
def _bn_steps_to_forget():
    n = 0
    while 0.99 ** n >= 0.01:
        n += 1
    return n


@exercise("06.4", hint="with a one-hot label only the true class counts: the loss is -ln(p_true), "
                       "np.log is the natural log.")
def _cross_entropy_of_quarter():
    return float(-np.log(0.25))


def _course_net_macs(widths, n_white=24):
    """Count the course's CIFAR-10 network's multiply-adds per image (notebook 06), layer by layer as Keras builds it."""
    side, total = 31, 31 * 31 * n_white * 2 * 2 * 3      # the 2x2 whitening conv: 32 -> 31
    c_in = n_white
    for width in widths:
        total += side * side * width * 9 * c_in          # stage "a" 3x3 'same' convolution, full map
        side //= 2                                       # 2x2 max pooling
        total += side * side * width * 9 * width         # stage "b" convolution, on the pooled map
        c_in = width
    return total + widths[-1] * 10                       # the Dense(10) head


@exercise("06.5", decimals=1, hint="a convolution costs height x width x filters x 3 x 3 x input channels; halving "
                                   "every width makes each stage's cost about 4 times smaller, except the first "
                                   "convolution, whose input (the whitening layer) keeps its 24 channels.")
def _course_net_macs_16_32_64():
    return _course_net_macs((16, 32, 64)) / 1e6
