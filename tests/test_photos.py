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


def test_decode_photo_refuses_a_size_that_is_not_height_and_width():
    # the wording of every refusal is tested in tests/test_arguments.py
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\), two whole numbers; got 160"):
        photos.decode_photo(_png(np.zeros((40, 40, 3))), 160)
    with pytest.raises(ValueError, match=r"the height 24\.5 is not a whole number"):
        photos.decode_photo(_png(np.zeros((40, 40, 3))), (24.5, 32))


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


def test_resize_gives_tensorflows_bilinear_pixels_bit_for_bit():
    """The course's one resize outside TensorFlow equals tf.image.resize (training's), rounded as data.py rounds."""
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    cat = photos.read_photo(ASSETS / "cat_chelsea.jpg")
    for image in (cat, rng.integers(0, 256, (37, 53, 3)), rng.integers(0, 256, (9, 7))):
        for size in ((160, 160), (64, 48), (13, 200), (image.shape[0] * 2 + 1, 5)):
            theirs = tf.image.resize(image if image.ndim == 3 else image[..., None], size, method="bilinear")
            theirs = np.round(theirs.numpy()).astype(np.uint8)
            np.testing.assert_array_equal(photos.resize(image, size), theirs if image.ndim == 3 else theirs[..., 0])
    np.testing.assert_array_equal(photos.resize(cat, cat.shape[:2]), cat)  # its own size: unchanged
    with pytest.raises(ValueError, match="resize takes an"):
        photos.resize(np.zeros(5), (2, 2))


def _one_photo_folder(tmp_path, data):
    for name in ("cats", "dogs"):  # two classes, the same photo in each, so it lands in every split
        (tmp_path / name).mkdir(parents=True)
        for i in range(3):
            (tmp_path / name / f"p{i}.png").write_bytes(data)
    return tmp_path


def test_training_and_upload_see_the_same_pixels(tmp_path, monkeypatch):
    """One photo through the training pipeline (image_dataset_from_directory) and the upload (decode_photo).

    A PNG: Pillow and TensorFlow decode it alike, so the two paths must agree exactly. (A JPEG adds one
    difference before any resize: TensorFlow decodes JPEG with libjpeg's fast integer IDCT, Pillow with
    the accurate one; see the next test.)
    """
    pytest.importorskip("tensorflow")
    from cnnviz import data

    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (90, 130, 3)).astype(np.uint8)
    photo[20:60, 30:100] = (200, 40, 10)  # an edge, where an antialiased resize would differ most
    png = _png(photo)
    folder = _one_photo_folder(tmp_path / "photos", png)
    for size in ((64, 64), (160, 120)):
        trained = data.image_folder_datasets(folder, image_size=size, val_split=0.34, test_split=0.0, batch_size=8)
        seen_in_training = np.concatenate([x.numpy() for x, _ in trained.train])
        uploaded = photos.decode_photo(png, size)
        assert seen_in_training.dtype == uploaded.dtype == np.uint8
        for image in seen_in_training:
            np.testing.assert_array_equal(image, uploaded)


def test_a_jpeg_differs_between_the_paths_only_by_its_decoder():
    """TensorFlow's JPEG decoder (fast integer IDCT) and Pillow's (accurate IDCT) differ by a few levels;
    the resize adds nothing: resizing TensorFlow's decoded pixels with photos.resize gives training's pixels."""
    tf = pytest.importorskip("tensorflow")
    raw = (ASSETS / "cat_chelsea.jpg").read_bytes()
    decoded = tf.io.decode_image(raw, channels=3, expand_animations=False)
    training = np.round(tf.image.resize(decoded, (160, 160), method="bilinear").numpy()).astype(np.uint8)
    np.testing.assert_array_equal(photos.resize(decoded.numpy(), (160, 160)), training)
    accurate = tf.io.decode_jpeg(raw, channels=3, dct_method="INTEGER_ACCURATE").numpy()
    np.testing.assert_array_equal(photos.decode_photo(raw), accurate)  # Pillow = the accurate IDCT
    gap = np.abs(photos.decode_photo(raw, (160, 160)).astype(int) - training).max()
    assert 0 < gap <= 8, f"the two JPEG decoders differ by {gap} levels"
