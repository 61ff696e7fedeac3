"""Check the articles' claims that notebooks 00-02 correct, and that 00 names the five articles as SOURCES does."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cnnviz import articles, ops, xo

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def _articles():
    """The five articles' texts by number ("000" ...), white space folded; skip when they are absent."""
    if not SEEDS.is_dir():
        pytest.skip(f"the articles' texts are not at {SEEDS}")
    return {p.name[:3]: " ".join(p.read_text().split()) for p in SEEDS.glob("*.txt")}


def _markdown(notebook):
    cells = json.loads((ROOT / "notebooks" / notebook).read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


# ------------------------------------------------------------------ notebook 01


def test_8_bit_pixels_run_from_0_to_255_not_1_to_256():
    levels = np.iinfo(np.uint8)  # Dishashree (n.d.): "1 is white and 256 the darkest"
    assert (levels.min, levels.max, levels.max - levels.min + 1) == (0, 255, 256)


def test_the_anonymous_patch_is_printed_twice_with_one_pixel_different():
    differ = np.argwhere(articles.ANON_PATCH != articles.ANON_PATCH_REPEAT)
    assert articles.ANON_PATCH.shape == (16, 12) and differ.tolist() == [[8, 9]]
    assert abs(int(articles.ANON_PATCH[8, 9]) - int(articles.ANON_PATCH_REPEAT[8, 9])) == 1


def test_one_billion_counts_the_weights_but_not_the_biases():
    assert ops.dense_params(1000 * 1000, 1000, bias=False) == 10**9  # Anonymous (n.d.)'s "1 billion"
    assert ops.dense_params(1000 * 1000, 1000) == 10**9 + 1000


def test_notebook01_keeps_the_articles_slips_off_its_core_path():
    cells = json.loads((ROOT / "notebooks" / "01_images_as_numbers.ipynb").read_text())["cells"]
    optional = ["optional" in c["metadata"].get("tags", []) for c in cells]
    start = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Going further (optional)"))
    assert not any(optional[:start]) and all(optional[start:])  # the core path first, then only tagged depth
    core = " ".join("".join(c["source"]) for c, opt in zip(cells, optional) if not opt)
    assert "checking the article" not in core.lower()
    assert any("".join(c["source"]).startswith("## What the articles got wrong (optional)") for c in cells[start:])


def test_what_notebook_01_quotes_and_attributes_is_in_the_articles():
    text = _articles()
    ali, dishashree, anonymous = text["000"], text["001"], text["003"]
    assert "number 1 is white and 256 is the darkest" in dishashree
    assert r"an image with dimensions $1,000 \times 1,000$" in anonymous and "has 1,000 neurons" in anonymous
    assert "Fully Connected Neural Net" in anonymous and "Local Connected Neural Net" in anonymous
    assert "input_shape = (64, 64, 3)" in ali and "Dense(output_dim = 128" in ali  # exercise 01.2
    everything = " ".join(text.values())
    for cell in _markdown("01_images_as_numbers.ipynb"):
        for quote in re.findall(r'"([^"]+)"', re.sub(r"`[^`]*`", "", cell)):
            assert " ".join(quote.split()) in everything, quote


# ------------------------------------------------------------------ notebook 02 (beyond test_seed_checks)


def test_one_ring_of_padding_keeps_the_size_for_3x3_kernels_only():
    assert ops.output_size(32, 3, 1, 1) == 32  # Dishashree (n.d.)'s claim holds here
    assert ops.output_size(32, 5, 1, 1) == 30 and ops.output_size(32, 5, 1, 2) == 32
    assert ops.output_size(6, 3, 1, "valid") == 4 and ops.output_size(6, 3, 1, "same") == 6


def test_a_stride_other_than_one_gives_a_floor_output_size():
    # Anonymous (n.d.): the stride "is always one"; Keras takes any stride and rounds down
    assert ops.explain_floor_output_size(32, 3, 2, 0)[0] == 15
    assert ops.explain_floor_output_size(7, 3, 3, 0)[0] == 2


def test_minus_one_ninth_is_a_near_draw_not_the_opposite():
    _, products = ops.window_products(xo.X, xo.FILTERS["diagonal \\"], 1, 2)
    assert products.sum() == -1 and int((products > 0).sum()) == 4


def test_a_shift_moves_the_map_equivariance():
    f1 = xo.FILTERS["diagonal \\"]
    before, after = ops.conv2d(xo.X, f1), ops.conv2d(xo.shift(xo.X, 0, 1), f1)
    np.testing.assert_array_equal(after[:, 1:], before[:, :-1])
    assert np.sum(after != before) > before.size // 2  # most cells differ, yet every value only moved;
    assert after.shape == before.shape  # the old right column has no place left in the map
    assert not np.array_equal(after[:, 0], before[:, 0])  # and the new left column is new


def test_padding_cannot_undo_a_stride():
    # Dishashree (n.d.): more rings of zeros solve the shrinking a larger stride causes
    assert [ops.output_size(32, 3, s, "same") for s in (1, 2, 3)] == [32, 16, 11]  # ceil(n / s)
    needed = next(p for p in range(100) if ops.output_size(32, 3, 2, p, strict=False) >= 32)
    assert needed == 17 and 1 - 32**2 / (32 + 2 * needed) ** 2 > 0.5  # most of the input is zeros
    assert [ops.output_size(32, k, 1, (k - 1) // 2) for k in (3, 5, 7)] == [32, 32, 32]  # (k - 1) / 2 rings, not 1


def test_the_flipped_integral_and_the_element_wise_words_disagree():
    lopsided = np.array([[1, 0.3], [0.1, 5]])  # Mwiti (2018): f(t - tau) flips; "element-wise" does not
    assert not np.allclose(ops.conv2d(xo.X, lopsided[::-1, ::-1]), ops.conv2d(xo.X, lopsided))
    with pytest.raises(ValueError):
        xo.X * xo.FILTERS["diagonal \\"]  # a 9x9 image and a 3x3 kernel: no element-wise product


def test_anonymous_prints_sums_not_matrix_products_or_averages():
    window = articles.ANON_IMAGE[:3, :3]
    assert (window * articles.ANON_KERNEL).sum() == articles.ANON_OUTPUT[0, 0]
    assert (window @ articles.ANON_KERNEL).shape == (3, 3)
    assert (window * articles.ANON_KERNEL).sum() / articles.ANON_KERNEL.sum() != articles.ANON_OUTPUT[0, 0]
    assert ops.locally_connected_params(7, 7, 3, 1, 3, bias=False) == 49 * ops.conv_params(3, 1, 3, bias=False)


def test_a_kernels_weights_do_not_grow_with_its_map():
    kernel = np.ones((2, 2))  # Dishashree (n.d.): fewer pixels, fewer parameters
    sizes = {ops.conv2d(np.zeros(shape), kernel).size for shape in [(9, 7), (90, 70)]}
    assert sizes == {48, 89 * 69} and kernel.size == 4


def test_what_notebook_02_quotes_is_in_the_articles():
    text = _articles()
    dishashree, mwiti, anonymous = text["001"], text["002"], text["003"]
    assert "a single stride filter movement would retain the size of the original image" in dishashree
    assert "add more than one layer of zeros around the image in case of higher stride values" in dishashree
    assert "considered only the valid pixels" in dishashree
    assert "dramatically reduces the number of parameters we need to train" in dishashree
    assert r"g(t - \tau)" in mwiti and "multiplied element-wise with the feature detector" in mwiti
    assert "translation invariance" in anonymous and "It is always one" in anonymous
    assert "weighted average" in anonymous and "matrix multiplication" in anonymous
    assert "locally connected neural network is a type of convolutional neural network" in anonymous
    assert "has its own set of weights" in anonymous


# ------------------------------------------------------------------ sources and wording


def test_sources_match_the_articles_texts():
    if not SEEDS.is_dir():
        pytest.skip(f"the articles' texts are not at {SEEDS}")
    texts = {p.name[:3]: p.read_text() for p in SEEDS.glob("*.txt")}

    def has_title(key, text):  # spacing aside ("Network(CNN)" in Ali's heading)
        return articles.SOURCES[key].title.replace(" ", "").upper() in text.replace(" ", "").upper()

    assert "Amir Ali" in texts["000"] and "2019" in texts["000"] and has_title("ali", texts["000"])
    assert "Dishashree" in texts["001"]
    assert "Derrick Mwiti" in texts["002"] and "2018" in texts["002"] and has_title("mwiti", texts["002"])
    assert has_title("anonymous", texts["003"])
    assert "Berin Spahovi" in texts["004"]
    assert "CIFAR" not in texts["000"].upper()  # Ali (2019) never names CIFAR-10


def test_the_quoted_patch_is_the_articles_two_tables():
    if not SEEDS.is_dir():
        pytest.skip(f"the articles' texts are not at {SEEDS}")
    text = next(SEEDS.glob("003_*.txt")).read_text()
    rows = [line.split("\t") for line in text.splitlines() if line.count("\t") == 11]
    tables = np.array(rows[:32], dtype=int).reshape(2, 16, 12)
    np.testing.assert_array_equal(tables[0], articles.ANON_PATCH)
    np.testing.assert_array_equal(tables[1], articles.ANON_PATCH_REPEAT)


def test_index_lists_every_source_by_its_short_name():
    sources = next(s for s in _markdown("00_index.ipynb") if s.startswith("## Sources"))
    for article in articles.SOURCES.values():
        assert f"| **{article.short}** | {article.author} | {article.title} | {article.year} |" in sources


@pytest.mark.parametrize("notebook", ["00_index.ipynb", "01_images_as_numbers.ipynb", "02_convolution_by_hand.ipynb"])
def test_learners_never_read_seed_numbers(notebook):
    cells = json.loads((ROOT / "notebooks" / notebook).read_text())["cells"]
    for cell in cells:
        text = "".join(cell["source"])
        for out in cell.get("outputs", []):
            text += "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
        low = text.lower()
        assert "seed 00" not in low and "seed check" not in low and "seed's" not in low, text[:200]
