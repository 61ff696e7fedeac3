"""Drive each explorer of notebooks 02-04 without a browser: set .value, check what it shows."""

import html
import io

import numpy as np
import pytest
from matplotlib.colors import to_hex
from PIL import Image

from cnnviz import grid, ops, widgets, xo

PNG = b"\x89PNG"
F1, F2, F3 = xo.FILTERS.values()


def ninths(a):
    return np.rint(np.asarray(a) * 9).astype(int)


def written(ax):
    """The numbers the grid on ``ax`` writes, as strings (read from its glyph labels)."""
    (cells,) = grid.NumberGrid.on(ax)
    return cells.get_texts()


def pixels(w):
    """The PNG the widget shows, decoded: (height, width, channels) uint8."""
    return np.asarray(Image.open(io.BytesIO(bytes(w.view.value))))


def padded_cells(ax):
    """How many hatched (zero padding) cells ``ax`` shows."""
    return sum(len(c.get_paths()) for c in ax.collections if c.get_hatch() == "//")


# ------------------------------------------------------------------ convolution explorer


def test_convolution_explorer_starts_at_first_window_with_seed_numbers():
    w = widgets.ConvolutionExplorer()
    assert (w.image.value, w.kernel.value, w.step.value) == ("X", "diagonal \\", 0)
    assert w.total == 7 and w.mean == pytest.approx(7 / 9)
    assert np.isfinite(w.fmap).sum() == 1 and w.fmap[0, 0] == pytest.approx(7 / 9)
    assert "add up to 7" in w.text and "7/9 = 0.78" in w.text
    assert bytes(w.view.value).startswith(PNG) and w.error == ""
    assert html.escape(w.text) in w.status.value
    assert written(w.figure.axes[3])[0, 0] == "7/9"  # what the map panel writes
    assert written(w.figure.axes[3])[0, 1] == ""  # the window has not been there yet


def test_convolution_explorer_fills_the_map_as_the_window_moves():
    w = widgets.ConvolutionExplorer()
    first_png = bytes(w.view.value)
    w.step.value = 9  # row 1, column 2
    assert np.isfinite(w.fmap).sum() == 10
    np.testing.assert_array_equal(w.window, xo.X[1:4, 2:5])
    np.testing.assert_array_equal(w.products, xo.X[1:4, 2:5] * F1)
    assert w.total == -1 and "row 1, column 2" in w.text and "-1/9 = -0.11" in w.text
    assert list(written(w.figure.axes[2]).ravel()) == [f"{v:g}" for v in w.products.ravel()]
    assert written(w.figure.axes[3])[1, 2] == xo.ninths(w.mean) and written(w.figure.axes[3])[1, 3] == ""
    assert bytes(w.view.value) != first_png
    w.step.value = 48
    np.testing.assert_array_equal(ninths(w.fmap), ninths(xo.forward(xo.X)["conv"][0]))
    assert w.total == 7 and "row 6, column 6" in w.text  # the seed's 8-term window: 9 products, sum 7


def test_play_button_is_linked_to_the_slider():
    w = widgets.ConvolutionExplorer()
    w.play.value = 20
    assert w.step.value == 20 and "row 2, column 6" in w.text
    w.step.value = 3
    assert w.play.value == 3
    assert (w.play.min, w.play.max) == (w.step.min, w.step.max) == (0, 48)


def test_convolution_explorer_switches_image_and_filter():
    w = widgets.ConvolutionExplorer()
    w.step.value = 48
    w.kernel.value = "cross x"
    np.testing.assert_array_equal(ninths(w.fmap), ninths(xo.forward(xo.X)["conv"][1]))
    w.image.value = "O"
    np.testing.assert_array_equal(ninths(w.fmap), ninths(xo.forward(xo.O)["conv"][1]))
    assert written(w.figure.axes[1])[0, 1] == "-1"  # the kernel panel shows filter 2
    assert written(w.figure.axes[0]).tolist() == [[f"{v:g}" for v in row] for row in xo.O]  # the image panel: the O
    w.step.value = 12  # row 1, column 5: the O's ring
    assert w.mean == pytest.approx(xo.forward(xo.O)["conv"][1][1, 5])


