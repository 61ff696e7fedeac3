"""Explain a trained Keras CNN: Grad-CAM (the reference the notebooks check their own against), occlusion,
the images that excite one filter, first-layer filters as pictures, and the receptive field of every layer.

Keras module (TensorFlow through ``config.keras_quietly``). Pure receptive-field arithmetic lives in
``cnnviz.fields``; map resizing in ``cnnviz.ops``; drawing in ``cnnviz.plots``.

Grad-CAM scores a class by its *logit*, the value before the final sigmoid or softmax. A single
sigmoid unit gives p = sigmoid(z) for class 1, so class 0 ("the other class") has 1 - p = sigmoid(-z):
its score is **-z**. The gradient of 1 - p points the same way but is scaled by p(1 - p), which
vanishes for a confident model.
"""
from typing import NamedTuple

import numpy as np

from cnnviz import config, metrics, ops
from cnnviz.fields import receptive_box, receptive_fields
from cnnviz.training import check_image

keras = config.keras_quietly()
import tensorflow as tf  # noqa: E402  (after the quiet import)
from keras import layers as L  # noqa: E402

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
    proba = metrics.class_probabilities(proba)
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


def predict_proba(model, image):
    """Return the class probabilities of one image (K,); a single sigmoid output p becomes [1 - p, p]."""
    return class_probs(model, image)[0]


def _inputs_of(layer):
    tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    return [t._keras_history.operation.name for t in tensors]


def layer_specs(model):
    """Describe each layer of ``model`` by how it moves over the image: kind, kernel, stride, padding, inputs."""
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
    for layer in model.layers:
        if isinstance(layer, L.Conv2D) and not isinstance(layer, L.Conv2DTranspose):
            return layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer")


def first_conv_kernel(model):
    """Return the kernel (kh, kw, C, F) of the first convolution of ``model`` as NumPy."""
    return np.asarray(first_conv_layer(model).kernel)


def submodel(model, names, with_head_input=False):
    """Return a model from ``model``'s input to the outputs of layers ``names`` (and the last layer's input)."""
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




def class_probs(model, images, batch_size=256):
    """Return the class probabilities (N, K) of images; a single sigmoid output p becomes [1 - p, p].

    Args:
        model: a Keras model.
        images: one image (H, W, C) or a batch (N, H, W, C) that fits the model.
        batch_size: images per compiled prediction call.

    Returns:
        A float array (N, K).
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
        ValueError: for an image that does not fit, or an unknown layer name.
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
        A dict with ``layers``, ``layer``, ``fields``, ``grad_cam``, ``predict`` and ``occlusion``.
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
