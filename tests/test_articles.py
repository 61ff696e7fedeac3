"""Check the articles' claims that notebooks 00-02 correct, and that 00 names the five articles as SOURCES does."""
import json
from pathlib import Path

import numpy as np
import pytest

from cnnviz import articles, ops, xo

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def _markdown(notebook):
    cells = json.loads((ROOT / "notebooks" / notebook).read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


# ------------------------------------------------------------------ notebook 01

def test_8_bit_pixels_run_from_0_to_255_not_1_to_256():
    levels = np.iinfo(np.uint8)                               # Dishashree (n.d.): "1 is white and 256 the darkest"
    assert (levels.min, levels.max, levels.max - levels.min + 1) == (0, 255, 256)


def test_the_anonymous_patch_is_printed_twice_with_one_pixel_different():
    differ = np.argwhere(articles.ANON_PATCH != articles.ANON_PATCH_REPEAT)
    assert articles.ANON_PATCH.shape == (16, 12) and differ.tolist() == [[8, 9]]
    assert abs(int(articles.ANON_PATCH[8, 9]) - int(articles.ANON_PATCH_REPEAT[8, 9])) == 1


def test_one_billion_counts_the_weights_but_not_the_biases():
    assert ops.dense_params(1000 * 1000, 1000, bias=False) == 10 ** 9     # Anonymous (n.d.)'s "1 billion"
    assert ops.dense_params(1000 * 1000, 1000) == 10 ** 9 + 1000


# ------------------------------------------------------------------ notebook 02 (beyond test_seed_checks)

def test_one_ring_of_padding_keeps_the_size_for_3x3_kernels_only():
    assert ops.output_size(32, 3, 1, 1) == 32                  # Dishashree (n.d.)'s claim holds here
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
    assert np.sum(after != before) > before.size // 2          # most cells differ, yet nothing was lost


# ------------------------------------------------------------------ sources and wording

def test_sources_match_the_articles_texts():
    if not SEEDS.is_dir():
        pytest.skip(f"the articles' texts are not at {SEEDS}")
    texts = {p.name[:3]: p.read_text() for p in SEEDS.glob("*.txt")}

    def has_title(key, text):                                  # spacing aside ("Network(CNN)" in Ali's heading)
        return articles.SOURCES[key].title.replace(" ", "").upper() in text.replace(" ", "").upper()

    assert "Amir Ali" in texts["000"] and "2019" in texts["000"] and has_title("ali", texts["000"])
    assert "Dishashree" in texts["001"]
    assert "Derrick Mwiti" in texts["002"] and "2018" in texts["002"] and has_title("mwiti", texts["002"])
    assert has_title("anonymous", texts["003"])
    assert "Berin Spahovi" in texts["004"]
    assert "CIFAR" not in texts["000"].upper()                 # Ali (2019) never names CIFAR-10


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
