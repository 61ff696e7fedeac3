"""Draw what cnnviz computes, with matplotlib: imports neither Keras nor the analysis modules (attribution, models, training).

Every helper takes ``ax=None``, draws on it (or on a new axes), and returns it.
No ``plt.show()`` and no global rcParams changes here.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.collections import PathCollection
from matplotlib.collections import PolyCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

from cnnviz import articles, ops
from cnnviz import fields as fields_mod


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



def channel(values, color, ax=None, title=None, vmax=255):
    """Draw one colour channel from black (none of that light) to full ``color`` (all of it), with a colour bar.

    Args:
        values: a 2-D array, e.g. ``photo[..., 0]``.
        color: the light this channel holds: "red", "green", "blue" or any matplotlib colour.
        ax: the axes to draw on (a new one if None).
        title: the axes' title.
        vmax: the value drawn in full colour (255 for 8-bit pixels).

    Returns:
        The axes.
    """

    full = {"red": "#ff0000", "green": "#00ff00", "blue": "#0000ff"}.get(color, color)
    ax = _ax(ax, figsize=(4, 3))
    img = ax.imshow(np.asarray(values), cmap=LinearSegmentedColormap.from_list(f"black_to_{color}", ["black", full]),
                    vmin=0, vmax=vmax)
    ax.figure.colorbar(img, ax=ax, fraction=0.046, pad=0.03)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax

# ------------------------------------------------ the X/O network, by hand (notebooks 02-04)
# Grids are drawn with pcolormesh and their numbers as glyph outlines (one collection per
# distinct label): many times faster than imshow + one Text per cell, which keeps the
# widgets' redraws under 100 ms. ``ax.cnnviz_grid['labels']`` keeps the labels shown.

def _format(value, fmt):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return fmt(value) if callable(fmt) else fmt.format(value)


def _text_colors(mappable, values):
    """Return black or white for each value, whichever reads better on its cell colour."""
    values = np.asarray(values, dtype=float)
    rgba = mappable.cmap(mappable.norm(values))
    light = rgba[..., 0] * 0.299 + rgba[..., 1] * 0.587 + rgba[..., 2] * 0.114 > 0.5
    return np.where(light | ~np.isfinite(values), "black", "white")


_GLYPHS = {}


def _glyph_path(label, fontsize):
    """Return the outline of ``label`` in points, centred on (0, 0) (cached: labels repeat a lot)."""

    key = (label, fontsize)
    if key not in _GLYPHS:
        path = TextPath((0, 0), label, size=fontsize, prop=FontProperties(family="DejaVu Sans"))
        low, high = path.vertices.min(0), path.vertices.max(0)  # control points: close enough to centre on
        _GLYPHS[key] = path.transformed(Affine2D().translate(*(-(low + high) / 2)))
    return _GLYPHS[key]


def labels_at(ax, xy, labels, colors="black", fontsize=8):
    """Write short labels centred at data points ``xy``, as glyph outlines in one collection; return it.

    One collection holding every label draws many times faster than one Text per cell.
    """

    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    labels = np.asarray(labels, dtype=object).reshape(-1)
    colors = np.asarray(colors, dtype=object)
    colors = np.broadcast_to(colors.reshape(-1) if colors.ndim else colors, labels.shape)
    keep = np.array([bool(label) for label in labels], dtype=bool)
    scale = Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans  # points -> pixels, at any dpi
    collection = PathCollection([_glyph_path(label, fontsize) for label in labels[keep]], offsets=xy[keep],
                                offset_transform=ax.transData, transform=scale,
                                facecolors=list(colors[keep]), edgecolors="none")
    ax.add_collection(collection, autolim=False)
    return [collection]


def _boxes(ax, rects, **kwargs):
    """Draw rectangles (x, y, width, height) in data units as one collection; return it."""

    verts = [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)] for x, y, w, h in rects]
    collection = PolyCollection(verts, **kwargs)
    ax.add_collection(collection, autolim=False)
    return collection


def _write_labels(ax, values):
    grid = ax.cnnviz_grid
    values = np.asarray(values, dtype=float)
    for collection in grid["collections"]:
        collection.remove()
    grid["collections"], grid["labels"] = [], None
    if grid["fmt"] is None:
        return None
    labels = np.array([_format(v, grid["fmt"]) for v in values.flat], dtype=object).reshape(values.shape)
    rows, cols = np.indices(values.shape)
    grid["collections"] = labels_at(ax, np.column_stack([cols.ravel(), rows.ravel()]), labels,
                                    _text_colors(grid["mesh"], values), grid["fontsize"])
    grid["labels"] = labels
    return labels


def heatmap(values, ax=None, fmt="{:.2f}", cmap="RdBu_r", vmin=-1, vmax=1, title=None, marks=None, fontsize=8,
            xlabels=None, ylabels=None):
    """Draw an annotated heatmap: coloured cells, each with its value; outline the (row, col) cells in ``marks``.

    ``fmt`` is a format string, a function of one value (e.g. ``xo.ninths``) or None (no
    numbers). NaN cells stay empty. The labels written are in ``ax.cnnviz_grid['labels']``.
    ``xlabels`` / ``ylabels`` (one string per column / row) name the columns and rows; without
    them the axes are hidden.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"heatmap draws a 2-D array; got shape {values.shape}")
    h, w = values.shape
    ax = _ax(ax, figsize=(0.5 * w + 1, 0.5 * h + 1))
    mesh = ax.pcolormesh(np.arange(w + 1) - 0.5, np.arange(h + 1) - 0.5, np.ma.masked_invalid(values), cmap=cmap,
                         vmin=vmin, vmax=vmax, edgecolors="#cccccc", linewidth=0.5)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.xaxis.set_visible(xlabels is not None)
    ax.yaxis.set_visible(ylabels is not None)
    if xlabels is not None:
        ax.set_xticks(np.arange(w), list(xlabels), rotation=45, ha="right", fontsize=fontsize + 1)
    if ylabels is not None:
        ax.set_yticks(np.arange(h), list(ylabels), fontsize=fontsize + 1)
    if title:
        ax.set_title(title, fontsize=9)
    ax.cnnviz_grid = {"fmt": fmt, "fontsize": fontsize, "shape": values.shape, "collections": [], "mesh": mesh}
    _write_labels(ax, values)
    if marks is not None and len(marks):
        _boxes(ax, [(c - 0.5, r - 0.5, 1, 1) for r, c in marks], facecolors="none", edgecolors="magenta",
               linewidths=2.5)
    return ax


