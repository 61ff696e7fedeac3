"""Look inside a Keras CNN: its layers and their receptive fields, feature maps, first-layer filters,
and the images one filter likes.

Finds layers (``conv_layers``, ``depth_layers``, ``spatial_layers``), follows the receptive
field through every layer (``model_receptive_fields``), builds feature-map models
(``submodel``, ``feature_maps``: the reference the notebooks check their own
``keras.Model(model.inputs, [layer.output, ...])`` against), and reads kernels and activations
(``filters_as_images``, ``brightness_share``, ``top_activating``). Explaining one prediction
(Grad-CAM, occlusion) is ``cnnviz.attribution``; pure receptive-field arithmetic is ``cnnviz.fields``.
Keras module (TensorFlow through ``config.keras_quietly``); it imports neither matplotlib nor
``cnnviz.plots`` or ``cnnviz.widgets``.
"""

from typing import NamedTuple

import numpy as np

from cnnviz import arguments, config
from cnnviz.fields import receptive_box, receptive_fields
from cnnviz.prediction import check_images

keras = config.keras_quietly()
from keras import layers as L  # noqa: E402  (after the quiet import)

# ------------------------------------------------ a kernel's filters as pictures (first layers)


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


# ------------------------------------------------ layers and their receptive fields


def _one_graph(model):
    """Return ``model`` with every layer called once, in one graph: a Sequential is cloned, weights included.

    A Sequential that Keras loaded from a file was rebuilt each time a layer was added to it, so
    ``layer.output`` belongs to one of those partial graphs, not to the model's own: no gradient
    flows from it to the model's output. ``keras.models.clone_model`` builds the layers once.
    """
    if not isinstance(model, keras.Sequential):
        return model
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def _check_images_in(model):
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4:
        raise ValueError(
            f"model {model.name!r} takes inputs of shape {shape}, not images (batch, H, W, C): it has "
            "no convolution or pooling layer to show"
        )


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
    graph = _one_graph(model)
    made_by = {id(layer.output): layer.name for layer in graph.layers if not isinstance(layer, L.InputLayer)}
    specs = []
    for layer in graph.layers:
        if isinstance(layer, L.InputLayer):
            continue
        tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        spec = {"name": layer.name, "inputs": [made_by[id(t)] for t in tensors if id(t) in made_by]}
        shape_in = tuple(layer.input.shape) if not isinstance(layer.input, (list, tuple)) else None
        shape_out = tuple(layer.output.shape)
        if isinstance(layer, (L.Conv2D, L.DepthwiseConv2D, L.SeparableConv2D)) and not isinstance(
            layer, L.Conv2DTranspose
        ):
            spec.update(
                kind="conv",
                kernel=layer.kernel_size,
                stride=layer.strides,
                dilation=layer.dilation_rate,
                padding=layer.padding,
            )
        elif isinstance(layer, (L.MaxPooling2D, L.AveragePooling2D)):
            spec.update(kind="pool", kernel=layer.pool_size, stride=layer.strides, padding=layer.padding)
        elif isinstance(layer, (L.GlobalAveragePooling2D, L.GlobalMaxPooling2D, L.Flatten)) or (
            shape_in is not None and len(shape_in) == 4 and len(shape_out) != 4
        ):
            spec.update(kind="global")
        elif isinstance(layer.input, (list, tuple)):
            spec.update(kind="merge")
        elif len(shape_out) != 4 or shape_in[1:3] == shape_out[1:3]:
            spec.update(kind="keep")
        else:
            raise ValueError(
                f"cannot follow the receptive field through layer {layer.name!r} "
                f"({type(layer).__name__}), which changes the map size {shape_in[1:3]} -> {shape_out[1:3]}"
            )
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
    return [
        layer.name for layer in model.layers if len(layer.output.shape) == 4 and type(layer).__name__ != "InputLayer"
    ]


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


# ------------------------------------------------ feature maps and the images one filter likes


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
        raise ValueError(
            f"model {model.name!r} has {len(model.inputs)} inputs; these tools take models with one image input"
        )
    graph = _one_graph(model)
    outputs = [graph.get_layer(n).output for n in names] + ([graph.layers[-1].input] if with_head_input else [])
    return keras.Model(graph.inputs[0], outputs)


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
    outputs = submodel(model, names)(check_images(model, image), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: keras.ops.convert_to_numpy(fmap)[0] for name, fmap in zip(names, outputs)}


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
    k = arguments.whole_number(k, "k", maximum=scores.size, meaning="the number of scores")
    return np.argsort(-scores, kind="stable")[:k]


def _layer_batches(model, images, layer_name, batch_size):
    """Yield the maps (n, h, w, channels) of ``layer_name`` for ``images``, one batch at a time."""
    images = check_images(model, images)
    sub = submodel(model, [layer_name])
    for i in range(0, len(images), batch_size):
        yield np.asarray(sub(images[i : i + batch_size], training=False))


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
        ValueError: for an unknown or non-spatial layer, a channel out of range, a batch size that is not a
            whole number >= 1, or images that do not fit.
    """
    if layer_name not in spatial_layers(model):  # unknown, or a Dense/Flatten layer
        raise ValueError(
            f"{layer_name!r} is not a layer of this model that gives a stack of maps (h, w, channels); "
            f"choose one of {spatial_layers(model)}"
        )
    depth = model.get_layer(layer_name).output.shape[-1]
    channel = arguments.whole_number(channel, "channel", minimum=0)
    if channel >= depth:
        raise ValueError(f"layer {layer_name!r} has {depth} channels; pick a channel from 0 to {depth - 1}")
    batch_size = arguments.whole_number(batch_size, "batch_size")
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
