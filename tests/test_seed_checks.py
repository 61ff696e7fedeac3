"""Check the seed mistakes notebooks 02-04 call out, the X/O variants, and the exercises' answers."""

import fractions
import math
from pathlib import Path

import numpy as np
import pytest

from cnnviz import articles, exercises, ops, xo

# ------------------------------------------------------------------ each seed mistake, computed


def test_first_x_and_o_have_8_rows_and_the_x_misplaced_pixels():
    assert articles.X_FIRST.shape == articles.O_FIRST.shape == (8, 9)
    # the seed's O is the real O with one of its three widest rows left out
    assert any(np.array_equal(articles.O_FIRST, np.delete(xo.O, r, axis=0)) for r in (3, 4, 5))
    # no row deletion turns the seed's first X into the real X: pixels are out of place as well
    assert not any(np.array_equal(articles.X_FIRST, np.delete(xo.X, r, axis=0)) for r in range(9))
    for grid in articles.X_FEATURE.values():
        assert grid.shape == (8, 9)


def test_the_x_beside_window_0_3_has_7_wrong_pixels_but_the_window_is_right():
    wrong = np.argwhere(articles.X_WINDOW_0_3 != xo.X)
    assert len(wrong) == 7 and wrong[:, 0].min() == 5  # all in the bottom rows
    assert xo.forward(xo.X)["conv"][0][0, 3] == pytest.approx(3 / 9)  # the seed's 0.33 there is right


def test_seed_tables_are_truncated_not_rounded():
    maps = xo.forward(xo.X)["conv"]
    for printed, right in zip(articles.X_MAPS, maps):
        np.testing.assert_array_equal(articles.truncate(right), printed)
    assert articles.FIRST_WINDOW_MEAN == articles.truncate(7 / 9) == 0.77 and round(7 / 9, 2) == 0.78
    assert round(5 / 9, 2) == 0.56 and articles.truncate(-5 / 9) == -0.55
    assert "7 of 49 values differ" in articles.compare(articles.X_MAPS[0], maps[0])
    assert "28 of 49 values differ" in articles.compare(articles.X_MAPS[1], maps[1])


def test_the_last_worked_window_lists_eight_of_nine_terms():
    _, products = ops.window_products(xo.X, xo.FILTERS["diagonal \\"], 6, 6)
    assert products.size == 9 and products.sum() == 7
    assert len(articles.LAST_WINDOW_TERMS) == 8 and sum(articles.LAST_WINDOW_TERMS) == 6
    assert articles.LAST_WINDOW_MEAN == articles.truncate(products.mean())


def test_relu_table_repeats_a_row():
    printed = articles.X_RELU_1
    assert printed.shape == (8, 7) and np.array_equal(printed[5], printed[6])
    np.testing.assert_array_equal(np.delete(printed, 6, axis=0), articles.truncate(xo.forward(xo.X)["relu"][0]))


def test_pooled_filter3_map_prints_155_for_5_9():
    pooled = xo.forward(xo.X)["pool1"]
    assert (
        articles.compare(articles.X_POOL1[2], pooled[2], beyond_truncation=True)
        == "1 of 16 values differ - (1, 1): 1.55 printed, 0.56 right"
    )
    assert pooled[2][1, 1] == pytest.approx(5 / 9) and xo.forward(xo.X)["relu"].max() <= 1
    for printed, right in zip(articles.X_POOL1[:2], pooled[:2]):
        np.testing.assert_array_equal(printed, articles.truncate(right))
    for printed, right in zip(articles.X_POOL2, xo.forward(xo.X)["pool2"]):
        np.testing.assert_array_equal(printed, articles.truncate(right))


def test_x_vector_lists_13_values_for_12():
    vector = xo.class_vectors()["X"]
    assert len(articles.X_VECTOR) == 13 and vector.size == 12
    # the seed's list is the right one with an extra 0.55 inserted
    assert any(np.array_equal(np.delete(articles.X_VECTOR, i), articles.truncate(vector)) for i in range(13))