def update_heatmap(ax, values):
    """Redraw a heatmap made by ``heatmap`` with new values of the same shape, reusing its artists (fast)."""
    values = np.asarray(values, dtype=float)
    if values.shape != ax.cnnviz_grid["shape"]:
        raise ValueError(f"update_heatmap needs values of shape {ax.cnnviz_grid['shape']}; got {values.shape}")
    ax.cnnviz_grid["mesh"].set_array(np.ma.masked_invalid(values))
    _write_labels(ax, values)
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
    """Draw a +1/-1 image as black (+1) and white (-1) cells, with the values written in (or not)."""
    return heatmap(image, ax=ax, fmt="{:g}" if values else None, cmap="gray_r", vmin=-1, vmax=1, title=title)


def highlight(ax, row, col, size=3, color="gold", lw=3):
    """Outline the size x size window whose top-left cell is (row, col); return the patch (move it with set_xy)."""
    patch = plt.Rectangle((col - 0.5, row - 0.5), size, size, fill=False, edgecolor=color, lw=lw)
    ax.add_patch(patch)
    return patch


def conv_step(image, kernel, row, col, fmap, axes=None, fmt="{:.2f}", fontsize=8):
    """Draw one convolution step: the image with the window, the kernel, the products and the map so far.

    ``fmap`` is the feature map filled up to this step (NaN where the window has not been yet).
    Returns the four axes.
    """
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    k = kernel.shape[0]
    window = image[row:row + k, col:col + k]
    if axes is None:
        _, axes = plt.subplots(1, 4, figsize=(13, 3.4), gridspec_kw={"width_ratios": [9, 3.6, 3.6, 7]})
    heatmap(image, ax=axes[0], fmt="{:g}", cmap="gray_r", title="image and window", fontsize=fontsize)
    highlight(axes[0], row, col, k)
    heatmap(kernel, ax=axes[1], fmt="{:g}", title="kernel", fontsize=fontsize)
    heatmap(window * kernel, ax=axes[2], fmt="{:g}", title="window x kernel", fontsize=fontsize)
    heatmap(fmap, ax=axes[3], fmt=fmt, title="feature map so far", fontsize=fontsize)
    highlight(axes[3], row, col, 1, lw=2)
    return axes


