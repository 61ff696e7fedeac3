"""Decode one photo (bytes or a file) into an RGB uint8 array of a chosen (height, width): the course's one decoder.

Pillow and NumPy only: imports neither Keras nor TensorFlow, so the upload widget starts fast.
Sizes are (height, width), as Keras writes them.
"""
import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

MIN_SIDE = 32


def size_pair(image_size):
    """Return ``image_size`` as a (height, width) pair of whole numbers, or raise a clear ValueError."""
    try:
        h, w = (int(v) for v in image_size)
    except (TypeError, ValueError):
        raise ValueError(f"image_size must be (height, width), two whole numbers; got {image_size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"image_size must be (height, width) of at least 1 pixel each; got {image_size!r}")
    return h, w


def decode_photo(data, image_size=None, min_side=MIN_SIDE):
    """Decode image bytes (JPEG, PNG, GIF...) into a (height, width, 3) uint8 RGB array.

    Grayscale, palette and CMYK images become RGB; transparency is laid on white.

    Args:
        data: the file's bytes.
        image_size: (height, width) to resize to, or None to keep the photo's size.
        min_side: the smallest side accepted, in pixels.

    Returns:
        A uint8 array (height, width, 3).

    Raises:
        ValueError: for no data, bytes that are not an image, a truncated file, a photo too small, or one
            so large that Pillow refuses it (a "decompression bomb"); the message says what to upload.
    """
    size = None if image_size is None else size_pair(image_size)
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise ValueError("no image data: upload a photo file (JPEG or PNG)")
    try:
        photo = Image.open(io.BytesIO(bytes(data)))
        photo.load()
    except Image.DecompressionBombError as err:
        raise ValueError(f"this image is too large to open safely ({err}); upload a photo under "
                         f"{Image.MAX_IMAGE_PIXELS:,} pixels") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(f"this file is not an image Pillow can read ({err.__class__.__name__}); "
                         "upload a JPEG or PNG photo") from err
    if min(photo.size) < min_side:
        raise ValueError(f"the photo is only {photo.size[0]}x{photo.size[1]} pixels (width x height); "
                         f"use one at least {min_side}x{min_side} so there is something to see")
    if photo.mode in ("RGBA", "LA", "PA") or (photo.mode == "P" and "transparency" in photo.info):
        photo = photo.convert("RGBA")
        photo = Image.alpha_composite(Image.new("RGBA", photo.size, (255, 255, 255, 255)), photo)
    photo = photo.convert("RGB")
    if size is not None:
        photo = photo.resize((size[1], size[0]), Image.BILINEAR)  # Pillow wants (width, height)
    return np.asarray(photo, dtype=np.uint8)


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