def test_votes_are_not_probabilities_and_51_percent_truncates():
    scores = xo.votes(xo.NEW_INPUT)
    assert sum(scores.values()) == pytest.approx(1.4295)
    assert round(100 * scores["O"]) == 52 and articles.PERCENT["O"] == math.floor(100 * scores["O"])
    assert round(100 * scores["X"]) == articles.PERCENT["X"] == 91
    assert ops.softmax([scores["X"], scores["O"]]).sum() == pytest.approx(1)


def test_7x7_to_4x4_needs_same_padding():
    with pytest.raises(ValueError, match="does not tile"):
        ops.output_size(7, 2, 2, 0)
    relu = xo.forward(xo.X)["relu"][0]
    assert ops.pool2d(relu, 2, 2, "max", "valid").shape == (3, 3)
    assert ops.pool2d(relu, 2, 2, "max", "same").shape == (4, 4) and ops.same_padding(7, 2, 2) == (0, 1)


def test_anonymous_5x5_example_and_compare_sentences():
    np.testing.assert_array_equal(ops.conv2d(articles.ANON_IMAGE, articles.ANON_KERNEL), articles.ANON_OUTPUT)
    assert articles.compare(np.ones(3), np.ones(3)) == "all 3 values agree (rounded to 2 decimals)"
    assert "more" in articles.compare(np.zeros(10), np.ones(10))


# ------------------------------------------------------------------ X/O variants and fractions


def test_shift_moves_the_letter_and_fills_with_background():
    moved = xo.shift(xo.X, 1, -1)
    np.testing.assert_array_equal(moved[1:, :-1], xo.X[:-1, 1:])
    assert (moved[0] == -1).all() and (moved[:, -1] == -1).all()
    np.testing.assert_array_equal(xo.shift(xo.O, 0, 0), xo.O)
    with pytest.raises(ValueError, match="out of view"):
        xo.shift(xo.X, 9, 0)


def test_thicken_and_noise():
    bold = xo.thicken(xo.X)
    assert (bold >= xo.X).all() and (bold == 1).sum() > (xo.X == 1).sum()
    assert bold[1, 2] == 1 and bold[1, 1] == 1  # each stroke pixel inks its right neighbour
    noisy = xo.add_noise(xo.O, 5, seed=3)
    assert (noisy != xo.O).sum() == 5
    np.testing.assert_array_equal(noisy, xo.add_noise(xo.O, 5, seed=3))
    with pytest.raises(ValueError, match="flips"):
        xo.add_noise(xo.O, 82)


def test_ninths():
    assert xo.ninths([7 / 9, -1 / 9, 1.0, 0.0, -1.0, 0.912]) == ["7/9", "-1/9", "1", "0", "-1", "0.91"]
    assert xo.ninths(-5 / 9) == "-5/9"
    assert xo.ninths(np.full((2, 2), 3 / 9)) == [["3/9", "3/9"], ["3/9", "3/9"]]


# ------------------------------------------------------------------ ops used by notebook 02


def test_slide_row_weights_follows_dishashree_cases():
    digit = np.arange(12.0).reshape(3, 4)
    out = ops.slide_row_weights(digit, [1, 0.3])
    assert out.shape == (3, 3) and out[0, 0] == pytest.approx(0 + 0.3 * 1)
    padded = ops.slide_row_weights(digit, [1, 0.3], padding=1)
    assert padded.shape == (3, 5) and padded[0, 0] == pytest.approx(0.3 * 0) and padded[0, -1] == pytest.approx(3)
    with pytest.raises(ValueError, match="1-D row of weights"):
        ops.slide_row_weights(digit, [[1, 2]])
    with pytest.raises(ValueError, match="do not fit"):
        ops.slide_row_weights(digit, np.ones(5))
    with pytest.raises(ValueError, match="whole number of zeros"):
        ops.slide_row_weights(digit, [1, 1], padding="same")


