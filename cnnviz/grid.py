"""The fast-redraw number grid: coloured cells with their values written in, redrawn in place.

matplotlib lays out every ``Text`` again at each draw, which makes a grid of one Text per cell
too slow for the explorers of notebooks 02-04 (up to 294 numbers per step, under 100 ms). Here
the numbers are glyph outlines (``TextPath``, cached per label) in one ``Labels`` artist, and a
``NumberGrid`` is its cells (one ``QuadMesh``) and owns its ``Labels``: ``set_values`` redraws both in
place. Both are ordinary matplotlib artists on the axes; what they show is read back with
``get_texts()`` and ``get_values()``. Imports matplotlib and NumPy only.
"""

import numpy as np
from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
from matplotlib.colors import Normalize
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

_GLYPHS = {}


def _glyph_path(label, fontsize):
    """Return the outline of ``label`` in points, centred on (0, 0) (cached: labels repeat a lot)."""
    key = (label, fontsize)
    if key not in _GLYPHS:
        path = TextPath((0, 0), label, size=fontsize, prop=FontProperties(family="DejaVu Sans"))
        low, high = path.vertices.min(0), path.vertices.max(0)  # control points: close enough to centre on
        _GLYPHS[key] = path.transformed(Affine2D().translate(*(-(low + high) / 2)))
    return _GLYPHS[key]


def format_value(value, fmt):
    """Return ``value`` written with ``fmt`` (a format string or a function of one value); "" for None or NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return fmt(value) if callable(fmt) else fmt.format(value)


class Labels(PathCollection):
    """Short texts centred at data points, drawn as glyph outlines in one artist (many times faster than one Text each).

    Args:
        ax: the axes to draw on (the artist is added to it).
        xy: the centres, (N, 2) in data units (x = column, y = row for a grid).
        texts: N strings ("" or None writes nothing there), any shape with N elements.
        colors: one colour, or one per text.
        fontsize: the glyphs' size in points (scaled with the figure's dpi).
    """

    def __init__(self, ax, xy, texts, colors="black", fontsize=8, add=True):
        super().__init__(
            [],
            offsets=np.zeros((0, 2)),
            offset_transform=ax.transData,
            transform=Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans,
            edgecolors="none",
        )
        self._fontsize = float(fontsize)
        self._xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self._texts = np.array([], dtype=object)
        self._colors = np.array([], dtype=object)
        self.set_texts(texts, colors)
        if add:
            ax.add_collection(self, autolim=False)

    def set_texts(self, texts, colors=None):
        """Write ``texts`` (same number as the centres) in ``colors`` (default: the colours already used)."""
        texts = np.asarray(texts, dtype=object)
        flat = np.array(["" if t is None else str(t) for t in texts.flat], dtype=object)
        if flat.size != len(self._xy):
            raise ValueError(f"Labels has {len(self._xy)} places; got {flat.size} texts")
        if colors is not None:
            colors = np.asarray(colors, dtype=object)
            self._colors = np.broadcast_to(colors.reshape(-1) if colors.ndim else colors, flat.shape)
        self._texts = flat.reshape(texts.shape)
        self._redo()

    def _redo(self):
        flat = self._texts.reshape(-1)
        keep = flat != ""
        self.set_paths([_glyph_path(t, self._fontsize) for t in flat[keep]])
        self.set_offsets(self._xy[keep] if keep.any() else np.zeros((0, 2)))
        self.set_facecolors(list(self._colors[keep]) or "none")
        self.stale = True

    def get_texts(self):
        """Return the texts written, in the shape given ("" where nothing is written)."""
        return self._texts.copy()

    def get_fontsize(self):
        """Return the glyphs' size in points."""
        return self._fontsize

    def set_fontsize(self, fontsize):
        """Redraw the glyphs at ``fontsize`` points."""
        self._fontsize = float(fontsize)
        self._redo()


def boxes(ax, rects, **kwargs):
    """Draw rectangles (x, y, width, height) in data units as one collection; return it."""
    verts = [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)] for x, y, w, h in rects]
    collection = PolyCollection(verts, **kwargs)
    ax.add_collection(collection, autolim=False)
    return collection


