"""Explain what a trained CNN learned: receptive fields, filters, top images, occlusion and Grad-CAM.

The first half is NumPy computation on arrays (occlusion takes any ``predict`` function and
borrows ``training.class_probabilities``); the second half reads Keras models. Keras is
imported only inside the functions that need it.

Grad-CAM scores a class by its *logit*, the value before the final sigmoid or softmax. A
single sigmoid unit gives p = sigmoid(z) for class 1, so class 0 ("the other class") has
1 - p = sigmoid(-z): its score is **-z**, the negated logit. The gradient of 1 - p points the
same way but is scaled by p(1 - p), which vanishes for a confident model.
"""
import math
from typing import NamedTuple

import numpy as np

from cnnviz import ops

# ---------------------------------------------------------------- receptive fields (pure)

KINDS = ("conv", "pool", "keep", "global", "merge")


def _pair(value, name):
    pair = tuple(int(v) for v in (value if isinstance(value, (tuple, list)) else (value, value)))
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a whole number >= 1 or a pair of them; got {value!r}")
    return pair


def _spec(spec, index, previous):
    """Return a layer spec as a dict: tuples ("conv", kernel, stride[, padding]) are accepted."""
    if not isinstance(spec, dict):
        kind, *rest = spec
        spec = dict(zip(("kind", "kernel", "stride", "padding"), (kind, *rest)))
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"layer {index}: kind must be one of {KINDS}; got {kind!r}")
    spec = {"name": f"{kind}{index}", "kernel": 1, "stride": 1, "dilation": 1, "padding": "valid",
            "inputs": [previous] if previous else [], **spec}
    if kind in ("conv", "pool"):
        spec["kernel"] = _pair(spec["kernel"], f"layer {spec['name']!r} kernel")
        spec["stride"] = _pair(spec["stride"], f"layer {spec['name']!r} stride")
        spec["dilation"] = _pair(spec["dilation"], f"layer {spec['name']!r} dilation")
    return spec


def receptive_fields(specs, input_size):
    """Return, layer by layer, the output size, the jump and the receptive field of one output unit.

    ``specs`` lists layers input to output, each a dict (``kind`` conv|pool|keep|global|merge,
    ``kernel``, ``stride``, ``dilation``, ``padding`` 'valid'|'same'|int, ``name``, ``inputs``)
    or a tuple ``(kind, kernel, stride[, padding])``. ``input_size`` is the image's (H, W).
    Each result holds ``out`` (h, w), ``jump`` (pixels of the image between two neighbouring
    units), ``rf`` (the side of the window of image pixels one unit sees), ``start`` (the
    image position, in pixels, of the centre of unit (0, 0)'s window) and ``whole`` (True once
    a unit sees the whole image: global pooling, flatten, dense).
    """
    h, w = _pair(input_size, "input_size")
    geometry = {"input": {"name": "input", "kind": "input", "out": (h, w), "jump": (1, 1), "rf": (1, 1),
                          "start": (0.0, 0.0), "whole": False}}
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
                before = (ops.same_padding(n, k, stride)[0] if padding == "same"
                          else 0 if padding == "valid" else int(padding))
                out.append(ops.output_size(n, k, stride, padding, strict=False))
                jump.append(j * stride)
                rf.append(r + (k - 1) * j)
                start.append(s0 + ((k - 1) / 2 - before) * j)
            field.update(out=tuple(out), jump=tuple(jump), rf=tuple(rf), start=tuple(start))
        elif spec["kind"] == "global":
            field.update(out=(1, 1), jump=(h, w), rf=(max(h, src["rf"][0]), max(w, src["rf"][1])),
                         start=((h - 1) / 2, (w - 1) / 2), whole=True)
        else:  # keep (ReLU, BatchNorm, Dropout...) and merge (Add, Concatenate): same grid
            field.update(out=src["out"], jump=src["jump"], rf=src["rf"], start=src["start"])
        geometry[spec["name"]] = field
        fields.append(field)
        previous = spec["name"]
    return fields


