"""cnnviz.arguments, the one place for argument checks: a float, a string or a bool where a whole number is
expected is refused with a message naming the argument, showing the value and saying what to write; every
function that takes a count or a size refuses alike."""

import re

import numpy as np
import pytest

from cnnviz import arguments, data, fields, heatmaps, metrics, ops, photos, prediction, samples


@pytest.mark.parametrize(
    "value, advice",
    [
        (3.5, r"got 3\.5: round it yourself, e\.g\. 3 or 4"),
        (3.0, r"got 3\.0: write 3, without a decimal point"),
        (np.float32(2.0), r"write 2, without a decimal point"),
        ("3", r"got '3': write 3 without quotes"),
        ("three", r"got 'three': write a number, without quotes"),
        (True, r"got True: True and False are not counts here"),
        (np.bool_(True), r"True and False are not counts here"),
        (None, r"got None: use a whole number such as 3"),
        (float("nan"), r"use a finite whole number"),
    ],
)
def test_whole_number_refuses_what_is_not_one_and_says_what_to_write(value, advice):
    with pytest.raises(ValueError, match=r"^stride must be a whole number >= 1; got .*" + advice.split("got ")[-1]):
        arguments.whole_number(value, "stride")


@pytest.mark.parametrize(
    "kwargs, value, match",
    [
        ({}, 0, r"stride must be a whole number >= 1; got 0$"),
        ({"minimum": 0}, -1, r"must be a whole number >= 0; got -1"),
        ({"maximum": 5}, 6, r"must be a whole number from 1 to 5; got 6"),
        ({"unit": "pixels"}, 0, r"must be a whole number of pixels >= 1"),
        ({"meaning": "how far the window moves"}, 0, r">= 1 \(how far the window moves\); got 0"),
    ],
)
def test_whole_number_refuses_a_value_out_of_range(kwargs, value, match):
    with pytest.raises(ValueError, match=match):
        arguments.whole_number(value, "stride", **kwargs)


def test_whole_number_returns_python_ints():
    assert arguments.whole_number(np.int64(3), "n") == 3 and type(arguments.whole_number(np.int64(3), "n")) is int
    assert arguments.whole_number(0, "padding", minimum=0) == 0


@pytest.mark.parametrize(
    "value, match",
    [
        (160, r"two whole numbers; got 160; for a square image write \(160, 160\)"),
        ((160.7, 160), r"got \(160\.7, 160\): the height 160\.7 is not a whole number \(round it yourself"),
        (("64", "64"), r"the height '64' is not a whole number \(write 64 without quotes\)"),
        (True, r"two whole numbers; got True"),
        ((True, 3), r"the height True is not a whole number"),
        ((3, 2.0), r"the width 2\.0 is not a whole number \(write 2, without a decimal point\)"),
        ((224, 224, 3), r"two whole numbers; got \(224, 224, 3\)"),
        ("ab", r"two whole numbers; got 'ab'"),
        (None, r"two whole numbers; got None"),
        ((0, 5), r"of at least 1 pixel each; got \(0, 5\)"),
    ],
)
def test_size_pair_refuses_what_is_not_height_and_width(value, match):
    with pytest.raises(ValueError, match=r"^image_size must be \(height, width\)"):
        arguments.size_pair(value)
    with pytest.raises(ValueError, match=match):
        arguments.size_pair(value)


def test_size_pair_takes_the_pairs_a_learner_has_at_hand():
    assert arguments.size_pair((24, 32)) == (24, 32) and arguments.size_pair([5, 7]) == (5, 7)
    assert arguments.size_pair(np.array([12, 5])) == (12, 5)  # an array, e.g. a shape slice
    assert arguments.size_pair(np.zeros((6, 4, 3)).shape[:2]) == (6, 4)
    assert all(type(v) is int for v in arguments.size_pair(np.array([12, 5])))


