"""Figures of what notebooks 01-04 compute by hand: number grids, convolution steps, windows, pooling, the X/O network.

Every helper takes ``ax=None`` (or ``axes``), draws on it (or on a new figure) and returns it;
text sizes come from ``cnnviz.style`` (by role; the projector setting enlarges them). Grids of
numbers are ``grid.NumberGrid`` artists, which the explorers of ``cnnviz.widgets`` redraw in
place (``update_*``). No ``plt.show()`` and no global rcParams changes here.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_hex

from cnnviz import articles, grid, ops, style


@style.sized
def matrix(values, ax=None, annotate=True, fmt="{:g}", cmap="gray_r", vmin=None, vmax=None, title=None):
    """Draw a 2-D array as a grid of coloured cells, optionally writing each value in its cell."""
    values = np.asarray(values)
    ax = style.axes(ax, figsize=(0.45 * values.shape[1] + 1, 0.45 * values.shape[0] + 1))
    img = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    if annotate:
        lo, hi = img.get_clim()
        mid = (lo + hi) / 2
        for (r, c), v in np.ndenumerate(values):
            dark = (v > mid) == cmap.endswith("_r") if isinstance(cmap, str) else v < mid
            ax.text(
                c,
                r,
                fmt.format(v),
                ha="center",
                va="center",
                fontsize=style.points("small", ax.figure),
                color="white" if dark else "black",
            )
    return _bare(ax, title)


@style.sized
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
    ax = style.axes(ax, figsize=(4, 3))
    img = ax.imshow(
        np.asarray(values),
        cmap=LinearSegmentedColormap.from_list(f"black_to_{color}", ["black", full]),
        vmin=0,
        vmax=vmax,
    )
    ax.figure.colorbar(img, ax=ax, fraction=0.046, pad=0.03)
    return _bare(ax, title)


def _bare(ax, title=None):
    """Hide ``ax``'s ticks, give it ``title`` when there is one, and return it."""
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


