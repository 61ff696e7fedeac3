"""Check the exercise checker: right answers pass, wrong ones fail with a hint, no hint before an attempt."""

import pytest

from cnnviz import exercises


def test_right_and_wrong_answers(capsys):
    assert exercises.check("01.2", (64 * 64 * 3 + 1) * 128) is True
    assert "right!" in capsys.readouterr().out
    assert exercises.check("01.2", 64 * 64 * 3 * 128) is False  # the 128 biases forgotten
    assert "not yet. Hint: flattened, the image is height x width x channels" in capsys.readouterr().out


def test_no_hint_before_an_attempt(capsys):
    for exercise_id in sorted(exercises._EXERCISES):
        assert exercises.check(exercise_id, None) is False
        out = capsys.readouterr().out
        assert "replace None by your answer" in out and "Hint" not in out, exercise_id


def test_rounded_answers_are_right_truncated_ones_are_not():
    exercises.exercise("99.1", hint="seven ninths")(lambda: 7 / 9)
    try:
        for right in (7 / 9, 0.78, 0.778, 0.7778, 0.77778):
            assert exercises.check("99.1", right, verbose=False), right
        for wrong in (0.77, 0.8, 0.777, 0.79, 1):
            assert not exercises.check("99.1", wrong, verbose=False), wrong
    finally:
        del exercises._EXERCISES["99.1"]


def test_letters_are_case_insensitive():
    exercises.exercise("99.2", hint="a letter")(lambda: "O")
    try:
        assert exercises.check("99.2", "o", verbose=False)
        assert exercises.check("99.2", " O ", verbose=False)
        assert not exercises.check("99.2", "x", verbose=False)
        assert not exercises.check("99.2", 0, verbose=False)
    finally:
        del exercises._EXERCISES["99.2"]


def test_judged_exercise_explains_a_malformed_answer(capsys):
    def positive(answer):
        if not isinstance(answer, (int, float)):
            raise ValueError("give a number")
        return answer > 0

    exercises.exercise("99.3", hint="any positive number", judge=True)(positive)
    try:
        assert exercises.check("99.3", 2.5) is True
        assert exercises.check("99.3", -1) is False
        assert "not yet. Hint: any positive number" in capsys.readouterr().out.splitlines()[-1]
        assert exercises.check("99.3", "two") is False
        assert "not yet (give a number). Hint:" in capsys.readouterr().out
    finally:
        del exercises._EXERCISES["99.3"]


def test_notebook01_answers_are_computed_values():
    assert exercises.check("01.2", (64 * 64 * 3 + 1) * 128, verbose=False)
    assert exercises.check("01.3", (3 * 3 + 1) * 32, verbose=False)  # grayscale: 01 teaches one channel
    assert not exercises.check("01.3", 3 * 3 * 32, verbose=False)  # the 32 biases forgotten
    assert not exercises.check("01.3", 896, verbose=False)  # 3 channels: the colour layer of notebook 02
    assert not exercises.check("01.3", (3 * 3 + 1) * 32 * 62 * 62, verbose=False)  # not per output pixel


def test_wrong_type_is_wrong_not_a_crash():
    assert exercises.check("01.2", "many", verbose=False) is False
    assert exercises.check("01.2", [(64 * 64 * 3 + 1) * 128, 1], verbose=False) is False
    assert exercises.check("01.1", 0, verbose=False) is False


def test_tuple_answers_compare_by_shape_and_values():
    assert exercises.check("02.6", (62, 62, 16), verbose=False)
    assert not exercises.check("02.6", (62, 62, 3), verbose=False)
    assert not exercises.check("02.6", (62, 62), verbose=False)


def test_unknown_exercise():
    with pytest.raises(KeyError, match="no exercise"):
        exercises.check("99.9", 1)