def receptive_box(field, row, col, image_size):
    """Return the pixel box (top, left, bottom, right), end excluded, that unit (row, col) of a layer sees, clipped to the image."""
    h, w = _pair(image_size, "image_size")
    if field["whole"]:
        return 0, 0, h, w
    if not (0 <= row < field["out"][0] and 0 <= col < field["out"][1]):
        raise ValueError(f"unit ({row}, {col}) is outside layer {field['name']!r}'s {field['out'][0]}x{field['out'][1]} map")
    box = []
    for axis, index, n in ((0, row, h), (1, col, w)):
        centre = field["start"][axis] + index * field["jump"][axis]
        half = (field["rf"][axis] - 1) / 2
        box.append((max(0, math.ceil(centre - half)), min(n, math.floor(centre + half) + 1)))
    return box[0][0], box[1][0], box[0][1], box[1][1]


def describe_fields(fields):
    """Return a text table of the layers: output size and depth, how many numbers that is, jump and receptive field."""
    lines = [f"{'layer':<20}{'output':>13}{'numbers':>10}{'jump':>6}{'receptive field':>17}"]
    for f in fields:
        depth = f.get("channels")
        size = ((f"{depth} values" if depth else "-") if f["whole"] else
                f"{f['out'][0]}x{f['out'][1]}" + (f"x{depth}" if depth else ""))
        numbers = f"{(depth or 1) * (1 if f['whole'] else f['out'][0] * f['out'][1]):,}" if depth else "-"
        rf = "whole image" if f["whole"] else f"{f['rf'][0]}x{f['rf'][1]}"
        jump = "-" if f["whole"] else str(f["jump"][0]) if f["jump"][0] == f["jump"][1] else f"{f['jump'][0]}x{f['jump'][1]}"
        lines.append(f"{f['name']:<20}{size:>13}{numbers:>10}{jump:>6}{rf:>17}")
    return "\n".join(lines)


# ------------------------------------------------------------------- filters and top images (pure)

def filters_as_images(kernel, per_filter=True):
    """Turn a conv kernel (kh, kw, C, F) into F small images (F, kh, kw, C) in 0..1, with weight 0 at grey 0.5.

    Each filter is scaled by its own largest |weight| (``per_filter=True``) or all by the
    largest of the layer (``False``, which shows which filters are strong).
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be (kh, kw, channels, filters) as Keras stores it; got shape {kernel.shape}")
    images = np.moveaxis(kernel, -1, 0)
    axes = (1, 2, 3) if per_filter else (0, 1, 2, 3)
    scale = np.abs(images).max(axis=axes, keepdims=True)
    return 0.5 + 0.5 * np.divide(images, scale, out=np.zeros_like(images), where=scale > 0)


def brightness_share(kernel):
    """Return, per filter of a (kh, kw, C, F) kernel, the share of its weight that all channels have alike.

    Near 1: a brightness pattern (the same on R, G and B); near 0: a colour pattern.
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be (kh, kw, channels, filters) as Keras stores it; got shape {kernel.shape}")
    mean = kernel.mean(axis=2, keepdims=True)
    grey = np.abs(mean).sum(axis=(0, 1, 2)) * kernel.shape[2]
    colour = np.abs(kernel - mean).sum(axis=(0, 1, 2))
    return grey / np.maximum(grey + colour, 1e-12)


def top_k(scores, k):
    """Return the indices of the ``k`` largest scores, largest first (ties: the lower index first)."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(f"scores must be a non-empty 1-D array, one per image; got shape {scores.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= scores.size:
        raise ValueError(f"k must be a whole number from 1 to {scores.size} (the number of scores); got {k!r}")
    return np.argsort(-scores, kind="stable")[:k]


# ----------------------------------------------------------------------- maps (pure)

def resize_map(values, shape):
    """Resize a 2-D map to ``shape`` (H, W) by bilinear interpolation between cell centres."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"resize_map takes a 2-D map; got shape {values.shape}")
    for axis, n in enumerate(_pair(shape, "shape")):
        m = values.shape[axis]
        src = np.clip((np.arange(n) + 0.5) * m / n - 0.5, 0, m - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, m - 1)
        t = (src - lo).reshape((-1, 1) if axis == 0 else (1, -1))
        values = (np.take(values, lo, axis=axis) * (1 - t) + np.take(values, hi, axis=axis) * t)
    return values


def normalise(values):
    """Scale a map to 0..1 by its largest value (a map of zeros stays zero)."""
    values = np.asarray(values, dtype=float)
    top = values.max() if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values)


# ------------------------------------------------------------------------ occlusion (pure)

class Occlusion(NamedTuple):
    """The result of ``occlusion``: probability drops per patch position and spread over pixels."""
    drop: np.ndarray      # (rows, cols): base probability minus the probability with the patch there
    pixels: np.ndarray    # (H, W): the mean drop of the patches covering each pixel
    base: float           # the class probability of the untouched image
    rows: np.ndarray      # top row of each patch position
    cols: np.ndarray      # left column of each patch position
    class_index: int
    patch: int


def patch_starts(n, patch, stride):
    """Return the start of each patch along an axis of ``n`` pixels; the last patch touches the far edge."""
    for label, value in (("patch", patch), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be a whole number of pixels >= 1; got {value!r}")
    if patch > n:
        raise ValueError(f"patch {patch} is larger than the image side {n}; use a patch of at most {n} pixels")
    starts = list(range(0, n - patch + 1, stride))
    return np.array(starts + ([n - patch] if starts[-1] != n - patch else []))


def occluded_batch(image, rows, cols, patch, fill):
    """Return copies of ``image`` (H, W, C), one per (row, col) start, each with a patch x patch square set to ``fill``."""
    image = np.asarray(image, dtype="float32")
    h, w = image.shape[:2]
    in_rows = (np.arange(h) >= rows[:, None]) & (np.arange(h) < rows[:, None] + patch)  # (P, H)
    in_cols = (np.arange(w) >= cols[:, None]) & (np.arange(w) < cols[:, None] + patch)  # (P, W)
    mask = in_rows[:, :, None] & in_cols[:, None, :]
    return np.where(mask[..., None], np.float32(fill), image[None])


def _class_column(proba, class_index):
    from cnnviz.training import class_probabilities
    proba = class_probabilities(proba)
    if not 0 <= class_index < proba.shape[1]:
        raise ValueError(f"class_index {class_index} is not a class of this model (0..{proba.shape[1] - 1})")
    return proba[:, class_index]


def occlusion(predict, image, patch=8, stride=4, class_index=None, fill=None, batch_size=64):
    """Slide a grey ``patch`` over ``image`` and return how much the class probability drops at each place.

    ``predict`` maps a batch (N, H, W, C) to probabilities (a Keras model, or any function);
    ``class_index`` defaults to the predicted class; ``fill`` defaults to mid-grey (127.5 for
    0-255 pixels, 0.5 for 0-1 pixels). Positive drops mark regions the prediction relies on.
    """
    image = np.asarray(image, dtype="float32")
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W, channels); got shape {image.shape}")
    run = _predict_fn(predict)
    untouched = run(image[None])
    if class_index is None:
        from cnnviz.training import class_probabilities
        class_index = int(class_probabilities(untouched)[0].argmax())
    base = float(_class_column(untouched, class_index)[0])
    fill = (127.5 if image.max() > 1 else 0.5) if fill is None else fill
    ys, xs = patch_starts(image.shape[0], patch, stride), patch_starts(image.shape[1], patch, stride)
    rows, cols = np.repeat(ys, len(xs)), np.tile(xs, len(ys))
    probs = np.concatenate([
        _class_column(run(occluded_batch(image, rows[i:i + batch_size], cols[i:i + batch_size], patch, fill)), class_index)
        for i in range(0, len(rows), batch_size)])
    drop = (base - probs).reshape(len(ys), len(xs))
    total, count = np.zeros(image.shape[:2]), np.zeros(image.shape[:2])
    for (r, c), d in zip(zip(rows, cols), drop.reshape(-1)):
        total[r:r + patch, c:c + patch] += d
        count[r:r + patch, c:c + patch] += 1
    return Occlusion(drop, total / count, base, ys, xs, int(class_index), int(patch))


# =========================================================================== Keras part

def _predict_fn(model):
    """Return a function batch -> NumPy probabilities for a Keras model or a plain function."""
    if hasattr(model, "layers"):  # predict_on_batch runs a compiled graph: an eager call keeps every layer's maps
        return lambda x: np.asarray(model.predict_on_batch(x))
    if not callable(model):
        raise ValueError(f"expected a Keras model or a function from images to probabilities; got {type(model).__name__}")
    return lambda x: np.asarray(model(x))


def predict_proba(model, image):
    """Return the class probabilities of one image (K,); a single sigmoid output p becomes [1 - p, p]."""
    return class_probs(model, image)[0]


def _inputs_of(layer):
    tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    return [t._keras_history.operation.name for t in tensors]


def layer_specs(model):
    """Describe each layer of ``model`` by how it moves over the image: kind, kernel, stride, padding, inputs."""
    from keras import layers as L
    specs, input_names = [], {t._keras_history.operation.name for t in model.inputs}
    for layer in model.layers:
        if isinstance(layer, L.InputLayer):
            continue
        spec = {"name": layer.name, "inputs": [n for n in _inputs_of(layer) if n not in input_names]}
        shape_in = tuple(layer.input.shape) if not isinstance(layer.input, (list, tuple)) else None
        shape_out = tuple(layer.output.shape)
        if isinstance(layer, (L.Conv2D, L.DepthwiseConv2D, L.SeparableConv2D)) and not isinstance(layer, L.Conv2DTranspose):
            spec.update(kind="conv", kernel=layer.kernel_size, stride=layer.strides,
                        dilation=layer.dilation_rate, padding=layer.padding)
        elif isinstance(layer, (L.MaxPooling2D, L.AveragePooling2D)):
            spec.update(kind="pool", kernel=layer.pool_size, stride=layer.strides, padding=layer.padding)
        elif isinstance(layer, (L.GlobalAveragePooling2D, L.GlobalMaxPooling2D, L.Flatten)) or (
                shape_in is not None and len(shape_in) == 4 and len(shape_out) != 4):
            spec.update(kind="global")
        elif isinstance(layer.input, (list, tuple)):
            spec.update(kind="merge")
        elif len(shape_out) != 4 or shape_in[1:3] == shape_out[1:3]:
            spec.update(kind="keep")
        else:
            raise ValueError(f"cannot follow the receptive field through layer {layer.name!r} "
                             f"({type(layer).__name__}), which changes the map size {shape_in[1:3]} -> {shape_out[1:3]}")
        spec["channels"] = shape_out[-1]
        specs.append(spec)
    return specs


def model_receptive_fields(model):
    """Return ``receptive_fields`` for every layer of a Keras ``model`` (with ``channels``), by layer name."""
    specs = layer_specs(model)
    fields = receptive_fields(specs, tuple(model.inputs[0].shape[1:3]))
    for field, spec in zip(fields, specs):
        field["channels"] = spec["channels"]
    return {field["name"]: field for field in fields}


def spatial_layers(model):
    """Return the names of the layers whose output is still a stack of maps (h, w, channels)."""
    return [layer.name for layer in model.layers
            if len(layer.output.shape) == 4 and type(layer).__name__ != "InputLayer"]


def conv_layers(model):
    """Return the names of the convolution and pooling layers, input to output (the stages worth showing)."""
    return [name for name, f in model_receptive_fields(model).items() if f["kind"] in ("conv", "pool")]


def gradcam_layer(model):
    """Return the usual Grad-CAM layer: the last convolution's output, after its BatchNorm/activation if any."""
    fields = model_receptive_fields(model)
    convs = [name for name, f in fields.items() if f["kind"] == "conv"]
    if not convs:
        raise ValueError(f"model {model.name!r} has no convolution layer to explain")
    names = list(fields)
    last, chosen = fields[convs[-1]], convs[-1]
    for name in names[names.index(chosen) + 1:]:
        f = fields[name]
        if f["kind"] != "keep" or f["out"] != last["out"] or f["whole"]:
            break
        chosen = name
    return chosen


def depth_layers(model, n=6):
    """Return up to ``n`` convolution/pooling layers of ``model``, spread evenly from the first to the last."""
    names = conv_layers(model)
    if len(names) <= n:
        return names
    return [names[i] for i in np.unique(np.round(np.linspace(0, len(names) - 1, n)).astype(int))]


def first_conv_layer(model):
    """Return the first Conv2D layer of ``model`` (its ``kernel`` is (kh, kw, C, F); ``trainable`` says if training moved it)."""
    from keras import layers as L
    for layer in model.layers:
        if isinstance(layer, L.Conv2D) and not isinstance(layer, L.Conv2DTranspose):
            return layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer")


def first_conv_kernel(model):
    """Return the kernel (kh, kw, C, F) of the first convolution of ``model`` as NumPy."""
    return np.asarray(first_conv_layer(model).kernel)


def _submodel(model, names, with_head_input=False):
    """Return a model from ``model``'s input to the outputs of layers ``names`` (and the last layer's input)."""
    keras = __import__("cnnviz.config", fromlist=["x"]).keras_quietly()
    known = {layer.name for layer in model.layers}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"no layer named {missing} in model {model.name!r}; choose from {spatial_layers(model)}")
    if len(model.inputs) != 1:
        raise ValueError(f"model {model.name!r} has {len(model.inputs)} inputs; these tools take models with one image input")
    if isinstance(model, keras.Sequential):
        # A loaded Sequential's layers keep outputs of several partial graphs (one per rebuild): gradients
        # cannot flow between them, so chain the layers once more into one graph.
        x = inputs = keras.Input(model.inputs[0].shape[1:])
        found = {}
        for layer in model.layers:
            found["head input"], x = x, layer(x)
            found[layer.name] = x
    else:
        inputs = model.inputs[0]
        found = {n: model.get_layer(n).output for n in names}
        found["head input"] = model.layers[-1].input
    return keras.Model(inputs, [found[n] for n in names] + ([found["head input"]] if with_head_input else []))


def _images(images, model):
    images = np.asarray(images, dtype="float32")
    expected = tuple(model.inputs[0].shape[1:])
    if images.shape == expected:
        images = images[None]
    if images.shape[1:] != expected:
        raise ValueError(f"images of shape {images.shape} do not match the model's input {expected}; "
                         f"resize them to {expected[:2]} with {expected[2]} channels")
    return images


def _layer_batches(model, images, layer_name, batch_size):
    """Yield the maps (n, h, w, channels) of ``layer_name`` for ``images``, one batch at a time."""
    images = _images(images, model)
    sub = _submodel(model, [layer_name])
    for i in range(0, len(images), batch_size):
        yield np.asarray(sub(images[i:i + batch_size], training=False))


def filter_scores(model, images, layer_name, channel, batch_size=64):
    """Return each image's mean activation of ``channel`` in ``layer_name`` (N,) and where it peaks (N, 2): row, col."""
    depth = model.get_layer(layer_name).output.shape[-1] if layer_name in spatial_layers(model) else None
    if depth is not None and not 0 <= channel < depth:
        raise ValueError(f"layer {layer_name!r} has {depth} channels; pick a channel from 0 to {depth - 1}")
    means, peaks = [], []
    for fmaps in _layer_batches(model, images, layer_name, batch_size):
        fmap = fmaps[..., channel]
        means.append(fmap.mean(axis=(1, 2)))
        flat = fmap.reshape(len(fmap), -1).argmax(axis=1)
        peaks.append(np.stack(np.unravel_index(flat, fmap.shape[1:]), axis=1))
    return np.concatenate(means), np.concatenate(peaks)


def selective_channels(model, images, layer_name, batch_size=64):
    """Return the channels of ``layer_name``, most selective first: the widest spread of their per-image means.

    A dead filter (never positive) comes last; a filter that fires for some images much more than
    for others comes first: the one worth a gallery.
    """
    means = np.concatenate([f.mean(axis=(1, 2)) for f in _layer_batches(model, images, layer_name, batch_size)])
    return np.argsort(-means.std(axis=0), kind="stable")


class TopImages(NamedTuple):
    """The images that excite one filter most: their indices, scores and the receptive box at the peak."""
    indices: np.ndarray
    scores: np.ndarray
    boxes: list           # (top, left, bottom, right) per image
    layer: str
    channel: int


def top_activating(model, images, layer_name, channel, k=8, batch_size=64):
    """Return the ``k`` images of ``images`` with the highest mean activation of one filter, largest first."""
    scores, peaks = filter_scores(model, images, layer_name, channel, batch_size)
    best = top_k(scores, k)
    field = model_receptive_fields(model)[layer_name]
    size = tuple(model.inputs[0].shape[1:3])
    return TopImages(best, scores[best], [receptive_box(field, *peaks[i], size) for i in best], layer_name, channel)


class GradCAM(NamedTuple):
    """Grad-CAM maps at the resolution of ``layer`` (N, h, w), with the channel weights and the scored class."""
    maps: np.ndarray
    weights: np.ndarray   # (N, channels): the mean gradient of the score over each channel's map
    classes: np.ndarray   # (N,) the class scored for each image
    proba: np.ndarray     # (N,) the model's probability of that class
    layer: str


def _logits(model, x_head, head):
    """Return the logits of the model's last layer from its input ``x_head`` (Dense or Activation/Softmax head)."""
    keras = __import__("cnnviz.config", fromlist=["x"]).keras_quietly()
    from keras import layers as L
    if isinstance(head, (L.Activation, L.Softmax)):
        return x_head
    if isinstance(head, L.Dense):
        z = keras.ops.matmul(x_head, head.kernel)
        return z + head.bias if head.use_bias else z
    raise ValueError(f"Grad-CAM needs a model ending in a Dense layer or an Activation/Softmax layer; "
                     f"{model.name!r} ends in {type(head).__name__} {head.name!r}")


def grad_cam(model, images, class_index=None, layer_name=None):
    """Compute Grad-CAM for one image or a batch: ReLU(sum over channels of mean(d score / d map) * map).

    The score is the class logit; for a single sigmoid output, class 1 is scored by the
    logit z and class 0 (the other class) by -z. ``class_index`` is an int, one per image,
    or None for the predicted class; ``layer_name`` defaults to ``gradcam_layer(model)``.
    """
    import tensorflow as tf
    from cnnviz.training import class_probabilities

    images = _images(images, model)
    layer_name = layer_name or gradcam_layer(model)
    head = model.layers[-1]
    proba = class_probabilities(_predict_fn(model)(images))
    classes = proba.argmax(axis=1) if class_index is None else np.broadcast_to(np.asarray(class_index, int), len(images))
    if classes.min() < 0 or classes.max() >= proba.shape[1]:
        raise ValueError(f"class_index {class_index} is not a class of this model (0..{proba.shape[1] - 1})")
    grad_model = _submodel(model, [layer_name], with_head_input=True)
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)  # records every op from the input on, frozen layers included
        fmaps, x_head = grad_model(x, training=False)
        logits = _logits(model, x_head, head)
        if logits.shape[-1] == 1:  # one sigmoid unit: class 1 scores z, class 0 scores -z
            score = tf.reduce_sum(logits[:, 0] * tf.constant(np.where(classes == 1, 1.0, -1.0), logits.dtype))
        else:
            score = tf.reduce_sum(tf.gather(logits, tf.constant(classes, tf.int32), axis=1, batch_dims=1))
    grads = tape.gradient(score, fmaps)
    weights = tf.reduce_mean(grads, axis=(1, 2))
    maps = tf.nn.relu(tf.einsum("nhwc,nc->nhw", fmaps, weights))
    return GradCAM(maps.numpy(), weights.numpy(), np.array(classes), proba[np.arange(len(images)), classes], layer_name)


# ------------------------------------------------------------ the models notebook 07 explains

def saved_model_path(name):
    """Return where notebooks 05 and 06 save their trained model: <CNNVIZ_CACHE_DIR>/models/<name>.keras."""
    from cnnviz import config
    return config.cache_dir() / "models" / f"{name}.keras"


def save_model(model, name):
    """Save ``model`` where notebook 07 finds it; a quick-mode run never replaces a saved model. Return what was done.

    Quick runs (tests, CI) are seconds long: the model already saved may come from a class or
    full run, which is worth far more to notebook 07.
    """
    from cnnviz import config
    path = saved_model_path(name)
    if config.mode() == "quick" and path.exists():
        return f"kept the model already saved at {path} (a quick run never replaces one)"
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return f"saved the {config.mode()}-mode model to {path}"


def load_model(path):
    """Load a saved ``.keras`` model, including one whose augmentation has a ``RandomShear`` layer.

    Keras 3.15 saves RandomShear's symmetric factor 0.2 as [-0.2, 0.2] and then refuses to read
    the negative number back; while loading, the pair is turned back into the factor.
    """
    keras = __import__("cnnviz.config", fromlist=["x"]).keras_quietly()
    shear = keras.layers.RandomShear
    own, original = shear.__dict__.get("from_config"), shear.from_config.__func__

    def from_config(cls, config):
        config = dict(config)
        for key in ("x_factor", "y_factor"):
            f = config.get(key)
            if isinstance(f, (list, tuple)) and len(f) == 2 and f[0] == -f[1]:
                config[key] = abs(f[1])
        return original(cls, config)

    shear.from_config = classmethod(from_config)
    try:
        return keras.models.load_model(path)
    finally:  # put Keras back as it was
        if own is None:
            del shear.from_config
        else:
            shear.from_config = own


class Case(NamedTuple):
    """A trained model, held-out images to explain it on, and where both came from."""
    model: object
    x: np.ndarray          # held-out images (N, H, W, 3) in 0-255 pixels
    y: np.ndarray          # their class indices (N,)
    class_names: list
    about: str             # which model and which data, in words


def _take(dataset, n):
    """Return the first ``n`` (images, labels) of a batched dataset as uint8 images and int labels."""
    xs, ys = [], []
    for x, y in dataset:
        xs.append(np.clip(np.asarray(x), 0, 255).astype(np.uint8))
        ys.append(np.asarray(y).reshape(-1).astype(int))
        if sum(map(len, ys)) >= n:
            break
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _train_here(name, build, train, val, epochs, n_train, settings):
    """Train ``build()`` (or reload it, when an earlier run finished with the same settings); return (model, text)."""
    import json
    import shutil
    import time

    keras = __import__("cnnviz.config", fromlist=["x"]).keras_quietly()
    from cnnviz import config, training

    settings = {**settings, "epochs": epochs, "n_train": n_train, "version": 3}
    folder = config.cache_dir() / "models" / ("07_" + "_".join([name] + [f"{k}{v}" for k, v in settings.items()]))
    done = folder / "done.json"
    if done.exists() and (folder / "best.keras").exists() and json.loads(done.read_text()) == settings:
        model = load_model(folder / "best.keras")
        return model, (f"reloaded {model.name} ({model.count_params():,} parameters), which an earlier run of this "
                       f"notebook trained for {epochs} epochs on {n_train:,} images ({folder / 'best.keras'})")
    if folder.exists() and not (folder / "backup").exists():
        shutil.rmtree(folder)  # a fit that never finished its first epoch: start again (a backup/ means resume)
    keras.utils.set_random_seed(42)
    model = build()
    training.compile_model(model, loss="binary_crossentropy" if model.outputs[0].shape[-1] == 1
                           else "sparse_categorical_crossentropy", learning_rate=1e-3, jit_compile=False)
    start = time.perf_counter()
    training.fit(model, train, val, epochs=epochs, folder=folder)
    done.write_text(json.dumps(settings))
    return model, (f"trained {model.name} ({model.count_params():,} parameters) here: {epochs} epochs on "
                   f"{n_train:,} images in {time.perf_counter() - start:.0f} s")


def _about(kind, how, source, x, y, model):
    from cnnviz.training import accuracy
    right = accuracy(y, class_probs(model, x).argmax(axis=1))
    return (f"{kind} model: {how}.\nData: {source}.\n"
            f"Accuracy on the {len(x):,} held-out images explained below: {right:.1%}")


def class_probs(model, images, batch_size=256):
    """Return the class probabilities (N, K) of a batch of images; a single sigmoid output p becomes [1 - p, p]."""
    from cnnviz.training import class_probabilities
    images = _images(images, model)
    run = _predict_fn(model)
    return class_probabilities(np.concatenate([run(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]))


def cats_vs_dogs_case(image_size=96, max_per_class=None, epochs=8, n_images=64):
    """Return the cats-vs-dogs model notebook 05 saved (else a small one trained now) and held-out photos."""
    from cnnviz import data, models

    path = saved_model_path("cats_vs_dogs")
    model = load_model(path) if path.exists() else None
    if model is not None:  # the photos notebook 05 held out: its default split
        cats = data.load_cats_vs_dogs(image_size=tuple(model.inputs[0].shape[1:3]))
        how = f"loaded the model notebook 05 trained and saved ({path})"
    else:
        cats = data.load_cats_vs_dogs(image_size=(image_size, image_size), max_per_class=max_per_class)
        widths, augment = (32, 64, 128, 128), epochs > 3  # augmentation pays off only over several epochs
        model, how = _train_here(
            "cats_vs_dogs", lambda: models.catsdogs_small_cnn(image_size, widths=widths, augment=augment),
            cats.train.cache(), cats.val.cache(), epochs, len(cats.train.file_paths),
            {"size": image_size, "widths": "-".join(map(str, widths)), "augment": augment})
        how = f"no saved model at {path} (run notebook 05 to make one), so this notebook {how}"
    x, y = _take(cats.val, n_images)
    return Case(model, x, y, list(cats.class_names), _about("Cats vs dogs", how, cats.source, x, y, model))


def cifar10_case(n_train=20000, epochs=8, n_images=2000):
    """Return the CIFAR-10 model notebook 06 saved (else a small one trained now) and test images."""
    import tensorflow as tf
    from cnnviz import data, models

    cifar = data.load_cifar10()
    (x_train, y_train), (x_test, y_test) = cifar
    path = saved_model_path("cifar10")
    if path.exists():
        model, how = load_model(path), f"loaded the model notebook 06 trained and saved ({path})"
    else:
        n_train = min(n_train, len(x_train) - len(x_train) // 10)
        n_val = min(len(x_train) // 10, 5000, max(n_train // 4, 1))
        train = tf.data.Dataset.from_tensor_slices((x_train[:n_train], y_train[:n_train, 0])).shuffle(
            n_train, seed=42).batch(64)
        val = tf.data.Dataset.from_tensor_slices((x_train[-n_val:], y_train[-n_val:, 0])).batch(256)
        model, how = _train_here("cifar10", lambda: models.small_cnn(32, 10), train, val, epochs, n_train, {})
        how = f"no saved model at {path} (run notebook 06 to make one), so this notebook {how}"
    x, y = x_test[:n_images], y_test[:n_images, 0].astype(int)
    return Case(model, x, y, list(cifar.class_names), _about("CIFAR-10", how, cifar.source, x, y, model))
