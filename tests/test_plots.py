"""Check what the plot helpers of notebooks 02-04 draw: values, colours, windows, bars, curves."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from cnnviz import articles, grid, handplots, ops, plots, xo  # noqa: E402


def written(ax):
    """The numbers the grid on ``ax`` writes, as strings (read from its glyph labels)."""
    (cells,) = grid.NumberGrid.on(ax)
    return cells.get_texts()


def rendered(fig):
    """The figure drawn by Agg at its dpi: (height, width, 4) uint8 pixels."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())


def pixel_at(ax, x, y):
    """The RGB colour drawn at data point (x, y) of ``ax``."""
    px, py = ax.transData.transform((x, y))
    image = rendered(ax.figure)
    return image[int(image.shape[0] - py), int(px), :3]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_heatmap_writes_each_value_and_leaves_nan_cells_empty():
    ax = handplots.heatmap(np.array([[7 / 9, np.nan], [-1, 0]]), fmt=xo.ninths)
    assert written(ax).tolist() == [["7/9", ""], ["-1", "0"]]
    (labels,) = ax.figure.findobj(grid.Labels)  # one artist for all labels
    assert len(labels.get_paths()) == len(labels.get_offsets()) == 3  # the NaN cell gets none
    assert (pixel_at(ax, 1.3, 0.3) == 255).all()  # the NaN cell is left white
    np.testing.assert_array_equal(labels.get_offsets(), [[0, 0], [0, 1], [1, 1]])  # (x=col, y=row)
    assert not ax.xaxis.get_visible() and ax.get_ylim() == (1.5, -0.5)  # row 0 at the top


def test_heatmap_text_colour_reads_on_the_cell():
    ax = handplots.heatmap(np.array([[1.0, 0.0]]), fmt="{:g}")  # dark red cell, white cell
    (labels,) = ax.figure.findobj(grid.Labels)
    assert [to_hex(c) for c in labels.get_facecolors()] == ["#ffffff", "#000000"]
    red, white = pixel_at(ax, -0.3, -0.3), pixel_at(ax, 0.7, -0.3)  # corners: cell colour, no digit
    assert to_hex(red / 255) == to_hex(plt.get_cmap("RdBu_r")(1.0)) and (white > 240).all()


def test_heatmap_without_numbers_and_bad_shape():
    ax = handplots.heatmap(np.eye(3), fmt=None)
    assert written(ax).tolist() == [[""] * 3] * 3 and ax.figure.findobj(grid.Labels) == []
    with pytest.raises(ValueError, match="2-D array"):
        handplots.heatmap(np.ones(4))


def test_a_number_grid_redraws_in_place():
    ax = handplots.heatmap(np.zeros((2, 2)), fmt="{:g}")
    (cells,) = grid.NumberGrid.on(ax)
    before = rendered(ax.figure).copy()
    cells.set_values([[1, 2], [3, np.nan]])
    assert grid.NumberGrid.on(ax) == [cells]  # the same artist, new values
    assert written(ax).tolist() == [["1", "2"], ["3", ""]]
    np.testing.assert_array_equal(cells.get_values(), [[1, 2], [3, np.nan]])
    assert (rendered(ax.figure) != before).any() and (pixel_at(ax, 1.3, 1.3) == 255).all()
    with pytest.raises(ValueError, match="shape"):
        cells.set_values(np.zeros((3, 3)))


def test_labels_scale_with_the_figure_dpi():
    fig, ax = plt.subplots(dpi=50)
    handplots.heatmap([[1]], ax=ax, fmt="{:g}")
    (coll,) = fig.findobj(grid.Labels)
    small = coll.get_transform().transform([[8, 0]])[0, 0]
    fig.set_dpi(100)
    assert coll.get_transform().transform([[8, 0]])[0, 0] == pytest.approx(2 * small)


def test_highlight_and_conv_step():
    axes = handplots.conv_step(xo.X, xo.FILTERS["diagonal \\"], 1, 2, np.full((7, 7), np.nan))
    window_box = axes[0].patches[-1]
    assert window_box.get_xy() == (1.5, 0.5) and window_box.get_width() == 3
    products = xo.X[1:4, 2:5] * xo.FILTERS["diagonal \\"]
    assert written(axes[2]).tolist() == [[f"{v:g}" for v in row] for row in products]
    assert written(axes[0])[0, 0] == "-1"


def test_compare_grids_marks_only_what_truncation_cannot_explain():
    right = xo.forward(xo.X)["pool1"][2]
    axes = handplots.compare_grids(articles.X_POOL1[2], right, beyond_truncation=True)
    marks = [c for c in axes[0].collections if not isinstance(c, grid.NumberGrid)]
    assert len(marks) == 1 and len(marks[0].get_paths()) == 1  # the 1.55 cell only
    assert to_hex(marks[0].get_edgecolors()[0]) == to_hex("magenta")
    axes = handplots.compare_grids(articles.X_POOL1[2], right)
    marks = [c for c in axes[0].collections if not isinstance(c, grid.NumberGrid)]
    assert len(marks[0].get_paths()) == 7  # every 0.55/0.77 too
    axes = handplots.compare_grids(articles.X_FIRST, xo.X, fmt="{:g}")
    assert axes[0].get_title() == "the article printed (8x9)"