def test_design_predict_and_widget_exercises_of_01_and_02():
    import numpy as np

    from cnnviz import samples, widgets, xo

    photo = samples.load_asset("cat_chelsea.jpg")
    brightest = ("red", "green", "blue")[int(np.argmax([photo[..., c].mean() for c in range(3)]))]
    assert brightest == "red"  # the largest channel mean, so the lightest grey picture in 01
    assert exercises.check("01.1", "Red", verbose=False) and not exercises.check("01.1", "green", verbose=False)
    assert exercises.check("01.4", [255, 220, 0], verbose=False)
    assert not exercises.check("01.4", [255, 0, 0], verbose=False)
    assert not exercises.check("01.4", [300, 300, 0], verbose=False)  # out of range: explained
    left_side = np.array([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]])
    assert exercises.check("02.3", left_side, verbose=False)
    for kernel in (xo.FILTERS["cross x"], np.zeros((3, 3)), -left_side):
        assert not exercises.check("02.3", kernel, verbose=False)
    explorer = widgets.ConvolutionExplorer()  # 02.5 done as the notebook says: preset, box, sliders
    explorer.image.value, explorer.kernel.value = "X", "cross x"
    explorer.weights[1][1].value = -1
    explorer.row.value, explorer.col.value = 3, 3
    assert exercises.check("02.5", explorer.mean, verbose=False)
    assert exercises.check("02.5", 0.78, verbose=False)
    assert exercises.check("02.1", (2, 3), verbose=False) and not exercises.check("02.1", (3, 2), verbose=False)


@pytest.mark.keras
def test_notebook06_answers_are_computed_values():
    from cnnviz import models, ops

    assert exercises.check("06.1", 3 * 3 * 128 * 128 + 128, verbose=False)
    assert not exercises.check("06.1", 3 * 3 * 128 * 128, verbose=False)  # the 128 biases forgotten
    assert exercises.check("06.2", 208 + 2_080 + 8_256 + 1_024 * 10 + 10, verbose=False)
    assert exercises.check("06.3", 459, verbose=False) and not exercises.check("06.3", 458, verbose=False)
    assert 0.99**459 < 0.01 <= 0.99**458
    assert exercises.check("06.4", 1.39, verbose=False) and not exercises.check(
        "06.4", 0.60, verbose=False
    )  # not log10
    macs = models.count_macs(models.cifar10_net(widths=(16, 32, 64))) / 1e6  # what the student runs
    assert exercises.check("06.5", round(macs, 1), verbose=False)
    assert not exercises.check("06.5", round(models.count_macs(models.cifar10_net()) / 2e6, 1), verbose=False)
    assert exercises.check("06.6", 0.85, verbose=False)
    assert not exercises.check("06.6", 0.0085, verbose=False) and not exercises.check("06.6", 0.43, verbose=False)
    assert exercises.check("06.7", 0.7, verbose=False) and exercises.check("06.7", 7 / 10, verbose=False)
    assert not exercises.check("06.7", 70 / 85, verbose=False)  # the column, not the row
    assert ops.conv_params(3, 128, 128) == 147_584


@pytest.mark.keras
def test_notebook07_answers_are_computed_values():
    import numpy as np

    from cnnviz import heatmaps, introspection

    # by hand, rf += (kernel - 1) * jump: 1 + 4 (conv 5) + 1 (pool, jump 1 -> 2) + 2*2 + 1*2 (pool, jump 4) + 2*4
    assert exercises.check("07.1", 20, verbose=False) and not exercises.check("07.1", 18, verbose=False)
    assert exercises.check("07.2", 8, verbose=False) and not exercises.check("07.2", 6, verbose=False)
    assert exercises.check("07.3", 49, verbose=False) and not exercises.check("07.3", 64, verbose=False)
    assert len(heatmaps.patch_starts(32, 8, 4)) == 7
    cat = [[0, 0, 0.2], [0, 0, 0.5]]  # ReLU(-S), S given in the exercise
    assert exercises.check("07.4", cat, verbose=False)
    assert not exercises.check("07.4", [[0.4, 0.1, 0], [0.3, 0, 0]], verbose=False)  # the dog map
    assert not exercises.check("07.4", [0, 0, 0.2, 0, 0, 0.5], verbose=False)  # not 2 rows of 3
    assert exercises.check("07.5", 0.6, verbose=False) and exercises.check("07.5", 3 / 5, verbose=False)
    assert not exercises.check("07.5", 0.5, verbose=False)
    kernel = np.array([2.0, 1.0, 0.0]).reshape(1, 1, 3, 1)  # the same filter, for the notebook's measure
    assert introspection.brightness_share(kernel)[0] == pytest.approx(0.6)


