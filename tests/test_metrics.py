"""cnnviz.metrics: accuracy, confusion matrix, per-class accuracy and confident mistakes, in NumPy, on known answers."""

import numpy as np
import pytest

from cnnviz import metrics


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    cm = metrics.confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], n_classes=3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    # a class that never occurs still gets its row and column
    np.testing.assert_array_equal(
        metrics.confusion_matrix([1, 0], [1, 1], n_classes=3), [[0, 1, 0], [0, 1, 0], [0, 0, 0]]
    )


def test_confusion_matrix_refuses_a_label_minus_one_instead_of_counting_it_in_the_last_row():
    with pytest.raises(ValueError, match=r"y_true holds -1, which is not a class index 0\.\.2"):
        metrics.confusion_matrix([0, -1, 2], [0, 1, 2], n_classes=3)
    with pytest.raises(ValueError, match=r"y_pred holds 3, which is not a class index 0\.\.2"):
        metrics.confusion_matrix([0, 1, 2], [0, 3, 2], n_classes=3)
    with pytest.raises(ValueError, match="not a class index"):
        metrics.confusion_matrix([0, 1.5], [0, 1], n_classes=2)


def test_confusion_matrix_needs_a_number_of_classes_and_equal_shapes():
    with pytest.raises(TypeError):
        metrics.confusion_matrix([0, 1], [0, 1])  # n_classes is required: no silent guess from the labels
    for bad in (0, -2, 2.5, True, "2"):
        with pytest.raises(ValueError, match="n_classes must be a whole number"):
            metrics.confusion_matrix([0, 1], [0, 1], n_classes=bad)
    with pytest.raises(ValueError, match="same shape"):
        metrics.confusion_matrix([0, 1], [0, 1, 1], n_classes=2)


def test_per_class_accuracy_is_the_diagonal_over_row_totals_and_nan_for_empty_rows():
    cm = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    np.testing.assert_allclose(metrics.per_class_accuracy(cm), [0.5, 1.0, 0.0])
    acc = metrics.per_class_accuracy([[3, 1], [0, 0]])
    assert acc[0] == 0.75 and np.isnan(acc[1])


def test_accuracy_and_its_shape_check():
    assert metrics.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    with pytest.raises(ValueError, match="same shape"):
        metrics.accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="non-empty"):
        metrics.accuracy([], [])


def test_confident_mistakes_are_the_wrong_answers_most_confident_first():
    y_true = np.array([0, 1, 0, 1, 1])
    proba = np.array(
        [
            [0.9, 0.1],  # right
            [0.6, 0.4],  # wrong, 60% sure
            [0.05, 0.95],  # wrong, 95% sure
            [0.2, 0.8],  # right
            [0.99, 0.01],
        ]
    )  # wrong, 99% sure
    np.testing.assert_array_equal(metrics.confident_mistakes(y_true, proba, k=8), [4, 2, 1])
    np.testing.assert_array_equal(metrics.confident_mistakes(y_true, proba, k=2), [4, 2])
    sigmoid = proba[:, 1:]
    np.testing.assert_array_equal(metrics.confident_mistakes(y_true, sigmoid, k=8), [4, 2, 1])
    assert metrics.confident_mistakes([0, 1], [[0.9, 0.1], [0.1, 0.9]]).size == 0
