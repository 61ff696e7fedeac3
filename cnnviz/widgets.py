"""Wire cnnviz computations and plots to ipywidgets controls.

Widgets are thin: each one computes with ``cnnviz.ops``/``cnnviz.xo`` (or a Keras helper),
draws with ``cnnviz.plots``, and exposes its controls as attributes so tests can set
``.value`` and check what it shows, without a browser.
"""

import contextlib
import html
import io

import ipywidgets as W
import numpy as np
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as _PILImage

from cnnviz import arguments, grid, handplots, ops, photos, plots, prediction, style, xo

# ---------------------- ipywidgets 8 and 7 (Colab's 7.7.1): the only two places their APIs differ


class _Shown:
    """Displays as its ``box``, with ipywidgets 8 and 7 alike.

    ``display`` shows an ipywidgets 8 widget through its ``_repr_mimebundle_``, a 7 one through its
    ``_ipython_display_`` (7 has no ``_repr_mimebundle_``); handing the box to ``display`` works with both.
    """

    def _ipython_display_(self):
        display(self.box)


def _uploaded_files(value):
    """Return ``[(name, content bytes), ...]`` of a FileUpload's ``value``.

    ipywidgets 8 gives a tuple of dicts with ``name`` and ``content``; 7 (Colab's) a dict
    ``{name: {"metadata": ..., "content": bytes}}``.
    """
    if isinstance(value, dict):
        return [(name, item["content"]) for name, item in value.items()]
    return [(item["name"], item["content"]) for item in value]


# ------------------------------------------------ the X/O network, by hand (notebooks 02-04)


class _FigureWidget(_Shown):
    """Shared plumbing: a matplotlib figure shown as a PNG, a text line, and errors shown, never swallowed.

    A subclass's ``_draw()`` updates the figure. It returns None after drawing everything anew,
    or the list of artists it changed: those are then drawn over a cached background
    (blitting), so a redraw costs only what changed.
    """

    def __init__(self, figsize, dpi=100):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.view = W.Image(format="png")
        self.status = W.HTML()
        self.text = ""
        self.error = ""
        self._background = None
        self._syncing = False

    @contextlib.contextmanager
    def _quietly(self):
        """Set controls from code inside this block: their handlers see ``_syncing`` and do nothing."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    def _render(self, dynamic):
        if dynamic is None or self._background is None:
            for artist in dynamic or []:
                artist.set_animated(True)
            style.fit(self.figure)  # projector: every text at least style.PROJECTOR_PX high
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox) if dynamic else None
        else:
            self.canvas.restore_region(self._background)
        for artist in dynamic or []:
            self.figure.draw_artist(artist)

    def redraw(self, *_):
        """Recompute, redraw and show the result; on any exception show its message in ``status``."""
        try:
            self._render(self._draw())
            buf = io.BytesIO()  # fast PNG: light compression, no second draw as savefig would do
            _PILImage.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
            self.view.value = buf.getvalue()
        except Exception as err:  # shown to the learner, and kept in .error for tests
            self.error = f"{type(err).__name__}: {err}"
            self.status.value = f"<div style='color:#b00020'><b>{type(err).__name__}</b>: {html.escape(str(err))}</div>"
            return
        self.error = ""
        self.status.value = f"<div>{html.escape(self.text)}</div>"


def _box(children, **kwargs):
    """Return a widget's outer VBox; with the projector on (``cnnviz.style``) its text is ``style.WIDGET_PX`` high."""
    if not style.projector_on():
        return W.VBox(children, **kwargs)
    box = W.VBox([W.HTML(style.WIDGET_CSS), *children], **kwargs)
    box.add_class("cnnviz-projector")
    return box


def _wipe(ax):
    """Remove what cnnviz drew on ``ax`` but keep the axes (much cheaper than ``ax.clear()``)."""
    for artist in [*ax.collections, *ax.patches, *ax.texts, *ax.images]:
        artist.remove()
    ax.set_title("")