def test_convolution_explorer_shows_errors_instead_of_swallowing_them():
    w = widgets.ConvolutionExplorer(filters={"ok": F1, "not square": np.ones((3, 2))})
    assert w.error == ""
    w.kernel.value = "not square"
    assert "kernel must be square" in w.error
    assert "ValueError" in w.status.value and "kernel must be square" in w.status.value
    w.kernel.value = "ok"
    assert w.error == "" and "add up to" in w.status.value


def test_convolution_explorer_adapts_to_another_image_size():
    w = widgets.ConvolutionExplorer(images={"X": xo.X, "small": np.ones((5, 5))})
    w.image.value = "small"
    assert w.step.max == 8 and w.play.max == 8 and w.fmap.shape == (3, 3)
    w.step.value = 8
    assert w.mean == pytest.approx(F1.sum() / 9)


def test_convolution_explorer_picks_the_window_by_row_and_column():
    w = widgets.ConvolutionExplorer()
    w.row.value, w.col.value = 1, 2
    assert w.step.value == 9 and w.total == -1 and "row 1, column 2" in w.text
    np.testing.assert_array_equal(w.window, xo.X[1:4, 2:5])
    w.step.value = 20  # the play button moves step: row and column follow
    assert (w.row.value, w.col.value) == (2, 6)
    assert w.figure.axes[2].get_title() == f"products: sum {w.total:g}\nmean {xo.ninths(w.mean)}"


def test_convolution_explorer_kernel_can_be_edited_and_reset():
    w = widgets.ConvolutionExplorer()
    boxes = [b for line in w.weights for b in line]
    assert [b.description for b in boxes[:2]] == ["k[0,0]", "k[0,1]"]
    assert all("cnnviz-kernel-weight" in b._dom_classes for b in boxes)
    assert [b.value for b in boxes] == list(F1.ravel())
    w.weights[0][0].value = 3.0  # top-left weight 1 -> 3: the window (0, 0) has -1 there
    assert w.kernel.value is None and w.kernel_values[0, 0] == 3
    assert w.total == 5 and "5/9 = 0.56" in w.text
    assert written(w.figure.axes[1])[0, 0] == "3"
    np.testing.assert_allclose(w.fmap[0, 0], ops.conv2d(xo.X, w.kernel_values, reduce="mean")[0, 0])
    w.kernel.value = "diagonal \\"  # choosing the preset again restores it
    assert w.weights[0][0].value == 1 and w.total == 7 and w.error == ""
    w.kernel.value = "cross x"
    assert [b.value for b in boxes] == list(F2.ravel())


def test_widget_figures_are_sharp_enough_to_read():
    for w in (widgets.ConvolutionExplorer(), widgets.ArithmeticExplorer()):
        assert w.figure.dpi >= 100
    # the explorer writes its numbers at 10 pt: at 100 dpi the digits (about 0.73 of the size) are 10 px tall
    w = widgets.ConvolutionExplorer()
    for ax in w.figure.axes:
        assert grid.NumberGrid.on(ax)[0].labels.get_fontsize() * 0.73 * w.figure.dpi / 72 >= 10
    shown = pixels(w)  # the PNG is the figure at its dpi, not scaled down
    assert shown.shape[:2] == (round(w.figure.get_figheight() * 100), round(w.figure.get_figwidth() * 100))


