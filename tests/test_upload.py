"""Your own photo: decoding an upload (good, odd and bad files) and the upload widget, without a browser."""
import datetime
import io

import keras
import numpy as np
import pytest
from PIL import Image

from cnnviz import training, widgets
from cnnviz.samples import ASSETS

CLASSES = ["cats", "dogs"]


def _png(array, mode=None):
    buf = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode=mode).save(buf, format="png")
    return buf.getvalue()


def _model():
    """A tiny model whose answer is known: the probability of 'dogs' is the mean red value / 255."""
    inputs = keras.Input((24, 32, 3))
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
    dense = keras.layers.Dense(1, activation="linear")
    model = keras.Model(inputs, dense(x))
    dense.set_weights([np.array([[1.0], [0.0], [0.0]]), np.zeros(1)])
    return model


def test_the_cat_photo_in_assets_gets_a_class_and_a_probability():
    data = (ASSETS / "cat_chelsea.jpg").read_bytes()
    upload = widgets.PhotoClassifier(_model(), CLASSES)
    label, p = upload.classify(data, "cat_chelsea.jpg")
    assert upload.image.shape == (24, 32, 3) and upload.image.dtype == np.uint8
    red = upload.image[..., 0].mean() / 255
    assert (label, p) == (("dogs", pytest.approx(red, abs=1e-4)) if red > 0.5 else ("cats", pytest.approx(1 - red, abs=1e-4)))
    assert 0.5 <= p <= 1 and upload.error == ""
    assert "cat_chelsea.jpg" in upload.message.value and f"{p:.1%}" in upload.message.value
    assert upload.view.value[:4] == b"\x89PNG"


def test_setting_the_upload_widget_value_classifies_the_file():
    upload = widgets.PhotoClassifier(_model(), CLASSES)
    red = np.zeros((40, 50, 3))
    red[..., 0] = 255
    data = _png(red)
    upload.upload.value = ({"name": "red.png", "type": "image/png", "size": len(data),
                            "content": memoryview(data),
                            "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert upload.label == "dogs" and upload.probability == pytest.approx(1.0)
    assert "red.png" in upload.message.value and "dogs" in upload.message.value


def test_non_image_bytes_get_a_clear_message():
    upload = widgets.PhotoClassifier(_model(), CLASSES)
    assert upload.classify(b"%PDF-1.4 this is a document, not a photo", "notes.pdf") is None
    assert upload.label is None and "not an image" in upload.error
    assert "notes.pdf" in upload.message.value and "JPEG or PNG" in upload.message.value


def test_a_truncated_jpeg_is_reported_not_crashed_on():
    data = (ASSETS / "cat_chelsea.jpg").read_bytes()
    with pytest.raises(ValueError, match="not an image"):
        training.decode_photo(data[: len(data) // 3], (24, 32))


def test_a_tiny_image_is_refused_with_its_size():
    with pytest.raises(ValueError, match="only 10x8 pixels"):
        training.decode_photo(_png(np.zeros((8, 10, 3))), (24, 32))
    upload = widgets.PhotoClassifier(_model(), CLASSES)
    upload.classify(_png(np.zeros((8, 10, 3))), "icon.png")
    assert "10x8" in upload.error and upload.label is None


def test_empty_data_is_refused():
    with pytest.raises(ValueError, match="no image data"):
        training.decode_photo(b"", (24, 32))


def test_grayscale_and_transparent_photos_become_rgb():
    gray = training.decode_photo(_png(np.full((40, 40), 100), mode="L"), (24, 32))
    assert gray.shape == (24, 32, 3) and np.all(gray == 100)
    rgba = np.zeros((40, 40, 4))
    rgba[:, :20] = (255, 0, 0, 255)  # left half opaque red, right half fully transparent
    out = training.decode_photo(_png(rgba, mode="RGBA"), (40, 40))
    np.testing.assert_array_equal(out[5, 2], [255, 0, 0])
    np.testing.assert_array_equal(out[5, 35], [255, 255, 255])  # transparency laid on white


def test_an_odd_shaped_photo_is_resized_to_the_model_input():
    tall = training.decode_photo(_png(np.zeros((300, 50, 3))), (24, 32))
    assert tall.shape == (24, 32, 3)


def test_a_model_with_other_classes_is_reported():
    upload = widgets.PhotoClassifier(_model(), ["a", "b", "c"])
    upload.classify((ASSETS / "cat_chelsea.jpg").read_bytes())
    assert "3 class names" in upload.error