def test_notebook07_exercise_text_gives_what_the_checker_uses():
    import json
    from pathlib import Path

    nb = json.loads(
        (Path(__file__).resolve().parents[1] / "notebooks" / "07_what_the_network_learned.ipynb").read_text()
    )
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "S = " + str(exercises.GRADCAM_SUM_07_4.tolist()) in text
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert all(f'"07.{k}": None' in code for k in range(1, 6))


@pytest.mark.keras
def test_notebook08_answers_are_computed_values():
    import json
    from pathlib import Path

    import keras
    import numpy as np

    from cnnviz import models, prediction

    assert exercises.check("08.1", 0.82, verbose=False) and not exercises.check("08.1", 0.8, verbose=False)  # not 1 - s
    conv = keras.Sequential([keras.Input((8, 8, 24)), keras.layers.Conv2D(32, 3, padding="same")])
    models.identity_init(conv)  # the notebook's identity initialisation (its cnnviz copy)
    kernel = conv.layers[0].kernel.numpy()
    # a pass-through filter has a single weight, 1, at its centre on one input channel, and 0 everywhere else
    passing = [f for f in range(32) if np.abs(kernel[..., f]).sum() == 1 and kernel[1, 1, :, f].max() == 1]
    assert exercises.check("08.2", len(passing), verbose=False) and len(passing) == 24
    assert not exercises.check("08.2", 32, verbose=False)
    assert exercises.check("08.3", 1.15, verbose=False) and not exercises.check("08.3", 0.0115, verbose=False)
    assert exercises.check("08.4", 3.2, verbose=False) and not exercises.check("08.4", 0.05, verbose=False)
    seen = []

    def model(images):  # a stand-in network that counts the images it is shown
        seen.append(len(images))
        return np.full((len(images), 10), 0.1)

    prediction.multi_crop(model, np.zeros((3, 8, 8, 3), dtype="uint8"))
    assert exercises.check("08.5", sum(seen) // 3, verbose=False) and not exercises.check("08.5", 3, verbose=False)
    assert exercises.check("08.6", 1100, verbose=False) and not exercises.check("08.6", 1100 // 64, verbose=False)
    rng = np.random.default_rng(0)
    mirrored = rng.random((2, 100_000)) < 0.5  # random flips: each epoch mirrors each image with probability 1/2
    same_side = float(np.mean(mirrored[0] == mirrored[1]))
    assert abs(same_side - 0.5) < 0.01 and exercises.check("08.7", round(same_side, 1), verbose=False)
    assert not exercises.check("08.7", 0.0, verbose=False) and not exercises.check("08.7", 0.25, verbose=False)
    assert exercises.check("08.8", 80.7, verbose=False)  # the test score of the recipe best on validation
    assert not exercises.check("08.8", 81.3, verbose=False)  # not the best test score
    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "08_fast_training.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert all(f'"08.{k}": None' in code for k in range(1, 9))


def test_no_hint_gives_its_answer_away():
    for exercise_id, ex in exercises._EXERCISES.items():
        if ex.judge or not exercise_id.startswith(("01.", "02.")):
            continue
        answer = ex.fn()
        shown = (
            {str(answer), f"{answer}"}
            if isinstance(answer, (str, tuple))
            else {f"{answer:g}", f"{answer:.2f}", f"{round(answer * 9):d}/9"}
        )
        for text in shown:
            assert text not in ex.hint, (exercise_id, text)


def test_notebook05_answers_are_computed_values():
    import math

    assert exercises.check("05.1", 3_696_801, verbose=False)  # 128 px: 30*30*32 into Dense(128)
    assert not exercises.check("05.1", 813_217, verbose=False)  # the 64 px count
    assert exercises.check("05.2", 54, verbose=False)
    assert not exercises.check("05.2", 53, verbose=False)  # 1700 // 32 drops the last batch
    assert exercises.check("05.3", 3 * 1280 + 3, verbose=False)
    assert not exercises.check("05.3", 3 * 1280, verbose=False)  # the 3 biases forgotten
    assert exercises.check("05.4", 896 + 9_248 + (32 + 1) * 128 + 129, verbose=False)
    assert not exercises.check("05.4", 813_217, verbose=False)
    half = 100 * 1.96 * math.sqrt(0.9 * 0.1 / 300)
    assert exercises.check("05.5", round(half, 2), verbose=False) and exercises.check("05.5", 3.4, verbose=False)
    assert not exercises.check("05.5", 0.034, verbose=False)  # a share, not percentage points
    assert (276 - 270) / 300 * 100 < half  # the question's second model: a tie
    assert exercises.check("05.6", 7, verbose=False)
    assert not exercises.check("05.6", 4, verbose=False)  # one uptick is not a lasting rise


@pytest.mark.keras
def test_exercise_05_6_answer_is_what_keras_early_stopping_does():
    from cnnviz import config

    keras = config.keras_quietly()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)

    class Fake:
        stop_training = False

    stopper.set_model(Fake())
    stopper.on_train_begin()
    stopped_after = None
    for epoch, loss in enumerate(exercises.EXERCISE_05_6_LOSSES):
        stopper.on_epoch_end(epoch, {"val_loss": loss})
        if stopper.model.stop_training:
            stopped_after = epoch + 1
            break
    assert stopped_after == exercises.early_stopping_epoch(exercises.EXERCISE_05_6_LOSSES, patience=2) == 7


def test_exercises_of_04_check_its_objectives(capsys):
    """04.1 votes as a dense layer and softmax; 04.3 the nudge test; 04.4 training measured on the hard test set."""
    import math

    import numpy as np

    from cnnviz import learn, ops, xo

    moved = xo.forward(xo.shift(xo.X, 1, -1))["vector"]
    scores = learn.hand_params()["weights"] @ moved  # W @ v + b, b = 0
    assert exercises.check("04.1", ops.softmax(scores)[0], verbose=False)
    assert exercises.check("04.1", round(1 / (1 + math.exp(scores[1] - scores[0])), 2), verbose=False)
    assert not exercises.check("04.1", ops.softmax(scores)[1], verbose=False)  # the O's probability
    # 04.3: a student's nudge test, one-sided with a nudge of 0.001, is right; so is the slope rounded to 2 places
    x, y = learn.make_dataset()
    params = learn.init_params(seed=0)
    nudged = {k: v.copy() for k, v in params.items()}
    nudged["weights"][0, 4] += 1e-3
    slope = (learn.loss(learn.forward(nudged, x)[0], y) - learn.loss(learn.forward(params, x)[0], y)) / 1e-3
    assert exercises.check("04.3", slope, verbose=False) and exercises.check("04.3", round(slope, 2), verbose=False)
    assert not exercises.check("04.3", -slope, verbose=False)  # the wrong sign
    probs, cache = learn.forward(params, x)
    assert not exercises.check("04.3", learn.backward(params, probs, cache, y)["filters"][0, 0, 0], verbose=False)
    assert exercises.check("04.3", "-0.03") is False and "give one number" in capsys.readouterr().out
    # 04.4: the accuracy on the hard test set of a network trained from Ali's, as section 8 trains
    trained, _ = learn.train(x, y, steps=100, lr=1.0, momentum=0.0, params=learn.hand_params())
    right = learn.accuracy(trained, *learn.make_hard_test_set()[:2])
    assert exercises.check("04.4", right, verbose=False) and exercises.check("04.4", round(right, 2), verbose=False)
    model, _ = learn.train(x, y, steps=100, lr=1.0, momentum=0.0)  # from the random start instead
    assert not exercises.check("04.4", round(learn.accuracy(model, *learn.make_hard_test_set()[:2]), 2), verbose=False)
    assert not np.isclose(right, learn.accuracy(learn.hand_params(), *learn.make_hard_test_set()[:2]))
