"""The projector setting: with it on, every figure's smallest text is at least 14 px high as JupyterLab shows it.

JupyterLab shows an inline PNG at its pixel size, scaled down to the output's width when wider.
Each test draws one figure of a kind with the setting on, records the size of every text Agg
really draws (matplotlib's texts through the renderer, cnnviz's glyph labels from their
artists) and converts it to pixels as shown: points x dpi / 72 x min(1, 900 / the PNG's width).
"""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnviz import grid, handplots, ops, plots, style, widgets, xo  # noqa: E402

OUTPUT_WIDTH_PX = 900  # JupyterLab's output width on a 1280-px-wide projector (style.OUTPUT_WIDTH_PX)


@pytest.fixture(autouse=True)
def projector(monkeypatch):
    monkeypatch.setenv("CNNVIZ_PROJECTOR", "1")
    monkeypatch.setattr(style, "_switch", None)  # the environment decides, as in a fresh kernel
    with matplotlib.rc_context():
        style._set_defaults()
        yield
    plt.close("all")


def shown_width_px(fig):
    """The width of the PNG the inline backend makes (bbox_inches='tight'), in pixels: at least the figure's."""
    fig.canvas.draw()
    tight = fig.get_tightbbox(fig.canvas.get_renderer()).width * fig.dpi
    return max(fig.get_figwidth() * fig.dpi, tight)


def smallest_text_px(fig):
    """The smallest font size drawn on ``fig``, in pixels as JupyterLab shows it, and the text it belongs to."""
    sizes = []
    renderer = fig.canvas.get_renderer()
    draw_text = renderer.draw_text

    def spy(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if s.strip():
            sizes.append((prop.get_size_in_points(), s))
        return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = spy
    try:
        fig.canvas.draw()
    finally:
        del renderer.draw_text
    for labels in fig.findobj(grid.Labels):
        owner_visible = labels.axes is None or labels.axes.get_visible()
        for text in labels.get_texts().ravel():
            if text and labels.get_visible() and owner_visible:
                sizes.append((labels.get_fontsize(), text))
    assert sizes, "nothing written on the figure"
    points, text = min(sizes)
    scale = min(1.0, OUTPUT_WIDTH_PX / shown_width_px(fig))
    return points * fig.dpi / 72 * scale, text


def _figure(drawn):
    first = drawn if hasattr(drawn, "figure") else np.asarray(drawn, dtype=object).flat[0]
    return first.figure


def photos(n=4, size=32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, size, size, 3)).astype(np.uint8)


def fields_for(names):
    return {
        name: {"whole": False, "out": (8, 8), "channels": 6, "rf": (5, 5), "jump": (2, 2), "start": (0.0, 0.0)}
        for name in names
    }


FIGURES = {
    "matrix (01)": lambda: handplots.matrix(np.arange(36).reshape(6, 6)),
    "channel (01)": lambda: handplots.channel(np.arange(36).reshape(6, 6) * 7, "red", title="red"),
    "heatmap (02-04)": lambda: handplots.heatmap(xo.forward(xo.X)["conv"][0], fmt=xo.ninths, title="conv"),
    "heatmaps, three in a row (02)": lambda: handplots.heatmaps(
        list(xo.forward(xo.X)["conv"]), titles=list(xo.FILTERS), fmt="{:.2f}"
    ),
    "conv_step (02)": lambda: handplots.conv_step(xo.X, xo.FILTERS["diagonal \\"], 1, 2, np.full((7, 7), np.nan)),
    "windows (02)": lambda: handplots.windows(7, 3, 3, 0),
    "windows2d (02)": lambda: handplots.windows2d(7, 3, 3, 0),
    "pooling (03)": lambda: handplots.pooling(xo.forward(xo.X)["relu"][0], xo.forward(xo.X)["pool1"][0], 2, 2, "same"),
    "xo_network (02-04)": lambda: handplots.xo_network(here="conv"),
    "votes_bar (04)": lambda: handplots.votes_bar({"X": 0.9, "O": 0.5}, {"X": 0.6, "O": 0.4}),
    "loss_curve (04)": lambda: handplots.loss_curve({"loss": [1.0, 0.5, 0.25]}, title="loss"),
    "show_image (02, 05-07)": lambda: plots.show_image(photos(1)[0], title="a photo"),
    "photo_grid (05-06)": lambda: plots.photo_grid(photos(6), titles=[f"cat {i}" for i in range(6)], ncols=6),
    "learning_curves (05-06)": lambda: plots.learning_curves(
        {"run": {"loss": [1.0, 0.6], "val_loss": [1.1, 0.8], "accuracy": [0.5, 0.7], "val_accuracy": [0.4, 0.6]}}
    ),
    "confusion_matrix (05-06)": lambda: plots.confusion_matrix(
        np.arange(100).reshape(10, 10), [f"class {i}" for i in range(10)]
    ),
    "mistakes (05-06)": lambda: plots.mistakes(
        photos(4), [0, 1, 0, 1], np.array([[0.1, 0.9]] * 4), [0, 2], ["cat", "dog"]
    ),
    "fmap_channels (05-07)": lambda: plots.fmap_channels(np.random.default_rng(0).random((8, 8, 16)), highlight=3),
    "filter_mosaic (07)": lambda: plots.filter_mosaic(np.random.default_rng(0).random((16, 3, 3, 3)), title="filters"),
    "gradcam_overlay (07)": lambda: plots.gradcam_overlay(photos(1)[0], np.eye(4), title="Grad-CAM", colorbar=True),
    "occlusion_overlay (07)": lambda: plots.occlusion_overlay(
        photos(1)[0], SimpleNamespace(pixels=np.linspace(-1, 1, 32 * 32).reshape(32, 32), patch=8), title="occlusion"
    ),
    "activations_through_depth (07)": lambda: plots.activations_through_depth(
        {"conv1": np.random.default_rng(0).random((8, 8, 6))}, fields_for(["conv1"]), channels=3, image=photos(1)[0]
    ),
    "top_gallery (07)": lambda: plots.top_gallery(
        photos(3), SimpleNamespace(indices=[0, 1, 2], scores=[0.9, 0.8, 0.7], boxes=[(0, 0, 8, 8)] * 3)
    ),
    "gradcam_rows (07)": lambda: plots.gradcam_rows(
        photos(3),
        [SimpleNamespace(maps=[np.eye(4)] * 3, classes=[0, 1, 0], proba=[0.9, 0.8, 0.7])],
        ["cat", "dog"],
        row_labels=["last conv"],
    ),
}


