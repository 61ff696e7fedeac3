"""Pure NumPy: CIFAR-10's channel statistics and the PCA whitening kernel of notebook 06's first layer.

``whitening_kernel`` turns the 2x2 patches of some training images into a fixed convolution kernel
whose outputs are uncorrelated with variance 1 (``models.cifar10_net(whiten=...)`` uses it).
Imports neither Keras nor matplotlib.
"""

import numpy as np

# Per-channel mean and standard deviation of CIFAR-10's 50,000 training images on the 0-1 scale
# (notebook 06 checks them on the training split).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def image_patches(images, size=2):
    """Return every ``size`` x ``size`` patch of normalised images as a row of size*size*3 numbers.

    Pixels are scaled to 0-1, then normalised with ``CIFAR10_MEAN`` and ``CIFAR10_STD``, as
    ``cifar10_net`` does before its whitening layer.

    Args:
        images: a non-empty batch (N, height, width, 3) in 0-255 pixels.
        size: the patch side, in pixels.

    Returns:
        A float32 array (N * (height - size + 1) * (width - size + 1), size*size*3); each row in
        the order of a Conv2D kernel (row, column, channel), so ``patches @ kernel.reshape(-1, F)``
        is that convolution's output.

    Raises:
        ValueError: if ``images`` is not a non-empty (N, height, width, 3) batch, or ``size`` is
            larger than the images (NumPy's message).
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch (N, H, W, 3); got shape {images.shape}")
    x = (images.astype("float32") / 255 - np.float32(CIFAR10_MEAN)) / np.float32(CIFAR10_STD)
    patches = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))  # N, h, w, C, size, size
    return patches.transpose(0, 1, 2, 4, 5, 3).reshape(-1, size * size * 3)  # rows in Conv2D kernel order


def whitening_kernel(images, eps=5e-4, size=2):
    """Return a conv kernel that whitens image patches (PCA, both signs), for ``cifar10_net(whiten=...)``.

    Each filter is one principal component of the ``size`` x ``size`` patches of ``images``
    (the strongest first), divided by the square root of its variance: the filter outputs are
    uncorrelated with variance 1. The negated filters follow, so a ReLU after them keeps both signs.

    Args:
        images: a non-empty batch (N, height, width, 3) in 0-255 pixels, e.g. 5,000 training images.
        eps: added to each variance before the square root, so near-empty components do not blow up.
        size: the patch (and kernel) side, in pixels.

    Returns:
        A float32 kernel (size, size, 3, 2 * size*size*3): (2, 2, 3, 24) by default.

    Raises:
        ValueError: as ``image_patches``, for images that are not a non-empty (N, height, width, 3) batch.
    """
    images = np.asarray(images)
    image_patches(images[:1], size)  # checks the batch and the size before any work
    # The patches' second moments, summed over chunks of 256 images: 5,000 images' patches at once took
    # about 460 MiB more (float32, then float64), chunks about 10 MiB; the kernel is the same.
    moments, count = np.zeros((size * size * 3, size * size * 3)), 0
    for start in range(0, len(images), 256):
        patches = image_patches(images[start : start + 256], size).astype("float64")
        moments, count = moments + patches.T @ patches, count + len(patches)
    variances, components = np.linalg.eigh(moments / count)
    variances, components = variances[::-1], components[:, ::-1]  # eigh sorts weakest first
    kernel = (components / np.sqrt(variances + eps)).reshape(size, size, 3, -1)
    return np.concatenate([kernel, -kernel], axis=-1).astype("float32")