@pytest.mark.parametrize(
    "value, match",
    [
        ((3.5, True), r"got \(3\.5, True\): its first value 3\.5 is not a whole number"),
        ((3, True), r"its second value True is not a whole number"),
        ("3", r"got '3': write 3 without quotes"),
        (2.0, r"got 2\.0: write 2, without a decimal point"),
        ((1, 2, 3), r"a whole number >= 1 or a pair of them; got \(1, 2, 3\)"),
        ((0, 2), r"its first value is below 1"),
    ],
)
def test_whole_pair_refuses_what_is_not_one_or_two_whole_numbers(value, match):
    with pytest.raises(ValueError, match=match):
        arguments.whole_pair(value, "kernel")


def test_whole_pair_takes_one_number_for_both_or_a_pair():
    assert arguments.whole_pair(3, "kernel") == (3, 3) and arguments.whole_pair((3, 5), "kernel") == (3, 5)
    with pytest.raises(ValueError, match="a pair of whole numbers >= 1; got 3"):
        arguments.whole_pair(3, "kernel", one_for_both=False)


# Every place that takes a count or a size refuses a float, a string and a bool, naming the argument.
CALLERS = {
    "ops.output_size kernel": (lambda v: ops.output_size(7, v), "kernel"),
    "ops.output_size n": (lambda v: ops.output_size(v, 3, strict=False), "input size n"),
    "ops.conv2d stride": (lambda v: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=v), "stride"),
    "ops.conv2d padding": (lambda v: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), padding=v), "padding"),
    "ops.pool2d size": (lambda v: ops.pool2d(np.zeros((4, 4)), size=v), "size"),
    "ops.pool2d stride": (lambda v: ops.pool2d(np.zeros((4, 4)), stride=v), "stride"),
    "metrics.confusion_matrix n_classes": (lambda v: metrics.confusion_matrix([0], [0], v), "n_classes"),
    "fields.receptive_fields kernel": (
        lambda v: fields.receptive_fields([("conv", v, 1)], (8, 8)),
        "layer 'conv1' kernel",
    ),
    "fields.receptive_fields input_size": (lambda v: fields.receptive_fields([("conv", 3, 1)], v), "input_size"),
    "photos.decode_photo image_size": (lambda v: photos.decode_photo(b"x", (v, 32)), r"image_size"),
    "photos.resize image_size": (lambda v: photos.resize(np.zeros((4, 4)), (v, v)), r"image_size"),
    "samples.load_asset size": (lambda v: samples.load_asset("coffee.png", (v, 10)), "size"),
    "prediction.probabilities batch_size": (
        lambda v: prediction.probabilities(lambda x: x[:, 0, 0, :2], np.zeros((3, 2, 2, 3)), batch_size=v),
        "batch_size",
    ),
    "heatmaps.patch_starts patch": (lambda v: heatmaps.patch_starts(8, v, 2), "patch"),
    "heatmaps.resize_map shape": (lambda v: heatmaps.resize_map(np.zeros((2, 2)), (v, 4)), "shape"),
    "data.image_folder_datasets image_size": (lambda v: data.image_folder_datasets("nowhere", (v, 10)), "image_size"),
    "data.image_folder_datasets max_per_class": (
        lambda v: data.image_folder_datasets("nowhere", max_per_class=v),
        "max_per_class",
    ),
    "data.load_cats_vs_dogs image_size": (lambda v: data.load_cats_vs_dogs(image_size=(10, v)), "image_size"),
}


@pytest.mark.parametrize("value", [2.5, 2.0, "2", True])
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_every_caller_refuses_a_float_a_string_and_a_bool(caller, value):
    call, name = CALLERS[caller]
    pattern = rf"^{re.escape(name)} must be .*whole number.*; got .*{re.escape(repr(value))}"
    with pytest.raises(ValueError, match=pattern):
        call(value)


@pytest.mark.parametrize("value", [2.5, "2", True])
def test_the_keras_modules_refuse_alike(value):
    pytest.importorskip("tensorflow")
    from cnnviz import introspection, models

    with pytest.raises(ValueError, match=rf"^pad must be a whole number of pixels >= 0; got {re.escape(repr(value))}"):
        models.RandomShift(pad=value)
    with pytest.raises(ValueError, match=rf"^k must be a whole number from 1 to 3 .*; got {re.escape(repr(value))}"):
        introspection.top_k(np.arange(3.0), value)