def compare_grids(printed, right, axes=None, titles=("the article printed", "computed"), beyond_truncation=False,
                  **kwargs):
    """Draw an article's printed table beside the computed one, outlining the cells that differ.

    With ``beyond_truncation=True`` only cells that cutting to 2 decimals cannot explain are outlined.
    """

    printed, right = np.asarray(printed, dtype=float), np.asarray(right, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3.6))
    marks = None
    if printed.shape == right.shape:
        fmt = kwargs.get("fmt", "{:.2f}")
        shown = np.vectorize(lambda v: _format(v, fmt))
        marks = np.argwhere(shown(printed) != shown(articles.truncate(right) if beyond_truncation else right))
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
        raise ValueError(f"kernel {kernel} is larger than the padded input {span}; "
                         f"use a smaller kernel or more padding")
    out = (span - kernel) // stride + 1
    reach = (out - 1) * stride + kernel
    cells = np.arange(span)
    zero = (cells < pad) | (cells >= pad + n)
    _boxes(ax, [(i, 0, 1, 1) for i in cells if not zero[i] and i < reach], facecolors="white", edgecolors="grey")
    _boxes(ax, [(i, 0, 1, 1) for i in cells if zero[i]], facecolors="#eeeeee", edgecolors="grey", hatch="//")
    _boxes(ax, [(i, 0, 1, 1) for i in cells if not zero[i] and i >= reach], facecolors="#f4cccc", edgecolors="red")
    _boxes(ax, [(j * stride + 0.08, -1.2 - j, kernel - 0.16, 0.8) for j in range(out)], facecolors="#9fc5e8",
           edgecolors="#0b5394")
    spots = [(i + 0.5, 0.5) for i in cells] + [(j * stride + kernel / 2, -0.8 - j) for j in range(out)]
    names = ["0" if zero[i] else str(i - pad) for i in cells]
    names += [f"window {j + 1}" if kernel >= 4 else str(j + 1) for j in range(out)]
    labels_at(ax, spots, names, fontsize=7)
    missing = reach < span
    if missing:
        _boxes(ax, [(out * stride + 0.08, -1.2 - out, kernel - 0.16, 0.8)], facecolors="none", edgecolors="red",
               linestyles="--", linewidths=1.5)
        labels_at(ax, [(out * stride + kernel / 2, -0.8 - out)], ["?"], colors="red", fontsize=8)
    ax.cnnviz_windows = {"starts": [j * stride - pad for j in range(out)],
                         "uncovered": [int(i - pad) for i in cells if not zero[i] and i >= reach]}
    ax.set_xlim(-0.5, max(span, out * stride + kernel) + 0.5)
    ax.set_ylim(-out - 1.5 - missing, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def windows2d(n, kernel, stride=1, padding=0, axes=None):
    """Draw a 2-D convolution's arithmetic: the padded n x n input with windows on it, and the output grid.

    Left: the input (its cells numbered along the edges), the zero padding hatched with "0",
    the first window (blue), the one to its right (green) and the last (orange), and the
    pixels no window reaches shaded red. Right: the output grid, floor((n + 2p - k) / s) + 1
    cells a side, its cells coloured like the windows that make them. Returns the two axes;
    ``axes[0].cnnviz_windows2d`` holds ``out``, ``starts`` and ``uncovered`` (per axis).

    Args:
        n, kernel, stride, padding: input size, kernel size, stride, zeros on each side.
        axes: two axes to draw on (a new figure if None).

    Returns:
        The two axes.

    Raises:
        ValueError: if the kernel is larger than the padded input or padding is not a number.
    """
    pad = 0 if padding == "valid" else padding
    if isinstance(pad, str) or pad < 0:
        raise ValueError(f"windows2d draws padding 'valid' or a whole number of zeros >= 0; got {padding!r}")
    span = n + 2 * pad
    if kernel > span:
        raise ValueError(f"kernel {kernel} is larger than the padded input {span}; use a smaller kernel or more padding")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.4, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    ax_in, ax_out = axes
    out = (span - kernel) // stride + 1
    reach = (out - 1) * stride + kernel
    cells = [(r, c) for r in range(span) for c in range(span)]
    zero = [(r, c) for r, c in cells if min(r, c) < pad or max(r, c) >= pad + n]
    lost = [(r, c) for r, c in cells if (r, c) not in set(zero) and max(r, c) >= reach]
    plain = [(r, c) for r, c in cells if (r, c) not in set(zero) | set(lost)]
    for group, face, hatch in ((plain, "white", None), (zero, "#eeeeee", "//"), (lost, "#f4cccc", None)):
        if group:
            _boxes(ax_in, [(c, r, 1, 1) for r, c in group], facecolors=face, edgecolors="grey", hatch=hatch,
                   linewidths=0.6)
    fontsize = 10 if span <= 12 else 8
    if zero:
        labels_at(ax_in, [(c + 0.5, r + 0.5) for r, c in zero], ["0"] * len(zero), colors="grey", fontsize=fontsize)
    edge = [(i + pad + 0.5, -0.5) for i in range(n)] + [(-0.6, i + pad + 0.5) for i in range(n)]
    labels_at(ax_in, edge, [str(i) for i in range(n)] * 2, fontsize=fontsize)
    picks = {"first": ((0, 0), "#1f77b4")}
    if out > 1:
        picks["next"] = ((0, 1), "#2ca02c")
    if out > 1:
        picks["last"] = ((out - 1, out - 1), "#ff7f0e")
    for i, ((r, c), color) in enumerate(picks.values()):
        inset = 0.08 + 0.08 * i
        _boxes(ax_in, [(c * stride + inset, r * stride + inset, kernel - 2 * inset, kernel - 2 * inset)],
               facecolors="none", edgecolors=color, linewidths=2.5)
    ax_in.set_xlim(-1.3, span + 0.2)
    ax_in.set_ylim(span + 0.2, -1.2)
    ax_in.set_aspect("equal")
    ax_in.axis("off")
    ax_in.set_title(f"input {n}x{n}, padding {pad}, kernel {kernel}x{kernel}, stride {stride}", fontsize=10)
    colored = {rc: color for rc, color in picks.values()}
    _boxes(ax_out, [(c, r, 1, 1) for r in range(out) for c in range(out)],
           facecolors=[colored.get((r, c), "white") for r in range(out) for c in range(out)], edgecolors="grey")
    ofont = 10 if out <= 8 else 8
    labels_at(ax_out, [(i + 0.5, -0.5) for i in range(out)] + [(-0.6, i + 0.5) for i in range(out)],
              [str(i) for i in range(out)] * 2, fontsize=ofont)
    ax_out.set_xlim(-1.3, max(out, 4) + 0.2)
    ax_out.set_ylim(max(out, 4) + 0.2, -1.2)
    ax_out.set_aspect("equal")
    ax_out.axis("off")
    ax_out.set_title(f"output {out}x{out}", fontsize=10)
    ax_in.cnnviz_windows2d = {"out": out, "starts": [j * stride - pad for j in range(out)],
                              "uncovered": [i - pad for i in range(reach, span) if pad <= i < pad + n]}
    return axes

def pooling(fmap, pooled, size=2, stride=2, padding="valid", axes=None, fmt="{:.2f}", fontsize=8):
    """Draw a feature map with its pooling windows outlined (padding hatched), beside the pooled map.

    Each window is outlined in its own colour, and the pooled cell it gives is outlined in the
    same colour. Both panels share one colour scale and write their values in the cells.

    Args:
        fmap: the map pooled, (H, W).
        pooled: the pooled map, as ``ops.pool2d(fmap, size, stride, mode, padding)`` returns it.
        size, stride, padding: the pooling's window side, stride and padding ('valid' or 'same').
        axes: two axes to draw on (new ones when None).
        fmt: how each value is written (a format string or a function such as ``xo.ninths``).
        fontsize: the values' size in points (10 pt digits are 10 px tall at 100 dpi).

    Returns:
        The two axes. ``axes[0].cnnviz_pool`` lists the ``padded`` cells, the ``windows``'
        top-left cells and their ``colors``; ``axes[1].cnnviz_pool['colors']`` the outputs'.
    """

    fmap, pooled = np.asarray(fmap, dtype=float), np.asarray(pooled, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    vmax = max(1.0, float(np.nanmax(np.abs(fmap))), float(np.nanmax(np.abs(pooled))))
    heatmap(fmap, ax=axes[0], fmt=fmt, vmin=-vmax, vmax=vmax, title=f"feature map {fmap.shape[0]}x{fmap.shape[1]}",
            fontsize=fontsize)
    h, w = fmap.shape
    (top, bottom), (left, right) = ((0, 0), (0, 0)) if padding == "valid" else (
        ops.same_padding(h, size, stride), ops.same_padding(w, size, stride))
    padded = [(r, c) for r in range(-top, h + bottom) for c in range(-left, w + right)
              if not (0 <= r < h and 0 <= c < w)]
    _boxes(axes[0], [(c - 0.5, r - 0.5, 1, 1) for r, c in padded], facecolors="#eeeeee", edgecolors="grey", hatch="//")
    cells = list(np.ndindex(*pooled.shape))
    palette = plt.cm.tab20.colors[::2] + plt.cm.tab20.colors[1::2]   # 10 strong colours, then their light twins
    colors = [to_hex(palette[k % 20]) for k in range(len(cells))]
    axes[0].cnnviz_pool = {"padded": padded, "windows": [(r * stride - top, c * stride - left) for r, c in cells],
                           "colors": colors}
    inset = [0.06 * ((r + c) % 2) for r, c in cells]
    _boxes(axes[0], [(c * stride - left - 0.5 + i, r * stride - top - 0.5 + i, size - 2 * i, size - 2 * i)
                     for (r, c), i in zip(cells, inset)],
           facecolors="none", linewidths=2, edgecolors=colors)
    axes[0].set_xlim(-0.5 - left, w - 0.5 + right)
    axes[0].set_ylim(h - 0.5 + bottom, -0.5 - top)
    heatmap(pooled, ax=axes[1], fmt=fmt, vmin=-vmax, vmax=vmax, title=f"pooled {pooled.shape[0]}x{pooled.shape[1]}",
            fontsize=fontsize)
    _boxes(axes[1], [(c - 0.45, r - 0.45, 0.9, 0.9) for r, c in cells], facecolors="none", linewidths=3,
           edgecolors=colors)
    axes[1].cnnviz_pool = {"colors": colors}
    return axes


def update_pooling(axes, fmap, pooled):
    """Redraw a ``pooling`` figure with new values of the same shapes (same windows), reusing its artists.

    Args:
        axes: the two axes ``pooling`` drew on.
        fmap, pooled: the new map and its pooled map.

    Returns:
        The axes.
    """
    fmap, pooled = np.asarray(fmap, dtype=float), np.asarray(pooled, dtype=float)
    vmax = max(1.0, float(np.nanmax(np.abs(fmap))), float(np.nanmax(np.abs(pooled))))
    for ax, values in zip(axes, (fmap, pooled)):
        ax.cnnviz_grid["mesh"].set_clim(-vmax, vmax)
        update_heatmap(ax, values)
    return axes


LAYERS = (("conv", "convolution"), ("relu", "ReLU"), ("pool1", "pooled"), ("pool2", "pooled again"))


def layer_maps(out, names, figure, fmt="{:.2f}", fontsize=8):
    """Draw every map of one image through the X/O network: a row per filter, a column per layer.

    The convolution and ReLU maps (7x7) are coloured on one scale from -1 to 1 with a colour
    bar; the pooled maps also write their values. A last column holds the votes (``votes_bar``).

    Args:
        out: ``xo.forward(image)``: 'conv', 'relu', 'pool1', 'pool2' of shape (F, h, w).
        names: the F filter names, written at the left of each row.
        figure: the matplotlib Figure to draw on (cleared first).
        fmt: how the pooled values are written (e.g. ``xo.ninths``).
        fontsize: the size of those values, in points.

    Returns:
        A dict: ``maps[key][f]`` the axes of layer ``key`` and filter f, ``votes`` the votes
        axes, ``colorbar`` the colour bar.
    """
    figure.clear()
    n = len(names)
    grid = figure.add_gridspec(n, 7, width_ratios=[1, 1, 0.06, 0.25, 1, 1, 1.9], left=0.07, right=0.99,
                               bottom=0.06, top=0.9, wspace=0.12, hspace=0.25)
    maps = {key: [] for key, _ in LAYERS}
    columns = [0, 1, 4, 5]
    for f in range(n):
        for (key, label), column in zip(LAYERS, columns):
            ax = figure.add_subplot(grid[f, column])
            values = out[key][f]
            written = key in ("pool1", "pool2")
            heatmap(values, ax=ax, fmt=fmt if written else None, fontsize=fontsize,
                    title=f"{label} {values.shape[0]}x{values.shape[1]}" if f == 0 else None)
            if f == 0:
                ax.set_title(ax.get_title(), fontsize=fontsize)
            maps[key].append(ax)
        maps["conv"][f].text(-0.08, 0.5, names[f], transform=maps["conv"][f].transAxes, rotation=90,
                             ha="right", va="center", fontsize=fontsize)
    cax = figure.add_subplot(grid[:, 2])
    colorbar = figure.colorbar(maps["conv"][0].cnnviz_grid["mesh"], cax=cax)
    colorbar.ax.tick_params(labelsize=fontsize)
    votes = figure.add_subplot(grid[:, 6])
    votes.yaxis.set_visible(False)          # the bars have their values written on them
    return {"maps": maps, "votes": votes, "colorbar": colorbar}


def update_layer_maps(drawn, out):
    """Put new maps of the same shapes into a ``layer_maps`` figure, reusing its artists.

    Args:
        drawn: what ``layer_maps`` returned.
        out: ``xo.forward(image)`` of the new image.

    Returns:
        The list of artists that changed (for blitting).
    """
    changed = []
    for key, _ in LAYERS:
        for ax, values in zip(drawn["maps"][key], out[key]):
            update_heatmap(ax, values)
            changed += [ax.cnnviz_grid["mesh"], *ax.cnnviz_grid["collections"]]
    return changed


# The X/O network of notebooks 02-04, stage by stage: (key, name, shape).
XO_STAGES = (
    ("image", "image", "9x9"),
    ("conv", "convolution\n3 kernels 3x3", "3 maps 7x7"),
    ("relu", "ReLU", "3 maps 7x7"),
    ("pool", "max pooling\n2x2, stride 2", "3 maps 4x4"),
    ("pool2", "max pooling\nagain", "3 maps 2x2"),
    ("flatten", "flatten", "12 numbers"),
    ("votes", "votes\n(dense layer)", "2 scores: X, O"),
)


def xo_network(here=(), ax=None, fontsize=10):
    """Draw the whole X/O network as a row of boxes, with the stages in ``here`` highlighted ("you are here").

    Args:
        here: a stage key or a sequence of keys from ``XO_STAGES`` ("image", "conv", "relu", "pool",
            "pool2", "flatten", "votes"); empty for no highlight.
        ax: the axes to draw on (a new, wide one when None).
        fontsize: the size of the stage names, in points.

    Returns:
        The axes.

    Raises:
        ValueError: a key in ``here`` that is not a stage.
    """
    keys = [k for k, _, _ in XO_STAGES]
    here = (here,) if isinstance(here, str) else tuple(here)
    unknown = [h for h in here if h not in keys]
    if unknown:
        raise ValueError(f"xo_network: unknown stage {unknown}; the stages are {keys}.")
    ax = _ax(ax, figsize=(14, 2.2))
    for i, (key, name, shape) in enumerate(XO_STAGES):
        lit = key in here
        ax.add_patch(plt.Rectangle((i * 1.5, 0), 1.3, 1, facecolor="gold" if lit else "#eeeeee",
                                   edgecolor="black", lw=2.5 if lit else 1))
        ax.text(i * 1.5 + 0.65, 0.62, name, ha="center", va="center", fontsize=fontsize,
                fontweight="bold" if lit else "normal")
        ax.text(i * 1.5 + 0.65, 0.18, shape, ha="center", va="center", fontsize=fontsize - 1, color="#333333")
        if i:
            ax.annotate("", xy=(i * 1.5, 0.5), xytext=(i * 1.5 - 0.2, 0.5), arrowprops={"arrowstyle": "->"})
        if lit:
            ax.text(i * 1.5 + 0.65, 1.12, "you are here", ha="center", va="bottom", fontsize=fontsize - 1)
    ax.set_xlim(-0.1, len(XO_STAGES) * 1.5 - 0.2)
    ax.set_ylim(-0.1, 1.4)
    ax.axis("off")
    return ax


def votes_bar(scores, probs=None, ax=None, fontsize=10):
    """Draw each class's vote (and, if given, its softmax probability) as bars with their values.

    Args:
        scores: {class: vote}.
        probs: {class: probability}, or None for the votes alone.
        ax: the axes to draw on (a new one when None).
        fontsize: the size of the values, ticks and legend, in points.

    Returns:
        The axes; ``ax.cnnviz_bars`` lists (bars, value texts) per series.
    """
    ax = _ax(ax, figsize=(4, 3))
    names = list(scores)
    x = np.arange(len(names))
    series = [("vote (average)", scores)] + ([("softmax probability", probs)] if probs is not None else [])
    width = 0.8 / len(series)
    ax.cnnviz_bars = []
    for i, (label, values) in enumerate(series):
        heights = [values[n] for n in names]
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, heights, width, label=label)
        texts = [ax.text(b.get_x() + b.get_width() / 2, v + 0.02, f"{v:.3f}", ha="center", fontsize=fontsize)
                 for b, v in zip(bars, heights)]
        ax.cnnviz_bars.append((bars, texts))
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.15)
    ax.tick_params(labelsize=fontsize)
    ax.legend(fontsize=fontsize - 1, loc="upper right")
    return ax