def test_explain_output_size():
    assert ops.explain_output_size(32, 3, 1, 0) == (
        30,
        "output = (n - kernel + 2*padding) / stride + 1 = "
        "(32 - 3 + 2*0) / 1 + 1 = 30: the window lands at 30 "
        "positions along each axis",
    )
    size, text = ops.explain_output_size(7, 3, 3, 0)
    assert size is None and text.startswith("No output size: stride 3 does not tile")
    assert ops.explain_output_size(7, 2, 2, "same")[0] == 4


def test_stack_kernels_spans_every_channel():
    rng = np.random.default_rng(0)
    photo = rng.random((6, 7, 3))
    bank = ops.stack_kernels(list(ops.CLASSIC_KERNELS.values()))
    assert bank.shape == (3, 3, 3, len(ops.CLASSIC_KERNELS))
    out = ops.conv2d(photo, bank)
    assert out.shape == (4, 5, len(ops.CLASSIC_KERNELS))
    brightness = photo.mean(axis=-1)
    for f, kernel in enumerate(ops.CLASSIC_KERNELS.values()):
        np.testing.assert_allclose(out[..., f], ops.conv2d(brightness, kernel), atol=1e-12)
    with pytest.raises(ValueError, match="one shape"):
        ops.stack_kernels([np.ones((3, 3)), np.ones((2, 2))])


# ------------------------------------------------------------------ exercises of notebooks 02-04
# (the 04.x answers are checked further down, with the tests of notebook 04.)

RIGHT = {
    "02.2": 5 / 9,
    "02.5": 7 / 9,
    "02.1": (2, 3),
    "02.4": 14,
    "02.6": (62, 62, 16),
    "02.7": 75,
    "03.4": (5 / 9 + 1 / 9) / 4,
    "03.1": 7,
    "03.7": 6,
    "03.3": 0,
}
WRONG = {
    "02.2": 0.55,
    "02.5": 0.77,
    "02.1": (2, 2),
    "02.4": 15,
    "02.6": (62, 62, 3),
    "02.7": 25,
    "03.4": 0.25,
    "03.1": 6,
    "03.7": 7,
    "03.3": 2,
}


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_exercises_say_right_or_wrong_with_a_hint(exercise_id, capsys):
    assert exercises.check(exercise_id, RIGHT[exercise_id]) is True
    assert "right!" in capsys.readouterr().out
    assert exercises.check(exercise_id, WRONG[exercise_id]) is False
    assert "not yet. Hint:" in capsys.readouterr().out
    assert exercises.check(exercise_id, None, verbose=False) is False


# ------------------------------------------------------------------ notebooks 03-04: design and widget exercises


def test_no_hint_of_03_and_04_gives_its_answer():
    for exercise_id in [k for k in exercises._EXERCISES if k[:2] in ("03", "04")]:
        ex = exercises._EXERCISES[exercise_id]
        if ex.judge:
            continue
        answer = ex.fn()
        if isinstance(answer, str):
            assert f"'{answer}'" not in ex.hint and f'"{answer}"' not in ex.hint, exercise_id
        elif float(answer).is_integer():  # small whole numbers occur in any sentence
            assert f"= {int(answer)}" not in ex.hint and f"is {int(answer)}" not in ex.hint, (exercise_id, ex.hint)
        else:
            shown = {
                f"{answer:.2f}",
                f"{answer:.3f}",
                f"{answer:.2f}".lstrip("0"),
                xo.ninths(answer),
                str(fractions.Fraction(float(answer)).limit_denominator(100)),
            }
            assert not any(t in ex.hint for t in shown), (exercise_id, ex.hint)
    assert "1/6" not in exercises._EXERCISES["03.4"].hint  # the hint that used to give the answer


