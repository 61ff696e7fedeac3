"""The auto-graded part of the final project (three classes of your own photos); pure NumPy.

The project notebook's last cell calls ``check_project``; a teacher can paste the same call into an
nbgrader test cell. Each check says what is wrong in a sentence, by raising ``AssertionError``.
"""

import numpy as np


def accuracy_interval(y_true, y_pred):
    """Return (accuracy, low, high): the accuracy and its 95% interval (Wilson's, z = 1.96).

    Wilson's interval rather than the course's p +- 1.96 * sqrt(p * (1 - p) / n): on the few dozen photos of a
    project an accuracy is often 100%, where that formula gives an interval of width 0; Wilson's stays honest.

    Raises:
        AssertionError: if the two label lists are empty or of different lengths.
    """
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    assert len(y_true) > 0 and len(y_true) == len(y_pred), (
        f"give the validation labels and the model's predictions, one per photo; got {len(y_true)} and {len(y_pred)}"
    )
    n, z = len(y_true), 1.96
    p = float(np.mean(y_true == y_pred))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def check_beats_chance(y_true, y_pred, n_classes=3):
    """Pass when the whole 95% interval of the validation accuracy lies above chance (1 / n_classes).

    Returns:
        A sentence with the accuracy and its interval.

    Raises:
        AssertionError: if the interval reaches chance, or the labels are not 0..n_classes - 1.
    """
    y_true = np.asarray(y_true).ravel()
    assert set(np.unique(y_true)) <= set(range(n_classes)), f"labels must be 0..{n_classes - 1}"
    p, low, high = accuracy_interval(y_true, y_pred)
    chance = 1 / n_classes
    assert low > chance, (
        f"validation accuracy {p:.0%} (95% interval {low:.0%} to {high:.0%}, {len(y_true)} photos) "
        f"does not beat chance ({chance:.0%}): train longer, check the labels, or add photos"
    )
    return f"beats chance: validation accuracy {p:.0%} (95% interval {low:.0%} to {high:.0%}) > {chance:.0%}"


def check_maps_fit_photos(maps, photos):
    """Pass when there is one Grad-CAM map per photo, each of the photo's height and width, finite and >= 0.

    Raises:
        AssertionError: saying which of these does not hold.
    """
    maps, photos = np.asarray(maps), np.asarray(photos)
    assert maps.ndim == 3 and len(maps) > 0, f"give the maps as one array (n, height, width); got shape {maps.shape}"
    assert len(maps) == len(photos), f"{len(maps)} maps for {len(photos)} photos: one map per photo"
    assert maps.shape[1:] == photos.shape[1:3], (
        f"the maps are {maps.shape[1]}x{maps.shape[2]}, the photos {photos.shape[1]}x{photos.shape[2]}: resize "
        f"each map to the photo's size (heatmaps.resize_map(map, photo.shape[:2]))"
    )
    assert np.isfinite(maps).all() and maps.min() >= 0, "a Grad-CAM map holds finite values >= 0 (after its ReLU)"
    return f"Grad-CAM maps: {len(maps)}, each {maps.shape[1]}x{maps.shape[2]} like its photo"


def check_project(y_true, y_pred, maps, photos, n_classes=3):
    """Run both checks and print what each found (the notebook's last cell)."""
    for line in (check_beats_chance(y_true, y_pred, n_classes), check_maps_fit_photos(maps, photos)):
        print(line)
    print("auto-graded part: passed")
