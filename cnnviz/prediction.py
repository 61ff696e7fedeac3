"""Turn a model's outputs into class probabilities, one way for images, photos, datasets and widgets.

Pure NumPy and duck-typed: a *model* is a Keras model (anything with ``inputs`` and
``predict_on_batch``) or a plain function from a batch of images to outputs; this module imports
no Keras, so the widgets use it too. Outputs are (N, K) softmax rows, or one sigmoid column p that
stands for the two classes [1 - p, p]; labels are class indices (N,), a (N, 1) column or one-hot rows.
``cnnviz.metrics`` judges what these functions return.
"""

import numpy as np

from cnnviz import arguments


def labels_from(y):
    """Return class indices (N,) from labels given as indices, a (N, 1) column, or one-hot rows.

    Args:
        y: labels, shape (N,), (N, 1) or (N, K) one-hot.

    Returns:
        An int array of shape (N,).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y)).astype(int)


def class_probabilities(outputs):
    """Return (N, K) class probabilities; a single sigmoid column p, (N,) or (N, 1), becomes [1 - p, p].

    Args:
        outputs: model outputs, (N,), (N, 1) sigmoid or (N, K) softmax.

    Returns:
        A float array (N, K) whose rows sum to 1 for sigmoid and softmax outputs.
    """
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        p = outputs.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    return outputs


def check_class_names(proba, class_names):
    """Return ``class_names`` as a list, or raise when their number differs from the model's classes.

    Args:
        proba: class probabilities (N, K) or (K,) the model gave (one row is enough).
        class_names: one name per class, in label order.

    Returns:
        A list of K names.

    Raises:
        ValueError: naming both counts, if ``len(class_names)`` is not K.
    """
    names, n = list(class_names), np.shape(proba)[-1]
    if n != len(names):
        raise ValueError(
            f"the model gives {n} class probabilities but {len(names)} class names were given "
            f"({names}); pass one name per class, in label order"
        )
    return names


def check_images(model, images):
    """Return ``images`` as a float32 batch that fits ``model``'s input, or raise a clear error.

    Args:
        model: a Keras model with one image input (H, W, C).
        images: one image (H, W, C) or a batch (N, H, W, C).

    Returns:
        A float32 array (N, H, W, C).

    Raises:
        ValueError: naming the shape given and the shape the model wants.
    """
    images = np.asarray(images, dtype="float32")
    expected = tuple(model.inputs[0].shape[1:])
    if images.shape == expected:
        images = images[None]
    if images.ndim != 4 or images.shape[1:] != expected:
        raise ValueError(
            f"images of shape {images.shape} do not match the model's input {expected}; "
            f"resize them to {expected[:2]} (height, width) with {expected[2]} channels"
        )
    return images


def probabilities(model, images, batch_size=32):
    """Return the class probabilities (N, K) of images; a single sigmoid output p becomes [1 - p, p].

    A Keras model runs its compiled graph (``predict_on_batch``) on batches of ``batch_size``.

    Args:
        model: a Keras model, or a function from a batch (N, H, W, C) to outputs.
        images: one image (H, W, C) or a batch (N, H, W, C) that fits the model.
        batch_size: images per prediction call, a whole number >= 1.

    Returns:
        A float array (N, K).

    Raises:
        ValueError: if the images do not fit a Keras model's input, or ``model`` is neither a model nor a function.
    """
    batch_size = arguments.whole_number(batch_size, "batch_size", meaning="images per prediction call")
    if hasattr(model, "predict_on_batch"):
        images = check_images(model, images)
        run = model.predict_on_batch
    elif callable(model):
        images, run = np.asarray(images, dtype="float32"), model
        images = images[None] if images.ndim == 3 else images
    else:
        raise ValueError(
            f"expected a Keras model or a function from images to probabilities; got {type(model).__name__}"
        )
    return class_probabilities(
        np.concatenate([np.asarray(run(images[i : i + batch_size])) for i in range(0, len(images), batch_size)])
    )


def of_one(predict, image):
    """Return the class probabilities (K,) a widget's ``predict`` function gives one image.

    Args:
        predict: a function ``f(image) -> outputs`` for one image: (K,) softmax, (1,) or a single sigmoid value.
        image: one image (H, W, C).

    Returns:
        A float array (K,).
    """
    return class_probabilities(np.atleast_2d(predict(image)))[0]


def over_dataset(model, dataset, keep_images=False):
    """Run ``model`` over a batched ``(images, labels)`` dataset once; keep labels and predictions aligned.

    Args:
        model: a Keras model.
        dataset: a ``tf.data.Dataset`` (or any iterable) of (images, labels) batches.
        keep_images: also return the images (uint8).

    Returns:
        ``(y_true, proba)`` or ``(y_true, proba, images)``: labels (N,), class probabilities (N, K)
        (a sigmoid output p becomes [1 - p, p]).

    Raises:
        ValueError: if the dataset is empty.
    """
    ys, ps, xs = [], [], []
    for x, y in dataset:
        ps.append(np.asarray(model.predict_on_batch(x)))
        ys.append(np.asarray(y))
        if keep_images:
            xs.append(np.clip(np.asarray(x), 0, 255).astype(np.uint8))
    if not ys:
        raise ValueError("the dataset is empty: no batch to predict")
    y_true, proba = labels_from(np.concatenate(ys)), class_probabilities(np.concatenate(ps))
    return (y_true, proba, np.concatenate(xs)) if keep_images else (y_true, proba)


def flip_average(model, images, batch_size=500):
    """Return class probabilities averaged over each image and its mirror image (test-time mirroring).

    Args:
        model: a Keras model taking (N, H, W, C) images.
        images: a batch (N, H, W, C).
        batch_size: images per prediction call.

    Returns:
        An array (N, K).

    Raises:
        ValueError: if ``images`` is not a 4-D batch that fits the model.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C); got shape {images.shape}")
    return (probabilities(model, images, batch_size) + probabilities(model, images[:, :, ::-1], batch_size)) / 2


def multi_crop(model, images):
    """Return class probabilities averaged over six views of each image (multi-crop test-time augmentation).

    The image and its mirror weigh 1/2 together; the pair moved one pixel up-left and the pair moved one
    pixel down-right weigh 1/4 each (mirrored edges fill the row and column moved in).

    Args:
        model: a Keras model taking (N, H, W, C) images.
        images: a batch (N, H, W, C).

    Returns:
        An array (N, K).
    """
    padded = np.pad(images, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    h, w = images.shape[1:3]
    up_left, down_right = padded[:, 2 : 2 + h, 2 : 2 + w], padded[:, :h, :w]
    return flip_average(model, images) / 2 + flip_average(model, up_left) / 4 + flip_average(model, down_right) / 4
