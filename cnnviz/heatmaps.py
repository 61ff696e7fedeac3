"""Pure NumPy for maps laid over photos (notebook 07): Grad-CAM maps resized and scaled, occlusion's patches.

``resize_map`` brings a layer's coarse map (e.g. Grad-CAM's 4x4) to the photo's size, as
``tf.image.resize(method="bilinear")`` does; ``normalise`` scales it to 0..1 for drawing;
``patch_starts`` and ``occluded_batch`` place occlusion's grey squares. Imports neither Keras
nor matplotlib: ``cnnviz.plots`` draws with these, ``cnnviz.attribution`` computes with them.
"""

import numpy as np

from cnnviz import arguments, photos

# ------------------------------------------------------------ maps: resize and scale (Grad-CAM, occlusion)


def resize_map(values, shape):
    """Resize a 2-D map to ``shape`` (height, width) by bilinear interpolation between cell centres.

    The course's one resize, ``photos.bilinear`` (TensorFlow's bilinear), does the work.

    Args:
        values: a 2-D array, e.g. a Grad-CAM map (h, w).
        shape: the (height, width) wanted, e.g. the photo's.

    Returns:
        A float array of ``shape``.

    Raises:
        ValueError: if ``values`` is not 2-D or ``shape`` is not a (height, width) pair.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"resize_map takes a 2-D map; got shape {values.shape}")
    return photos.bilinear(values, arguments.size_pair(shape, "shape")).astype(float)  # the course's one resize


def normalise(values):
    """Scale a map to 0..1 by its largest value (a map with no positive value becomes zeros).

    Args:
        values: an array.

    Returns:
        A float array of the same shape.
    """
    values = np.asarray(values, dtype=float)
    top = values.max() if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values)


# ------------------------------------------------------------ occlusion: where the patches go


def patch_starts(n, patch, stride):
    """Return the start of each patch along an axis of ``n`` pixels; the last patch touches the far edge.

    Args:
        n: the image side, in pixels.
        patch: the patch side, a whole number of pixels from 1 to ``n``.
        stride: pixels between two patch starts, a whole number >= 1.

    Returns:
        An int array of start positions, in pixels.

    Raises:
        ValueError: if ``patch`` or ``stride`` is not a whole number >= 1, or ``patch`` > ``n``.
    """
    patch = arguments.whole_number(patch, "patch", unit="pixels")
    stride = arguments.whole_number(stride, "stride", unit="pixels")
    if patch > n:
        raise ValueError(f"patch {patch} is larger than the image side {n}; use a patch of at most {n} pixels")
    starts = list(range(0, n - patch + 1, stride))
    return np.array(starts + ([n - patch] if starts[-1] != n - patch else []))


def occluded_batch(image, rows, cols, patch, fill):
    """Return copies of an image, one per (row, col) start, each with a square patch set to ``fill``.

    Args:
        image: one image (H, W, C).
        rows, cols: int arrays (P,) of the patches' top rows and left columns, in pixels (``patch_starts``).
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
