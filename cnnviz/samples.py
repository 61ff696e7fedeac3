"""Small example images of the course: a digit and the photos in assets/; imports no Keras or matplotlib.

The photos live in the repository's top-level ``assets/`` folder, which the package ships as
``cnnviz.assets``; :data:`ASSETS` is that folder wherever cnnviz is installed (a checkout, an
editable install, a wheel on Colab).
"""

from importlib import resources
from pathlib import Path

import numpy as np

from cnnviz import arguments, photos

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

# A handwritten-style "4" on a 9x7 grid, 0 = white paper, 255 = darkest ink (the example idea of Dishashree (n.d.)).
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


def load_asset(name, size=None):
    """Return one of the course's photos as an RGB array.

    Args:
        name: file name of a photo in ``assets/``, e.g. ``"cat_chelsea.jpg"``.
        size: ``None`` for the photo as stored, or ``(height, width)`` (as Keras writes image
            sizes) to resize it as training does (``photos.resize``), e.g. ``model.inputs[0].shape[1:3]``.

    Returns:
        A uint8 array of shape ``(height, width, 3)``.

    Raises:
        FileNotFoundError: no photo called ``name``; the message lists the available ones.
        ValueError: ``size`` is not two positive whole numbers.
    """
    if size is not None:
        size = arguments.size_pair(size, "size")
    path = ASSETS.joinpath(name)
    if not path.is_file():
        raise FileNotFoundError(f"no asset named {name!r} in {ASSETS}; available: {asset_names()}")
    return photos.decode_photo(path.read_bytes(), size, min_side=1)  # the course's one photo decoder