def update_votes_bar(ax, scores, probs=None):
    """Move the bars and numbers of a ``votes_bar`` chart to new values (same classes), reusing its artists.

    Args:
        ax: the axes ``votes_bar`` drew on.
        scores, probs: the new values, as for ``votes_bar``.

    Returns:
        The axes.
    """
    series = [scores] + ([probs] if probs is not None else [])
    for (bars, texts), values in zip(ax.cnnviz_bars, series):
        for bar, text, v in zip(bars, texts, values.values()):
            bar.set_height(v)
            text.set_y(v + 0.02)
            text.set_text(f"{v:.3f}")
    return ax


def loss_curve(history, ax=None, keys=("loss",), title=None):
    """Plot the training curves in ``history`` (a dict of lists, one value per step) against the step.

    Args:
        history: e.g. ``learn.train``'s {"loss": [...], "accuracy": [...]}.
        ax: the axes to draw on (a new one when None).
        keys: which curves to draw, each with its name in the legend.
        title: the axes' title.

    Returns:
        The axes.
    """
    ax = _ax(ax, figsize=(5, 3))
    for key in keys:
        ax.plot(np.arange(len(history[key])), history[key], label=key)
    ax.set_xlabel("step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def show_image(image, ax=None, title=None, cmap=None, symmetric=False):
    """Show a photo or a feature map without axes.

    Args:
        image: a photo (H, W, 3) as uint8 0-255 pixels or floats 0..1 (divide float 0-255
            pixels by 255 first), or a feature map (H, W) of any range.
        ax: the axes to draw on (a new one when None).
        title: the title, or None.
        cmap: the colour map of a feature map (default: grey, or red-blue when ``symmetric``).
        symmetric: for a feature map, centre the colours on 0 and saturate the strongest 1% of
            values, so that faint edges stay visible next to a few very strong ones.

    Returns:
        The axes.
    """
    image = np.asarray(image)
    ax = _ax(ax, figsize=(4, 3))
    kwargs = {}
    if image.ndim == 2:
        kwargs["cmap"] = cmap or ("RdBu_r" if symmetric else "gray")
        if symmetric:
            lim = float(np.percentile(np.abs(image), 99)) or 1.0
            kwargs.update(vmin=-lim, vmax=lim)
    ax.imshow(image, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# ----------------------------------------------- what the network learned (notebook 07)

def _photo(image):
    """Return a photo as floats in 0..1 for imshow (0-255 pixels are divided by 255; one channel is dropped)."""
    image = np.asarray(image, dtype=float)
    image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
    return np.clip(image / 255 if image.max() > 1 else image, 0, 1)


def gradcam_overlay(image, cam, ax=None, alpha=0.45, cmap="jet", title=None, colorbar=False):
    """Draw a photo with a Grad-CAM map of any size stretched over it, scaled 0..1 by its largest value.

    A map with no positive value is not drawn; the photo says "no evidence" instead.

    Args:
        image: a photo (H, W, 3) or (H, W, 1), 0-255 pixels or 0..1.
        cam: a 2-D Grad-CAM map (h, w), e.g. ``attribution.grad_cam(...).maps[0]``; it is resized to (H, W).
        ax: the axes to draw on (a new one when None).
        alpha: the map's opacity, 0..1.
        cmap: the map's colour map (0 at its low end, the map's largest value at its high end).
        title: the title, or None.
        colorbar: True adds a colour bar: the map as a share of its largest value, 0 to 1.

    Returns:
        The axes.

    Raises:
        ValueError: if ``cam`` is not 2-D.
    """
    image = _photo(image)
    ax = show_image(image, ax=ax, title=title)
    if np.max(cam) <= 0:  # ReLU left nothing: no part of the image raises this class's score
        ax.text(0.5, 0.5, "no evidence\n(map all 0)", transform=ax.transAxes, ha="center", va="center",
                fontsize=8, color="white", bbox={"facecolor": "black", "alpha": 0.6})
        return ax
    heat = ax.imshow(ops.normalise(ops.resize_map(cam, image.shape[:2])), cmap=cmap, alpha=alpha, vmin=0, vmax=1)
    if colorbar:
        ax.figure.colorbar(heat, ax=ax, fraction=0.046, pad=0.02, label="share of the largest value")
    return ax


def occlusion_overlay(image, result, ax=None, alpha=0.6, title=None, colorbar=True):
    """Draw a photo with an occlusion result over it: red where hiding a patch lowers the probability, blue where it raises it.

    The colours are symmetric around 0, to the largest |drop|; the patch's size is outlined
    (dashed, top left).

    Args:
        image: the photo ``occlusion`` was run on, (H, W, 3), 0-255 pixels or 0..1.
        result: the ``attribution.Occlusion`` of that photo (its ``pixels`` are (H, W)).
        ax: the axes to draw on (a new one when None).
        alpha: the overlay's opacity, 0..1.
        title: the title, or None.
        colorbar: True adds a colour bar of the probability drop.

    Returns:
        The axes.
    """
    image = _photo(image)
    ax = show_image(image, ax=ax, title=title)
    lim = float(np.abs(result.pixels).max()) or 1.0
    heat = ax.imshow(result.pixels, cmap="RdBu_r", vmin=-lim, vmax=lim, alpha=alpha)
    ax.add_patch(plt.Rectangle((-0.5, -0.5), result.patch, result.patch, fill=False, edgecolor="white", ls="--", lw=1.5))
    if colorbar:
        ax.figure.colorbar(heat, ax=ax, fraction=0.046, pad=0.02)
    return ax


def filter_mosaic(images, ax=None, ncols=8, title=None):
    """Tile small filter images into one picture, each in a thin grey frame.

    Args:
        images: filters as images in 0..1, (F, kh, kw), (F, kh, kw, 1) or (F, kh, kw, 3),
            e.g. from ``attribution.filters_as_images`` (0.5 is weight 0).
        ax: the axes to draw on (a new one when None).
        ncols: filters per row.
        title: the title, or None.

    Returns:
        The axes.
    """
    images = np.asarray(images, dtype=float)
    images = images[..., 0] if images.ndim == 4 and images.shape[-1] == 1 else images
    if images.ndim == 3:  # grey filters: the same value on R, G and B
        images = np.repeat(images[..., None], 3, axis=-1)
    n, kh, kw = images.shape[:3]
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    mosaic = np.ones((nrows * (kh + 1) + 1, ncols * (kw + 1) + 1, 3))
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        mosaic[1 + r * (kh + 1):(r + 1) * (kh + 1), 1 + c * (kw + 1):(c + 1) * (kw + 1)] = image
    ax = show_image(mosaic, ax=_ax(ax, figsize=(0.12 * ncols * (kw + 1) + 1, 0.12 * nrows * (kh + 1) + 1)), title=title)
    for i in range(n):  # the frames keep white weights apart from the white gaps
        r, c = divmod(i, ncols)
        ax.add_patch(plt.Rectangle((c * (kw + 1) + 0.5, r * (kh + 1) + 0.5), kw, kh, fill=False, edgecolor="0.5", lw=0.6))
    return ax


def _field_text(field):
    """Return 'h x w x depth, RF r x r' for a layer's receptive-field record."""
    if field["whole"]:
        return "sees the whole image"
    return (f"{field['out'][0]}x{field['out'][1]}x{field['channels']}, RF {field['rf'][0]}x{field['rf'][1]}, "
            f"jump {field['jump'][0]}")


def activations_through_depth(fmaps, fields, channels=4, axes=None, image=None):
    """Draw, one row per layer, the ``channels`` strongest maps of one image; titles give size, depth and receptive field.

    "Strongest" is the highest mean over the map. Each map has its own colour scale, from its
    smallest value (dark) to its largest (yellow), both written in its title. With ``image``, a
    first column shows the input in every row, with a yellow box around the pixels that the
    brightest unit of the row's first map sees (its receptive field, clipped to the image).

    Args:
        fmaps: {layer name: maps (h, w, channels)} of one image, e.g. ``attribution.feature_maps``.
        fields: {layer name: field} from ``attribution.model_receptive_fields`` (with ``channels``).
        channels: maps per row.
        axes: a 2-D grid of axes (layers, channels, plus one column with ``image``) to draw on
            (new ones when None).
        image: the input the maps come from, (H, W, 3) or (H, W, 1), 0-255 pixels or 0..1, or None.

    Returns:
        The 2-D array of axes.

    Raises:
        KeyError: if a layer of ``fmaps`` is not in ``fields``.
    """
    names = list(fmaps)
    extra = int(image is not None)
    if axes is None:
        _, axes = plt.subplots(len(names), channels + extra, figsize=(2.1 * (channels + extra), 2.3 * len(names)),
                               squeeze=False)
    for row, name in zip(axes, names):
        fmap = np.asarray(fmaps[name])
        strongest = np.argsort(-fmap.mean(axis=(0, 1)), kind="stable")[:channels]
        if extra:
            photo = _photo(image)
            r, c = np.unravel_index(np.argmax(fmap[..., strongest[0]]), fmap.shape[:2])
            top, left, bottom, right = fields_mod.receptive_box(fields[name], r, c, photo.shape[:2])
            whole = (top, left, bottom, right) == (0, 0) + photo.shape[:2]
            show_image(photo, ax=row[0], title=f"input: the brightest unit\nof ch. {strongest[0]} sees "
                                               + ("all of it" if whole else "the yellow box"))
            row[0].add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False,
                                           edgecolor="yellow", lw=2))
        for ax, k in zip(row[extra:], strongest):
            values = fmap[..., k]
            show_image(values, ax=ax, cmap="viridis", title=f"ch. {k}: {values.min():.2g} to {values.max():.2g}")
        row[extra].set_title(f"{name}: {_field_text(fields[name])}\n{row[extra].get_title()}", fontsize=8, ha="left", x=0)
    return axes


