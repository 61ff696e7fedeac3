"""Provide the small example images of the course: a digit, the seeds' pixel grids, the assets."""
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parents[1] / "assets"

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
    """Return the 9x7 grayscale "4" as uint8 intensities (0 paper, 255 ink)."""
    rows = [line.split() for line in _FOUR.strip().splitlines()]
    return np.array([[0 if c == "." else round(int(c) * 255 / 9) for c in row] for row in rows], dtype=np.uint8)


def load_asset(name, size=None):
    """Return the image ``assets/<name>`` as a uint8 (H, W, 3) array, optionally resized to (width, height)."""
    from PIL import Image

    path = ASSETS / name
    if not path.exists():
        available = sorted(p.name for p in ASSETS.glob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        raise FileNotFoundError(f"no asset named {name!r} in {ASSETS}; available: {available}")
    with Image.open(path) as im:
        im = im.convert("RGB")
        if size is not None:
            im = im.resize(size, Image.BILINEAR)
        return np.asarray(im)