class ConvolutionExplorer(_FigureWidget):
    """Slide a kernel over an image window by window: highlight, products, sum, mean, the map filling.

    Controls: ``image`` (Dropdown), ``kernel`` (Dropdown of preset kernels; it shows no choice
    after a weight was edited, so choosing a preset again restores it), ``weights`` (3x3 list
    of FloatText, descriptions "k[0,0]" ... "k[2,2]", CSS class ``cnnviz-kernel-weight``),
    ``row`` and ``col`` (IntSliders: the window's top-left cell), ``step`` (IntSlider "window",
    the window's number in reading order) and ``play`` (Play, linked to ``step``).
    Shown: ``kernel_values``, ``window``, ``products``, ``total``, ``mean``, ``fmap`` (the
    feature map so far, NaN where the window has not been) and ``text``.
    """

    def __init__(self, images=None, filters=None, interval=500):
        super().__init__(figsize=(9.6, 2.9))
        self.images = dict(images or xo.IMAGES)
        self.filters = dict(filters or xo.FILTERS)
        self.image = W.Dropdown(options=list(self.images), description="image")
        self.kernel = W.Dropdown(options=list(self.filters), description="preset")
        self.kernel_values = np.asarray(self.filters[self.kernel.value], dtype=float)
        self.weights = [
            [
                W.FloatText(
                    value=0.0,
                    step=0.5,
                    description=f"k[{r},{c}]",
                    style={"description_width": "42px"},
                    layout=W.Layout(width="120px"),
                )
                for c in range(3)
            ]
            for r in range(3)
        ]
        for control in (w for line in self.weights for w in line):
            control.add_class("cnnviz-kernel-weight")
        self.row = W.IntSlider(value=0, min=0, max=6, description="row")
        self.col = W.IntSlider(value=0, min=0, max=6, description="column")
        self.step = W.IntSlider(value=0, min=0, max=48, description="window")
        self.play = W.Play(value=0, min=0, max=48, interval=interval, description="play")
        W.link((self.play, "value"), (self.step, "value"))
        grid = W.VBox([W.HTML("<b>kernel</b> (edit any weight)"), *[W.HBox(line) for line in self.weights]])
        self.box = _box(
            [
                W.HBox([self.image, self.kernel]),
                W.HBox([self.row, self.col]),
                W.HBox([self.play, self.step]),
                grid,
                self.status,
                self.view,
            ]
        )
        self._grids = self._shapes = self._inputs = None
        self._show_weights()
        self.image.observe(self.redraw, "value")
        self.kernel.observe(self._preset_chosen, "value")
        for control in (w for line in self.weights for w in line):
            control.observe(self._weight_edited, "value")
        self.step.observe(self._step_moved, "value")
        self.row.observe(self._cell_moved, "value")
        self.col.observe(self._cell_moved, "value")
        self.redraw()

    # -------------------------------------------------------------- wiring

    def _show_weights(self):
        """Write the current kernel into the 3x3 boxes (disabled when the kernel is not 3x3)."""
        fits = self.kernel_values.shape == (3, 3)
        with self._quietly():
            for (r, c), control in np.ndenumerate(np.array(self.weights, dtype=object)):
                control.disabled = not fits
                if fits:
                    control.value = float(self.kernel_values[r, c])

    def _preset_chosen(self, change):
        if self._syncing or change["new"] is None:
            return
        self.kernel_values = np.asarray(self.filters[change["new"]], dtype=float)
        self._show_weights()
        self.redraw()

    def _weight_edited(self, *_):
        if self._syncing:
            return
        self.kernel_values = np.array([[w.value for w in line] for line in self.weights], dtype=float)
        with self._quietly():
            self.kernel.value = None  # no preset is shown now: choosing one again restores it
        self.redraw()

    def _step_moved(self, change):
        if not self._syncing:
            with self._quietly():
                self.row.value, self.col.value = divmod(change["new"], self.col.max + 1)
        self.redraw()

    def _cell_moved(self, *_):
        if not self._syncing:
            self.step.value = self.row.value * (self.col.max + 1) + self.col.value  # redraws

    # -------------------------------------------------------------- computation and drawing

    def _compute(self, image, kernel):
        """Set ``window``, ``products``, ``total``, ``mean``, ``fmap`` and ``text`` for the step; return (row, col)."""
        full = ops.conv2d(image, kernel, reduce="mean")
        n = full.size
        with self._quietly():
            self.row.max, self.col.max = full.shape[0] - 1, full.shape[1] - 1
        if self.step.max != n - 1:
            self.step.max = self.play.max = n - 1  # may move step, which redraws; finish this draw anyway
        row, col = divmod(min(self.step.value, n - 1), full.shape[1])
        self.window, self.products = ops.window_products(image, kernel, row, col)
        self.total = float(self.products.sum())
        self.mean = float(full[row, col])
        self.fmap = np.where(np.arange(n).reshape(full.shape) <= row * full.shape[1] + col, full, np.nan)
        size = self.products.size
        self.text = (
            f"window at row {row}, column {col}: the {size} products add up to "
            f"{self.total:g}; their mean is {self.total:g}/{size} = {self.mean:.2f}"
            f" -> feature map[{row}, {col}]"
        )
        return row, col

    def _draw(self):
        image, kernel = self.images[self.image.value], self.kernel_values
        row, col = self._compute(image, kernel)
        if self._shapes != (image.shape, kernel.shape):  # new panels, once per pair of shapes
            self._new_panels(image, kernel, self.fmap.shape)
        if self._inputs != (self.image.value, kernel.tobytes()):  # another image or kernel: redraw everything
            self._inputs = (self.image.value, kernel.tobytes())
            self._grids[0].set_values(image)
            self._grids[1].set_values(kernel)
            self._background = None
        self._grids[2].set_values(self.products)  # every step: the products, the map, the two boxes
        self._grids[3].set_values(self.fmap)
        self._window_box.set_xy((col - 0.5, row - 0.5))
        self._cell_box.set_xy((col - 0.5, row - 0.5))
        sums = self._grids[2].axes.set_title(
            f"products: sum {self.total:g}\nmean {xo.ninths(self.mean)}", fontsize=style.points("widget", self.figure)
        )
        return [*self._grids[2:], self._window_box, self._cell_box, sums]

    def _new_panels(self, image, kernel, out_shape):
        """Lay out the four panels for these shapes: image and window, kernel, products, feature map."""
        self.figure.clear()
        k = kernel.shape[0]
        widths = [image.shape[1], k + 0.6, k + 0.6, out_shape[1]]
        axes = self.figure.subplots(1, 4, gridspec_kw={"width_ratios": widths})
        self.figure.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.86, wspace=0.12)
        handplots.conv_step(
            image,
            kernel,
            0,
            0,
            np.full(out_shape, np.nan),
            axes=axes,
            fmt=xo.ninths,
            fontsize=style.points("widget", self.figure),
        )
        self._grids = [grid.NumberGrid.on(ax)[0] for ax in axes]
        self._window_box, self._cell_box = axes[0].patches[-1], axes[3].patches[-1]
        self._shapes, self._inputs, self._background = (image.shape, kernel.shape), None, None


