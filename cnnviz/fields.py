"""Receptive-field arithmetic, pure Python and NumPy: imports neither Keras nor matplotlib.

Layer by layer: how far apart two neighbouring units are on the image (the jump) and how much of
the image one unit sees (its receptive field). ``introspection.model_receptive_fields`` reads the
same numbers off a Keras model.
"""

import math

from cnnviz import arguments, ops

KINDS = ("conv", "pool", "keep", "global", "merge")


def _spec(spec, index, previous):
    """Return a layer spec as a dict: tuples ("conv", kernel, stride[, padding]) are accepted."""
    if not isinstance(spec, dict):
        kind, *rest = spec
        spec = dict(zip(("kind", "kernel", "stride", "padding"), (kind, *rest)))
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"layer {index}: kind must be one of {KINDS}; got {kind!r}")
    spec = {
        "name": f"{kind}{index}",
        "kernel": 1,
        "stride": 1,
        "dilation": 1,
        "padding": "valid",
        "inputs": [previous] if previous else [],
        **spec,
    }
    if kind in ("conv", "pool"):
        spec["kernel"] = arguments.whole_pair(spec["kernel"], f"layer {spec['name']!r} kernel")
        spec["stride"] = arguments.whole_pair(spec["stride"], f"layer {spec['name']!r} stride")
        spec["dilation"] = arguments.whole_pair(spec["dilation"], f"layer {spec['name']!r} dilation")
    return spec


def receptive_fields(specs, input_size):
    """Return, layer by layer, the output size, the jump and the receptive field of one output unit.

    Args:
        specs: the layers, input to output. Each is a tuple ``(kind, kernel, stride[, padding])``,
            e.g. ``("conv", 3, 1, "same")``, or a dict with ``kind`` and optionally ``kernel``,
            ``stride``, ``dilation`` (a whole number or a (height, width) pair), ``padding``
            ('valid', 'same' or a number of zeros), ``name`` and ``inputs`` (earlier layer names;
            default: the layer before). ``kind`` is 'conv', 'pool', 'keep' (ReLU, BatchNorm...:
            same grid), 'global' (global pooling, Flatten, Dense) or 'merge' (Add, Concatenate).
        input_size: the image's (height, width) in pixels, or one number for a square image.

    Returns:
        A list of dicts, one per layer, each with ``name``, ``kind``, ``out`` (h, w),
        ``jump`` (image pixels between two neighbouring units, per axis), ``rf`` (the side of the
        window of image pixels one unit sees, per axis), ``start`` (the image position, in pixels,
        of the centre of unit (0, 0)'s window) and ``whole`` (True once a unit sees the whole image).

    Raises:
        ValueError: for an unknown ``kind``, a kernel, stride, dilation or size that is not a whole
            number >= 1 (or a pair of them), an input no earlier layer produces, or a merge of
            maps with different jumps.
    """
    h, w = arguments.whole_pair(input_size, "input_size")
    geometry = {
        "input": {
            "name": "input",
            "kind": "input",
            "out": (h, w),
            "jump": (1, 1),
            "rf": (1, 1),
            "start": (0.0, 0.0),
            "whole": False,
        }
    }
    previous, fields = "input", []
    for index, raw in enumerate(specs, start=1):
        spec = _spec(raw, index, previous)
        missing = [n for n in spec["inputs"] if n not in geometry]
        if missing:
            raise ValueError(f"layer {spec['name']!r} reads {missing}, which no earlier layer produces")
        ins = [geometry[n] for n in spec["inputs"]] or [geometry["input"]]
        src = max(ins, key=lambda g: g["rf"])
        if spec["kind"] == "merge" and len({g["jump"] for g in ins}) > 1:
            raise ValueError(f"layer {spec['name']!r} merges maps with different jumps {[g['jump'] for g in ins]}")
        field = {"name": spec["name"], "kind": spec["kind"], "whole": src["whole"]}
        if spec["kind"] in ("conv", "pool"):
            out, jump, rf, start = [], [], [], []
            for axis in (0, 1):
                n, j, r, s0 = src["out"][axis], src["jump"][axis], src["rf"][axis], src["start"][axis]
                k = spec["dilation"][axis] * (spec["kernel"][axis] - 1) + 1
                stride, padding = spec["stride"][axis], spec["padding"]
                before = ops.same_padding(n, k, stride)[0] if padding == "same" else int(ops.zeros_per_side(padding))
                out.append(ops.output_size(n, k, stride, padding, strict=False))
                jump.append(j * stride)
                rf.append(r + (k - 1) * j)
                start.append(s0 + ((k - 1) / 2 - before) * j)
            field.update(out=tuple(out), jump=tuple(jump), rf=tuple(rf), start=tuple(start))
        elif spec["kind"] == "global":
            field.update(
                out=(1, 1),
                jump=(h, w),
                rf=(max(h, src["rf"][0]), max(w, src["rf"][1])),
                start=((h - 1) / 2, (w - 1) / 2),
                whole=True,
            )
        else:  # keep (ReLU, BatchNorm, Dropout...) and merge (Add, Concatenate): same grid
            field.update(out=src["out"], jump=src["jump"], rf=src["rf"], start=src["start"])
        geometry[spec["name"]] = field
        fields.append(field)
        previous = spec["name"]
    return fields