def top_gallery(images, top, axes=None, titles=None):
    """Draw the images that excite one filter most, each with the receptive field of its strongest unit outlined.

    Each title gives the image's index and score (its mean activation of the filter).

    Args:
        images: the batch (N, H, W, 3) given to ``attribution.top_activating``, 0-255 pixels or 0..1.
        top: its result, an ``attribution.TopImages``.
        axes: one axes per image shown (new ones, in a row, when None).
        titles: one extra title line per image shown (in the order of ``top.indices``), or None.

    Returns:
        The flat array of axes.
    """
    labels = [f"#{i}: {score:.2f}" + (f"\n{titles[n]}" if titles else "")
              for n, (i, score) in enumerate(zip(top.indices, top.scores))]
    axes = photo_grid([images[i] for i in top.indices], labels, ncols=len(top.indices), axes=axes, size=1.9)
    for ax, (t, l, b, r) in zip(axes, top.boxes):
        ax.add_patch(plt.Rectangle((l - 0.5, t - 0.5), r - l, b - t, fill=False, edgecolor="yellow", lw=1.5))
    return axes


def gradcam_rows(images, results, class_names, axes=None, row_labels=None):
    """Draw Grad-CAM over several photos: one row per ``attribution.grad_cam`` result, titled with class and probability.

    Args:
        images: the photos (N, H, W, C), 0-255 pixels or 0..1.
        results: a list of ``attribution.GradCAM`` results for these photos (N maps each).
        class_names: one name per class, in label order.
        axes: a 2-D grid of axes (results, N) to draw on (new ones when None).
        row_labels: one label per result, written left of its row, or None.

    Returns:
        The 2-D array of axes.
    """
    if axes is None:
        _, axes = plt.subplots(len(results), len(images), figsize=(2.2 * len(images), 2.4 * len(results)), squeeze=False)
    for r, result in enumerate(results):
        for ax, image, cam, c, p in zip(axes[r], images, result.maps, result.classes, result.proba):
            gradcam_overlay(image, cam, ax=ax, title=f"{class_names[c]}: {p:.0%}")
        if row_labels:
            axes[r][0].set_ylabel(row_labels[r])
    return axes


