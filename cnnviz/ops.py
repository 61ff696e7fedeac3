"""Compute the building blocks of a CNN with NumPy alone: convolution, ReLU, pooling, softmax.

Conventions match Keras (channels last): an ``image`` or ``fmap`` is (H, W) or (H, W, C);
a ``kernel`` is (kh, kw), (kh, kw, C) for one filter spanning C channels, or
(kh, kw, C, F) for F filters. Like Keras, "convolution" here is cross-correlation
(the kernel is not flipped).
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnviz import arguments

POOL_MODES = ("max", "avg", "sum", "l2")
REDUCTIONS = ("sum", "mean")


# --------------------------------------------------------------------- checks


def _check_stride(stride):
    return arguments.whole_number(stride, "stride", meaning="how many pixels the window moves")


def _check_padding(padding):
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid', 'same' or a whole number >= 0; got {padding!r}")
        return padding
    return arguments.whole_number(padding, "padding", minimum=0, meaning="zeros on each side; or 'valid' or 'same'")


def zeros_per_side(padding):
    """Return the zeros a padding adds on each side: 0 for 'valid', else the number itself ('same' is the caller's).

    Args:
        padding: 'valid' or a whole number of zeros on each side.

    Returns:
        The number of zeros on each side (0 for 'valid').
    """
    return 0 if padding == "valid" else padding


def _as_array(x, name):
    arr = np.asarray(x)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be an array of numbers; got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


# ----------------------------------------------------------------- arithmetic


def output_size(n, kernel, stride=1, padding=0, strict=True):
    """Return the output length ((n - kernel + 2*padding) / stride) + 1 along one axis.

    ``padding`` is a number of zeros on each side, or 'valid' (0) or 'same' (Keras: the
    output is ceil(n / stride)). With ``strict=True`` a combination whose windows do not
    tile the padded input exactly is refused with an explanation; with ``strict=False``
    the leftover pixels are dropped, as Keras does.
    """
    n, kernel = arguments.whole_number(n, "input size n"), arguments.whole_number(kernel, "kernel")
    stride = _check_stride(stride)
    padding = _check_padding(padding)
    if padding == "same":
        return math.ceil(n / stride)
    pad = zeros_per_side(padding)
    span = n + 2 * pad
    if kernel > span:
        raise ValueError(
            f"kernel {kernel} is larger than the padded input {span} (n={n}, padding={pad} on each side); "
            f"use a smaller kernel or more padding"
        )
    steps, leftover = divmod(span - kernel, stride)
    if leftover and strict:
        fits = [s for s in range(1, span - kernel + 1) if (span - kernel) % s == 0]
        raise ValueError(
            f"stride {stride} does not tile: (n - kernel + 2*padding) / stride = ({n} - {kernel} + 2*{pad}) / {stride} "
            f"= {(span - kernel) / stride:g} is not a whole number, so the last window would hang {stride - leftover} "
            f"pixel(s) past the edge and {leftover} pixel(s) would never be the start of a window. "
            f"Strides that tile here: {fits}; or change the padding."
        )
    return steps + 1


def same_padding(n, kernel, stride):
    """Return (before, after) zero counts that Keras' padding='same' adds along one axis."""
    out = math.ceil(n / stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def _pad_amounts(h, w, kh, kw, stride, padding):
    if padding == "same":
        return same_padding(h, kh, stride), same_padding(w, kw, stride)
    pad = zeros_per_side(padding)
    return (pad, pad), (pad, pad)


# ---------------------------------------------------------------- convolution


def conv2d(image, kernel, stride=1, padding="valid", reduce="sum"):
    """Slide ``kernel`` over ``image`` and return the feature map (cross-correlation, as Keras).

    Shapes: (H, W) with (k, k) -> (H', W'); (H, W, C) with (k, k, C) -> (H', W');
    (H, W, C) with (k, k, C, F) -> (H', W', F). ``reduce='mean'`` divides each sum by
    the number of kernel weights (the averaging of the X/O walkthrough).
    ``padding`` is 'valid', 'same' (Keras) or a number of zeros on each side.
    """
    image = _as_array(image, "image")
    kernel = _as_array(kernel, "kernel")
    stride = _check_stride(stride)
    padding = _check_padding(padding)
    if reduce not in REDUCTIONS:
        raise ValueError(f"reduce must be one of {REDUCTIONS}; got {reduce!r}")
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be 2-D (H, W) or 3-D (H, W, C); got shape {image.shape}")
    if kernel.ndim not in (2, 3, 4):
        raise ValueError(f"kernel must be (k, k), (k, k, C) or (k, k, C, F); got shape {kernel.shape}")
    if kernel.shape[0] != kernel.shape[1]:
        raise ValueError(
            f"kernel must be square (k x k); got {kernel.shape[0]}x{kernel.shape[1]}. "
            f"Pad it with zeros to a square, or use keras.layers.Conv2D for rectangular kernels"
        )
    squeeze_channels = image.ndim == 2
    if squeeze_channels:
        if kernel.ndim != 2:
            raise ValueError(f"a 2-D image (H, W) needs a 2-D kernel (k, k); got kernel shape {kernel.shape}")
        image, kernel = image[..., None], kernel[:, :, None, None]
        single = True
    else:
        single = kernel.ndim == 3
        if kernel.ndim == 2:
            raise ValueError(
                f"a 3-D image {image.shape} needs a kernel (k, k, C) or (k, k, C, F) "
                f"spanning its {image.shape[2]} channels; got kernel shape {kernel.shape}"
            )
        if single:
            kernel = kernel[..., None]
        if kernel.shape[2] != image.shape[2]:
            raise ValueError(
                f"channel mismatch: the image has {image.shape[2]} channels but the kernel "
                f"spans {kernel.shape[2]}; a kernel must span every channel of its input"
            )
    h, w = image.shape[:2]
    k = kernel.shape[0]
    (pt, pb), (pl, pr) = _pad_amounts(h, w, k, k, stride, padding)
    if k > h + pt + pb or k > w + pl + pr:
        raise ValueError(
            f"kernel {k}x{k} is larger than the padded image {h + pt + pb}x{w + pl + pr} "
            f"(image {h}x{w}, padding={padding!r}); use a smaller kernel or more padding"
        )
    padded = np.pad(image, ((pt, pb), (pl, pr), (0, 0)))
    windows = sliding_window_view(padded, (k, k), axis=(0, 1))[::stride, ::stride]
    # windows: (H', W', C, k, k); kernel: (k, k, C, F)
    out = np.einsum("yxcij,ijcf->yxf", windows, kernel, optimize=True)
    if reduce == "mean":
        out = out / (k * k * kernel.shape[2])
    if squeeze_channels or single:
        out = out[..., 0]
    return out


def locally_connected2d(image, kernels, stride=1):
    """Apply a different k x k kernel at every output position of a 2-D image (no weight sharing).

    ``kernels`` has shape (H', W', k, k): one kernel per output pixel. With all kernels equal
    this is exactly ``conv2d``; the difference is how many weights must be learned.
    """
    image = _as_array(image, "image")
    kernels = _as_array(kernels, "kernels")
    if image.ndim != 2 or kernels.ndim != 4 or kernels.shape[2] != kernels.shape[3]:
        raise ValueError(
            f"locally_connected2d takes a 2-D image and kernels (H', W', k, k); got {image.shape} and {kernels.shape}"
        )
    k = kernels.shape[2]
    stride = _check_stride(stride)
    windows = sliding_window_view(image, (k, k))[::stride, ::stride]
    if windows.shape[:2] != kernels.shape[:2]:
        raise ValueError(
            f"kernels must have one k x k kernel per output pixel: expected leading shape "
            f"{windows.shape[:2]}, got {kernels.shape[:2]}"
        )
    return np.einsum("yxij,yxij->yx", windows, kernels)


def window_products(image, kernel, row, col, stride=1):
    """Return the k x k window of a 2-D ``image`` at output (row, col) and its products with ``kernel``."""
    image = _as_array(image, "image")
    kernel = _as_array(kernel, "kernel")
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"window_products takes a 2-D image and a 2-D kernel; got {image.shape} and {kernel.shape}")
    k = kernel.shape[0]
    n_rows = output_size(image.shape[0], k, stride, strict=False)
    n_cols = output_size(image.shape[1], k, stride, strict=False)
    if not (0 <= row < n_rows and 0 <= col < n_cols):
        raise ValueError(f"window ({row}, {col}) is outside the {n_rows}x{n_cols} output")
    window = image[row * stride : row * stride + k, col * stride : col * stride + k]
    return window, window * kernel


# ---------------------------------------------------------------- activations


def relu(x):
    """Replace every negative value by zero: ReLU(x) = max(0, x), value by value.

    Args:
        x: an array of numbers, any shape.

    Returns:
        A float array of the same shape, with each negative value replaced by 0.

    Raises:
        ValueError: if ``x`` is not numeric.
    """
    return np.maximum(_as_array(x, "x"), 0.0)


def softmax(scores, axis=-1):
    """Turn scores into probabilities that sum to 1 (shifted by the max, so large scores do not overflow).

    Args:
        scores: an array of numbers; softmax runs along ``axis``.
        axis: the axis holding one score per class.

    Returns:
        exp(s_i) / sum_j exp(s_j) along ``axis``: positive, summing to 1, in the order of the scores.

    Raises:
        ValueError: if ``scores`` is not numeric.
    """
    scores = _as_array(scores, "scores")
    shifted = scores - scores.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def flatten(x):
    """Return ``x`` as one long vector, row by row (NumPy/Keras C order).

    Args:
        x: an array of any shape, e.g. (F, 2, 2) pooled maps.

    Returns:
        A 1-D array of ``x.size`` values: the last axis varies fastest.
    """
    return np.asarray(x).reshape(-1)


# -------------------------------------------------------------------- pooling


def pool2d(fmap, size=2, stride=2, mode="max", padding="valid"):
    """Summarise each size x size window of ``fmap`` (H, W) or (H, W, C) by max, avg, sum or l2.

    ``padding='same'`` follows Keras: the output is ceil(H / stride) and the padded cells
    are ignored (never the max, never counted in the average). With 'valid', rows and
    columns that do not fill a whole window are dropped, as Keras does. Each channel is
    pooled on its own, so the depth C never changes.

    Args:
        fmap: the feature map, (H, W) or (H, W, C), finite numbers (no NaN).
        size: the window side k, a whole number >= 1.
        stride: how many cells the window moves, a whole number >= 1.
        mode: one of ``POOL_MODES``: 'max', 'avg', 'sum' or 'l2' (square root of the sum of squares).
        padding: 'valid' or 'same'.

    Returns:
        The pooled map, (H', W') or (H', W', C).

    Raises:
        ValueError: for an unknown mode or padding, a bad size or stride, a window larger
            than the map, or a map holding NaN.
    """
    fmap = _as_array(fmap, "fmap")
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}; got {mode!r}")
    size = arguments.whole_number(size, "size")
    stride = _check_stride(stride)
    if padding not in ("valid", "same"):
        raise ValueError(f"pooling padding must be 'valid' or 'same'; got {padding!r}")
    if fmap.ndim not in (2, 3):
        raise ValueError(f"fmap must be 2-D (H, W) or 3-D (H, W, C); got shape {fmap.shape}")
    if np.isnan(fmap).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(fmap))[0])
        raise ValueError(
            f"fmap holds {int(np.isnan(fmap).sum())} NaN value(s) (the first at {where}): a NaN has "
            f"no maximum or average. Fill them in first, e.g. np.nan_to_num(fmap), or pool a map "
            f"without missing values"
        )
    squeeze = fmap.ndim == 2
    if squeeze:
        fmap = fmap[..., None]
    h, w = fmap.shape[:2]
    (pt, pb), (pl, pr) = _pad_amounts(h, w, size, size, stride, padding)
    if size > h + pt + pb or size > w + pl + pr:
        raise ValueError(f"pool size {size} is larger than the feature map {h}x{w}; use a smaller size")
    pad = ((pt, pb), (pl, pr), (0, 0))
    padded = np.pad(fmap, pad)
    real = np.pad(np.ones(fmap.shape, dtype=bool), pad)  # False on the padding cells
    view = (slice(None, None, stride), slice(None, None, stride))
    windows = sliding_window_view(padded, (size, size), axis=(0, 1))[view]
    inside = sliding_window_view(real, (size, size), axis=(0, 1))[view]
    axes = (-2, -1)
    if mode == "max":
        out = np.where(inside, windows, -np.inf).max(axis=axes)
    elif mode == "avg":
        out = np.where(inside, windows, 0.0).sum(axis=axes) / inside.sum(axis=axes)
    elif mode == "sum":
        out = np.where(inside, windows, 0.0).sum(axis=axes)
    else:
        out = np.sqrt(np.where(inside, windows**2, 0.0).sum(axis=axes))
    return out[..., 0] if squeeze else out


# ------------------------------------------------------------ parameter counts


def conv_params(kernel_size, in_channels, filters, bias=True):
    """Count the weights of a convolution layer: (k * k * in_channels + bias) * filters."""
    return (kernel_size * kernel_size * in_channels + int(bias)) * filters


def dense_params(n_in, n_out, bias=True):
    """Count the weights of a fully connected layer: (n_in + bias) * n_out."""
    return (n_in + int(bias)) * n_out


def locally_connected_params(out_h, out_w, kernel_size, in_channels, filters, bias=True):
    """Count the weights of a locally connected layer: a convolution whose weights are not shared."""
    return out_h * out_w * conv_params(kernel_size, in_channels, filters, bias)


# ------------------------------------------- Dishashree (n.d.)'s path and plain explanations


def slide_row_weights(image, weights, padding=0):
    """Slide a row of weights along every row of a 2-D ``image`` (Dishashree (n.d.)'s cases 2-4).

    Each output pixel is sum_j weights[j] * image[r, c + j]: the neighbours to the right
    share the weights. ``padding`` zeros are added at the left and right ends of each row.
    """
    image = _as_array(image, "image")
    weights = _as_array(weights, "weights")
    padding = _check_padding(padding)
    if image.ndim != 2 or weights.ndim != 1:
        raise ValueError(
            f"slide_row_weights takes a 2-D image and a 1-D row of weights; got {image.shape} and {weights.shape}"
        )
    if isinstance(padding, str):
        raise ValueError(f"padding must be a whole number of zeros here; got {padding!r}")
    padded = np.pad(image, ((0, 0), (padding, padding)))
    if weights.size > padded.shape[1]:
        raise ValueError(
            f"{weights.size} weights do not fit in a row of {padded.shape[1]} pixels; use fewer weights or more padding"
        )
    return sliding_window_view(padded, weights.size, axis=1) @ weights


