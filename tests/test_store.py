"""cnnviz.store: where 05 and 06 save their models for 07, quick runs never replacing them, clear errors for bad files."""
import numpy as np
import pytest

from cnnviz import attribution, models, store
from cnnviz.config import keras_quietly

keras = keras_quietly()
layers = keras.layers


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_save_model_never_lets_a_quick_run_replace_a_saved_model(cache, monkeypatch):
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, name="head")])
    monkeypatch.setenv("CNNVIZ_MODE", "quick")
    assert store.load_saved("demo") is None  # nothing saved yet
    assert "saved the quick-mode model" in store.save_model(model, "demo")
    path = store.saved_model_path("demo")
    assert path == cache / "models" / "demo.keras" and path.exists()
    first = path.stat().st_mtime_ns
    assert "kept" in store.save_model(model, "demo") and path.stat().st_mtime_ns == first
    monkeypatch.setenv("CNNVIZ_MODE", "class")
    assert "saved the class-mode model" in store.save_model(model, "demo")
    assert store.load_saved("demo").count_params() == model.count_params()


def test_a_saved_cifar10_net_comes_back_with_its_custom_layer(cache):
    model = models.cifar10_net(widths=(4, 4, 4), shift=2)
    store.save_model(model, "cifar10")
    again = store.load_saved("cifar10")
    assert isinstance(again.get_layer("shift"), models.RandomShift) and again.get_layer("shift").pad == 2
    x = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(again(x, training=False)), np.asarray(model(x, training=False)), rtol=1e-5)


def test_a_damaged_saved_model_names_the_file_and_what_to_do(cache):
    path = store.saved_model_path("cats_vs_dogs")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"half a model")
    with pytest.raises(ValueError, match=r"(?s)cats_vs_dogs\.keras is not a model Keras can read.*delete it and run "
                                         r"the notebook that saves it again"):
        store.load_saved("cats_vs_dogs")


def test_gradcam_on_a_saved_and_reloaded_sequential_model(cache):
    """A reloaded Sequential keeps outputs of several partial graphs; Grad-CAM must still find the gradient."""
    model = keras.Sequential([keras.Input((9, 9, 3)), layers.Conv2D(3, 1, use_bias=False, activation="relu", name="colours"),
                              layers.Dropout(0.5), layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax", name="head")])
    model.get_layer("colours").set_weights([np.eye(3, dtype="float32").reshape(1, 1, 3, 3)])
    model.get_layer("head").set_weights([10 * np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    store.save_model(model, "stripes")
    loaded = store.load_saved("stripes")
    image = np.zeros((9, 9, 3), dtype="float32")
    for c in range(3):
        image[:, 3 * c:3 * c + 3, c] = 1.0 if c == 2 else 0.6  # red, green, blue stripes; blue brightest
    cam = attribution.grad_cam(loaded, image).maps[0]
    assert np.all(cam[:, 6:] > 0) and np.all(cam[:, :6] == 0)