def test_convolution_explorer_draws_the_window_where_the_step_is():
    w = widgets.ConvolutionExplorer()
    gold = np.array([255, 215, 0])  # the window's outline

    def gold_columns():
        shown = pixels(w)[..., :3].astype(int)
        box = w.figure.axes[0].get_window_extent()  # the image panel, in pixels (origin bottom left)
        height = shown.shape[0]
        panel = shown[int(height - box.y1) : int(height - box.y0), int(box.x0) : int(box.x1)]
        near = np.abs(panel - gold).sum(-1) < 60
        return np.flatnonzero(near.any(0)) / panel.shape[1] * 9  # in cells of the 9-wide image

    first = gold_columns()
    assert first.min() < 0.5 and 2.5 < first.max() < 3.5  # columns 0-2
    w.step.value = 4  # row 0, column 4
    moved = gold_columns()
    assert 3.5 < moved.min() < 4.5 and 6.5 < moved.max() < 7.5  # columns 4-6


# ------------------------------------------------------------------ arithmetic explorer


def uncovered(ax):
    """How many input cells a windows2d drawing shades red (no window reaches them)."""
    return sum(
        len(c.get_paths())
        for c in ax.collections
        if len(c.get_facecolors()) and to_hex(c.get_facecolors()[0]) == "#f4cccc"
    )


def window_corners(ax):
    """The top-left corners (x, y) of the first, next and last windows outlined, in padded cells."""
    colors = ["#1f77b4", "#2ca02c", "#ff7f0e"]
    boxes = [
        c
        for c in ax.collections
        if len(c.get_edgecolors()) and to_hex(c.get_edgecolors()[0]) in colors and not len(c.get_facecolors())
    ]
    return [tuple(int(round(v)) for v in b.get_paths()[0].vertices.min(0)) for b in boxes]


def test_arithmetic_explorer_computes_the_output_size():
    w = widgets.ArithmeticExplorer()
    assert w.out_size == 5 and w.tiles and "floor((7 + 2*0 - 3) / 1) + 1 = floor(4) + 1 = 5" in w.text
    ax_in, ax_out = w.figure.axes
    assert len(ax_out.collections[0].get_paths()) == 25 and uncovered(ax_in) == 0  # 5x5 outputs, all reached
    assert ax_out.get_title() == "output 5x5" and "kernel 3x3, stride 1" in ax_in.get_title()
    w.n.value, w.kernel.value, w.stride.value, w.padding.value = 16, 3, 1, 0
    assert w.out_size == 14
    w.kernel.value = 5
    assert w.out_size == 12 and w.figure.axes[1].get_title() == "output 12x12"


def test_arithmetic_explorer_gives_keras_floor_when_the_stride_does_not_tile():
    w = widgets.ArithmeticExplorer(n=7, kernel=3, stride=3)
    assert w.out_size == 2 and not w.tiles and w.error == ""
    assert "floor(1.33333) + 1 = 2" in w.text and "Keras drops them" in w.text
    ax_in, ax_out = w.figure.axes
    assert len(ax_out.collections[0].get_paths()) == 4  # 2x2 outputs
    assert uncovered(ax_in) == 7 + 6  # row 6 and column 6: no window reaches them
    assert window_corners(ax_in) == [(0, 0), (3, 0), (3, 3)]  # first, next, last window (x, y)
    assert "do not tile" in w.status.value
    w.padding.value = 1  # (7 + 2 - 3) / 3 = 2: tiles
    assert w.out_size == 3 and w.tiles and uncovered(w.figure.axes[0]) == 0
    assert window_corners(w.figure.axes[0]) == [(0, 0), (3, 0), (6, 6)]  # in padded cells: input -1, 2, 5


def test_arithmetic_explorer_shows_the_error_of_a_kernel_too_large():
    w = widgets.ArithmeticExplorer(n=3, kernel=3)
    w.kernel.value = 7
    assert w.out_size is None and "larger than the padded input" in w.error
    assert "ValueError" in w.status.value
    w.padding.value = 2  # 3 + 4 = 7 fits again
    assert w.out_size == 1 and w.error == ""


# ------------------------------------------------------------------ pooling explorer


