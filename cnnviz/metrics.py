"""Judge a classifier's predictions in NumPy: accuracy, confusion matrix, per-class accuracy, confident mistakes.

Pure NumPy: imports neither Keras nor matplotlib, so it works on predictions from anywhere.
Labels are class indices 0..K-1 (a (N, 1) column or one-hot rows are accepted); probabilities
are (N, K) rows, or one sigmoid column p that stands for [1 - p, p] (``cnnviz.prediction`` reads both).
"""

import numpy as np

from cnnviz import arguments
from cnnviz.prediction import class_probabilities, labels_from


def _same_shape(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"y_true {y_true.shape} and y_pred {y_pred.shape} must be non-empty and the same shape; "
            "pass class indices, e.g. proba.argmax(axis=1)"
        )
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Return the fraction of predictions equal to the true labels.

    Args:
        y_true: true class indices (N,).
        y_pred: predicted class indices (N,).

    Returns:
        A float between 0 and 1.

    Raises:
        ValueError: if the two are empty or of different shapes.
    """
    y_true, y_pred = _same_shape(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    """Count (true class, predicted class) pairs: row i, column j = images of class i predicted as j.

    Args:
        y_true: true class indices (N,), each in 0..n_classes-1.
        y_pred: predicted class indices (N,), same range.
        n_classes: the number of classes K.

    Returns:
        An int array (K, K).

    Raises:
        ValueError: for shapes that differ, or a label outside 0..K-1 (a -1 would be counted in the
            last row by NumPy's negative indexing).
    """
    y_true, y_pred = _same_shape(y_true, y_pred)
    n_classes = arguments.whole_number(n_classes, "n_classes")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        bad = y[(y < 0) | (y >= n_classes) | (y != np.round(y))]
        if bad.size:
            raise ValueError(
                f"{name} holds {bad[0].item()!r}, which is not a class index 0..{n_classes - 1}; "
                "labels must be whole numbers from 0 to n_classes - 1"
            )
    cm = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(cm, (y_true.astype(int), y_pred.astype(int)), 1)
    return cm


def per_class_accuracy(cm):
    """Return, for each true class, the fraction of its images predicted right (NaN for a class with none).

    Args:
        cm: a (K, K) confusion matrix from ``confusion_matrix``.

    Returns:
        A float array (K,).
    """
    cm = np.asarray(cm, dtype=float)
    totals = cm.sum(axis=1)
    return np.divide(np.diag(cm), totals, out=np.full(len(cm), np.nan), where=totals > 0)


def confident_mistakes(y_true, proba, k=8):
    """Return the indices of the ``k`` wrong predictions made with the highest confidence, most confident first.

    Args:
        y_true: true class indices (N,).
        proba: class probabilities (N, K) or a sigmoid column.
        k: how many to return at most (fewer when the model makes fewer mistakes).

    Returns:
        An int array of at most ``k`` indices into ``y_true``.
    """
    y_true, proba = labels_from(y_true), class_probabilities(proba)
    y_pred, conf = proba.argmax(axis=1), proba.max(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    return wrong[np.argsort(-conf[wrong], kind="stable")][:k]