class ArithmeticExplorer(_FigureWidget):
    """Pick input size, kernel, stride and padding; see on a 2-D grid where the windows land, and the output.

    Controls: ``n``, ``kernel``, ``stride``, ``padding`` (IntSliders). Shown: ``out_size``
    (Keras's floor((n + 2p - k) / s) + 1), ``tiles`` (True when no pixel is left over),
    ``text`` (the formula with the numbers) and the drawing (``figure``).
    """

    def __init__(self, n=7, kernel=3, stride=1, padding=0):
        super().__init__(figsize=(8.4, 4.2))
        self.n = W.IntSlider(value=n, min=1, max=16, description="input n")
        self.kernel = W.IntSlider(value=kernel, min=1, max=7, description="kernel")
        self.stride = W.IntSlider(value=stride, min=1, max=5, description="stride")
        self.padding = W.IntSlider(value=padding, min=0, max=3, description="padding")
        controls = [self.n, self.kernel, self.stride, self.padding]
        self.box = _box([W.HBox(controls[:2]), W.HBox(controls[2:]), self.status, self.view])
        self._axes = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        self.figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.88, wspace=0.08)
        for control in controls:
            control.observe(self.redraw, "value")
        self.redraw()

    def _draw(self):
        self.out_size = self.tiles = None
        args = self.n.value, self.kernel.value, self.stride.value, self.padding.value
        self.out_size, self.text = ops.explain_floor_output_size(*args)
        self.tiles = ops.leftover(*args) == 0
        for ax in self._axes:
            _wipe(ax)
        handplots.windows2d(*args, axes=self._axes)