def texts_drawn(ax):
    return [t for labels in ax.findobj(grid.Labels) for t in labels.get_texts().ravel()]


def windows_drawn(ax):
    """Read a ``windows`` drawing back: the top row's labels and each window bar's (start, end) in padded cells."""
    top = ax.findobj(grid.Labels)[0]
    bars = [c for c in ax.collections if len(c.get_facecolors()) and to_hex(c.get_facecolors()[0]) == "#9fc5e8"][0]
    span = [tuple(int(round(v)) for v in (p.vertices[:, 0].min(), p.vertices[:, 0].max())) for p in bars.get_paths()]
    n = len(span)
    return list(top.get_texts()[: len(top.get_texts()) - n]), span


def red_cells(ax):
    return sum(
        len(c.get_paths())
        for c in ax.collections
        if len(c.get_facecolors()) and to_hex(c.get_facecolors()[0]) == "#f4cccc"
    )


def test_windows_drawing_shows_where_windows_land():
    ax = handplots.windows(7, 3, 3, 0)
    cells, bars = windows_drawn(ax)
    assert cells == ["0", "1", "2", "3", "4", "5", "6"] and bars == [(0, 3), (3, 6)]  # (first, last pixel + 1)
    assert red_cells(ax) == 1 and "?" in texts_drawn(ax)  # pixel 6: no window; the one missing is dashed
    ax = handplots.windows(5, 3, 1, 1)
    cells, bars = windows_drawn(ax)
    assert cells == ["0", "0", "1", "2", "3", "4", "0"]  # the zero padding written "0" on each side
    assert [b[0] - 1 for b in bars] == [-1, 0, 1, 2, 3] and len(bars) == ops.output_size(5, 3, 1, 1)
    assert red_cells(ax) == 0 and "?" not in texts_drawn(ax)
    with pytest.raises(ValueError, match="larger than the padded input"):
        handplots.windows(3, 5, 1, 0)
    with pytest.raises(ValueError, match="padding"):
        handplots.windows(7, 3, 1, "same")


def test_pooling_drawing_outlines_windows_and_padding():
    relu = xo.forward(xo.X)["relu"][0]
    axes = handplots.pooling(relu, ops.pool2d(relu, 2, 2, "max", "same"), 2, 2, "same")
    windows = axes[0].collections[-1]  # each window's outline
    corners = [tuple(np.round(p.vertices[:4].min(0) + 0.5).astype(int)) for p in windows.get_paths()]
    assert len(corners) == 16 and corners[-1] == (6, 6)  # (x, y) of the last window's top left
    padded = [c for c in axes[0].collections if c.get_hatch() == "//"][0]
    centres = {tuple(np.round(p.vertices[:4].mean(0)).astype(int)) for p in padded.get_paths()}
    assert len(centres) == 15 and (7, 7) in centres
    assert written(axes[1])[0, 0] == "1.00"
    axes = handplots.pooling(relu, ops.pool2d(relu, 2, 2, "max", "valid"), 2, 2, "valid")
    hatched = sum(len(c.get_paths()) for c in axes[0].collections if c.get_hatch() == "//")
    assert hatched == 0 and len(axes[0].collections[-1].get_paths()) == 9


def test_pooling_drawing_colours_each_output_like_its_window():
    relu = xo.forward(xo.X)["relu"][0]
    axes = handplots.pooling(relu, ops.pool2d(relu, 2, 2, "max", "same"), 2, 2, "same")
    window_boxes = axes[0].collections[-1]
    output_boxes = axes[1].collections[-1]
    colors = [to_hex(c) for c in window_boxes.get_edgecolors()]
    assert len(set(colors)) == 16  # 16 windows, 16 different colours
    assert [to_hex(c) for c in output_boxes.get_edgecolors()] == colors
    # output cell k is outlined at its own position, in the colour of window k
    centres = [p.vertices[:4].mean(0) for p in output_boxes.get_paths()]
    np.testing.assert_allclose(centres, [(c, r) for r, c in np.ndindex(4, 4)], atol=1e-9)
    assert grid.NumberGrid.on(axes[0])[0].get_clim() == grid.NumberGrid.on(axes[1])[0].get_clim()  # one scale


