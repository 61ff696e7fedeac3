"""Decode one photo (bytes or a file) into an RGB uint8 array of a chosen (height, width): the course's one decoder.

Pillow and NumPy only: imports neither Keras nor TensorFlow, so the upload widget starts fast.
Sizes are (height, width), as Keras writes them. ``resize`` is the course's one resize outside
TensorFlow: it gives the pixels ``keras.utils.image_dataset_from_directory`` gives in training
(``tf.image.resize``, bilinear, no antialiasing), so a prediction on an uploaded photo sees what
training saw: exactly for a PNG; a JPEG's pixels differ by a few levels before any resize, since
TensorFlow decodes JPEG with libjpeg's fast integer IDCT and Pillow with the accurate one.
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from cnnviz import arguments

MIN_SIDE = 32


def bilinear(values, size):
    """Resize an array as ``tf.image.resize(values, size, "bilinear")`` does, in float32: the course's one resize.

    Half-pixel centres, no antialiasing, float32 arithmetic in TensorFlow's order (along the width,
    then the height): the same numbers as TensorFlow, bit for bit (``tests/test_photos.py``).

    Args:
        values: an (H, W) or (H, W, C) array (pixels, or a map such as Grad-CAM's).
        size: the (height, width) wanted.

    Returns:
        A float32 array of ``size`` (with the channels of ``values``).

    Raises:
        ValueError: if ``size`` is not (height, width) or ``values`` is not 2-D or 3-D.
    """
    size = arguments.size_pair(size, "size")
    x = np.asarray(values, dtype=np.float32)
    if x.ndim not in (2, 3):
        raise ValueError(f"bilinear takes an (H, W) or (H, W, C) array; got shape {x.shape}")
    for axis, n in ((1, size[1]), (0, size[0])):
        m = x.shape[axis]
        if m == n:
            continue  # the same size: the same values
        scale = np.float32(m) / np.float32(n)
        src = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
        floor = np.floor(src)
        lo = np.maximum(floor, 0).astype(int)
        hi = np.minimum(np.ceil(src), m - 1).astype(int)
        t = (src - floor).reshape([n if a == axis else 1 for a in range(x.ndim)])
        a, b = np.take(x, lo, axis=axis), np.take(x, hi, axis=axis)
        x = a + (b - a) * t
    return x


def resize(image, image_size):
    """Resize an image as training does: ``bilinear`` (TensorFlow's), then rounded to uint8 as ``cnnviz.data`` does.

    ``keras.utils.image_dataset_from_directory`` resizes with ``tf.image.resize(..., "bilinear")``, and
    the course rounds the result half to even into uint8: these are the pixels training sees.

    Args:
        image: an (H, W) or (H, W, C) array of 0-255 values.
        image_size: the (height, width) wanted.

    Returns:
        A uint8 array of ``image_size`` (with the channels of ``image``).

    Raises:
        ValueError: if ``image_size`` is not (height, width) or ``image`` is not 2-D or 3-D.
    """
    size = arguments.size_pair(image_size)
    if np.ndim(image) not in (2, 3):
        raise ValueError(f"resize takes an (H, W) or (H, W, C) image; got shape {np.shape(image)}")
    return np.clip(np.round(bilinear(image, size)), 0, 255).astype(np.uint8)


def decode_photo(data, image_size=None, min_side=MIN_SIDE):
    """Decode image bytes (JPEG, PNG, GIF...) into a (height, width, 3) uint8 RGB array.

    Grayscale, palette and CMYK images become RGB; transparency is laid on white.

    Args:
        data: the file's bytes.
        image_size: (height, width) to resize to (with ``resize``, as training does), or None to keep
            the photo's size.
        min_side: the smallest side accepted, in pixels.

    Returns:
        A uint8 array (height, width, 3).

    Raises:
        ValueError: for no data, bytes that are not an image, a truncated file, a photo too small, or one
            so large that Pillow refuses it (a "decompression bomb"); the message says what to upload.
    """
    size = None if image_size is None else arguments.size_pair(image_size)
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise ValueError("no image data: upload a photo file (JPEG or PNG)")
    try:
        photo = Image.open(io.BytesIO(bytes(data)))
        photo.load()
    except Image.DecompressionBombError as err:
        raise ValueError(
            f"this image is too large to open safely ({err}); upload a photo under {Image.MAX_IMAGE_PIXELS:,} pixels"
        ) from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(
            f"this file is not an image Pillow can read ({err.__class__.__name__}); upload a JPEG or PNG photo"
        ) from err
    if min(photo.size) < min_side:
        raise ValueError(
            f"the photo is only {photo.size[0]}x{photo.size[1]} pixels (width x height); "
            f"use one at least {min_side}x{min_side} so there is something to see"
        )
    if photo.mode in ("RGBA", "LA", "PA") or (photo.mode == "P" and "transparency" in photo.info):
        photo = photo.convert("RGBA")
        photo = Image.alpha_composite(Image.new("RGBA", photo.size, (255, 255, 255, 255)), photo)
    pixels = np.asarray(photo.convert("RGB"), dtype=np.uint8)
    return pixels if size is None else resize(pixels, size)


def read_photo(path, image_size=None, min_side=1):
    """Read a photo file into a (height, width, 3) uint8 RGB array; see ``decode_photo``.

    Args:
        path: the file.
        image_size: (height, width) to resize to, or None.
        min_side: the smallest side accepted.

    Returns:
        A uint8 array (height, width, 3).

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: as ``decode_photo``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no photo at {path}")
    return decode_photo(path.read_bytes(), image_size, min_side)