def test_pooling_explorer_reproduces_the_articles_4x4_maps():
    w = widgets.PoolingExplorer()
    np.testing.assert_array_equal(w.fmap, xo.forward(xo.X)["relu"][0])
    np.testing.assert_array_equal(ninths(w.pooled), [[9, 3, 5, 3], [3, 9, 3, 5], [5, 3, 9, 1], [3, 5, 1, 7]])
    assert "7x7 -> 4x4" in w.text and "ceil(7 / 2) = 4" in w.text
    assert written(w.figure.axes[1])[0, 1] == "3/9"  # values written as ninths
    w.filter.value = "diagonal /"
    assert ninths(w.pooled)[1, 1] == 5  # Ali (2019)'s 1.55 is 5/9


def test_pooling_explorer_renders_at_100_dpi_with_labels_10_px_tall():
    w = widgets.PoolingExplorer()
    assert w.figure.dpi >= 100
    for ax in w.figure.axes:  # 10 pt: digits (0.73 of the size) 10 px tall at 100 dpi
        assert grid.NumberGrid.on(ax)[0].labels.get_fontsize() * 0.73 * w.figure.dpi / 72 >= 10
        assert ax.title.get_fontsize() >= 10
    windows, outputs = (ax.collections[-1] for ax in w.figure.axes)  # each window's outline, each output's
    assert [to_hex(c) for c in windows.get_edgecolors()] == [to_hex(c) for c in outputs.get_edgecolors()]


def test_pooling_explorer_modes_padding_and_size():
    w = widgets.PoolingExplorer()
    relu = xo.forward(xo.X)["relu"][0]
    w.mode.value = "avg"
    assert w.pooled[0, 0] == pytest.approx((7 / 9 + 1) / 4)
    assert w.pooled[3, 3] == pytest.approx(7 / 9)  # a corner window holds one real value
    w.mode.value = "l2"
    assert w.pooled[0, 0] == pytest.approx(np.sqrt((7 / 9) ** 2 + 1))
    w.mode.value, w.padding.value = "max", "valid"
    assert w.pooled.shape == (3, 3) and "drops those leftover rows" in w.text
    w.size.value, w.stride.value = 3, 2
    np.testing.assert_array_equal(w.pooled, ops.pool2d(relu, 3, 2, "max", "valid"))
    assert w.pooled.shape == (3, 3) and "= 3" in w.text
    assert len(w.figure.axes[0].collections[-1].get_paths()) == 9 and padded_cells(w.figure.axes[0]) == 0
    assert written(w.figure.axes[1]).shape == (3, 3)


def test_pooling_explorer_shows_padding_and_other_maps():
    w = widgets.PoolingExplorer()
    assert padded_cells(w.figure.axes[0]) == 15  # one extra row and column: 8*8 - 7*7
    w.image.value, w.filter.value = "O", "cross x"
    np.testing.assert_array_equal(w.pooled, xo.forward(xo.O)["pool1"][1])


def test_pooling_explorer_shows_errors():
    w = widgets.PoolingExplorer()
    w.padding.value = "valid"
    w.size.value = 8
    assert "larger than the feature map" in w.error and "ValueError" in w.status.value
    w.size.value = 2
    assert w.error == ""


# ------------------------------------------------------------------ drawing pad

CELL = widgets.DrawingPad.CELL


def at(row, col):
    """Canvas pixel coordinates of the middle of cell (row, col)."""
    return col * CELL + CELL / 2, row * CELL + CELL / 2