def test_design_a_kernel_for_the_os_top_arc(capsys):
    arc = np.array([[-1, -1, -1], [1, 1, 1], [-1, -1, -1]])  # the arc: background, stroke, background
    assert exercises.top_arc_response(arc) == (pytest.approx(1.0), pytest.approx(5 / 9))
    assert exercises.check("03.5", arc) is True
    for filt in xo.FILTERS.values():  # the X's own filters answer the X as much
        assert exercises.check("03.5", filt) is False
    assert exercises.check("03.5", np.ones((2, 2))) is False
    assert "3x3 kernel" in capsys.readouterr().out


def test_relu_exercise_wants_an_image_whose_12_values_change_without_relu(capsys):
    for letter in (xo.X, xo.O, xo.shift(xo.X, 0, 1)):  # ReLU changes nothing for the letters
        assert exercises.check("03.2", letter, verbose=False) is False
    for blank in (np.ones((9, 9)), -np.ones((9, 9))):  # all stroke: filters \ and / negative; all background: x
        assert not np.array_equal(xo.forward(blank)["vector"], xo.forward(blank, relu=False)["vector"])
        assert exercises.check("03.2", blank) is True
    assert exercises.check("03.2", np.zeros((9, 9))) is False  # not +1/-1: says why
    assert "+1 (stroke) and -1 (background)" in capsys.readouterr().out


def test_pooling_explorer_exercise_wants_2x2_tiles_covering_the_map():
    from cnnviz import widgets

    pooling = widgets.PoolingExplorer()
    assert exercises.check("03.6", pooling, verbose=False) is False  # 2x2 windows give 4x4
    pooling.size.value, pooling.stride.value = 4, 4  # 'same' pads 7 to 8: two tiles
    assert exercises.check("03.6", pooling, verbose=False) is True
    pooling.padding.value = "valid"  # one window, 3 cells left out
    assert exercises.check("03.6", pooling, verbose=False) is False
    pooling.size.value, pooling.stride.value = 3, 3  # 2x2 but the last row is dropped
    assert pooling.pooled.shape == (2, 2) and exercises.check("03.6", pooling, verbose=False) is False
    pooling.size.value, pooling.stride.value, pooling.padding.value = 4, 3, "same"  # overlapping windows
    assert exercises.pooling_covers(4, 3, "same") == (3, False)
    assert exercises.check("03.6", 7, verbose=False) is False


def test_drawing_pad_exercise_wants_an_x_without_the_xs_pixels():
    from cnnviz import widgets

    pad = widgets.DrawingPad()
    assert exercises.check("04.2", pad, verbose=False) is False  # the X itself
    pad.set_image(xo.shift(xo.X, 0, 1))  # moved: shares no pixel with it
    assert ((pad.image > 0) & (xo.X > 0)).sum() == 0 and pad.prediction == "X"
    assert exercises.check("04.2", pad, verbose=False) is True
    assert exercises.check("04.2", xo.O, verbose=False) is False  # no shared pixel, but an O
    assert exercises.check("04.2", np.zeros((9, 9)), verbose=False) is False


def test_pooling_refuses_nan_instead_of_ignoring_it():
    relu = xo.forward(xo.X)["relu"][0].copy()
    relu[0, 1] = np.nan  # used to be skipped like the padding
    with pytest.raises(ValueError, match=r"1 NaN value\(s\) \(the first at \(0, 1\)\).*np.nan_to_num"):
        ops.pool2d(relu, 2, 2, "max", "same")
    with pytest.raises(ValueError, match="NaN"):
        ops.pool2d(np.full((4, 4, 2), np.nan), 2, 2, "avg")
    # padding is still ignored: the last windows average only their real cells
    fmap = np.arange(49.0).reshape(7, 7)
    assert ops.pool2d(fmap, 2, 2, "avg", "same")[3, 3] == 48.0
    assert ops.pool2d(-np.ones((3, 3)), 2, 2, "max", "same").tolist() == [[-1, -1], [-1, -1]]
    assert ops.pool2d(fmap, 2, 2, "l2", "same")[0, 3] == pytest.approx(np.hypot(6, 13))


