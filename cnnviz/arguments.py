"""Check the arguments a learner passes: whole numbers and (height, width) sizes, one wording everywhere.

Pure Python and NumPy: imports neither Keras nor matplotlib, so every module may use it. A float
(even 3.0), a string (even "3") or a bool where a whole number is expected is refused, never
rounded or converted: ``int(3.5)`` would silently give 3 and ``int(True)`` 1. Each refusal is a
``ValueError`` whose message names the argument, repeats the value and says what to write instead.
"""

import math

import numpy as np


def _is_whole(value):
    """Return True for an int or NumPy integer that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _advice(value):
    """Return a short sentence on what to write instead of ``value`` (not a whole number)."""
    if isinstance(value, (bool, np.bool_)):
        return "True and False are not counts here; write the number itself"
    if isinstance(value, str):
        digits = value.strip()
        return f"write {digits} without quotes" if digits.lstrip("-").isdigit() else "write a number, without quotes"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "use a finite whole number"
        if float(value).is_integer():
            return f"write {int(value)}, without a decimal point"
        return f"round it yourself, e.g. {math.floor(value)} or {math.ceil(value)}"
    return "use a whole number such as 3"


def whole_number(value, name, minimum=1, maximum=None, unit="", meaning=""):
    """Return ``value`` as an int after checking it is a whole number in range.

    Args:
        value: what the learner passed.
        name: the argument's name, as the message should say it (e.g. ``"stride"``).
        minimum: the smallest value accepted.
        maximum: the largest value accepted, or None for no limit.
        unit: what the number counts, for the message (e.g. ``"pixels"``), or ``""``.
        meaning: a few words on what the number does, put in brackets in the message, or ``""``.

    Returns:
        ``value`` as a Python int.

    Raises:
        ValueError: for a bool, float, string or other non-integer, or a value out of range; the
            message names ``name``, shows the value and says what to write.
    """
    what = f"a whole number{f' of {unit}' if unit else ''}"
    wanted = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
    wanted += f" ({meaning})" if meaning else ""
    if not _is_whole(value):
        raise ValueError(f"{name} must be {what} {wanted}; got {value!r}: {_advice(value)}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {what} {wanted}; got {value!r}")
    return int(value)


def whole_pair(value, name, minimum=1, one_for_both=True):
    """Return ``value`` as a pair of ints, each a whole number >= ``minimum``.

    Args:
        value: one whole number (used for both, when ``one_for_both``) or a pair of them (tuple,
            list or 1-D array).
        name: the argument's name, for the message.
        minimum: the smallest value accepted for each.
        one_for_both: whether one number stands for a square pair.

    Returns:
        A tuple of two Python ints.

    Raises:
        ValueError: if ``value`` is not two whole numbers (or one, when allowed) >= ``minimum``.
    """
    form = f"a whole number >= {minimum} or a pair of them" if one_for_both else f"a pair of whole numbers >= {minimum}"
    if one_for_both and _is_whole(value):
        pair = (value, value)
    else:
        try:
            pair = tuple(value)
        except TypeError:
            pair = None
        if pair is None or len(pair) != 2 or isinstance(value, (str, bytes)):
            scalar = isinstance(value, (str, bool, float, np.bool_, np.floating))
            raise ValueError(f"{name} must be {form}; got {value!r}" + (f": {_advice(value)}" if scalar else ""))
    for which, v in zip(("first", "second"), pair):
        if not _is_whole(v):
            raise ValueError(
                f"{name} must be {form}; got {value!r}: its {which} value {v!r} is not a whole number ({_advice(v)})"
            )
        if v < minimum:
            raise ValueError(f"{name} must be {form}; got {value!r}: its {which} value is below {minimum}")
    return int(pair[0]), int(pair[1])


def size_pair(value, name="image_size"):
    """Return an image size as ``(height, width)``, two whole numbers of at least 1 pixel, as Keras writes sizes.

    Args:
        value: a pair such as ``(160, 160)``, ``[24, 32]``, ``photo.shape[:2]`` or
            ``model.inputs[0].shape[1:3]``.
        name: the argument's name, for the message.

    Returns:
        A tuple ``(height, width)`` of Python ints.

    Raises:
        ValueError: for one number, three, a float, a string, a bool or a side below 1 pixel; the
            message names ``name`` and says what to write.
    """
    try:
        pair = None if isinstance(value, (str, bytes)) else tuple(value)
    except TypeError:
        pair = None
    if pair is None or len(pair) != 2:
        square = f"; for a square image write ({value}, {value})" if _is_whole(value) else ""
        raise ValueError(f"{name} must be (height, width), two whole numbers; got {value!r}{square}")
    for which, v in zip(("height", "width"), pair):
        if not _is_whole(v):
            raise ValueError(
                f"{name} must be (height, width), two whole numbers; got {value!r}: the {which} "
                f"{v!r} is not a whole number ({_advice(v)})"
            )
        if v < 1:
            raise ValueError(f"{name} must be (height, width) of at least 1 pixel each; got {value!r}")
    return int(pair[0]), int(pair[1])