@style.sized
def heatmap(
    values,
    ax=None,
    fmt="{:.2f}",
    cmap="RdBu_r",
    vmin=-1,
    vmax=1,
    title=None,
    marks=None,
    fontsize=None,
    xlabels=None,
    ylabels=None,
):
    """Draw an annotated heatmap: coloured cells, each with its value; outline the (row, col) cells in ``marks``.

    The cells and their numbers are one ``grid.NumberGrid`` (``grid.NumberGrid.on(ax)`` finds it;
    its ``set_values`` redraws it in place). NaN cells stay empty.

    Args:
        values: a 2-D array.
        ax: the axes to draw on (a new one when None).
        fmt: a format string, a function of one value (e.g. ``xo.ninths``) or None (no numbers).
        cmap, vmin, vmax: the colour map and its range.
        title: the title, or None.
        marks: (row, col) cells to outline in magenta, or None.
        fontsize: the numbers' size in points (default: ``style.points("value")``).
        xlabels, ylabels: one name per column / row; without them the axes are hidden.

    Returns:
        The axes.

    Raises:
        ValueError: if ``values`` is not 2-D.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"heatmap draws a 2-D array; got shape {values.shape}")
    h, w = values.shape
    ax = style.axes(ax, figsize=(0.5 * w + 1, 0.5 * h + 1))
    fontsize = fontsize or style.points("value", ax.figure)
    grid.NumberGrid(ax, values, fmt=fmt, cmap=cmap, vmin=vmin, vmax=vmax, fontsize=fontsize)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.xaxis.set_visible(xlabels is not None)
    ax.yaxis.set_visible(ylabels is not None)
    if xlabels is not None:
        ax.set_xticks(np.arange(w), list(xlabels), rotation=45, ha="right", fontsize=style.points("label", ax.figure))
    if ylabels is not None:
        ax.set_yticks(np.arange(h), list(ylabels), fontsize=style.points("label", ax.figure))
    if title:
        ax.set_title(title, fontsize=style.points("title", ax.figure))
    if marks is not None and len(marks):
        grid.boxes(
            ax, [(c - 0.5, r - 0.5, 1, 1) for r, c in marks], facecolors="none", edgecolors="magenta", linewidths=2.5
        )
    return ax


@style.sized
def heatmaps(arrays, titles=None, axes=None, **kwargs):
    """Draw several annotated heatmaps side by side (projector on: as many to a row as fit); return their axes."""
    if axes is None:
        per_row = len(arrays)
        if style.projector_on():  # 3.2-inch panels at 100 dpi: as many as the output's width holds
            per_row = max(1, min(per_row, int(style.OUTPUT_WIDTH_PX // (3.2 * plt.rcParams["figure.dpi"]))))
        rows = -(-len(arrays) // per_row)
        _, axes = plt.subplots(rows, per_row, figsize=(3.2 * per_row, 3.2 * rows), squeeze=False)
        for ax in axes.flat[len(arrays) :]:
            ax.axis("off")
        axes = axes.reshape(-1)[: len(arrays)] if rows > 1 else axes[0]
    axes = np.atleast_1d(axes)
    for i, (array, ax) in enumerate(zip(arrays, axes)):
        heatmap(array, ax=ax, title=titles[i] if titles else None, **kwargs)
    return axes


@style.sized
def image_grid(image, ax=None, title=None, values=True):
    """Draw a +1/-1 image as black (+1) and white (-1) cells, with the values written in (or not)."""
    return heatmap(image, ax=ax, fmt="{:g}" if values else None, cmap="gray_r", vmin=-1, vmax=1, title=title)


def highlight(ax, row, col, size=3, color="gold", lw=3):
    """Outline the size x size window whose top-left cell is (row, col); return the patch (move it with set_xy)."""
    patch = plt.Rectangle((col - 0.5, row - 0.5), size, size, fill=False, edgecolor=color, lw=lw)
    ax.add_patch(patch)
    return patch


@style.sized
def conv_step(image, kernel, row, col, fmap, axes=None, fmt="{:.2f}", fontsize=None):
    """Draw one convolution step: the image with the window, the kernel, the products and the map so far.

    ``fmap`` is the feature map filled up to this step (NaN where the window has not been yet).
    Returns the four axes.
    """
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    k = kernel.shape[0]
    window = image[row : row + k, col : col + k]
    if axes is None:
        _, axes = plt.subplots(1, 4, figsize=(13, 3.4), gridspec_kw={"width_ratios": [9, 3.6, 3.6, 7]})
    heatmap(image, ax=axes[0], fmt="{:g}", cmap="gray_r", title="image and window", fontsize=fontsize)
    highlight(axes[0], row, col, k)
    heatmap(kernel, ax=axes[1], fmt="{:g}", title="kernel", fontsize=fontsize)
    heatmap(window * kernel, ax=axes[2], fmt="{:g}", title="window x kernel", fontsize=fontsize)
    heatmap(fmap, ax=axes[3], fmt=fmt, title="feature map so far", fontsize=fontsize)
    highlight(axes[3], row, col, 1, lw=2)
    return axes


@style.sized
def compare_grids(
    printed, right, axes=None, titles=("the article printed", "computed"), beyond_truncation=False, **kwargs
):
    """Draw an article's printed table beside the computed one, outlining the cells that differ.

    With ``beyond_truncation=True`` only cells that cutting to 2 decimals cannot explain are outlined.
    """

    printed, right = np.asarray(printed, dtype=float), np.asarray(right, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3.6))
    marks = None
    if printed.shape == right.shape:
        fmt = kwargs.get("fmt", "{:.2f}")
        shown = np.vectorize(lambda v: grid.format_value(v, fmt))
        marks = np.argwhere(shown(printed) != shown(articles.truncate(right) if beyond_truncation else right))
    heatmap(printed, ax=axes[0], title=f"{titles[0]} ({printed.shape[0]}x{printed.shape[1]})", marks=marks, **kwargs)
    heatmap(right, ax=axes[1], title=f"{titles[1]} ({right.shape[0]}x{right.shape[1]})", marks=marks, **kwargs)
    return axes


@style.sized
def windows(n, kernel, stride=1, padding=0, ax=None):
    """Draw where a window of ``kernel`` pixels lands along one axis of ``n`` pixels (padded by ``padding``).

    The top row is the padded input (zeros hatched); each bar below is one window position.
    When the windows do not tile, the window that would hang past the edge is dashed red and
    the pixels no window reaches are shaded red.
    """
    ax = style.axes(ax, figsize=(8, 3))
    pad, span, out, reach = _window_positions(n, kernel, stride, padding, "windows")
    cells = np.arange(span)
    zero = (cells < pad) | (cells >= pad + n)
    grid.boxes(ax, [(i, 0, 1, 1) for i in cells if not zero[i] and i < reach], facecolors="white", edgecolors="grey")
    grid.boxes(ax, [(i, 0, 1, 1) for i in cells if zero[i]], facecolors="#eeeeee", edgecolors="grey", hatch="//")
    grid.boxes(ax, [(i, 0, 1, 1) for i in cells if not zero[i] and i >= reach], facecolors="#f4cccc", edgecolors="red")
    grid.boxes(
        ax,
        [(j * stride + 0.08, -1.2 - j, kernel - 0.16, 0.8) for j in range(out)],
        facecolors="#9fc5e8",
        edgecolors="#0b5394",
    )
    spots = [(i + 0.5, 0.5) for i in cells] + [(j * stride + kernel / 2, -0.8 - j) for j in range(out)]
    names = ["0" if zero[i] else str(i - pad) for i in cells]
    names += [f"window {j + 1}" if kernel >= 4 else str(j + 1) for j in range(out)]
    grid.Labels(ax, spots, names, fontsize=style.points("small", ax.figure))
    missing = reach < span
    if missing:
        grid.boxes(
            ax,
            [(out * stride + 0.08, -1.2 - out, kernel - 0.16, 0.8)],
            facecolors="none",
            edgecolors="red",
            linestyles="--",
            linewidths=1.5,
        )
        grid.Labels(
            ax,
            [(out * stride + kernel / 2, -0.8 - out)],
            ["?"],
            colors="red",
            fontsize=style.points("value", ax.figure),
        )
    ax.set_xlim(-0.5, max(span, out * stride + kernel) + 0.5)
    ax.set_ylim(-out - 1.5 - missing, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _window_positions(n, kernel, stride, padding, drawer):
    """Return (zeros a side, padded size, window count, pixels reached); ``drawer`` names the caller in errors."""
    pad = ops.zeros_per_side(padding)
    if isinstance(pad, str) or pad < 0:
        raise ValueError(f"{drawer} draws padding 'valid' or a whole number of zeros >= 0; got {padding!r}")
    span = n + 2 * pad
    if kernel > span:
        raise ValueError(
            f"kernel {kernel} is larger than the padded input {span}; use a smaller kernel or more padding"
        )
    out = (span - kernel) // stride + 1
    return pad, span, out, (out - 1) * stride + kernel


@style.sized
def windows2d(n, kernel, stride=1, padding=0, axes=None):
    """Draw a 2-D convolution's arithmetic: the padded n x n input with windows on it, and the output grid.

    Left: the input (its cells numbered along the edges), the zero padding hatched with "0",
    the first window (blue), the one to its right (green) and the last (orange), and the
    pixels no window reaches shaded red. Right: the output grid, floor((n + 2p - k) / s) + 1
    cells a side, its cells coloured like the windows that make them.

    Args:
        n, kernel, stride, padding: input size, kernel size, stride, zeros on each side.
        axes: two axes to draw on (a new figure if None).

    Returns:
        The two axes.

    Raises:
        ValueError: if the kernel is larger than the padded input or padding is not a number.
    """
    pad, span, out, reach = _window_positions(n, kernel, stride, padding, "windows2d")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.4, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    ax_in, ax_out = axes
    cells = [(r, c) for r in range(span) for c in range(span)]
    zero = [(r, c) for r, c in cells if min(r, c) < pad or max(r, c) >= pad + n]
    lost = [(r, c) for r, c in cells if (r, c) not in set(zero) and max(r, c) >= reach]
    plain = [(r, c) for r, c in cells if (r, c) not in set(zero) | set(lost)]
    for group, face, hatch in ((plain, "white", None), (zero, "#eeeeee", "//"), (lost, "#f4cccc", None)):
        if group:
            grid.boxes(
                ax_in, [(c, r, 1, 1) for r, c in group], facecolors=face, edgecolors="grey", hatch=hatch, linewidths=0.6
            )
    fontsize = style.points("widget" if span <= 12 else "value", ax_in.figure)
    if zero:
        grid.Labels(ax_in, [(c + 0.5, r + 0.5) for r, c in zero], ["0"] * len(zero), colors="grey", fontsize=fontsize)
    edge = [(i + pad + 0.5, -0.5) for i in range(n)] + [(-0.6, i + pad + 0.5) for i in range(n)]
    grid.Labels(ax_in, edge, [str(i) for i in range(n)] * 2, fontsize=fontsize)
    picks = {"first": ((0, 0), "#1f77b4")}
    if out > 1:
        picks["next"] = ((0, 1), "#2ca02c")
    if out > 1:
        picks["last"] = ((out - 1, out - 1), "#ff7f0e")
    for i, ((r, c), color) in enumerate(picks.values()):
        inset = 0.08 + 0.08 * i
        grid.boxes(
            ax_in,
            [(c * stride + inset, r * stride + inset, kernel - 2 * inset, kernel - 2 * inset)],
            facecolors="none",
            edgecolors=color,
            linewidths=2.5,
        )
    ax_in.set_xlim(-1.3, span + 0.2)
    ax_in.set_ylim(span + 0.2, -1.2)
    ax_in.set_aspect("equal")
    ax_in.axis("off")
    ax_in.set_title(
        f"input {n}x{n}, padding {pad}, kernel {kernel}x{kernel}, stride {stride}",
        fontsize=style.points("widget", ax_in.figure),
    )
    colored = {rc: color for rc, color in picks.values()}
    grid.boxes(
        ax_out,
        [(c, r, 1, 1) for r in range(out) for c in range(out)],
        facecolors=[colored.get((r, c), "white") for r in range(out) for c in range(out)],
        edgecolors="grey",
    )
    ofont = style.points("widget" if out <= 8 else "value", ax_out.figure)
    grid.Labels(
        ax_out,
        [(i + 0.5, -0.5) for i in range(out)] + [(-0.6, i + 0.5) for i in range(out)],
        [str(i) for i in range(out)] * 2,
        fontsize=ofont,
    )
    ax_out.set_xlim(-1.3, max(out, 4) + 0.2)
    ax_out.set_ylim(max(out, 4) + 0.2, -1.2)
    ax_out.set_aspect("equal")
    ax_out.axis("off")
    ax_out.set_title(f"output {out}x{out}", fontsize=style.points("widget", ax_out.figure))
    return axes


@style.sized
def pooling(fmap, pooled, size=2, stride=2, padding="valid", axes=None, fmt="{:.2f}", fontsize=None):
    """Draw a feature map with its pooling windows outlined (padding hatched), beside the pooled map.

    Each window is outlined in its own colour, and the pooled cell it gives is outlined in the
    same colour. Both panels share one colour scale and write their values in the cells.

    Args:
        fmap: the map pooled, (H, W).
        pooled: the pooled map, as ``ops.pool2d(fmap, size, stride, mode, padding)`` returns it.
        size, stride, padding: the pooling's window side, stride and padding ('valid' or 'same').
        axes: two axes to draw on (new ones when None).
        fmt: how each value is written (a format string or a function such as ``xo.ninths``).
        fontsize: the values' size in points (default: ``style.points("value")``).

    Returns:
        The two axes.
    """

    fmap, pooled = np.asarray(fmap, dtype=float), np.asarray(pooled, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    vmax = max(1.0, float(np.nanmax(np.abs(fmap))), float(np.nanmax(np.abs(pooled))))

    def panel(values, ax, name):  # both panels: one colour scale, the values written alike
        title = f"{name} {values.shape[0]}x{values.shape[1]}"
        heatmap(values, ax=ax, fmt=fmt, vmin=-vmax, vmax=vmax, title=title, fontsize=fontsize)

    panel(fmap, axes[0], "feature map")
    h, w = fmap.shape
    (top, bottom), (left, right) = (
        ((0, 0), (0, 0))
        if padding == "valid"
        else (ops.same_padding(h, size, stride), ops.same_padding(w, size, stride))
    )
    padded = [
        (r, c) for r in range(-top, h + bottom) for c in range(-left, w + right) if not (0 <= r < h and 0 <= c < w)
    ]
    grid.boxes(
        axes[0], [(c - 0.5, r - 0.5, 1, 1) for r, c in padded], facecolors="#eeeeee", edgecolors="grey", hatch="//"
    )
    cells = list(np.ndindex(*pooled.shape))
    palette = plt.cm.tab20.colors[::2] + plt.cm.tab20.colors[1::2]  # 10 strong colours, then their light twins
    colors = [to_hex(palette[k % 20]) for k in range(len(cells))]
    inset = [0.06 * ((r + c) % 2) for r, c in cells]
    grid.boxes(
        axes[0],
        [
            (c * stride - left - 0.5 + i, r * stride - top - 0.5 + i, size - 2 * i, size - 2 * i)
            for (r, c), i in zip(cells, inset)
        ],
        facecolors="none",
        linewidths=2,
        edgecolors=colors,
    )
    axes[0].set_xlim(-0.5 - left, w - 0.5 + right)
    axes[0].set_ylim(h - 0.5 + bottom, -0.5 - top)
    panel(pooled, axes[1], "pooled")
    grid.boxes(
        axes[1], [(c - 0.45, r - 0.45, 0.9, 0.9) for r, c in cells], facecolors="none", linewidths=3, edgecolors=colors
    )
    return axes


def update_pooling(axes, fmap, pooled):
    """Redraw a ``pooling`` figure with new values of the same shapes (same windows), reusing its artists.

    Args:
        axes: the two axes ``pooling`` drew on.
        fmap, pooled: the new map and its pooled map.

    Returns:
        The two number grids (the artists that changed).
    """
    fmap, pooled = np.asarray(fmap, dtype=float), np.asarray(pooled, dtype=float)
    vmax = max(1.0, float(np.nanmax(np.abs(fmap))), float(np.nanmax(np.abs(pooled))))
    grids = [grid.NumberGrid.on(ax)[0] for ax in axes]
    for cells, values in zip(grids, (fmap, pooled)):
        cells.set_clim(-vmax, vmax)
        cells.set_values(values)
    return grids


LAYERS = (("conv", "convolution"), ("relu", "ReLU"), ("pool1", "pooled"), ("pool2", "pooled again"))


@style.sized
def layer_maps(out, names, figure, fmt="{:.2f}", fontsize=None):
    """Draw every map of one image through the X/O network: a row per filter, a column per layer.

    The convolution and ReLU maps (7x7) are coloured on one scale from -1 to 1 with a colour
    bar; the pooled maps also write their values. A last column holds the votes (``votes_bar``).

    Args:
        out: ``xo.forward(image)``: 'conv', 'relu', 'pool1', 'pool2' of shape (F, h, w).
        names: the F filter names, written at the left of each row.
        figure: the matplotlib Figure to draw on (cleared first).
        fmt: how the pooled values are written (e.g. ``xo.ninths``).
        fontsize: the size of those values and the titles, in points (default: ``style.points("value")``).

    Returns:
        A dict: ``maps[key][f]`` the axes of layer ``key`` and filter f, ``votes`` the votes
        axes, ``colorbar`` the colour bar.
    """
    figure.clear()
    fontsize = fontsize or style.points("value", figure)
    n = len(names)
    spec = figure.add_gridspec(
        n,
        7,
        width_ratios=[1, 1, 0.06, 0.25, 1, 1, 1.9],
        left=0.07,
        right=0.99,
        bottom=0.06,
        top=0.9,
        wspace=0.12,
        hspace=0.25,
    )
    maps = {key: [] for key, _ in LAYERS}
    columns = [0, 1, 4, 5]
    for f in range(n):
        for (key, label), column in zip(LAYERS, columns):
            ax = figure.add_subplot(spec[f, column])
            values = out[key][f]
            written = key in ("pool1", "pool2")
            heatmap(
                values,
                ax=ax,
                fmt=fmt if written else None,
                fontsize=fontsize,
                title=f"{label} {values.shape[0]}x{values.shape[1]}" if f == 0 else None,
            )
            if f == 0:
                ax.set_title(ax.get_title(), fontsize=fontsize)
            maps[key].append(ax)
        maps["conv"][f].text(
            -0.08,
            0.5,
            names[f],
            transform=maps["conv"][f].transAxes,
            rotation=90,
            ha="right",
            va="center",
            fontsize=fontsize,
        )
    cax = figure.add_subplot(spec[:, 2])
    colorbar = figure.colorbar(grid.NumberGrid.on(maps["conv"][0])[0], cax=cax)
    colorbar.ax.tick_params(labelsize=fontsize)
    votes = figure.add_subplot(spec[:, 6])
    votes.yaxis.set_visible(False)  # the bars have their values written on them
    return {"maps": maps, "votes": votes, "colorbar": colorbar}


def update_layer_maps(drawn, out):
    """Put new maps of the same shapes into a ``layer_maps`` figure, reusing its artists.

    Args:
        drawn: what ``layer_maps`` returned.
        out: ``xo.forward(image)`` of the new image.

    Returns:
        The list of number grids that changed (for blitting).
    """
    changed = []
    for key, _ in LAYERS:
        for ax, values in zip(drawn["maps"][key], out[key]):
            (cells,) = grid.NumberGrid.on(ax)
            cells.set_values(values)
            changed.append(cells)
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


@style.sized
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
    ax = style.axes(ax, figsize=(14, 2.2))
    for i, (key, name, shape) in enumerate(XO_STAGES):
        lit = key in here
        ax.add_patch(
            plt.Rectangle(
                (i * 1.5, 0), 1.3, 1, facecolor="gold" if lit else "#eeeeee", edgecolor="black", lw=2.5 if lit else 1
            )
        )
        ax.text(
            i * 1.5 + 0.65,
            0.62,
            name,
            ha="center",
            va="center",
            fontsize=fontsize,
            fontweight="bold" if lit else "normal",
        )
        ax.text(i * 1.5 + 0.65, 0.18, shape, ha="center", va="center", fontsize=fontsize - 1, color="#333333")
        if i:
            ax.annotate("", xy=(i * 1.5, 0.5), xytext=(i * 1.5 - 0.2, 0.5), arrowprops={"arrowstyle": "->"})
        if lit:
            ax.text(i * 1.5 + 0.65, 1.12, "you are here", ha="center", va="bottom", fontsize=fontsize - 1)
    ax.set_xlim(-0.1, len(XO_STAGES) * 1.5 - 0.2)
    ax.set_ylim(-0.1, 1.4)
    ax.axis("off")
    return ax


@style.sized
def votes_bar(scores, probs=None, ax=None, fontsize=None):
    """Draw each class's vote (and, if given, its softmax probability) as bars with their values.

    Args:
        scores: {class: vote}.
        probs: {class: probability}, or None for the votes alone.
        ax: the axes to draw on (a new one when None).
        fontsize: the size of the values, ticks and legend, in points (default: ``style.points("widget")``).

    Returns:
        The axes: one bar container per series in ``ax.containers``, each bar's value written above it.
    """
    ax = style.axes(ax, figsize=(4, 3))
    fontsize = fontsize or style.points("widget", ax.figure)
    names = list(scores)
    x = np.arange(len(names))
    series = [("vote (average)", scores)] + ([("softmax probability", probs)] if probs is not None else [])
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        heights = [values[n] for n in names]
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, heights, width, label=label)
        for b, v in zip(bars, heights):
            ax.text(b.get_x() + b.get_width() / 2, v + 0.02, f"{v:.3f}", ha="center", fontsize=fontsize)
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
        The bars and value texts that changed (for blitting).
    """
    values = [v for series in [scores] + ([probs] if probs is not None else []) for v in series.values()]
    bars = [bar for container in ax.containers for bar in container]
    for bar, text, v in zip(bars, ax.texts, values):  # votes_bar wrote one text per bar, in the same order
        bar.set_height(v)
        text.set_y(v + 0.02)
        text.set_text(f"{v:.3f}")
    return [*bars, *ax.texts[: len(bars)]]


@style.sized
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
    ax = style.axes(ax, figsize=(5, 3))
    for key in keys:
        ax.plot(np.arange(len(history[key])), history[key], label=key)
    ax.set_xlabel("step")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
