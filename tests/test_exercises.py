"""Check the exercise checker: right answers pass, wrong ones fail with a hint."""
import pytest

from cnnviz import exercises


def test_right_and_wrong_answers(capsys):
    assert exercises.check("01.1", 12288) is True
    assert "right!" in capsys.readouterr().out
    assert exercises.check("01.1", 4096) is False
    assert "Hint: height x width x channels" in capsys.readouterr().out


def test_notebook01_answers_are_computed_values():
    assert exercises.check("01.2", (64 * 64 * 3 + 1) * 128, verbose=False)
    assert exercises.check("01.3", 896, verbose=False)
    assert exercises.check("01.4", 60, verbose=False)
    assert not exercises.check("01.4", 59, verbose=False)


def test_wrong_type_is_wrong_not_a_crash():
    assert exercises.check("01.1", "many", verbose=False) is False
    assert exercises.check("01.1", [12288, 1], verbose=False) is False


def test_unknown_exercise():
    with pytest.raises(KeyError, match="no exercise"):
        exercises.check("99.9", 1)