def _hand_from_alis_start_on_the_hard_set():
    from cnnviz import learn

    params, _ = learn.train(*learn.make_dataset(), steps=100, lr=1.0, momentum=0.0, params=learn.hand_params())
    return learn.accuracy(params, *learn.make_hard_test_set()[:2])


# 04.1: the X moved down-left votes (4 + 5/9) / 5 = 41/45 for X and 7/9 for O; softmax of two is 1 / (1 + e^(b - a))
RIGHT_04 = {"04.1": 1 / (1 + math.exp(7 / 9 - 41 / 45)), "04.4": _hand_from_alis_start_on_the_hard_set()}
WRONG_04 = {
    "04.1": ops.softmax([1, 5 / 9])[0],  # the unmoved X
    "04.4": RIGHT_04["04.4"] - 0.03,
}


@pytest.mark.parametrize("exercise_id", sorted(RIGHT_04))
def test_exercises_of_04_accept_the_computed_answer_rounded_and_refuse_others(exercise_id, capsys):
    assert exercises.check(exercise_id, RIGHT_04[exercise_id]) is True
    if not isinstance(RIGHT_04[exercise_id], str):
        assert exercises.check(exercise_id, round(RIGHT_04[exercise_id], 2)) is True  # as the notebook shows it
    else:
        assert exercises.check(exercise_id, RIGHT_04[exercise_id].upper()) is True
    assert "right!" in capsys.readouterr().out
    assert exercises.check(exercise_id, WRONG_04[exercise_id]) is False
    out = capsys.readouterr().out
    assert "not yet. Hint:" in out
    assert exercises.check(exercise_id, None) is False
    assert "Hint" not in capsys.readouterr().out  # no hint before an attempt


# ------------------------------------------------------------------ notebooks 03-04: what the articles say, checked

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def _article(number):
    if not SEEDS.is_dir():
        pytest.skip(f"the articles' texts are not at {SEEDS}")
    return " ".join(next(SEEDS.glob(f"{number}_*.txt")).read_text().split())


def test_what_notebooks_03_and_04_attribute_to_the_articles_is_in_their_texts():
    ali, dishashree, mwiti, spahovic = _article("000"), _article("001"), _article("002"), _article("004")
    assert "Max, Average, Sum" in ali and "L2 norm pooling" in dishashree  # 03, going further
    assert "Spatial invariance is a concept where the location of an object" in mwiti  # 03, why pooling
    assert "doesn't affect the ability of the neural network to detect" in mwiti
    # 03, what the articles got wrong
    assert "irrespective of the difference in lighting in the pictures and different angles" in mwiti
    assert "Padding >>> same" in ali and "we don't want to lose any information" in ali
    assert "This helps to reduce the parameters to a great extent" in dishashree
    assert "further reduce the number of parameters" in dishashree
    assert "Having less parameters, we got less chance for overfitting" in spahovic
    assert "prediction rate of 91 percent" in ali and "prediction rate of 51 percent" in ali  # 04, section 3
    assert "we not going backpropagation here" in ali  # 04, section 5
    assert "compute the mean square loss" in dishashree  # 04, articles section
    assert "The output layer has a loss function like categorical cross-entropy" in dishashree
    assert "loss='categorical_crossentropy'" in dishashree
    assert "Target Vector = [0, 0, 1, 0]" in ali and "[0.2, 0.4, 0.1, 0.3]" in ali and "[0.1, 0.1, 0.7, 0.1]" in ali
    # our copy of Spahović (n.d.) lost its formulas: the sentence that announces the pooling output size ends in a
    # colon with nothing after it, and so does the one for a stride s > 1 (03 says "our copy omits them")
    after = spahovic.split("the output dimension (h2, w2, d2) is:")[1]
    assert after.lstrip().startswith("Next image demonstrates") and "h2 =" not in spahovic
    after = spahovic.split("if we choose stride s>1 our output matrix will have dimension:")[1]
    assert after.lstrip().startswith("**Pooling layer**")


