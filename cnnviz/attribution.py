"""Explain one prediction of a Keras CNN: Grad-CAM (where the last maps point) and occlusion
(what hiding a patch costs).

Grad-CAM here is the reference the notebooks check their own against. Keras module (TensorFlow
through ``config.keras_quietly``); it imports neither matplotlib nor ``cnnviz.plots`` or
``cnnviz.widgets``. Finding layers and feature maps is ``cnnviz.introspection``; the NumPy
geometry of maps and patches ``cnnviz.heatmaps``; probabilities ``cnnviz.prediction``.

Grad-CAM scores a class by its *logit*, the value before the final sigmoid or softmax. A single
sigmoid unit gives p = sigmoid(z) for class 1, so class 0 ("the other class") has 1 - p = sigmoid(-z):
its score is **-z**. The gradient of 1 - p points the same way but is scaled by p(1 - p), which
vanishes for a confident model.
"""

from typing import NamedTuple

import numpy as np

from cnnviz import config, prediction
from cnnviz.heatmaps import occluded_batch, patch_starts
from cnnviz.introspection import model_receptive_fields, submodel

keras = config.keras_quietly()
import tensorflow as tf  # noqa: E402  (after the quiet import)
from keras import layers as L  # noqa: E402

# ------------------------------------------------ Grad-CAM


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
    for name in names[names.index(chosen) + 1 :]:
        f = fields[name]
        if f["kind"] != "keep" or f["out"] != last["out"] or f["whole"]:
            break
        chosen = name
    return chosen


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
    raise ValueError(
        f"Grad-CAM needs a model ending in a Dense layer or an Activation/Softmax layer; "
        f"{model.name!r} ends in {type(head).__name__} {head.name!r}"
    )


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
    images = prediction.check_images(model, images)
    layer_name = layer_name or gradcam_layer(model)
    head = model.layers[-1]
    proba = prediction.probabilities(model, images)
    classes = (
        proba.argmax(axis=1) if class_index is None else np.broadcast_to(np.asarray(class_index, int), len(images))
    )
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


# ------------------------------------------------ occlusion


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
    untouched = prediction.probabilities(predict, image[None])
    class_index = int(untouched[0].argmax()) if class_index is None else class_index
    if not 0 <= class_index < untouched.shape[1]:
        raise ValueError(f"class_index {class_index} is not a class of this model (0..{untouched.shape[1] - 1})")
    base = float(untouched[0, class_index])
    fill = (127.5 if image.max() > 1 else 0.5) if fill is None else fill
    ys, xs = patch_starts(image.shape[0], patch, stride), patch_starts(image.shape[1], patch, stride)
    rows, cols = np.repeat(ys, len(xs)), np.tile(xs, len(ys))
    probs = np.concatenate(
        [  # batch_size copies at a time: all of them at once could take hundreds of MB
            prediction.probabilities(
                predict,
                occluded_batch(image, rows[i : i + batch_size], cols[i : i + batch_size], patch, fill),
                batch_size,
            )[:, class_index]
            for i in range(0, len(rows), batch_size)
        ]
    )
    drop = (base - probs).reshape(len(ys), len(xs))
    total, count = np.zeros(image.shape[:2]), np.zeros(image.shape[:2])
    for (r, c), d in zip(zip(rows, cols), drop.reshape(-1)):
        total[r : r + patch, c : c + patch] += d
        count[r : r + patch, c : c + patch] += 1
    return Occlusion(drop, total / count, base, ys, xs, int(class_index), int(patch))