class PoolingExplorer(_FigureWidget):
    """Pool an X/O feature map with max, avg, sum or l2 windows of any size, stride and padding.

    Controls: ``image``, ``filter``, ``mode``, ``padding`` (Dropdowns), ``size``, ``stride``
    (IntSliders). Shown: ``fmap`` (the ReLU map pooled), ``pooled`` and ``text``. Each window
    and the pooled cell it gives are outlined in the same colour.
    """

    def __init__(self):
        super().__init__(figsize=(8, 3.8), dpi=100)
        self.image = W.Dropdown(options=list(xo.IMAGES), description="image")
        self.filter = W.Dropdown(options=list(xo.FILTERS), description="filter")
        self.mode = W.Dropdown(options=list(ops.POOL_MODES), description="mode")
        self.padding = W.Dropdown(options=["same", "valid"], description="padding")
        self.size = W.IntSlider(value=2, min=1, max=8, description="size")
        self.stride = W.IntSlider(value=2, min=1, max=4, description="stride")
        controls = [self.image, self.filter, self.mode, self.padding, self.size, self.stride]
        self.box = _box([W.HBox(controls[:3]), W.HBox(controls[3:]), self.status, self.view])
        self._axes = self.figure.subplots(1, 2)
        self._layout = None
        self._relu = {name: xo.forward(image)["relu"] for name, image in xo.IMAGES.items()}
        for control in controls:
            control.observe(self.redraw, "value")
        self.redraw()

    def _draw(self):
        self.fmap = self._relu[self.image.value][list(xo.FILTERS).index(self.filter.value)]
        size, stride, padding = self.size.value, self.stride.value, self.padding.value
        self.pooled = ops.pool2d(self.fmap, size, stride, self.mode.value, padding)
        n = self.fmap.shape[0]
        exact, why = ops.explain_output_size(n, size, stride, padding)
        if exact is None:
            why += " Pooling with 'valid' drops those leftover rows and columns, as Keras does."
        self.text = (
            f"{size}x{size} {self.mode.value} pooling, stride {stride}, padding '{padding}': "
            f"{n}x{n} -> {self.pooled.shape[0]}x{self.pooled.shape[1]}. {why}"
        )
        layout = (size, stride, padding, self.pooled.shape)
        if layout == self._layout:  # same windows: recolour and relabel the cells only
            handplots.update_pooling(self._axes, self.fmap, self.pooled)
        else:
            for ax in self._axes:
                _wipe(ax)
            handplots.pooling(
                self.fmap,
                self.pooled,
                size,
                stride,
                padding,
                axes=self._axes,
                fmt=xo.ninths,
                fontsize=style.points("widget", self.figure),
            )
            for ax in self._axes:
                ax.set_title(ax.get_title(), fontsize=style.points("widget", self.figure))
            self._layout, self._background = layout, None
        return [*self._axes[0].collections, *self._axes[1].collections]