@pytest.mark.parametrize("kind", FIGURES)
def test_every_figure_kind_writes_14_px_text_with_the_projector_on(kind):
    fig = _figure(FIGURES[kind]())
    px, text = smallest_text_px(fig)
    assert px >= style.PROJECTOR_PX - 1e-6, f"{kind}: {text!r} is {px:.1f} px high as shown"


WIDGETS = {
    "convolution explorer (02)": lambda: widgets.ConvolutionExplorer(),
    "arithmetic explorer (02)": lambda: widgets.ArithmeticExplorer(n=16, kernel=3, stride=1, padding=1),
    "pooling explorer (03)": lambda: widgets.PoolingExplorer(),
    "drawing pad (04)": lambda: widgets.DrawingPad(),
    "feature map viewer (05-07)": lambda: widgets.FeatureMapViewer(
        photos(1)[0], {"conv1": np.random.default_rng(0).random((8, 8, 6))}
    ),
}


@pytest.mark.parametrize("kind", WIDGETS)
def test_every_explorer_figure_and_its_controls_are_projector_sized(kind):
    w = WIDGETS[kind]()
    assert w.error == ""
    px, text = smallest_text_px(w.figure)
    assert px >= style.PROJECTOR_PX - 1e-6, f"{kind}: {text!r} is {px:.1f} px high as shown"
    assert "cnnviz-projector" in w.box._dom_classes  # the controls' text: CSS on the box
    css = w.box.children[0].value
    assert f"font-size: {style.WIDGET_PX}px" in css and style.WIDGET_PX >= style.PROJECTOR_PX


def test_a_widgets_step_keeps_projector_sizes():
    w = widgets.ConvolutionExplorer()
    w.step.value = 30  # a blitted redraw: only what changed
    px, text = smallest_text_px(w.figure)
    assert px >= style.PROJECTOR_PX - 1e-6, f"{text!r} is {px:.1f} px"


def test_wide_heatmaps_wrap_to_rows_that_fit_the_output():
    axes = handplots.heatmaps([np.zeros((3, 3))] * 6, fmt="{:g}")
    fig = axes[0].figure
    assert fig.get_figwidth() * fig.dpi <= OUTPUT_WIDTH_PX and len(axes) == 6


def test_without_the_projector_sizes_are_the_normal_ones(monkeypatch):
    monkeypatch.setenv("CNNVIZ_PROJECTOR", "0")
    assert not style.projector_on() and style.points("value") == style.SIZES["value"] == 8
    ax = handplots.heatmap(np.zeros((2, 2)), fmt="{:g}")
    assert grid.NumberGrid.on(ax)[0].labels.get_fontsize() == 8
    assert "cnnviz-projector" not in widgets.ArithmeticExplorer().box._dom_classes


def test_the_call_in_a_setup_cell_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("CNNVIZ_PROJECTOR", "0")
    try:
        assert style.projector() is True and style.projector_on()
        assert matplotlib.rcParams["font.size"] * 100 / 72 >= style.PROJECTOR_PX
        assert style.projector(False) is False and not style.projector_on()
        assert matplotlib.rcParams["font.size"] == matplotlib.rcParamsDefault["font.size"]
    finally:
        style._switch = None
    with pytest.raises(KeyError, match="roles are"):
        style.points("huge")


def test_the_smallest_size_grows_with_a_figure_wider_than_the_output():
    narrow, wide = plt.figure(figsize=(6, 3), dpi=100), plt.figure(figsize=(18, 3), dpi=100)
    assert style.smallest_points(narrow) == pytest.approx(14 * 72 / 100)
    assert style.smallest_points(wide) == pytest.approx(14 * 72 / 100 * 1800 / 900)
    assert ops.output_size(7, 3, 1, 0) == 5  # (ops imported for the figures above)
