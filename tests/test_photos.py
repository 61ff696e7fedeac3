"""cnnviz.photos, the course's one photo decoder: good, odd and bad files; sizes are (height, width)."""
import io

import numpy as np
import pytest
from PIL import Image

from cnnviz import photos
from cnnviz.samples import ASSETS


def _png(array, mode=None):
    buf = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode=mode).save(buf, format="png")
    return buf.getvalue()


def test_the_cat_photo_decodes_to_rgb_uint8_of_its_own_size():
    cat = photos.decode_photo((ASSETS / "cat_chelsea.jpg").read_bytes())
    with Image.open(ASSETS / "cat_chelsea.jpg") as pil:
        width, height = pil.size
    assert cat.shape == (height, width, 3) and cat.dtype == np.uint8
    np.testing.assert_array_equal(photos.read_photo(ASSETS / "cat_chelsea.jpg"), cat)


def test_image_size_is_height_then_width_as_keras_writes_it():
    image = np.zeros((40, 60, 3))
    image[:20] = 255  # top half white: rows are the first axis
    out = photos.decode_photo(_png(image), (24, 32))
    assert out.shape == (24, 32, 3)
    assert out[:10].min() == 255 and out[14:].max() == 0
    assert photos.read_photo(ASSETS / "cat_chelsea.jpg", (30, 50)).shape == (30, 50, 3)


def test_size_pair_accepts_pairs_and_names_what_is_wrong():
    assert photos.size_pair((24, 32)) == (24, 32) and photos.size_pair([5, 7]) == (5, 7)
    for bad in (160, "ab", (1, 2, 3), None):
        with pytest.raises(ValueError, match=r"image_size must be \(height, width\)"):
            photos.size_pair(bad)
    with pytest.raises(ValueError, match="at least 1 pixel"):
        photos.size_pair((0, 5))
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\)"):
        photos.decode_photo(_png(np.zeros((40, 40, 3))), 160)


def test_a_truncated_jpeg_is_reported_not_crashed_on():
    data = (ASSETS / "cat_chelsea.jpg").read_bytes()
    with pytest.raises(ValueError, match="not an image"):
        photos.decode_photo(data[: len(data) // 3], (24, 32))


def test_non_image_bytes_and_empty_data_are_refused():
    with pytest.raises(ValueError, match="not an image Pillow can read.*JPEG or PNG"):
        photos.decode_photo(b"%PDF-1.4 this is a document, not a photo")
    with pytest.raises(ValueError, match="no image data"):
        photos.decode_photo(b"", (24, 32))
    with pytest.raises(ValueError, match="no image data"):
        photos.decode_photo("cat.jpg")  # a file name is not the file's bytes


def test_a_tiny_image_is_refused_with_its_size():
    with pytest.raises(ValueError, match="only 10x8 pixels"):
        photos.decode_photo(_png(np.zeros((8, 10, 3))), (24, 32))
    assert photos.decode_photo(_png(np.zeros((8, 10, 3))), min_side=1).shape == (8, 10, 3)


def test_a_decompression_bomb_gets_a_clear_error(monkeypatch):
    """Pillow refuses images of more than twice MAX_IMAGE_PIXELS: that must be a ValueError saying so."""
    data = _png(np.zeros((100, 120, 3)))  # 12,000 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    with pytest.raises(ValueError, match="too large to open safely.*under 5,000 pixels"):
        photos.decode_photo(data, (24, 32))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000)  # below the limit: decoded as usual
    assert photos.decode_photo(data).shape == (100, 120, 3)


def test_grayscale_palette_and_transparent_photos_become_rgb():
    gray = photos.decode_photo(_png(np.full((40, 40), 100), mode="L"), (24, 32))
    assert gray.shape == (24, 32, 3) and np.all(gray == 100)
    rgba = np.zeros((40, 40, 4))
    rgba[:, :20] = (255, 0, 0, 255)  # left half opaque red, right half fully transparent
    out = photos.decode_photo(_png(rgba, mode="RGBA"), (40, 40))
    np.testing.assert_array_equal(out[5, 2], [255, 0, 0])
    np.testing.assert_array_equal(out[5, 35], [255, 255, 255])  # transparency laid on white
    buf = io.BytesIO()
    Image.new("P", (40, 40), 3).save(buf, format="gif")
    assert photos.decode_photo(buf.getvalue()).shape == (40, 40, 3)


def test_an_odd_shaped_photo_is_resized_to_the_model_input():
    tall = photos.decode_photo(_png(np.zeros((300, 50, 3))), (24, 32))
    assert tall.shape == (24, 32, 3)


def test_read_photo_of_a_missing_file():
    with pytest.raises(FileNotFoundError, match="no photo at"):
        photos.read_photo(ASSETS / "no_such_photo.jpg")
