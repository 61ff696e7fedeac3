"""Check a learner's answers to the notebooks' exercises, with a hint when they are wrong.

Each exercise's right answer is computed by cnnviz itself, never typed in. Register one with
``@exercise("01.2", hint=...)`` on a function that returns the right answer, then check an
answer with ``check("01.2", answer)``.
"""
import numpy as np

from cnnviz import ops

_EXERCISES = {}


def exercise(exercise_id, hint):
    """Register the decorated function as the computed answer of ``exercise_id``."""
    def register(fn):
        _EXERCISES[exercise_id] = (fn, hint)
        return fn
    return register


def check(exercise_id, answer, verbose=True):
    """Say whether ``answer`` is right for ``exercise_id`` (printing a hint when it is not); return True/False."""
    if exercise_id not in _EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}; known: {sorted(_EXERCISES)}")
    fn, hint = _EXERCISES[exercise_id]
    expected = fn()
    try:
        right = np.shape(answer) == np.shape(expected) and bool(np.allclose(answer, expected, rtol=1e-6, atol=1e-9))
    except (TypeError, ValueError):
        right = answer == expected
    if verbose:
        print(f"Exercise {exercise_id}: " + ("right!" if right else f"not yet. Hint: {hint}"))
    return right


# ------------------------------------------------------------------ notebook 01

@exercise("01.1", hint="height x width x channels: every pixel of a colour image holds 3 numbers.")
def _numbers_in_64x64_rgb():
    return 64 * 64 * 3


@exercise("01.2", hint="each of the 128 neurons has one weight per input number, plus one bias: "
                       "ops.dense_params(n_in, n_out).")
def _dense_on_64x64_rgb():
    return ops.dense_params(64 * 64 * 3, 128)


@exercise("01.3", hint="a 3x3 filter on an RGB input spans all 3 channels (3*3*3 weights) plus a bias; "
                       "there are 32 such filters: ops.conv_params(kernel_size, in_channels, filters).")
def _conv_32_filters_rgb():
    return ops.conv_params(3, 3, 32)


@exercise("01.4", hint="the output size is (n - kernel + 2*padding) / stride + 1: ops.output_size(n, kernel, stride, padding).")
def _output_size_64_5_1_0():
    return ops.output_size(64, 5, 1, 0)