def receptive_box(field, row, col, image_size):
    """Return the pixel box that one unit of a layer sees, clipped to the image.

    Args:
        field: one layer's dict from ``receptive_fields`` (or ``introspection.model_receptive_fields``).
        row, col: the unit's position in the layer's map.
        image_size: the image's (height, width) in pixels.

    Returns:
        ``(top, left, bottom, right)`` in pixels, bottom and right excluded (the whole image for a
        layer whose units see all of it).

    Raises:
        ValueError: if (row, col) is outside the layer's map, or ``image_size`` is not a size.
    """
    h, w = arguments.whole_pair(image_size, "image_size")
    if field["whole"]:
        return 0, 0, h, w
    if not (0 <= row < field["out"][0] and 0 <= col < field["out"][1]):
        raise ValueError(
            f"unit ({row}, {col}) is outside layer {field['name']!r}'s {field['out'][0]}x{field['out'][1]} map"
        )
    box = []
    for axis, index, n in ((0, row, h), (1, col, w)):
        centre = field["start"][axis] + index * field["jump"][axis]
        half = (field["rf"][axis] - 1) / 2
        box.append((max(0, math.ceil(centre - half)), min(n, math.floor(centre + half) + 1)))
    return box[0][0], box[1][0], box[0][1], box[1][1]


def describe_fields(fields):
    """Return a text table of the layers: output size and depth, how many numbers that is, jump and receptive field.

    Args:
        fields: a list of layer dicts from ``receptive_fields`` or ``introspection.model_receptive_fields``
            (a ``channels`` entry, when present, adds the depth and the count of numbers).

    Returns:
        The table as one string, a line per layer, ready to ``print``.
    """
    lines = [f"{'layer':<20}{'output':>13}{'numbers':>10}{'jump':>6}{'receptive field':>17}"]
    for f in fields:
        depth = f.get("channels")
        size = (
            (f"{depth} values" if depth else "-")
            if f["whole"]
            else f"{f['out'][0]}x{f['out'][1]}" + (f"x{depth}" if depth else "")
        )
        numbers = f"{(depth or 1) * (1 if f['whole'] else f['out'][0] * f['out'][1]):,}" if depth else "-"
        rf = "whole image" if f["whole"] else f"{f['rf'][0]}x{f['rf'][1]}"
        jump = (
            "-"
            if f["whole"]
            else str(f["jump"][0])
            if f["jump"][0] == f["jump"][1]
            else f"{f['jump'][0]}x{f['jump'][1]}"
        )
        lines.append(f"{f['name']:<20}{size:>13}{numbers:>10}{jump:>6}{rf:>17}")
    return "\n".join(lines)