@pytest.mark.parametrize("notebook", ["03_relu_and_pooling.ipynb", "04_flatten_and_voting.ipynb"])
def test_notebooks_03_and_04_never_say_seed_for_an_article(notebook):
    import json

    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / notebook).read_text())["cells"]
    texts = []
    for cell in cells:
        texts.append("".join(cell["source"]))  # markdown, and code (figure titles are set there)
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", "")))
    words = ("seed 00", "seed check", "seed's", "the seed", "seed 1", "seed 2", "seed 3", "seed 4")
    found = [w for t in texts for w in words if w in t.lower()]
    assert not found and any("Checking the article" in t for t in texts), found


def test_notebook_03_core_path_one_callout_optional_depth_and_no_code_driving_a_widget():
    import json
    import re

    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "03_relu_and_pooling.ipynb").read_text())[
        "cells"
    ]
    optional = ["optional" in c["metadata"].get("tags", []) for c in cells]
    texts = ["".join(c["source"]) for c in cells]
    start = next(i for i, t in enumerate(texts) if t.startswith("## Going further (optional)"))
    assert not any(optional[:start]) and all(optional[start:])  # the depth comes last, all of it tagged
    assert any(t.startswith("## What the articles got wrong (optional)") for t in texts[start:])
    core = [t for t, opt in zip(texts, optional) if not opt]
    assert sum("Checking the article" in t for t in core) == 1
    code = [t for c, t in zip(cells, texts) if c["cell_type"] == "code"]
    assert not any(re.search(r"\.value\s*=(?!=)", t) for t in code)  # the student moves the controls
    title = texts[0]
    assert 3 <= len(re.findall(r"^\d\. \*\*(compute|explain|predict|build|read)\*\*", title, re.M)) <= 5
    core_checks = re.findall(r'exercises\.check\("(03\.\d)"', "".join(core))
    assert core_checks == ["03.1", "03.2", "03.3"] and all(
        f"({e})" in title or f"(exercise {e})" in title for e in core_checks
    )


def test_without_relu_two_convolutions_are_one_and_with_it_they_are_not():
    k1, k2 = xo.FILTERS["diagonal \\"], xo.FILTERS["cross x"]
    merged = np.zeros((5, 5))
    for i, j in np.ndindex(3, 3):
        merged[i : i + 3, j : j + 3] += k1[i, j] * k2
    for image in (xo.X, xo.O, xo.thicken(xo.X)):
        np.testing.assert_allclose(ops.conv2d(ops.conv2d(image, k1), k2), ops.conv2d(image, merged))
    windows = np.concatenate(
        [np.lib.stride_tricks.sliding_window_view(im, (5, 5)).reshape(-1, 25) for im in (xo.X, xo.O)]
    )
    target = np.concatenate([ops.conv2d(ops.relu(ops.conv2d(im, k1)), k2).ravel() for im in (xo.X, xo.O)])
    best = np.linalg.lstsq(windows, target, rcond=None)[0]
    assert np.abs(windows @ best - target).max() > 4  # no 5x5 kernel does what ReLU between them does


def test_pooling_forgives_a_one_pixel_shift_but_not_a_brighter_map():
    out, moved = xo.forward(xo.X), xo.forward(xo.shift(xo.X, 0, 1))
    np.testing.assert_array_equal(moved["conv"][:, :, 1:], out["conv"][:, :, :-1])  # the map moved: equivariance
    changed = {k: int((~np.isclose(out[k], moved[k])).sum()) for k in ("conv", "pool1", "pool2")}
    assert changed == {"conv": 140, "pool1": 29, "pool2": 2}
    relu = out["relu"][0]
    np.testing.assert_allclose(ops.pool2d(2 * relu, 2, 2, "max", "same"), 2 * ops.pool2d(relu, 2, 2, "max", "same"))