def test_layer_maps_draws_every_layer_with_a_colour_bar():
    out = xo.forward(xo.O)
    fig = plt.figure(figsize=(9.4, 4.6), dpi=100)
    drawn = handplots.layer_maps(out, list(xo.FILTERS), fig, fmt=xo.ninths)
    assert [len(drawn["maps"][key]) for key, _ in handplots.LAYERS] == [3, 3, 3, 3]
    conv = drawn["maps"]["conv"][0]
    assert (written(conv) == "").all()  # 7x7 maps: colour and a colour bar
    assert drawn["colorbar"].mappable is grid.NumberGrid.on(conv)[0] and drawn["colorbar"].mappable.get_clim() == (
        -1,
        1,
    )
    assert written(drawn["maps"]["pool1"][2]).tolist() == xo.ninths(out["pool1"][2])
    assert conv.get_title() == "convolution 7x7" and drawn["maps"]["pool2"][0].get_title() == "pooled again 2x2"
    moved = xo.forward(xo.shift(xo.O, 1, 0))
    changed = handplots.update_layer_maps(drawn, moved)
    assert written(drawn["maps"]["pool1"][0]).tolist() == xo.ninths(moved["pool1"][0])
    assert grid.NumberGrid.on(conv)[0] in changed
    np.testing.assert_allclose(grid.NumberGrid.on(conv)[0].get_values(), moved["conv"][0])


def test_votes_bar_and_its_update():
    ax = handplots.votes_bar({"X": 0.912, "O": 0.5175}, {"X": 0.6, "O": 0.4})
    bars, pbars = ax.containers
    assert [b.get_height() for b in bars] == [0.912, 0.5175]
    assert [t.get_text() for t in ax.texts] == ["0.912", f"{0.5175:.3f}", "0.600", "0.400"]
    handplots.update_votes_bar(ax, {"X": 0.5, "O": 1.0}, {"X": 0.3, "O": 0.7})
    assert [b.get_height() for b in bars] == [0.5, 1.0] and [b.get_height() for b in pbars] == [0.3, 0.7]
    assert [t.get_text() for t in ax.texts] == ["0.500", "1.000", "0.300", "0.700"]
    assert [t.get_position()[1] for t in ax.texts[:2]] == pytest.approx([0.52, 1.02])  # each above its bar


def test_loss_curve_plots_the_history():
    history = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 1.0, 1.0]}
    ax = handplots.loss_curve(history, keys=("loss", "accuracy"), title="t")
    assert [line.get_label() for line in ax.lines] == ["loss", "accuracy"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), history["loss"])
    assert ax.get_title() == "t"


def test_show_image_centres_colours_on_zero():
    fmap = np.linspace(-1, 1, 201).reshape(1, -1) ** 3
    fmap[0, 0] = -50.0  # one outlier does not wash out the rest
    ax = plots.show_image(fmap, symmetric=True, title="edges")
    low, high = ax.images[0].get_clim()
    assert low == -high and 0.9 < high < 1.0 and ax.get_title() == "edges"
    ax = plots.show_image(np.zeros((4, 4, 3)))
    assert ax.images[0].get_array().shape == (4, 4, 3)


def test_windows2d_draws_input_windows_and_output():
    axes = handplots.windows2d(7, 3, 3, 0)
    assert axes[1].get_title() == "output 2x2" and len(axes[1].collections[0].get_paths()) == 4
    assert red_cells(axes[0]) == 13  # row 6 and column 6 of the input
    axes = handplots.windows2d(5, 3, 1, 1)
    assert len(axes[1].collections[0].get_paths()) == ops.output_size(5, 3, 1, 1) ** 2 == 25
    assert texts_drawn(axes[0]).count("0") == 7 * 7 - 5 * 5 + 2  # padding zeros, and the two 0 indices
    with pytest.raises(ValueError, match="larger than the padded input"):
        handplots.windows2d(3, 5, 1, 0)


def test_channel_runs_from_black_to_its_colour_with_a_colour_bar():
    ax = handplots.channel(np.array([[0, 255]]), "red", title="red channel")
    img = ax.images[0]
    assert img.get_clim() == (0, 255) and ax.get_title() == "red channel"
    np.testing.assert_allclose(img.cmap(0.0)[:3], (0, 0, 0))
    np.testing.assert_allclose(img.cmap(1.0)[:3], (1, 0, 0))
    assert len(ax.figure.axes) == 2  # the colour bar


def test_xo_network_highlights_the_stages_asked_for_and_refuses_unknown_ones():
    ax = handplots.xo_network(here=("relu", "pool"))
    lit = [p.get_facecolor() for p in ax.patches]
    gold = matplotlib.colors.to_rgba("gold")
    assert [c == gold for c in lit] == [k in ("relu", "pool") for k, _, _ in handplots.XO_STAGES]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("you are here") == 2 and "3 maps 7x7" in texts and "12 numbers" in texts
    with pytest.raises(ValueError, match="unknown stage"):
        handplots.xo_network(here="softmax")
