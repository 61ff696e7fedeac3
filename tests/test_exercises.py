"""Check the exercise checker: right answers pass, wrong ones fail with a hint, no hint before an attempt."""
import pytest

from cnnviz import exercises


def test_right_and_wrong_answers(capsys):
    assert exercises.check("01.1", 12288) is True
    assert "right!" in capsys.readouterr().out
    assert exercises.check("01.1", 4096) is False
    assert "not yet. Hint: height x width x channels" in capsys.readouterr().out


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
    assert exercises.check("01.3", 896, verbose=False)
    assert not exercises.check("01.3", 864, verbose=False)          # the 32 biases forgotten


def test_wrong_type_is_wrong_not_a_crash():
    assert exercises.check("01.1", "many", verbose=False) is False
    assert exercises.check("01.1", [12288, 1], verbose=False) is False


def test_tuple_answers_compare_by_shape_and_values():
    assert exercises.check("02.3", (62, 62, 16), verbose=False)
    assert not exercises.check("02.3", (62, 62, 3), verbose=False)
    assert not exercises.check("02.3", (62, 62), verbose=False)


def test_unknown_exercise():
    with pytest.raises(KeyError, match="no exercise"):
        exercises.check("99.9", 1)


def test_design_predict_and_widget_exercises_of_01_and_02():
    import numpy as np
    from cnnviz import widgets, xo

    assert exercises.check("01.4", "Red", verbose=False) and not exercises.check("01.4", "blue", verbose=False)
    assert exercises.check("01.5", [255, 220, 0], verbose=False)
    assert not exercises.check("01.5", [255, 0, 0], verbose=False)
    assert not exercises.check("01.5", [300, 300, 0], verbose=False)              # out of range: explained
    left_side = np.array([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]])
    assert exercises.check("02.5", left_side, verbose=False)
    for kernel in (xo.FILTERS["cross x"], np.zeros((3, 3)), -left_side):
        assert not exercises.check("02.5", kernel, verbose=False)
    explorer = widgets.ConvolutionExplorer()                                      # 02.6 done with the widget
    explorer.kernel.value = "cross x"
    explorer.weights[1][1].value = -1
    explorer.row.value, explorer.col.value = 3, 3
    assert exercises.check("02.6", explorer.mean, verbose=False)
    assert exercises.check("02.6", 0.78, verbose=False)
    assert exercises.check("02.7", (2, 3), verbose=False) and not exercises.check("02.7", (3, 2), verbose=False)


def test_no_hint_gives_its_answer_away():
    for exercise_id, ex in exercises._EXERCISES.items():
        if ex.judge or not exercise_id.startswith(("01.", "02.")):
            continue
        answer = ex.fn()
        shown = {str(answer), f"{answer}"} if isinstance(answer, (str, tuple)) else {
            f"{answer:g}", f"{answer:.2f}", f"{round(answer * 9):d}/9"}
        for text in shown:
            assert text not in ex.hint, (exercise_id, text)