def explain_output_size(n, kernel, stride=1, padding=0):
    """Return (output size or None, a plain sentence): the formula with the numbers, or why it does not tile."""
    try:
        out = output_size(n, kernel, stride, padding)
    except ValueError as err:
        return None, f"No output size: {err}"
    if padding == "same":
        return out, f"padding='same': output = ceil(n / stride) = ceil({n} / {stride}) = {out}"
    pad = zeros_per_side(padding)
    return out, (
        f"output = (n - kernel + 2*padding) / stride + 1 = ({n} - {kernel} + 2*{pad}) / {stride} + 1 "
        f"= {out}: the window lands at {out} positions along each axis"
    )


def leftover(n, kernel, stride=1, padding=0):
    """Return how many rows (or columns) of the padded input no window reaches: 0 when the windows tile it.

    Args:
        n: input size along one axis.
        kernel: kernel size along that axis.
        stride: how many pixels the window moves.
        padding: zeros added on each side (a whole number, or 'valid' for 0).

    Returns:
        The count of pixels Keras drops at the far edge (``padding="valid"``-style floor).

    Raises:
        ValueError: as ``output_size``.
    """
    out = output_size(n, kernel, stride, padding, strict=False)
    return n + 2 * zeros_per_side(padding) - ((out - 1) * stride + kernel)


