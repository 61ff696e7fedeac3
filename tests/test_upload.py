"""Your own photo: the upload widget (good and bad files) without a browser or Keras.

Decoding itself is tested in test_photos.
"""

import datetime
import io

import numpy as np
import pytest
from PIL import Image

from cnnviz import widgets
from cnnviz.samples import ASSETS

CLASSES = ["cats", "dogs"]


def _png(array, mode=None):
    buf = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode=mode).save(buf, format="png")
    return buf.getvalue()


SIZE = (24, 32)  # (height, width)
seen = []


def _predict(image):
    """A 'model' whose answer is known: the probability of 'dogs' is the mean red value / 255 (one sigmoid value)."""
    seen.append(image.shape)
    return np.array([image[..., 0].mean() / 255])


def _classifier(class_names=CLASSES):
    return widgets.PhotoClassifier(_predict, SIZE, class_names)


def test_the_cat_photo_in_assets_gets_a_class_and_a_probability():
    data = (ASSETS / "cat_chelsea.jpg").read_bytes()
    upload = _classifier()
    label, p = upload.classify(data, "cat_chelsea.jpg")
    assert upload.image.shape == (24, 32, 3) and upload.image.dtype == np.uint8
    red = upload.image[..., 0].mean() / 255
    assert (label, p) == (
        ("dogs", pytest.approx(red, abs=1e-4)) if red > 0.5 else ("cats", pytest.approx(1 - red, abs=1e-4))
    )
    assert 0.5 <= p <= 1 and upload.error == ""
    assert "cat_chelsea.jpg" in upload.message.value and f"{p:.1%}" in upload.message.value
    assert upload.view.value[:4] == b"\x89PNG"


def _choose_file(upload, name, data):
    """Do what the browser does when a file is chosen in a FileUpload: ipywidgets 8 sets ``value`` (a tuple
    of dicts); ipywidgets 7 (Colab's) sets ``metadata`` and ``data``, then counts up ``_counter``."""
    meta = {"name": name, "type": "image/png", "size": len(data)}
    if isinstance(upload.value, dict):  # ipywidgets 7: value is read-only, {name: {"metadata", "content"}}
        upload.metadata, upload.data = [{**meta, "lastModified": 0}], [data]
        upload._counter += 1
    else:
        upload.value = ({**meta, "content": memoryview(data), "last_modified": datetime.datetime.now(datetime.UTC)},)


def test_setting_the_upload_widget_value_classifies_the_file():
    upload = _classifier()
    red = np.zeros((40, 50, 3))
    red[..., 0] = 255
    _choose_file(upload.upload, "red.png", _png(red))
    assert upload.label == "dogs" and upload.probability == pytest.approx(1.0)
    assert "red.png" in upload.message.value and "dogs" in upload.message.value


def test_both_ipywidgets_upload_values_give_the_name_and_the_bytes():
    """ipywidgets 8's value (a tuple of dicts) and 7's (Colab's: a dict by file name) read the same."""
    v8 = ({"name": "a.png", "type": "image/png", "size": 1, "content": memoryview(b"x")},)
    v7 = {"a.png": {"metadata": {"name": "a.png", "type": "image/png", "size": 1}, "content": b"x"}}
    for value in (v8, v7):
        assert [(name, bytes(content)) for name, content in widgets._uploaded_files(value)] == [("a.png", b"x")]
    assert widgets._uploaded_files(()) == widgets._uploaded_files({}) == []


def test_non_image_bytes_get_a_clear_message():
    upload = _classifier()
    assert upload.classify(b"%PDF-1.4 this is a document, not a photo", "notes.pdf") is None
    assert upload.label is None and "not an image" in upload.error
    assert "notes.pdf" in upload.message.value and "JPEG or PNG" in upload.message.value


def test_a_tiny_image_is_refused_with_its_size():
    upload = _classifier()
    upload.classify(_png(np.zeros((8, 10, 3))), "icon.png")
    assert "10x8" in upload.error and upload.label is None


def test_the_photo_reaches_predict_at_the_model_size_height_first():
    seen.clear()
    upload = _classifier()
    upload.classify(_png(np.zeros((300, 50, 3))), "tall.png")
    assert seen[-1] == (24, 32, 3) and upload.image.shape == (24, 32, 3)


def test_empty_and_truncated_uploads_get_a_message():
    upload = _classifier()
    assert upload.classify(b"", "nothing.jpg") is None and "no image data" in upload.error
    data = (ASSETS / "cat_chelsea.jpg").read_bytes()
    assert upload.classify(data[: len(data) // 3], "half.jpg") is None and "not an image" in upload.error
    assert "half.jpg" in upload.message.value


def test_a_model_with_other_classes_is_refused_at_construction():
    with pytest.raises(
        ValueError, match=r"the model gives 2 class probabilities but 3 class names.*one name per class"
    ):
        _classifier(["a", "b", "c"])
    with pytest.raises(ValueError, match=r"the model gives 3 class probabilities but 2 class names"):
        widgets.PhotoClassifier(lambda image: np.array([0.2, 0.3, 0.5]), SIZE, CLASSES)
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\)"):
        widgets.PhotoClassifier(_predict, 160, CLASSES)
