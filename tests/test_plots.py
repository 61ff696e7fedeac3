"""Check what the plot helpers of notebooks 02-04 draw: values, colours, windows, bars, curves."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from cnnviz import ops, plots, articles, xo  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_heatmap_writes_each_value_and_leaves_nan_cells_empty():
    ax = plots.heatmap(np.array([[7 / 9, np.nan], [-1, 0]]), fmt=xo.ninths)
    assert ax.cnnviz_grid["labels"].tolist() == [["7/9", ""], ["-1", "0"]]
    (labels,) = ax.cnnviz_grid["collections"]                          # one collection for all labels
    assert len(labels.get_paths()) == len(labels.get_offsets()) == 3     # the NaN cell gets none
    np.testing.assert_array_equal(labels.get_offsets(), [[0, 0], [0, 1], [1, 1]])  # (x=col, y=row)
    assert not ax.xaxis.get_visible() and ax.get_ylim() == (1.5, -0.5)  # row 0 at the top


def test_heatmap_text_colour_reads_on_the_cell():
    ax = plots.heatmap(np.array([[1.0, 0.0]]), fmt="{:g}")             # dark red cell, white cell
    (labels,) = ax.cnnviz_grid["collections"]
    assert [to_hex(c) for c in labels.get_facecolors()] == ["#ffffff", "#000000"]


def test_heatmap_without_numbers_and_bad_shape():
    ax = plots.heatmap(np.eye(3), fmt=None)
    assert ax.cnnviz_grid["labels"] is None and ax.cnnviz_grid["collections"] == []
    with pytest.raises(ValueError, match="2-D array"):
        plots.heatmap(np.ones(4))


def test_update_heatmap_reuses_the_mesh():
    ax = plots.heatmap(np.zeros((2, 2)), fmt="{:g}")
    mesh = ax.cnnviz_grid["mesh"]
    plots.update_heatmap(ax, [[1, 2], [3, np.nan]])
    assert ax.cnnviz_grid["mesh"] is mesh
    assert ax.cnnviz_grid["labels"].tolist() == [["1", "2"], ["3", ""]]
    assert np.ma.getmaskarray(mesh.get_array()).ravel().tolist() == [False, False, False, True]
    with pytest.raises(ValueError, match="shape"):
        plots.update_heatmap(ax, np.zeros((3, 3)))


def test_labels_scale_with_the_figure_dpi():
    fig, ax = plt.subplots(dpi=50)
    plots.heatmap([[1]], ax=ax, fmt="{:g}")
    coll = ax.cnnviz_grid["collections"][0]
    small = coll.get_transform().transform([[8, 0]])[0, 0]
    fig.set_dpi(100)
    assert coll.get_transform().transform([[8, 0]])[0, 0] == pytest.approx(2 * small)


def test_highlight_and_conv_step():
    axes = plots.conv_step(xo.X, xo.FILTERS["diagonal \\"], 1, 2, np.full((7, 7), np.nan))
    window_box = axes[0].patches[-1]
    assert window_box.get_xy() == (1.5, 0.5) and window_box.get_width() == 3
    products = xo.X[1:4, 2:5] * xo.FILTERS["diagonal \\"]
    assert axes[2].cnnviz_grid["labels"].tolist() == [[f"{v:g}" for v in row] for row in products]
    assert axes[0].cnnviz_grid["labels"][0, 0] == "-1"


def test_compare_grids_marks_only_what_truncation_cannot_explain():
    right = xo.forward(xo.X)["pool1"][2]
    axes = plots.compare_grids(articles.X_POOL1[2], right, beyond_truncation=True)
    marks = [c for c in axes[0].collections if c not in axes[0].cnnviz_grid["collections"]][1:]
    assert len(marks) == 1 and len(marks[0].get_paths()) == 1        # the 1.55 cell only
    axes = plots.compare_grids(articles.X_POOL1[2], right)
    marks = [c for c in axes[0].collections if c not in axes[0].cnnviz_grid["collections"]][1:]
    assert len(marks[0].get_paths()) == 7                            # every 0.55/0.77 too
    axes = plots.compare_grids(articles.X_FIRST, xo.X, fmt="{:g}")
    assert axes[0].get_title() == "the article printed (8x9)"


def test_windows_drawing_shows_where_windows_land():
    ax = plots.windows(7, 3, 3, 0)
    assert ax.cnnviz_windows == {"starts": [0, 3], "uncovered": [6]}
    ax = plots.windows(5, 3, 1, 1)
    assert ax.cnnviz_windows == {"starts": [-1, 0, 1, 2, 3], "uncovered": []}
    assert len(ax.cnnviz_windows["starts"]) == ops.output_size(5, 3, 1, 1)
    with pytest.raises(ValueError, match="larger than the padded input"):
        plots.windows(3, 5, 1, 0)
    with pytest.raises(ValueError, match="padding"):
        plots.windows(7, 3, 1, "same")


def test_pooling_drawing_outlines_windows_and_padding():
    relu = xo.forward(xo.X)["relu"][0]
    axes = plots.pooling(relu, ops.pool2d(relu, 2, 2, "max", "same"), 2, 2, "same")
    info = axes[0].cnnviz_pool
    assert len(info["windows"]) == 16 and info["windows"][-1] == (6, 6)
    assert len(info["padded"]) == 15 and (7, 7) in info["padded"]
    assert axes[1].cnnviz_grid["labels"][0, 0] == "1.00"
    axes = plots.pooling(relu, ops.pool2d(relu, 2, 2, "max", "valid"), 2, 2, "valid")
    assert axes[0].cnnviz_pool["padded"] == [] and len(axes[0].cnnviz_pool["windows"]) == 9


def test_pooling_drawing_colours_each_output_like_its_window():
    relu = xo.forward(xo.X)["relu"][0]
    axes = plots.pooling(relu, ops.pool2d(relu, 2, 2, "max", "same"), 2, 2, "same")
    colors = axes[0].cnnviz_pool["colors"]
    assert len(set(colors)) == 16                                  # 16 windows, 16 different colours
    window_boxes = axes[0].collections[-1]
    output_boxes = axes[1].collections[-1]
    assert [to_hex(c) for c in window_boxes.get_edgecolors()] == colors
    assert [to_hex(c) for c in output_boxes.get_edgecolors()] == colors == axes[1].cnnviz_pool["colors"]
    # output cell k is outlined at its own position, in the colour of window k
    centres = [p.vertices[:4].mean(0) for p in output_boxes.get_paths()]
    np.testing.assert_allclose(centres, [(c, r) for r, c in np.ndindex(4, 4)], atol=1e-9)
    assert axes[0].cnnviz_grid["mesh"].get_clim() == axes[1].cnnviz_grid["mesh"].get_clim()   # one scale


def test_layer_maps_draws_every_layer_with_a_colour_bar():
    out = xo.forward(xo.O)
    fig = plt.figure(figsize=(9.4, 4.6), dpi=100)
    drawn = plots.layer_maps(out, list(xo.FILTERS), fig, fmt=xo.ninths)
    assert [len(drawn["maps"][key]) for key, _ in plots.LAYERS] == [3, 3, 3, 3]
    conv = drawn["maps"]["conv"][0]
    assert conv.cnnviz_grid["labels"] is None                      # 7x7 maps: colour and a colour bar
    assert drawn["colorbar"].mappable.get_clim() == (-1, 1) == conv.cnnviz_grid["mesh"].get_clim()
    assert drawn["maps"]["pool1"][2].cnnviz_grid["labels"].tolist() == xo.ninths(out["pool1"][2])
    assert conv.get_title() == "convolution 7x7" and drawn["maps"]["pool2"][0].get_title() == "pooled again 2x2"
    moved = xo.forward(xo.shift(xo.O, 1, 0))
    changed = plots.update_layer_maps(drawn, moved)
    assert drawn["maps"]["pool1"][0].cnnviz_grid["labels"].tolist() == xo.ninths(moved["pool1"][0])
    assert conv.cnnviz_grid["mesh"] in changed


def test_votes_bar_and_its_update():
    ax = plots.votes_bar({"X": 0.912, "O": 0.5175}, {"X": 0.6, "O": 0.4})
    (bars, texts), (pbars, _) = ax.cnnviz_bars
    assert [b.get_height() for b in bars] == [0.912, 0.5175]
    assert [t.get_text() for t in texts] == ["0.912", f"{0.5175:.3f}"]
    plots.update_votes_bar(ax, {"X": 0.5, "O": 1.0}, {"X": 0.3, "O": 0.7})
    assert [b.get_height() for b in bars] == [0.5, 1.0] and [b.get_height() for b in pbars] == [0.3, 0.7]
    assert [t.get_text() for t in texts] == ["0.500", "1.000"]


def test_loss_curve_plots_the_history():
    history = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 1.0, 1.0]}
    ax = plots.loss_curve(history, keys=("loss", "accuracy"), title="t")
    assert [line.get_label() for line in ax.lines] == ["loss", "accuracy"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), history["loss"])
    assert ax.get_title() == "t"


def test_show_image_centres_colours_on_zero():
    fmap = np.linspace(-1, 1, 201).reshape(1, -1) ** 3
    fmap[0, 0] = -50.0                                      # one outlier does not wash out the rest
    ax = plots.show_image(fmap, symmetric=True, title="edges")
    low, high = ax.images[0].get_clim()
    assert low == -high and 0.9 < high < 1.0 and ax.get_title() == "edges"
    ax = plots.show_image(np.zeros((4, 4, 3)))
    assert ax.images[0].get_array().shape == (4, 4, 3)


def test_windows2d_draws_input_windows_and_output():
    axes = plots.windows2d(7, 3, 3, 0)
    assert axes[0].cnnviz_windows2d == {"out": 2, "starts": [0, 3], "uncovered": [6]}
    assert axes[1].get_title() == "output 2x2"
    axes = plots.windows2d(5, 3, 1, 1)
    assert axes[0].cnnviz_windows2d["out"] == ops.output_size(5, 3, 1, 1) == 5
    with pytest.raises(ValueError, match="larger than the padded input"):
        plots.windows2d(3, 5, 1, 0)


def test_channel_runs_from_black_to_its_colour_with_a_colour_bar():
    ax = plots.channel(np.array([[0, 255]]), "red", title="red channel")
    img = ax.images[0]
    assert img.get_clim() == (0, 255) and ax.get_title() == "red channel"
    np.testing.assert_allclose(img.cmap(0.0)[:3], (0, 0, 0))
    np.testing.assert_allclose(img.cmap(1.0)[:3], (1, 0, 0))
    assert len(ax.figure.axes) == 2                                  # the colour bar


def test_xo_network_highlights_the_stages_asked_for_and_refuses_unknown_ones():
    ax = plots.xo_network(here=("relu", "pool"))
    lit = [p.get_facecolor() for p in ax.patches]
    gold = matplotlib.colors.to_rgba("gold")
    assert [c == gold for c in lit] == [k in ("relu", "pool") for k, _, _ in plots.XO_STAGES]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("you are here") == 2 and "3 maps 7x7" in texts and "12 numbers" in texts
    with pytest.raises(ValueError, match="unknown stage"):
        plots.xo_network(here="softmax")