def test_drawing_pad_runs_the_network_live():
    pad = widgets.DrawingPad()
    np.testing.assert_array_equal(pad.image, xo.X)
    assert pad.prediction == "X" and pad.scores == pytest.approx({"X": 1.0, "O": 5 / 9})
    assert sum(pad.probs.values()) == pytest.approx(1.0)
    assert pad.probs["X"] == pytest.approx(ops.softmax([1.0, 5 / 9])[0])
    assert "the network says X" in pad.text and bytes(pad.view.value).startswith(PNG)
    assert (pad.drawing.width, pad.drawing.height) == (9 * CELL, 9 * CELL) and pad.figure.dpi >= 100
    labelled = [g.labels for ax in pad.figure.axes for g in grid.NumberGrid.on(ax) if g.labels is not None]
    assert len(labelled) == 6  # the pooled maps write their numbers: 10 px digits
    assert all(labels.get_fontsize() * 0.73 * pad.figure.dpi / 72 >= 10 for labels in labelled)
    votes = pad.figure.axes[-1]
    assert [t.get_text() for t in votes.texts] == [f"{v:.3f}" for v in [*pad.scores.values(), *pad.probs.values()]]
    assert all(t.get_fontsize() >= 10 for t in votes.texts)
    pad.mode.value = "erase"
    pad.mouse_down(*at(4, 4))  # erase the X's centre
    pad.mouse_up(*at(4, 4))
    assert pad.image[4, 4] == -1 and (pad.image != xo.X).sum() == 1
    np.testing.assert_array_equal(pad.vector, xo.forward(pad.image)["vector"])
    assert pad.scores["X"] == pytest.approx(xo.votes(pad.vector)["X"]) and pad.scores["X"] < 1


def test_drawing_pad_erasing_by_click_and_drag_lowers_the_x_vote_step_by_step():
    """What notebook 04 used to do in a code cell: a student's clicks and drags on the pad, here in a test."""
    pad = widgets.DrawingPad()
    pad.preset.value = "X"
    full = pad.scores["X"]
    pad.mode.value = "erase"
    pad.mouse_down(*at(4, 4))  # a click on the centre
    pad.mouse_up(0, 0)
    centre = pad.scores["X"]
    pad.mouse_down(*at(3, 3))  # press on (3, 3), drag up to (2, 2), let go
    pad.mouse_move(*at(2, 2))
    pad.mouse_up(0, 0)
    assert int((pad.image != xo.X).sum()) == 3 and (pad.image[[2, 3, 4], [2, 3, 4]] == -1).all()
    assert full > centre > pad.scores["X"] and pad.prediction == "X"
    assert pad.scores == pytest.approx(xo.votes(xo.forward(pad.image)["vector"]))
    assert pad.text.startswith(f"votes: X {pad.scores['X']:.3f}, O {pad.scores['O']:.3f}")


def test_drawing_pad_shows_every_map_of_the_drawing():
    pad = widgets.DrawingPad()
    pad.preset.value = "O"
    out = xo.forward(xo.O)
    for key in ("conv", "relu", "pool1", "pool2"):
        np.testing.assert_array_equal(pad.maps[key], out[key])
    grids = [g for ax in pad.figure.axes for g in grid.NumberGrid.on(ax)]  # row by row: conv, relu, pool1, pool2
    for f in range(3):
        for key, cells in zip(("conv", "relu", "pool1", "pool2"), grids[4 * f : 4 * f + 4]):
            np.testing.assert_allclose(cells.get_values(), out[key][f])  # what each panel is coloured with
    assert grids[3].get_texts().tolist() == xo.ninths(out["pool2"][0])
    assert grids[0].get_texts().tolist() == [[""] * 7] * 7  # the 7x7 maps: colour only, and a colour bar
    colorbar, votes = [ax for ax in pad.figure.axes if not grid.NumberGrid.on(ax)]  # the two panels without a grid
    assert colorbar.get_ylim() == (-1, 1) and colorbar.get_ylabel() == ""
    assert [b.get_height() for b in votes.containers[0]] == pytest.approx([5 / 9, 1.0])
    assert [t.get_text() for t in votes.texts[:2]] == [f"{5 / 9:.3f}", "1.000"]


