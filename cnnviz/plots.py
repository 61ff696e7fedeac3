"""Draw what cnnviz computes, with matplotlib.

Every helper takes ``ax=None``, draws on it (or on a new axes), and returns it.
No ``plt.show()`` and no global rcParams changes here.
"""
import matplotlib.pyplot as plt
import numpy as np


def _ax(ax=None, figsize=None):
    """Return ``ax``, or a new axes when it is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def matrix(values, ax=None, annotate=True, fmt="{:g}", cmap="gray_r", vmin=None, vmax=None, title=None):
    """Draw a 2-D array as a grid of coloured cells, optionally writing each value in its cell."""
    values = np.asarray(values)
    ax = _ax(ax, figsize=(0.45 * values.shape[1] + 1, 0.45 * values.shape[0] + 1))
    img = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    if annotate:
        lo, hi = img.get_clim()
        mid = (lo + hi) / 2
        for (r, c), v in np.ndenumerate(values):
            dark = (v > mid) == cmap.endswith("_r") if isinstance(cmap, str) else v < mid
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


# ------------------------------------------------ the X/O network, by hand (notebooks 02-04)

def _format(value, fmt):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return fmt(value) if callable(fmt) else fmt.format(value)


def _text_color(img, value):
    """Return black or white, whichever reads better on the cell colour of ``value``."""
    if not np.isfinite(value):
        return "black"
    r, g, b, _ = img.cmap(img.norm(value))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def annotate(ax, values, fmt="{:.2f}", fontsize=8):
    """Write each value of the grid drawn on ``ax`` in its cell (NaN cells stay empty); return the texts."""
    values = np.asarray(values, dtype=float)
    img = ax.images[-1]
    texts = [ax.text(c, r, _format(v, fmt), ha="center", va="center", fontsize=fontsize,
                     color=_text_color(img, v)) for (r, c), v in np.ndenumerate(values)]
    ax.cnnviz_grid = {"texts": texts, "fmt": fmt, "shape": values.shape}
    return texts


def heatmap(values, ax=None, fmt="{:.2f}", cmap="RdBu_r", vmin=-1, vmax=1, title=None, marks=None, fontsize=8):
    """Draw an annotated heatmap: coloured cells, each with its value; outline the (row, col) cells in ``marks``."""
    values = np.asarray(values, dtype=float)
    ax = matrix(values, ax=ax, annotate=False, cmap=cmap, vmin=vmin, vmax=vmax, title=title)
    annotate(ax, values, fmt, fontsize)
    for r, c in marks if marks is not None else []:
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="magenta", lw=2.5))
    return ax


def update_heatmap(ax, values):
    """Redraw a heatmap made by ``heatmap`` with new values of the same shape, reusing its artists (fast)."""
    values = np.asarray(values, dtype=float)
    grid = ax.cnnviz_grid
    if values.shape != grid["shape"]:
        raise ValueError(f"update_heatmap needs values of shape {grid['shape']}; got {values.shape}")
    img = ax.images[-1]
    img.set_data(values)
    for text, v in zip(grid["texts"], values.flat):
        text.set_text(_format(v, grid["fmt"]))
        text.set_color(_text_color(img, v))
    return ax


def heatmaps(arrays, titles=None, axes=None, **kwargs):
    """Draw several annotated heatmaps side by side; return their axes."""
    if axes is None:
        _, axes = plt.subplots(1, len(arrays), figsize=(3.2 * len(arrays), 3.2))
    axes = np.atleast_1d(axes)
    for i, (array, ax) in enumerate(zip(arrays, axes)):
        heatmap(array, ax=ax, title=titles[i] if titles else None, **kwargs)
    return axes


def image_grid(image, ax=None, title=None, values=True):
    """Draw a +1/-1 image as black (+1) and white (-1) cells, with the values written in."""
    image = np.asarray(image, dtype=float)
    if values:
        return heatmap(image, ax=ax, fmt="{:g}", cmap="gray_r", vmin=-1, vmax=1, title=title)
    return matrix(image, ax=ax, annotate=False, cmap="gray_r", vmin=-1, vmax=1, title=title)


def highlight(ax, row, col, size=3, color="gold", lw=3):
    """Outline the size x size window whose top-left cell is (row, col); return the patch (move it with set_xy)."""
    patch = plt.Rectangle((col - 0.5, row - 0.5), size, size, fill=False, edgecolor=color, lw=lw)
    ax.add_patch(patch)
    return patch


def conv_step(image, kernel, row, col, fmap, axes=None, fmt="{:.2f}"):
    """Draw one convolution step: the image with the window, the kernel, the products and the map so far.

    ``fmap`` is the feature map filled up to this step (NaN where the window has not been yet).
    Returns the four axes.
    """
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    k = kernel.shape[0]
    window = image[row:row + k, col:col + k]
    if axes is None:
        _, axes = plt.subplots(1, 4, figsize=(13, 3.4), gridspec_kw={"width_ratios": [9, 3.6, 3.6, 7]})
    image_grid(image, ax=axes[0], title="image and window")
    highlight(axes[0], row, col, k)
    heatmap(kernel, ax=axes[1], fmt="{:g}", title="kernel")
    heatmap(window * kernel, ax=axes[2], fmt="{:g}", title="window x kernel")
    heatmap(fmap, ax=axes[3], fmt=fmt, title="feature map so far")
    highlight(axes[3], row, col, 1, lw=2)
    return axes


def compare_grids(printed, right, axes=None, titles=("seed printed", "computed"), beyond_truncation=False,
                  **kwargs):
    """Draw a seed's printed table beside the computed one, outlining the cells that differ.

    With ``beyond_truncation=True`` only cells that cutting to 2 decimals cannot explain are outlined.
    """
    from cnnviz import seedtables

    printed, right = np.asarray(printed, dtype=float), np.asarray(right, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3.6))
    marks = None
    if printed.shape == right.shape:
        fmt = kwargs.get("fmt", "{:.2f}")
        shown = np.vectorize(lambda v: _format(v, fmt))
        marks = np.argwhere(shown(printed) != shown(seedtables.truncate(right) if beyond_truncation else right))
    heatmap(printed, ax=axes[0], title=f"{titles[0]} ({printed.shape[0]}x{printed.shape[1]})", marks=marks, **kwargs)
    heatmap(right, ax=axes[1], title=f"{titles[1]} ({right.shape[0]}x{right.shape[1]})", marks=marks, **kwargs)
    return axes


def windows(n, kernel, stride=1, padding=0, ax=None):
    """Draw where a window of ``kernel`` pixels lands along one axis of ``n`` pixels (padded by ``padding``).

    The top row is the padded input (zeros hatched); each bar below is one window position.
    When the windows do not tile, the window that would hang past the edge is dashed red and
    the pixels no window reaches are shaded red.
    """
    ax = _ax(ax, figsize=(8, 3))
    pad = 0 if padding == "valid" else padding
    if isinstance(pad, str) or pad < 0:
        raise ValueError(f"windows draws padding 'valid' or a whole number of zeros >= 0; got {padding!r}")
    span = n + 2 * pad
    if kernel > span:
        raise ValueError(f"kernel {kernel} is larger than the padded input {span}; use a smaller kernel or more padding")
    out = (span - kernel) // stride + 1
    reach = (out - 1) * stride + kernel
    for i in range(span):
        zero = i < pad or i >= pad + n
        missed = i >= reach
        ax.add_patch(plt.Rectangle((i, 0), 1, 1, facecolor="#f4cccc" if missed else ("#eeeeee" if zero else "white"),
                                   edgecolor="grey", hatch="//" if zero else None))
        ax.text(i + 0.5, 0.5, "0" if zero else str(int(i - pad)), ha="center", va="center", fontsize=7)
    for j in range(out):
        ax.add_patch(plt.Rectangle((j * stride + 0.08, -1.2 - j), kernel - 0.16, 0.8, facecolor="#9fc5e8",
                                   edgecolor="#0b5394"))
        ax.text(j * stride + kernel / 2, -0.8 - j, f"window {j + 1}", ha="center", va="center", fontsize=7)
    if reach < span:
        ax.add_patch(plt.Rectangle((out * stride + 0.08, -1.2 - out), kernel - 0.16, 0.8, fill=False,
                                   edgecolor="red", ls="--", lw=1.5))
        ax.text(out * stride + kernel / 2, -0.8 - out, "does not fit", ha="center", va="center", fontsize=7, color="red")
    ax.set_xlim(-0.5, max(span, out * stride + kernel) + 0.5)
    ax.set_ylim(-out - 1.5, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def pooling(fmap, pooled, size=2, stride=2, padding="valid", axes=None, fmt="{:.2f}"):
    """Draw a feature map with its pooling windows outlined, beside the pooled map."""
    from cnnviz import ops

    fmap = np.asarray(fmap, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    vmax = max(1.0, float(np.nanmax(np.abs(fmap))), float(np.nanmax(np.abs(pooled))))
    heatmap(fmap, ax=axes[0], fmt=fmt, vmin=-vmax, vmax=vmax, title=f"feature map {fmap.shape[0]}x{fmap.shape[1]}")
    (top, bottom), (left, right) = ((0, 0), (0, 0)) if padding == "valid" else (
        ops.same_padding(fmap.shape[0], size, stride), ops.same_padding(fmap.shape[1], size, stride))
    for r in range(-top, fmap.shape[0] + bottom):
        for c in range(-left, fmap.shape[1] + right):
            if not (0 <= r < fmap.shape[0] and 0 <= c < fmap.shape[1]):
                axes[0].add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="#eeeeee", edgecolor="grey",
                                                hatch="//", lw=0.5))
    colors = plt.cm.tab10.colors
    for r in range(pooled.shape[0]):
        for c in range(pooled.shape[1]):
            inset = 0.06 * ((r + c) % 2)
            axes[0].add_patch(plt.Rectangle((c * stride - left - 0.5 + inset, r * stride - top - 0.5 + inset),
                                            size - 2 * inset, size - 2 * inset, fill=False, lw=2,
                                            edgecolor=colors[(r * pooled.shape[1] + c) % 10]))
    axes[0].set_xlim(-0.5 - left, fmap.shape[1] - 0.5 + right)
    axes[0].set_ylim(fmap.shape[0] - 0.5 + bottom, -0.5 - top)
    heatmap(pooled, ax=axes[1], fmt=fmt, vmin=-vmax, vmax=vmax, title=f"pooled {pooled.shape[0]}x{pooled.shape[1]}")
    return axes


def votes_bar(scores, probs=None, ax=None):
    """Draw each class's vote (and, if given, its softmax probability) as bars with their values."""
    ax = _ax(ax, figsize=(4, 3))
    names = list(scores)
    x = np.arange(len(names))
    width = 0.38 if probs is not None else 0.6
    bars = ax.bar(x - (width / 2 if probs is not None else 0), [scores[n] for n in names], width, label="vote (average)")
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    if probs is not None:
        bars = ax.bar(x + width / 2, [probs[n] for n in names], width, label="softmax probability")
        ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.15)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def loss_curve(history, ax=None, keys=("loss",), title=None):
    """Plot the training curves in ``history`` (a dict of lists, one value per step) against the step."""
    ax = _ax(ax, figsize=(5, 3))
    for key in keys:
        ax.plot(np.arange(len(history[key])), history[key], label=key)
    ax.set_xlabel("step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def show_image(image, ax=None, title=None, cmap=None, symmetric=False):
    """Show a photo (H, W, 3) or a feature map (H, W) without axes; ``symmetric`` centres the colours on 0."""
    image = np.asarray(image)
    ax = _ax(ax, figsize=(4, 3))
    kwargs = {}
    if image.ndim == 2:
        kwargs["cmap"] = cmap or ("RdBu_r" if symmetric else "gray")
        if symmetric:
            lim = float(np.abs(image).max()) or 1.0
            kwargs.update(vmin=-lim, vmax=lim)
    ax.imshow(image, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax
