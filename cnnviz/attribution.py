"""Explain a trained Keras CNN (Grad-CAM, occlusion, top images, filters, fields); uses Keras, never matplotlib.

Grad-CAM here is the reference the notebooks check their own against; the rest: occlusion, the
images that excite one filter, first-layer filters as pictures, and the receptive field of every layer.
Keras module (TensorFlow through ``config.keras_quietly``); it imports neither matplotlib nor
``cnnviz.plots`` or ``cnnviz.widgets``. Pure receptive-field arithmetic lives in ``cnnviz.fields``;
map resizing in ``cnnviz.ops``; drawing in ``cnnviz.plots``.

Grad-CAM scores a class by its *logit*, the value before the final sigmoid or softmax. A single
sigmoid unit gives p = sigmoid(z) for class 1, so class 0 ("the other class") has 1 - p = sigmoid(-z):
its score is **-z**. The gradient of 1 - p points the same way but is scaled by p(1 - p), which
vanishes for a confident model.
"""
from typing import NamedTuple

import numpy as np

from cnnviz import config, metrics, ops
from cnnviz.ops import patch_starts  # noqa: F401  (occlusion geometry, pure NumPy; re-exported)
from cnnviz.fields import receptive_box, receptive_fields
from cnnviz.training import check_image

keras = config.keras_quietly()
import tensorflow as tf  # noqa: E402  (after the quiet import)
from keras import layers as L  # noqa: E402

def filters_as_images(kernel, per_filter=True):
    """Turn a conv kernel into one small picture per filter, weight 0 shown as mid-grey 0.5.

    Args:
        kernel: a convolution kernel (kh, kw, C, F) as Keras stores it, e.g. ``layer.kernel``.
        per_filter: True scales each filter by its own largest |weight| (shows every pattern);
            False scales all filters by the largest |weight| of the layer (shows which are strong).

    Returns:
        A float array (F, kh, kw, C) in 0..1: 0.5 is weight 0, above 0.5 positive, below negative.

    Raises:
        ValueError: if ``kernel`` is not 4-D.
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be (kh, kw, channels, filters) as Keras stores it; got shape {kernel.shape}")
    images = np.moveaxis(kernel, -1, 0)
    axes = (1, 2, 3) if per_filter else (0, 1, 2, 3)
    scale = np.abs(images).max(axis=axes, keepdims=True)
    return 0.5 + 0.5 * np.divide(images, scale, out=np.zeros_like(images), where=scale > 0)


def brightness_share(kernel):
    """Return, per filter, the share of its weight that all input channels have alike.

    Near 1: a brightness pattern (the same on R, G and B); near 0: a colour pattern.

    Args:
        kernel: a convolution kernel (kh, kw, C, F) as Keras stores it.

    Returns:
        A float array (F,) in 0..1, one share per filter.

    Raises:
        ValueError: if ``kernel`` is not 4-D.
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be (kh, kw, channels, filters) as Keras stores it; got shape {kernel.shape}")
    mean = kernel.mean(axis=2, keepdims=True)
    grey = np.abs(mean).sum(axis=(0, 1, 2)) * kernel.shape[2]
    colour = np.abs(kernel - mean).sum(axis=(0, 1, 2))
    return grey / np.maximum(grey + colour, 1e-12)


def top_k(scores, k):
    """Return the indices of the ``k`` largest scores, largest first (ties: the lower index first).

    Args:
        scores: a non-empty 1-D array, one score per image.
        k: how many indices to return, a whole number from 1 to ``len(scores)``.

    Returns:
        An int array (k,).

    Raises:
        ValueError: if ``scores`` is empty or not 1-D, or ``k`` is out of range.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(f"scores must be a non-empty 1-D array, one per image; got shape {scores.shape}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= scores.size:
        raise ValueError(f"k must be a whole number from 1 to {scores.size} (the number of scores); got {k!r}")
    return np.argsort(-scores, kind="stable")[:k]


class Occlusion(NamedTuple):
    """The result of ``occlusion``: probability drops per patch position and spread over pixels.

    Attributes:
        drop: (rows, cols) the base probability minus the probability with the patch at each position.
        pixels: (H, W) the mean drop of the patches covering each pixel.
        base: the class probability of the untouched image, 0..1.
        rows: the top row (pixels) of each patch position.
        cols: the left column (pixels) of each patch position.
        class_index: the class whose probability was tracked.
        patch: the side of the square patch, in pixels.
    """
    drop: np.ndarray
    pixels: np.ndarray
    base: float
    rows: np.ndarray
    cols: np.ndarray
    class_index: int
    patch: int


def occluded_batch(image, rows, cols, patch, fill):
    """Return copies of an image, one per (row, col) start, each with a square patch set to ``fill``.

    Args:
        image: one image (H, W, C).
        rows, cols: int arrays (P,) of the patches' top rows and left columns, in pixels.
        patch: the side of the square, in pixels.
        fill: the value written into the square (e.g. 127.5, mid-grey for 0-255 pixels).

    Returns:
        A float32 array (P, H, W, C).
    """
    image = np.asarray(image, dtype="float32")
    h, w = image.shape[:2]
    in_rows = (np.arange(h) >= rows[:, None]) & (np.arange(h) < rows[:, None] + patch)  # (P, H)
    in_cols = (np.arange(w) >= cols[:, None]) & (np.arange(w) < cols[:, None] + patch)  # (P, W)
    mask = in_rows[:, :, None] & in_cols[:, None, :]
    return np.where(mask[..., None], np.float32(fill), image[None])


def _class_column(proba, class_index):
    proba = metrics.class_probabilities(proba)
    if not 0 <= class_index < proba.shape[1]:
        raise ValueError(f"class_index {class_index} is not a class of this model (0..{proba.shape[1] - 1})")
    return proba[:, class_index]


def occlusion(predict, image, patch=8, stride=4, class_index=None, fill=None, batch_size=64):
    """Slide a grey square over an image and return how much the class probability drops at each place.

    Positive drops mark regions the prediction relies on; negative ones, regions that argue against it.

    Args:
        predict: a Keras model, or any function from a batch (N, H, W, C) to probabilities
            ((N, K) softmax or (N,)/(N, 1) sigmoid).
        image: one image (H, W, C), the size the model takes, in the model's pixel scale.
        patch: the side of the square, in pixels.
        stride: pixels between two positions of the square.
        class_index: the class to track (default: the class predicted for the untouched image).
        fill: the value of the square (default: mid-grey, 127.5 for 0-255 pixels, 0.5 for 0-1 pixels).
        batch_size: occluded copies per prediction call.

    Returns:
        An ``Occlusion``: ``drop`` per position, ``pixels`` (H, W), ``base`` probability and more.

    Raises:
        ValueError: if ``image`` is not (H, W, C), ``predict`` is neither a model nor a function,
            ``patch``/``stride`` are not whole numbers >= 1 or ``patch`` is larger than the image,
            or ``class_index`` is not a class of the model.
    """
    image = np.asarray(image, dtype="float32")
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W, channels); got shape {image.shape}")
    run = _predict_fn(predict)
    untouched = run(image[None])
    if class_index is None:
        class_index = int(metrics.class_probabilities(untouched)[0].argmax())
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


def _predict_fn(model):
    """Return a function batch -> NumPy probabilities for a Keras model or a plain function."""
    if hasattr(model, "layers"):  # predict_on_batch runs a compiled graph: an eager call keeps every layer's maps
        return lambda x: np.asarray(model.predict_on_batch(x))
    if not callable(model):
        raise ValueError(f"expected a Keras model or a function from images to probabilities; got {type(model).__name__}")
    return lambda x: np.asarray(model(x))


def _inputs_of(layer):
    tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    return [t._keras_history.operation.name for t in tensors]


def _check_images_in(model):
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4:
        raise ValueError(f"model {model.name!r} takes inputs of shape {shape}, not images (batch, H, W, C): it has "
                         "no convolution or pooling layer to show")


def layer_specs(model):
    """Describe each layer of a Keras model by how it moves over the image, for ``fields.receptive_fields``.

    Args:
        model: a Keras model of 2-D layers (convolutions, pooling, and layers that keep the map size).

    Returns:
        A list of dicts, input to output, each with ``name``, ``kind`` (conv, pool, keep, global,
        merge), ``inputs``, ``channels`` and, for conv and pool, ``kernel``, ``stride``, ``padding``.

    Raises:
        ValueError: for a layer that changes the map size in a way not followed here (e.g. a resize).
    """
    _check_images_in(model)
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
    """Return the receptive field of every layer of a Keras model, by layer name.

    Args:
        model: a Keras model with one image input.

    Returns:
        A dict {layer name: field}; each field is a dict as ``fields.receptive_fields`` gives
        (``out`` (h, w), ``jump``, ``rf``, ``start``, ``whole``) plus ``channels``, the layer's depth.

    Raises:
        ValueError: for a layer whose effect on the map size cannot be followed, or a merge of
            maps on different grids.
    """
    specs = layer_specs(model)
    fields = receptive_fields(specs, tuple(model.inputs[0].shape[1:3]))
    for field, spec in zip(fields, specs):
        field["channels"] = spec["channels"]
    return {field["name"]: field for field in fields}


def spatial_layers(model):
    """Return the names of the layers whose output is still a stack of maps (h, w, channels).

    Args:
        model: a Keras model.

    Returns:
        A list of layer names, input to output (the input layer left out).
    """
    return [layer.name for layer in model.layers
            if len(layer.output.shape) == 4 and type(layer).__name__ != "InputLayer"]


def conv_layers(model):
    """Return the names of the convolution and pooling layers, input to output (the stages worth showing).

    Args:
        model: a Keras model with one image input.

    Returns:
        A list of layer names.

    Raises:
        ValueError: as ``model_receptive_fields``, for a layer it cannot follow.
    """
    return [name for name, f in model_receptive_fields(model).items() if f["kind"] in ("conv", "pool")]


def gradcam_layer(model):
    """Return the usual Grad-CAM layer: the last convolution's output, after its BatchNorm/activation if any.

    Args:
        model: a Keras model with one image input.

    Returns:
        The layer's name.

    Raises:
        ValueError: if the model has no convolution layer.
    """
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
    """Return up to ``n`` convolution/pooling layers of a model, spread evenly from the first to the last.

    Args:
        model: a Keras model with one image input.
        n: the most layers to return.

    Returns:
        A list of layer names, input to output (all of them when the model has ``n`` or fewer).

    Raises:
        ValueError: as ``model_receptive_fields``, for a layer it cannot follow.
    """
    names = conv_layers(model)
    if len(names) <= n:
        return names
    return [names[i] for i in np.unique(np.round(np.linspace(0, len(names) - 1, n)).astype(int))]


def first_conv_layer(model):
    """Return the first Conv2D layer of a model.

    Args:
        model: a Keras model.

    Returns:
        The layer: its ``kernel`` is (kh, kw, C, F); ``trainable`` says whether training moved it.

    Raises:
        ValueError: if the model has no Conv2D layer.
    """
    for layer in model.layers:
        if isinstance(layer, L.Conv2D) and not isinstance(layer, L.Conv2DTranspose):
            return layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer")


def first_conv_kernel(model):
    """Return the kernel of the first convolution of a model as NumPy.

    Args:
        model: a Keras model.

    Returns:
        A float array (kh, kw, C, F).

    Raises:
        ValueError: if the model has no Conv2D layer.
    """
    return np.asarray(first_conv_layer(model).kernel)


def submodel(model, names, with_head_input=False):
    """Return a model from a model's input to the outputs of some of its layers.

    Args:
        model: a Keras model with one image input.
        names: the layer names whose outputs the new model returns, in this order.
        with_head_input: True also returns the input of the last layer (for the logits).

    Returns:
        A Keras model whose output is a list, one tensor per name (and the head input last).

    Raises:
        ValueError: for a name that is not a layer of the model, or a model with several inputs.
    """
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


def _layer_batches(model, images, layer_name, batch_size):
    """Yield the maps (n, h, w, channels) of ``layer_name`` for ``images``, one batch at a time."""
    images = check_image(model, images)
    sub = submodel(model, [layer_name])
    for i in range(0, len(images), batch_size):
        yield np.asarray(sub(images[i:i + batch_size], training=False))


def filter_scores(model, images, layer_name, channel, batch_size=64):
    """Return each image's mean activation of one filter, and where that filter's map peaks.

    Args:
        model: a Keras model with one image input.
        images: a batch (N, H, W, C) that fits the model.
        layer_name: a layer whose output is a stack of maps (h, w, channels).
        channel: the filter, from 0 to the layer's channels - 1.
        batch_size: images per call of the model.

    Returns:
        ``(means, peaks)``: a float array (N,) and an int array (N, 2) of (row, col) in the layer's map.

    Raises:
        ValueError: for an unknown layer, a channel out of range, or images that do not fit.
    """
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
    """Return the channels of a layer, most selective first: the widest spread of their per-image means.

    A dead filter (never positive) comes last; a filter that fires for some images much more than
    for others comes first: the one worth a gallery.

    Args:
        model: a Keras model with one image input.
        images: a batch (N, H, W, C) that fits the model.
        layer_name: a layer whose output is a stack of maps (h, w, channels).
        batch_size: images per call of the model.

    Returns:
        An int array (channels,) of channel indices.

    Raises:
        ValueError: for an unknown layer, or images that do not fit the model.
    """
    means = np.concatenate([f.mean(axis=(1, 2)) for f in _layer_batches(model, images, layer_name, batch_size)])
    return np.argsort(-means.std(axis=0), kind="stable")


class TopImages(NamedTuple):
    """The result of ``top_activating``: the images that excite one filter most.

    Attributes:
        indices: (k,) the images' positions in the batch given, strongest first.
        scores: (k,) their mean activation of the filter.
        boxes: one (top, left, bottom, right) pixel box per image, end excluded: the part of the
            image the strongest unit sees.
        layer: the layer's name.
        channel: the filter's index in that layer.
    """
    indices: np.ndarray
    scores: np.ndarray
    boxes: list
    layer: str
    channel: int


def top_activating(model, images, layer_name, channel, k=8, batch_size=64):
    """Return the ``k`` images with the highest mean activation of one filter, largest first.

    Args:
        model: a Keras model with one image input.
        images: a batch (N, H, W, C) that fits the model.
        layer_name: a layer whose output is a stack of maps (h, w, channels).
        channel: the filter, from 0 to the layer's channels - 1.
        k: how many images, from 1 to N.
        batch_size: images per call of the model.

    Returns:
        A ``TopImages`` (indices, scores, boxes, layer, channel).

    Raises:
        ValueError: for an unknown layer, a channel out of range, images that do not fit, or
            ``k`` not from 1 to N.
    """
    scores, peaks = filter_scores(model, images, layer_name, channel, batch_size)
    best = top_k(scores, k)
    field = model_receptive_fields(model)[layer_name]
    size = tuple(model.inputs[0].shape[1:3])
    return TopImages(best, scores[best], [receptive_box(field, *peaks[i], size) for i in best], layer_name, channel)


class GradCAM(NamedTuple):
    """The result of ``grad_cam``.

    Attributes:
        maps: (N, h, w) Grad-CAM maps at the resolution of ``layer``, 0 or more (after the ReLU).
        weights: (N, channels) the mean gradient of the score over each channel's map.
        classes: (N,) the class scored for each image.
        proba: (N,) the model's probability of that class, 0..1.
        layer: the name of the layer explained.
    """
    maps: np.ndarray
    weights: np.ndarray
    classes: np.ndarray
    proba: np.ndarray
    layer: str


def _logits(model, x_head, head):
    """Return the logits of the model's last layer from its input ``x_head`` (Dense or Activation/Softmax head)."""
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
    logit z and class 0 (the other class) by -z.

    Args:
        model: a Keras classifier ending in a Dense layer (or an Activation/Softmax layer).
        images: one image (H, W, C) or a batch (N, H, W, C) that fits the model.
        class_index: the class to explain, an int for all images or one per image
            (default: each image's predicted class).
        layer_name: the layer to explain (default: ``gradcam_layer(model)``).

    Returns:
        A ``GradCAM`` (maps (N, h, w), weights, classes, proba, layer).

    Raises:
        ValueError: if the images do not fit, ``class_index`` is not a class of the model, the layer
            is unknown, the model has no convolution, or it ends in another kind of layer.
    """
    images = check_image(model, images)
    layer_name = layer_name or gradcam_layer(model)
    head = model.layers[-1]
    proba = metrics.class_probabilities(_predict_fn(model)(images))
    classes = proba.argmax(axis=1) if class_index is None else np.broadcast_to(np.asarray(class_index, int), len(images))
    if classes.min() < 0 or classes.max() >= proba.shape[1]:
        raise ValueError(f"class_index {class_index} is not a class of this model (0..{proba.shape[1] - 1})")
    grad_model = submodel(model, [layer_name], with_head_input=True)
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




def class_probs(model, images, batch_size=32):
    """Return the class probabilities (N, K) of images; a single sigmoid output p becomes [1 - p, p].

    Args:
        model: a Keras model.
        images: one image (H, W, C) or a batch (N, H, W, C) that fits the model.
        batch_size: images per compiled prediction call.

    Returns:
        A float array (N, K).

    Raises:
        ValueError: if the images do not fit the model's input.
    """
    images = check_image(model, images)
    run = _predict_fn(model)
    return metrics.class_probabilities(np.concatenate([run(images[i:i + batch_size])
                                                       for i in range(0, len(images), batch_size)]))


def feature_maps(model, image, layer_names=None):
    """Return {layer name: maps (h, w, channels)} of one image: the reference for the notebooks' own code.

    Args:
        model: a Keras model with one image input.
        image: one image (H, W, C) that fits the model.
        layer_names: the layers to read (default: its convolution and pooling layers).

    Returns:
        A dict of NumPy arrays, in the order of ``layer_names``.

    Raises:
        ValueError: for an image that does not fit, an unknown layer name, or a model with several inputs.
    """
    names = list(layer_names) if layer_names is not None else conv_layers(model)
    outputs = submodel(model, names)(check_image(model, image), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: keras.ops.convert_to_numpy(fmap)[0] for name, fmap in zip(names, outputs)}


def explorer_hooks(model):
    """Return the functions and layer lists ``widgets.GradCamExplorer`` needs for ``model`` (as keyword arguments).

    Args:
        model: a Keras classifier ending in a Dense (or Activation/Softmax) layer.

    Returns:
        A dict: ``layers`` (the layers one can explain), ``layer`` (the default, ``gradcam_layer``),
        ``fields`` (``model_receptive_fields``), and the functions ``grad_cam(image, layer,
        class_index)`` -> (map, class), ``predict(image)`` -> probabilities (K,) and
        ``occlusion(image, class_index)`` -> ``Occlusion`` (patch a quarter of the image side).

    Raises:
        ValueError: if the model has no convolution, or a layer it cannot follow.
    """
    fields = model_receptive_fields(model)
    size = int(model.inputs[0].shape[1])

    def cam(image, layer, class_index):
        result = grad_cam(model, image, class_index=class_index, layer_name=layer)
        return result.maps[0], int(result.classes[0])

    def occlude(image, class_index):
        return occlusion(model, image, patch=max(1, size // 4), stride=max(1, size // 8), class_index=class_index)

    return {"layers": [n for n in spatial_layers(model) if not fields[n]["whole"]], "layer": gradcam_layer(model),
            "fields": fields, "grad_cam": cam, "predict": lambda image: class_probs(model, image)[0],
            "occlusion": occlude}