class NumberGrid(QuadMesh):
    """A 2-D array drawn as coloured cells, each with its value written in; ``set_values`` redraws it in place.

    Cell (row, col) is centred at x = col, y = row. NaN cells stay uncoloured and empty. The grid
    is the cells' QuadMesh (so ``colorbar`` takes it) and owns ``labels``, the ``Labels`` artist of
    its numbers (None when ``fmt`` is None), which it draws after its cells. Find the grids on an
    axes with ``NumberGrid.on(ax)``.

    Args:
        ax: the axes to draw on (the grid is added to it).
        values: the 2-D array.
        fmt: a format string, a function of one value (e.g. ``xo.ninths``) or None (no numbers).
        cmap, vmin, vmax: the colour map and its range (None: the values' range).
        fontsize: the numbers' size in points.

    Raises:
        ValueError: if ``values`` is not 2-D.
    """

    def __init__(self, ax, values, fmt="{:.2f}", cmap="RdBu_r", vmin=-1, vmax=1, fontsize=8):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2:
            raise ValueError(f"a number grid draws a 2-D array; got shape {values.shape}")
        h, w = values.shape
        x, y = np.meshgrid(np.arange(w + 1) - 0.5, np.arange(h + 1) - 0.5)
        super().__init__(
            np.stack([x, y], axis=-1),
            cmap=cmap,
            norm=Normalize(vmin, vmax),
            edgecolors="#cccccc",
            linewidth=0.5,
            antialiased=False,
        )
        self.shape, self.fmt = values.shape, fmt
        self.set_array(np.ma.masked_invalid(values))
        self.autoscale_None()
        ax.add_collection(self, autolim=False)
        rows, cols = np.indices(values.shape)
        self.labels = None
        if fmt is not None:  # drawn by the grid, after its cells
            self.labels = Labels(
                ax,
                np.column_stack([cols.ravel(), rows.ravel()]),
                self._texts(values),
                self._text_colors(values),
                fontsize,
                add=False,
            )
            self.labels.set_figure(ax.figure)
            self.labels.axes = ax
            self.labels.set_clip_path(ax.patch)

    def _texts(self, values):
        return np.array([format_value(v, self.fmt) for v in values.flat], dtype=object).reshape(values.shape)

    def _text_colors(self, values):
        """Black or white for each value, whichever reads better on its cell colour."""
        rgba = self.cmap(self.norm(values))
        light = rgba[..., 0] * 0.299 + rgba[..., 1] * 0.587 + rgba[..., 2] * 0.114 > 0.5
        return np.where(light | ~np.isfinite(values), "black", "white")

    @classmethod
    def on(cls, ax):
        """Return the grids drawn on ``ax``, in drawing order (read from the axes' artists)."""
        return [a for a in ax.collections if isinstance(a, cls)]

    def set_values(self, values):
        """Colour and write new values of the same shape, reusing the artists.

        Raises:
            ValueError: if ``values`` has another shape.
        """
        values = np.asarray(values, dtype=float)
        if values.shape != self.shape:
            raise ValueError(f"this grid needs values of shape {self.shape}; got {values.shape}")
        self.set_array(np.ma.masked_invalid(values))
        if self.labels is not None:
            self.labels.set_texts(self._texts(values), self._text_colors(values))

    def get_values(self):
        """Return the values shown (NaN where a cell is empty)."""
        return np.ma.filled(np.ma.asarray(self.get_array(), dtype=float), np.nan).reshape(self.shape)

    def get_texts(self):
        """Return the numbers written, as strings in the grid's shape ("" where none; all "" without fmt)."""
        return self.labels.get_texts() if self.labels is not None else np.full(self.shape, "", dtype=object)

    def get_children(self):
        return [*super().get_children(), *([self.labels] if self.labels is not None else [])]

    def draw(self, renderer):
        super().draw(renderer)
        if self.labels is not None and self.get_visible():
            self.labels.draw(renderer)