# ------------------------------------- photos, training and evaluation (notebooks 05-06)

def photo_grid(images, titles=None, correct=None, ncols=8, axes=None, size=1.6):
    """Draw photos in a grid with optional titles, blue when ``correct`` is True, red when False.

    Args:
        images: photos (N, H, W, 3), uint8 or float, 0-255 pixels or 0..1.
        titles: one title per photo, or None.
        correct: one True/False per photo to colour its title, or None (black titles).
        ncols: photos per row (when ``axes`` is None).
        axes: axes to draw on, at least N (new ones when None); spare ones are left blank.
        size: the side of one photo in the new figure, in inches.

    Returns:
        The flat array of axes.
    """
    n = len(images)
    if axes is None:
        ncols = max(1, min(ncols, n))
        _, axes = plt.subplots(-(-n // ncols), ncols, figsize=(size * ncols, (size + 0.35) * -(-n // ncols)), squeeze=False)
    axes = np.asarray(axes).reshape(-1)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        color = "black" if correct is None else ("tab:blue" if correct[i] else "tab:red")
        ax.imshow(_photo(images[i]))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8, color=color)
    return axes


def learning_curves(histories, metrics=("loss", "accuracy"), axes=None):
    """Plot training (dashed) and validation (solid) curves per epoch: one panel per metric, loss beside accuracy.

    Args:
        histories: {name: Keras History (or its ``.history`` dict)}; several runs share the panels.
        metrics: the logged quantities to draw, one panel each.
        axes: one axes per metric (new ones when None).

    Returns:
        The list of axes.

    Raises:
        ValueError: for an empty ``histories``, or a metric no history logged.
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("histories must be a non-empty dict {name: History or history dict}")
    if axes is None:
        _, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 3.6), squeeze=False)
        axes = axes[0]
    axes = list(np.atleast_1d(axes))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4
    for ax, metric in zip(axes, metrics):
        drawn = False
        for (name, history), color in zip(histories.items(), colors):
            logs = getattr(history, "history", history)
            first = getattr(history, "epoch", [0])[:1] or [0]  # a resumed fit starts at a later epoch
            for key, style, label in ((metric, "--", "training"), (f"val_{metric}", "-", "validation")):
                if key in logs:
                    epochs = first[0] + 1 + np.arange(len(logs[key]))
                    ax.plot(epochs, logs[key], style, marker="o", ms=3, color=color, label=f"{name} ({label})")
                    drawn = True
        if not drawn:
            raise ValueError(f"no history logged {metric!r}; choose from {sorted(getattr(h, 'history', h).keys() for h in histories.values())}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} per epoch")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return axes


def confusion_matrix(cm, class_names, ax=None, title=None):
    """Draw a confusion matrix: rows are true classes, columns predicted ones, each cell with its count.

    Args:
        cm: counts (K, K), e.g. from ``metrics.confusion_matrix``.
        class_names: K names, in label order.
        ax: the axes to draw on (a new one when None).
        title: the title (default: how many of all are right).

    Returns:
        The axes.

    Raises:
        ValueError: if ``cm`` is not (K, K) for the K class names.
    """
    cm = np.asarray(cm)
    if cm.shape != (len(class_names), len(class_names)):
        raise ValueError(f"confusion matrix {cm.shape} does not match {len(class_names)} class names")
    ax = _ax(ax, figsize=(0.6 * len(cm) + 2, 0.6 * len(cm) + 1.5))
    img = ax.imshow(cm, cmap="Blues")
    mid = (cm.max() + cm.min()) / 2
    for (r, c), v in np.ndenumerate(cm):
        ax.text(c, r, str(v), ha="center", va="center", fontsize=8, color="white" if v > mid else "black")
    ax.set_xticks(range(len(cm)), class_names, rotation=45 if len(cm) > 3 else 0, ha="right" if len(cm) > 3 else "center")
    ax.set_yticks(range(len(cm)), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"{int(np.trace(cm))} of {int(cm.sum())} right")
    ax.figure.colorbar(img, ax=ax, fraction=0.046, pad=0.04)
    return ax


def mistakes(images, y_true, proba, indices, class_names, ncols=8, axes=None):
    """Draw the photos at ``indices`` titled 'said X p% / is Y' (red): a gallery of confident mistakes.

    Args:
        images: photos (N, H, W, 3), 0-255 pixels or 0..1.
        y_true: the true class of each photo (N,).
        proba: class probabilities (N, K), one column per class (see ``metrics.class_probabilities``).
        indices: the photos to show, e.g. from ``metrics.confident_mistakes``; empty draws "no mistakes".
        class_names: K names, in label order.
        ncols: photos per row.
        axes: axes to draw on (new ones when None).

    Returns:
        The flat array of axes (one axes when ``indices`` is empty).
    """
    proba = np.asarray(proba)
    titles = [f"said {class_names[proba[i].argmax()]} {proba[i].max():.0%}\nis {class_names[y_true[i]]}" for i in indices]
    if len(indices) == 0:
        ax = _ax(axes, figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        return ax
    return photo_grid([images[i] for i in indices], titles, correct=[False] * len(indices), ncols=ncols, axes=axes)


def fmap_channels(fmap, ax=None, ncols=8, max_channels=32, highlight=None, title=None):
    """Tile the channels of one layer's fmap into one picture, each scaled to its own range.

    Each channel goes from its smallest value (dark) to its largest (bright); a constant one is dark.

    Args:
        fmap: one image's maps of one layer (h, w, channels).
        ax: the axes to draw on (a new one when None).
        ncols: channels per row.
        max_channels: the first this many channels are shown.
        highlight: a channel index to outline in red, or None.
        title: the title (default: how many channels are shown, and their size).

    Returns:
        The axes.

    Raises:
        ValueError: if ``fmap`` is not 3-D.
    """
    fmap = np.asarray(fmap, dtype=float)
    if fmap.ndim != 3:
        raise ValueError(f"fmap must be (h, w, channels); got shape {fmap.shape}")
    maps = np.moveaxis(fmap[..., :max_channels], -1, 0)
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    maps = np.divide(maps - lo, span, out=np.zeros_like(maps), where=span > 0)
    n, h, w = maps.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    mosaic = np.full((nrows * (h + 1) + 1, ncols * (w + 1) + 1), np.nan)
    for k, m in enumerate(maps):
        r, c = divmod(k, ncols)
        mosaic[1 + r * (h + 1):(r + 1) * (h + 1), 1 + c * (w + 1):(c + 1) * (w + 1)] = m
    ax = _ax(ax, figsize=(1.0 * ncols + 1, 1.0 * nrows + 0.5))
    ax.imshow(mosaic, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    if highlight is not None and highlight < n:
        r, c = divmod(highlight, ncols)
        ax.add_patch(plt.Rectangle((c * (w + 1) + 0.5, r * (h + 1) + 0.5), w, h, fill=False, edgecolor="red", lw=2))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"{min(n, fmap.shape[-1])} of {fmap.shape[-1]} channels, {h}x{w} each", fontsize=9)
    return ax