class DrawingPad(_FigureWidget):
    """Paint a 9x9 letter by dragging the mouse; it runs through the X/O network at every change.

    Geometry (for browser tests): ``drawing`` is an ipycanvas Canvas of ``9 * CELL`` x ``9 * CELL``
    pixels (CELL = 30, so 270 x 270); cell (row, col) covers x in [30 col, 30 col + 30) and
    y in [30 row, 30 row + 30), measured from the canvas's top-left corner. Pressing the mouse
    on a cell paints it, moving with the button held paints every cell passed over, releasing
    (or leaving the canvas) stops. Stroke cells are black, background cells white.

    Controls: ``mode`` (ToggleButtons "paint" / "erase"), ``preset`` (Dropdown that loads a
    letter; it shows no choice after an edit, so choosing a letter again reloads it),
    ``reset`` (Button: back to the letter last loaded), ``drawing`` (the Canvas). Methods: ``paint(row, col)``
    (what the mouse does, in the current mode), ``set_image(image)``, and the handlers
    ``mouse_down(x, y)``, ``mouse_move(x, y)``, ``mouse_up(x, y)`` with canvas pixel coordinates.
    Shown: ``image`` (9x9 of +1/-1), ``maps`` (``xo.forward(image)``), ``vector``, ``scores``
    (votes), ``probs`` (softmax of the votes), ``prediction``, ``text``, and a figure of the
    convolution, ReLU and pooled maps with the votes (``view``).
    """

    CELL = 30
    PRESETS = ("X", "O", "blank", "X bolder", "X with 3 flipped pixels")
    INK, PAPER, LINES = "#111111", "#ffffff", "#bbbbbb"

    def __init__(self, filters=None, preset="X"):
        from ipycanvas import Canvas

        super().__init__(figsize=(9.4, 4.6), dpi=100)
        self.filters = dict(filters or xo.FILTERS)
        self._image = -np.ones((9, 9))
        self._drawn = None
        self._masks = None
        self._dragging = False
        side = 9 * self.CELL
        self.drawing = Canvas(width=side, height=side, layout=W.Layout(width=f"{side}px", height=f"{side}px"))
        self.drawing.on_mouse_down(self.mouse_down)
        self.drawing.on_mouse_move(self.mouse_move)
        self.drawing.on_mouse_up(self.mouse_up)
        self.drawing.on_mouse_out(self.mouse_up)
        self.drawing.on_touch_start(lambda points: self.mouse_down(*points[0]))
        self.drawing.on_touch_move(lambda points: self.mouse_move(*points[0]))
        self.drawing.on_touch_end(lambda points: self.mouse_up(0, 0))
        self.drawing.on_client_ready(self._paint_canvas)
        self.mode = W.ToggleButtons(options=["paint", "erase"], value="paint", description="mouse")
        self.preset = W.Dropdown(options=list(self.PRESETS), value=None, description="load")
        self.reset = W.Button(description="reset", tooltip="back to the letter last loaded", icon="undo")
        self._loaded = preset
        self.preset.observe(self._preset_chosen, "value")
        self.reset.on_click(lambda _: self.set_image(self._preset_image(self._loaded)))
        controls = W.VBox([self.preset, self.mode, self.reset, self.status], layout=W.Layout(width="330px"))
        self.box = _box([W.HBox([self.drawing, controls]), self.view])
        self.preset.value = preset

    # ----------------------------------------------------------- state

    @staticmethod
    def _preset_image(name):
        return {
            "X": xo.X,
            "O": xo.O,
            "blank": -np.ones((9, 9)),
            "X bolder": xo.thicken(xo.X),
            "X with 3 flipped pixels": xo.add_noise(xo.X, 3, seed=0),
        }[name]

    @property
    def image(self):
        """The drawing as a 9x9 array of +1 (stroke) and -1 (background); a copy."""
        return self._image.copy()

    def _preset_chosen(self, change):
        if change["new"] is None:
            return
        self._loaded = change["new"]
        self.set_image(self._preset_image(change["new"]))

    def _edited(self):
        """After an edit the dropdown shows no letter, so choosing any letter (the same one too) loads it."""
        if self.preset.value is not None:
            with self._quietly():
                self.preset.value = None

    def set_image(self, image):
        """Show ``image`` (9x9 of +1/-1) on the pad and run it through the network once.

        Raises:
            ValueError: if ``image`` is not 9x9 or holds values other than +1 and -1.
        """
        image = xo.check_image(image)
        if image.shape != (9, 9):
            raise ValueError(
                f"the drawing pad is 9x9; got an image of shape {image.shape}. Use a 9x9 grid of +1 and -1"
            )
        self._image = image.copy()
        self._paint_canvas()
        self.redraw()

    def paint(self, row, col):
        """Set cell (row, col) to +1 ("paint" mode) or -1 ("erase"); redraw if it changed. Return True if it did."""
        if not (0 <= row < 9 and 0 <= col < 9):
            return False
        value = 1.0 if self.mode.value == "paint" else -1.0
        if self._image[row, col] == value:
            return False
        self._image[row, col] = value
        self._paint_cell(row, col)
        self._edited()
        self.redraw()
        return True

    def cell_at(self, x, y):
        """Return the (row, col) of the cell under canvas pixel (x, y), or None outside the grid."""
        row, col = int(y // self.CELL), int(x // self.CELL)
        return (row, col) if 0 <= row < 9 and 0 <= col < 9 and x >= 0 and y >= 0 else None

    # ----------------------------------------------------------- mouse

    def mouse_down(self, x, y):
        """Start a stroke at canvas pixel (x, y)."""
        self._dragging = True
        self.mouse_move(x, y)

    def mouse_move(self, x, y):
        """While the button is held, paint (or erase) the cell under (x, y)."""
        cell = self.cell_at(x, y)
        if self._dragging and cell is not None:
            self.paint(*cell)

    def mouse_up(self, x=0, y=0):
        """End the stroke."""
        self._dragging = False

    # ----------------------------------------------------------- drawing

    def _paint_cell(self, row, col):
        c = self.drawing
        c.fill_style = self.INK if self._image[row, col] > 0 else self.PAPER
        c.fill_rect(col * self.CELL + 1, row * self.CELL + 1, self.CELL - 2, self.CELL - 2)

    def _paint_canvas(self, *_):
        from ipycanvas import hold_canvas

        side = 9 * self.CELL
        with hold_canvas():  # ipycanvas >= 0.13 holds every canvas (a canvas argument is deprecated)
            self.drawing.fill_style = self.LINES
            self.drawing.fill_rect(0, 0, side, side)
            for row, col in np.ndindex(9, 9):
                self._paint_cell(row, col)

    def _draw(self):
        self.maps = xo.forward(self._image, self.filters)
        self.vector = self.maps["vector"]
        if self._masks is None or self._masks[0] is not self.filters:  # the voting positions, once per filters
            self._masks = (self.filters, {name: xo.vote_mask(v) for name, v in xo.class_vectors(self.filters).items()})
        self.scores = {name: float(self.vector[mask].mean()) for name, mask in self._masks[1].items()}
        probs = ops.softmax(list(self.scores.values()))
        self.probs = dict(zip(self.scores, probs.tolist()))
        self.prediction = max(self.scores, key=self.scores.get)
        votes = ", ".join(f"{k} {v:.3f}" for k, v in self.scores.items())
        self.text = f"votes: {votes} -> the network says {self.prediction}"
        shapes = {key: self.maps[key].shape for key, _ in handplots.LAYERS}
        if self._drawn is None or self._drawn["shapes"] != shapes:  # new figure, once per filter bank
            fontsize = style.points("widget", self.figure)
            self._drawn = handplots.layer_maps(
                self.maps, list(self.filters), self.figure, fmt=xo.ninths, fontsize=fontsize
            )
            self._drawn["shapes"] = shapes
            self._background = None
            handplots.votes_bar(self.scores, self.probs, ax=self._drawn["votes"])
            self._drawn["votes"].set_title("votes and their softmax", fontsize=fontsize)
        changed = handplots.update_layer_maps(self._drawn, self.maps)
        return [*changed, *handplots.update_votes_bar(self._drawn["votes"], self.scores, self.probs)]

    def redraw(self, *_):
        if not self._syncing:
            super().redraw()


# ----------------------------------------------- what the network learned (notebook 07)


class GradCamExplorer(_FigureWidget):
    """Pick a photo, a layer and a class; see where the model looks (Grad-CAM) and, on demand, occlusion.

    The widget never touches Keras: it calls the functions it is given, which
    ``model_widgets.explorer_hooks(model)`` builds from a model (computation first, wiring second).

    Args:
        images: the photos to choose from (N, H, W, 3), 0-255 pixels.
        class_names: one name per class of the model.
        layers: the layer names offered; ``layer``: the one shown first.
        fields: {layer name: receptive field} (``introspection.model_receptive_fields``).
        grad_cam: ``f(image, layer, class_index or None) -> (map (h, w), class scored)``.
        predict: ``f(image) -> class probabilities (K,)``.
        occlusion: ``f(image, class_index) -> attribution.Occlusion``, or None for no checkbox.

    Controls: ``image`` (IntSlider), ``layer`` (Dropdown), ``cls`` (Dropdown: "predicted" or a class
    name), ``occlusion`` (Checkbox). Shown: ``cam``, ``drop`` (occlusion drops or None), ``text``.

    Raises:
        ValueError: at construction, if the number of class names differs from the model's outputs
            or there is no image.
    """

    def __init__(self, images, class_names, layers, layer, fields, grad_cam, predict, occlusion=None):
        super().__init__(figsize=(8, 3.6))
        self.images, self.class_names = np.asarray(images), list(class_names)
        if self.images.ndim != 4 or len(self.images) == 0:
            raise ValueError(f"images must be a non-empty batch (N, H, W, 3); got shape {self.images.shape}")
        self._grad_cam, self._predict, self._occlusion, self.fields = grad_cam, predict, occlusion, fields
        self.class_names = prediction.check_class_names(prediction.of_one(predict, self.images[0]), class_names)
        self.image = W.IntSlider(value=0, min=0, max=len(self.images) - 1, description="image")
        self.layer = W.Dropdown(options=list(layers), value=layer, description="layer")
        self.cls = W.Dropdown(options=["predicted"] + self.class_names, value="predicted", description="class")
        self.occlusion = W.Checkbox(value=False, description="occlusion too", disabled=occlusion is None)
        self.cam, self.drop = None, None
        controls = [self.image, self.layer, self.cls, self.occlusion]
        self.box = _box([W.HBox(controls[:2]), W.HBox(controls[2:]), self.status, self.view])
        for control in controls:
            control.observe(self.redraw, "value")
        self.redraw()

    def _draw(self):
        image = self.images[self.image.value]
        chosen = None if self.cls.value == "predicted" else self.class_names.index(self.cls.value)
        self.cam, scored = self._grad_cam(image, self.layer.value, chosen)
        proba = prediction.of_one(self._predict, image)
        said = int(proba.argmax())
        field = self.fields[self.layer.value]
        self.text = (
            f"the model says {self.class_names[said]} ({proba[said]:.0%}); Grad-CAM for "
            f"{self.class_names[scored]} ({proba[scored]:.0%}) at {self.layer.value}: "
            f"{field['out'][0]}x{field['out'][1]} map, each cell sees {field['rf'][0]}x{field['rf'][1]} pixels"
        )
        self.figure.clear()
        axes = self.figure.subplots(1, 2 if self.occlusion.value else 1, squeeze=False)[0]
        plots.gradcam_overlay(image, self.cam, ax=axes[0], title=f"Grad-CAM: {self.class_names[scored]}")
        self.drop = None
        if self.occlusion.value and self._occlusion is not None:
            occ = self._occlusion(image, scored)
            self.drop = occ.drop
            plots.occlusion_overlay(
                image, occ, ax=axes[1], title=f"occlusion: {self.class_names[scored]}", colorbar=False
            )


# ------------------------------------------ feature maps and your own photo (notebooks 05-07)


class FeatureMapViewer(_FigureWidget):
    """Show the feature maps of one photo, layer by layer and channel by channel.

    The maps are computed before, in the notebook (``keras.Model(model.inputs, [layer.output, ...])``);
    moving a control only redraws.

    Args:
        image: the photo (H, W, 3), 0-255 pixels (or 0-1).
        fmaps: {layer name: its maps (h, w, channels)}, in the order to offer them.

    Controls: ``layer`` (Dropdown), ``channel`` (IntSlider; its maximum follows the layer's depth).
    Shown: ``fmap`` (the chosen channel, 2-D), ``text``.

    Raises:
        ValueError: if ``fmaps`` is empty or a map is not (h, w, channels).
    """

    def __init__(self, image, fmaps):
        super().__init__(figsize=(10, 3.4))
        self.image = np.asarray(image)
        self.fmaps = {name: np.asarray(m) for name, m in dict(fmaps).items()}
        if not self.fmaps:
            raise ValueError("fmaps is empty: pass {layer name: maps (h, w, channels)} for at least one layer")
        for name, maps in self.fmaps.items():
            if maps.ndim != 3:
                raise ValueError(
                    f"the maps of {name!r} have shape {maps.shape}; each layer needs (h, w, channels) "
                    "(drop the batch axis: fmaps[0])"
                )
        names = list(self.fmaps)
        self.layer = W.Dropdown(options=names, value=names[0], description="layer")
        self.channel = W.IntSlider(value=0, min=0, max=self.fmaps[names[0]].shape[-1] - 1, description="channel")
        self.fmap = None
        self.box = _box([W.HBox([self.layer, self.channel]), self.status, self.view])
        self.layer.observe(self._new_layer, "value")
        self.channel.observe(self.redraw, "value")
        self.redraw()

    def _new_layer(self, change):
        depth = self.fmaps[change["new"]].shape[-1]
        with self.channel.hold_trait_notifications():
            self.channel.value = min(self.channel.value, depth - 1)
            self.channel.max = depth - 1
        self.redraw()

    def _draw(self):
        maps = self.fmaps[self.layer.value]
        k = self.channel.value
        self.fmap = maps[..., k]
        h, w, depth = maps.shape
        self.text = (
            f"{self.layer.value}: {depth} maps of {h}x{w}; channel {k} ranges "
            f"{self.fmap.min():.3g} to {self.fmap.max():.3g} (bright = strong response)"
        )
        self.figure.clear()
        axes = self.figure.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.6]})
        plots.show_image(plots._photo(self.image), ax=axes[0], title="input photo")
        plots.show_image(self.fmap, ax=axes[1], cmap="viridis", title=f"channel {k}")
        plots.fmap_channels(maps, ax=axes[2], highlight=k)