def test_drawing_pad_paints_by_dragging():
    pad = widgets.DrawingPad(preset="blank")
    assert (pad.image == -1).all() and pad.mode.value == "paint"
    pad.mouse_move(*at(0, 0))  # moving without the button paints nothing
    assert (pad.image == -1).all()
    pad.mouse_down(*at(1, 1))
    for i in range(2, 8):  # drag down the diagonal
        pad.mouse_move(*at(i, i))
        pad.mouse_move(*at(i, i))  # a second event in the same cell changes nothing
    pad.mouse_up(*at(7, 7))
    pad.mouse_move(*at(8, 8))  # released: no more paint
    assert np.flatnonzero(pad.image.ravel() > 0).tolist() == [10 * i for i in range(1, 8)]
    assert pad.cell_at(9 * CELL, 0) is None and pad.cell_at(-1, 5) is None
    assert pad.cell_at(CELL - 0.5, CELL) == (1, 0)  # pixel geometry of the docstring
    np.testing.assert_array_equal(pad.vector, xo.forward(pad.image)["vector"])


def test_drawing_pad_redraws_only_when_a_cell_changes():
    pad = widgets.DrawingPad()
    shown = pad.view.value
    pad.mouse_down(*at(1, 1))  # already black in the X: nothing to do
    pad.mouse_move(*at(1, 1))
    assert pad.view.value is shown  # the same picture: nothing was sent again
    assert pad.paint(0, 0) is True and pad.view.value != shown
    shown = pad.view.value
    assert pad.paint(0, 0) is False and pad.paint(9, 0) is False and pad.view.value is shown


def test_drawing_pad_reset_and_choosing_a_letter_again():
    pad = widgets.DrawingPad()
    pad.paint(0, 0)
    assert pad.preset.value is None  # edited: no letter shown as chosen
    pad.preset.value = "X"  # choosing X again reloads it
    np.testing.assert_array_equal(pad.image, xo.X)
    pad.preset.value = "O"
    pad.mode.value = "erase"
    pad.paint(1, 3)
    assert pad.image[1, 3] == -1
    pad.reset.click()  # back to the letter last loaded
    np.testing.assert_array_equal(pad.image, xo.O)
    assert pad.prediction == "O" and pad.preset.value is None


def test_drawing_pad_presets_and_variants():
    pad = widgets.DrawingPad()
    pad.preset.value = "X bolder"
    np.testing.assert_array_equal(pad.image, xo.thicken(xo.X))
    assert pad.prediction == "O"  # the hand-made filters are fooled
    pad.preset.value = "blank"
    assert (pad.image == -1).all()


def test_drawing_pad_loads_an_image_with_one_redraw_and_refuses_bad_ones(monkeypatch):
    pad = widgets.DrawingPad()
    calls = []
    original = pad._draw
    monkeypatch.setattr(pad, "_draw", lambda: calls.append(1) or original())
    pad.set_image(xo.O)
    assert len(calls) == 1
    with pytest.raises(ValueError, match="9x9"):
        pad.set_image(np.ones((8, 8)))
    with pytest.raises(ValueError, match=r"\+1 \(stroke\) and -1"):
        pad.set_image(np.zeros((9, 9)))
    np.testing.assert_array_equal(pad.image, xo.O)  # a refused image changes nothing


def test_drawing_pad_shows_errors():
    pad = widgets.DrawingPad()
    pad.filters = {"too big": np.ones((11, 11))}
    pad.paint(0, 0)
    assert "larger than the padded image" in pad.error and "ValueError" in pad.status.value


def test_widgets_display_as_their_box():
    """What IPython publishes for ``display(w)`` is the box's widget view (ipywidgets 8 and Colab's 7 alike)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history database (nor its sqlite warnings)
    InteractiveShell.instance(config=config)
    for w in (
        widgets.ConvolutionExplorer(),
        widgets.ArithmeticExplorer(),
        widgets.PoolingExplorer(),
        widgets.DrawingPad(),
    ):
        with capture_output() as shown:
            display(w)
        bundle = shown.outputs[-1].data
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.box.model_id