def explain_floor_output_size(n, kernel, stride=1, padding=0):
    """Return (output size, a plain sentence) as Keras computes it: floor((n + 2p - k) / s) + 1.

    The sentence gives the formula with the numbers and says whether the windows tile the
    padded input exactly or which pixels no window reaches (Keras drops them).

    Args:
        n: input size along one axis.
        kernel: kernel size along that axis.
        stride: how many pixels the window moves.
        padding: zeros added on each side (a whole number, or 'valid' for 0).

    Returns:
        (output size, sentence).

    Raises:
        ValueError: if an argument is not a whole number of the right range, or the kernel is
            larger than the padded input.
    """
    if padding == "same":
        raise ValueError(
            "explain_floor_output_size takes a number of zeros; for padding='same' "
            "use explain_output_size (Keras: ceil(n / stride))"
        )
    out, left = output_size(n, kernel, stride, padding, strict=False), leftover(n, kernel, stride, padding)
    pad = zeros_per_side(padding)
    span = n + 2 * pad
    formula = (
        f"output = floor((n + 2*padding - kernel) / stride) + 1 = floor(({n} + 2*{pad} - {kernel}) / "
        f"{stride}) + 1 = floor({(span - kernel) / stride:g}) + 1 = {out}"
    )
    if not left:
        return out, f"{formula}: the windows tile exactly, every pixel is reached"
    return out, (
        f"{formula}: the windows do not tile exactly; the last {left} row(s) and column(s) of the "
        f"padded input are never reached, and Keras drops them"
    )


# Classic hand-made 3x3 kernels for photos (notebook 02): edges, outline, blur, sharpen.
CLASSIC_KERNELS = {
    "vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float),
    "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
    "blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
}


def stack_kernels(kernels, channel_weights=(1 / 3, 1 / 3, 1 / 3)):
    """Turn F 2-D kernels (k, k) into one (k, k, C, F) bank whose every filter spans all C channels.

    Filter f applies ``kernels[f]`` to channel c scaled by ``channel_weights[c]`` and adds the
    channels up: with equal weights it sees the photo's brightness.
    """
    kernels = [_as_array(k, "kernel") for k in kernels]
    if not kernels or any(k.ndim != 2 or k.shape != kernels[0].shape for k in kernels):
        raise ValueError(f"stack_kernels needs 2-D kernels of one shape; got {[k.shape for k in kernels]}")
    weights = _as_array(channel_weights, "channel_weights")
    return np.stack(kernels, axis=-1)[:, :, None, :] * weights[None, None, :, None]