def _placeholder_png(image_size):
    """Return a light grey PNG of ``image_size`` (height, width): the picture shown before any upload."""
    buf = io.BytesIO()
    _PILImage.new("RGB", (image_size[1], image_size[0]), (230, 230, 230)).save(buf, format="png")
    return buf.getvalue()


class PhotoClassifier(_Shown):
    """Upload a photo and get the model's answer with its probability; a bad file gets a clear message.

    Args:
        predict: ``f(image (H, W, 3) uint8) -> class probabilities`` (K,), or one sigmoid value.
        image_size: (height, width) the model takes.
        class_names: one name per class, in label order.

    Controls: ``upload`` (FileUpload). Shown: ``message`` (HTML), ``view`` (the photo as the model
    sees it). ``classify(data)`` does the same for raw bytes; results land in ``label``,
    ``probability`` and ``error``.

    Raises:
        ValueError: at construction, if the number of class names differs from the model's outputs.
    """

    def __init__(self, predict, image_size, class_names):
        self.predict, self.class_names = predict, list(class_names)
        self.image_size = arguments.size_pair(image_size)
        grey = np.full((*self.image_size, 3), 128, np.uint8)
        self.class_names = prediction.check_class_names(prediction.of_one(predict, grey), class_names)
        self.upload = W.FileUpload(accept="image/*", multiple=False, description="your photo")
        self.message = W.HTML("Upload a photo of a cat or a dog (JPEG or PNG).")
        self.view = W.Image(value=_placeholder_png(self.image_size), format="png", width=160)  # grey until a photo
        self.label, self.probability, self.error, self.image = None, None, "", None
        self.box = _box([self.upload, self.message, self.view])
        self.upload.observe(self._uploaded, "value")

    def _uploaded(self, change):
        files = _uploaded_files(change["new"])
        if files:
            name, content = files[0]
            self.classify(content, name)

    def classify(self, data, name="photo"):
        """Decode ``data`` (bytes), resize it to the model's input, predict.

        Args:
            data: the file's bytes.
            name: the file name shown in the message.

        Returns:
            (label, probability), or None when the file is not a usable photo (``error`` says why).
        """
        try:
            self.image = photos.decode_photo(data, self.image_size)
            proba = prediction.of_one(self.predict, self.image)
        except ValueError as err:  # shown to the learner, kept in .error for tests
            self.label = self.probability = None
            self.error = f"{type(err).__name__}: {err}"
            self.message.value = f"<div style='color:#b00020'><b>{html.escape(name)}</b>: {html.escape(str(err))}</div>"
            return None
        best = int(proba.argmax())
        self.label, self.probability, self.error = self.class_names[best], float(proba[best]), ""
        buf = io.BytesIO()
        _PILImage.fromarray(self.image).save(buf, format="png")
        self.view.value = buf.getvalue()
        self.message.value = (
            f"<b>{html.escape(name)}</b>: the model says <b>{html.escape(self.label)}</b> "
            f"with probability {self.probability:.1%}"
        )
        return self.label, self.probability
