"""cnnviz.fields: receptive fields and jumps by hand (no Keras; attribution's tests check them against autodiff)."""

import pytest

from cnnviz import exercises, fields


def test_receptive_fields_by_hand():
    got = fields.receptive_fields([("conv", 3, 1), ("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1)], (32, 32))
    assert [f["rf"][0] for f in got] == [3, 5, 6, 10]
    assert [f["jump"][0] for f in got] == [1, 1, 2, 2]
    assert [f["out"][0] for f in got] == [30, 28, 14, 12]
    assert [f["start"][0] for f in got] == [1, 2, 2.5, 4.5]  # centre of unit (0, 0)'s window
    assert [f["name"] for f in got] == ["conv1", "conv2", "pool3", "conv4"]


def test_receptive_fields_of_the_spahovic_network():
    """Spahović (n.d.)'s CIFAR-10 stack: conv3 same, conv3, pool2, conv3 same, pool2, conv3, pool2, then flatten."""
    specs = [
        ("conv", 3, 1, "same"),
        ("conv", 3, 1),
        ("pool", 2, 2),
        ("conv", 3, 1, "same"),
        ("pool", 2, 2),
        ("conv", 3, 1),
        ("pool", 2, 2),
        ("global",),
    ]
    got = fields.receptive_fields(specs, (32, 32))
    assert [f["rf"][0] for f in got[:-1]] == [3, 5, 6, 10, 12, 20, 24]
    assert [f["out"][0] for f in got[:-1]] == [32, 30, 15, 15, 7, 5, 2]
    assert got[-1]["whole"] and not got[-2]["whole"]


def test_receptive_fields_of_rectangular_kernels_and_a_merge():
    specs = [
        {"kind": "conv", "kernel": (3, 1), "stride": (1, 2), "name": "a"},
        {"kind": "conv", "kernel": 3, "stride": 1, "padding": "same", "name": "b", "inputs": ["a"]},
        {"kind": "merge", "name": "add", "inputs": ["a", "b"]},
    ]
    got = {f["name"]: f for f in fields.receptive_fields(specs, (9, 9))}
    assert got["a"]["rf"] == (3, 1) and got["a"]["jump"] == (1, 2) and got["a"]["out"] == (7, 5)
    assert got["b"]["rf"] == (5, 5) and got["add"]["rf"] == (5, 5)  # the merge sees what its widest input sees


def test_receptive_box_is_the_window_clipped_to_the_image():
    got = fields.receptive_fields([("conv", 3, 1), ("pool", 2, 2)], (8, 8))
    assert fields.receptive_box(got[0], 0, 0, (8, 8)) == (0, 0, 3, 3)
    assert fields.receptive_box(got[1], 1, 2, (8, 8)) == (2, 4, 6, 8)  # pool unit sees 4x4 from (2, 4)
    same = fields.receptive_fields([("conv", 3, 1, "same")], (8, 8))[0]
    assert fields.receptive_box(same, 0, 7, (8, 8)) == (0, 6, 2, 8)  # padding: clipped at the corner
    whole = fields.receptive_fields([("conv", 3, 1), ("global",)], (8, 8))[1]
    assert fields.receptive_box(whole, 0, 0, (8, 8)) == (0, 0, 8, 8)


def test_receptive_fields_bad_input():
    with pytest.raises(ValueError, match="kind must be one of"):
        fields.receptive_fields([("dense", 3, 1)], (8, 8))
    with pytest.raises(ValueError, match="kernel must be a whole number"):
        fields.receptive_fields([("conv", 0, 1)], (8, 8))
    with pytest.raises(ValueError, match="which no earlier layer produces"):
        fields.receptive_fields([{"kind": "conv", "kernel": 3, "inputs": ["nowhere"]}], (8, 8))
    got = fields.receptive_fields([("conv", 3, 1)], (8, 8))
    with pytest.raises(ValueError, match="outside layer"):
        fields.receptive_box(got[0], 6, 0, (8, 8))


def test_describe_fields_lists_sizes_numbers_jumps_and_fields():
    got = fields.receptive_fields([("conv", 3, 1), ("pool", 2, 2), ("global",)], (32, 32))
    for f, depth in zip(got, (4, 4, 4)):
        f["channels"] = depth
    lines = fields.describe_fields(got).splitlines()
    assert len(lines) == 4 and "receptive field" in lines[0]
    assert "30x30x4" in lines[1] and "3,600" in lines[1] and lines[1].endswith("3x3")
    assert "15x15x4" in lines[2] and "900" in lines[2] and lines[2].endswith("4x4")
    assert "4 values" in lines[3] and lines[3].endswith("whole image")


def test_exercises_of_notebook07():
    assert exercises.check("07.1", 20, verbose=False) and not exercises.check("07.1", 12, verbose=False)
    assert exercises.check("07.2", 8, verbose=False) and not exercises.check("07.2", 4, verbose=False)
    assert exercises.check("07.3", 49, verbose=False) and not exercises.check("07.3", 64, verbose=False)
