"""Small example images of the course: a digit, the articles' pixel grids, the photos in assets/; imports no Keras or matplotlib.

The photos live in the repository's top-level ``assets/`` folder, which the package ships as
``cnnviz.assets``; :data:`ASSETS` is that folder wherever cnnviz is installed (a checkout, an
editable install, a wheel on Colab).
"""
from importlib import resources
from pathlib import Path

import numpy as np

from cnnviz import photos

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg")


def _assets_folder():
    """Return the folder of the course's images: the installed ``cnnviz.assets`` package, else ``assets/``.

    The second case is a checkout put on ``sys.path`` by hand, or an editable install made before
    the images became a package (``make`` reinstalls it when pyproject.toml changes).
    """
    try:
        return resources.files("cnnviz.assets")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "assets"


# The images' folder: ``ASSETS / "cat_chelsea.jpg"`` has ``.read_bytes()`` and ``.open("rb")``.
ASSETS = _assets_folder()

# A handwritten-style "4" on a 9x7 grid, 0 = white paper, 255 = darkest ink (seed 001's example idea).
_FOUR = """
. . . . 4 9 .
. . . 6 9 9 .
. . 5 9 3 9 .
. 4 9 3 . 9 .
5 9 2 . . 9 .
9 9 9 9 9 9 7
. . . . . 9 .
. . . . . 9 .
. . . . . 8 .
"""

# Seed 003's "sample image": a 7x7 blob, brightest in the middle.
SEED003_BLOB = np.array([
    [0, 0, 0, 5, 0, 0, 0],
    [0, 5, 18, 32, 18, 5, 0],
    [0, 18, 64, 100, 64, 18, 0],
    [5, 32, 100, 100, 100, 32, 5],
    [0, 18, 64, 100, 64, 18, 0],
    [0, 5, 18, 32, 18, 5, 0],
    [0, 0, 0, 5, 0, 0, 0],
])

# Seed 003's opening grid of pixel values (16 rows x 12 columns of a grayscale photo).
SEED003_PATCH = np.array([
    [157, 153, 174, 168, 150, 152, 129, 151, 172, 161, 155, 156],
    [155, 182, 163, 74, 75, 62, 33, 17, 110, 210, 180, 154],
    [180, 180, 50, 14, 34, 6, 10, 33, 48, 106, 159, 181],
    [206, 109, 5, 124, 131, 111, 120, 204, 165, 15, 56, 180],
    [194, 68, 137, 251, 237, 239, 239, 228, 227, 87, 71, 201],
    [172, 105, 207, 233, 233, 214, 220, 239, 228, 98, 74, 206],
    [188, 88, 179, 209, 185, 215, 211, 158, 139, 75, 20, 169],
    [189, 97, 165, 84, 10, 168, 134, 11, 31, 62, 22, 148],
    [199, 168, 191, 193, 158, 227, 178, 143, 182, 105, 36, 190],
    [205, 174, 155, 252, 236, 231, 149, 178, 228, 43, 95, 234],
    [190, 216, 116, 149, 236, 187, 85, 150, 79, 38, 218, 241],
    [190, 224, 147, 108, 227, 210, 127, 102, 36, 101, 255, 224],
    [190, 214, 173, 66, 103, 143, 95, 90, 2, 109, 249, 215],
    [187, 196, 235, 75, 1, 81, 47, 0, 6, 217, 255, 211],
    [183, 202, 237, 145, 0, 0, 12, 108, 200, 138, 243, 236],
    [195, 206, 123, 207, 177, 121, 123, 200, 175, 13, 96, 218],
])

# The seed prints the patch a second time; that copy differs in one pixel (row 8, column 9).
SEED003_PATCH_REPEAT = SEED003_PATCH.copy()
SEED003_PATCH_REPEAT[8, 9] = 106


def digit_four():
    """Return the 9x7 grayscale "4" of the course.

    Returns:
        A uint8 array of shape (9, 7): 0 is white paper, 255 the darkest ink.
    """
    rows = [line.split() for line in _FOUR.strip().splitlines()]
    return np.array([[0 if c == "." else round(int(c) * 255 / 9) for c in row] for row in rows], dtype=np.uint8)


def asset_names():
    """Return the names of the photos in :data:`ASSETS`.

    Returns:
        The file names, sorted, e.g. ``["cat_chelsea.jpg", "coffee.png"]``.
    """
    return sorted(p.name for p in ASSETS.iterdir() if p.name.lower().endswith(PHOTO_SUFFIXES))


def _check_size(size):
    """Return ``size`` as a ``(height, width)`` tuple of positive ints, or raise a ValueError naming it."""
    try:
        height, width = size
        ok = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in (height, width))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"size must be (height, width), two positive whole numbers as Keras writes image "
                         f"sizes, e.g. (224, 224); got {size!r}")
    return int(height), int(width)


def load_asset(name, size=None):
    """Return one of the course's photos as an RGB array.

    Args:
        name: file name of a photo in ``assets/``, e.g. ``"cat_chelsea.jpg"``.
        size: ``None`` for the photo as stored, or ``(height, width)`` (as Keras writes image
            sizes) to resize it bilinearly, e.g. ``model.inputs[0].shape[1:3]``.

    Returns:
        A uint8 array of shape ``(height, width, 3)``.

    Raises:
        FileNotFoundError: no photo called ``name``; the message lists the available ones.
        ValueError: ``size`` is not two positive whole numbers.
    """
    if size is not None:
        size = _check_size(size)
    path = ASSETS.joinpath(name)
    if not path.is_file():
        raise FileNotFoundError(f"no asset named {name!r} in {ASSETS}; available: {asset_names()}")
    return photos.decode_photo(path.read_bytes(), size, min_side=1)  # the course's one photo decoder
