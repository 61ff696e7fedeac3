"""cnnviz.store: where 05 and 06 save their models for 07, quick runs never replacing them; an unreadable file
counts as missing."""

import numpy as np
import pytest

from cnnviz import attribution, introspection, models, store
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


def _another_courses_model(path):
    """Save, at ``path``, a model built with a layer of another course (registered only while it is saved)."""

    @keras.saving.register_keras_serializable(package="othercourse")
    class Mystery(layers.Layer):
        def call(self, x):
            return x

    keras.Sequential([keras.Input((2,)), Mystery(), layers.Dense(1)]).save(path)
    keras.saving.get_custom_objects().pop("othercourse>Mystery")


@pytest.mark.parametrize("kind", ["cut short", "another course's model"])
def test_an_unreadable_saved_model_counts_as_missing_with_a_banner_and_is_kept(cache, capsys, monkeypatch, kind):
    path = store.saved_model_path("cats_vs_dogs")
    path.parent.mkdir(parents=True)
    if kind == "cut short":
        path.write_bytes(b"half a model")
    else:
        _another_courses_model(path)
    content = path.read_bytes()
    assert store.load_saved("cats_vs_dogs") is None  # as if missing: 07 trains a stand-in
    banner = capsys.readouterr().out
    assert "NOTE: the saved model cats_vs_dogs.keras cannot be read by this version of the course" in banner
    assert "It is treated as missing" in banner and "run notebook 05 again to save a new one" in banner
    kept = path.with_name("cats_vs_dogs.unreadable.keras")
    assert str(kept) in banner and kept.read_bytes() == content and not path.exists()  # nothing lost
    assert store.load_saved("cats_vs_dogs") is None and capsys.readouterr().out == ""  # now simply missing
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    monkeypatch.setenv("CNNVIZ_MODE", "quick")
    assert "saved the quick-mode model" in store.save_model(model, "cats_vs_dogs")  # the next save is not blocked


def test_a_full_disk_while_saving_keeps_the_old_model_and_says_what_to_do(cache, monkeypatch):
    import errno

    monkeypatch.setenv("CNNVIZ_MODE", "class")  # a class run replaces a saved model
    old = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    store.save_model(old, "cifar10")
    before = store.saved_model_path("cifar10").read_bytes()

    def full(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"PK half")  # a partial file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", full)
    with pytest.raises(
        OSError,
        match=r"the disk is full: could not write .*cifar10\.keras.*Nothing half-written "
        r"was kept\. Free some space, or set CNNVIZ_CACHE_DIR",
    ):
        store.save_model(old, "cifar10")
    assert store.saved_model_path("cifar10").read_bytes() == before  # the old model is intact
    assert sorted(p.name for p in (cache / "models").iterdir()) == ["cifar10.keras"]  # no partial file left


def test_gradcam_on_a_saved_and_reloaded_sequential_model(cache):
    """A reloaded Sequential keeps outputs of several partial graphs; Grad-CAM must still find the gradient."""
    model = keras.Sequential(
        [
            keras.Input((9, 9, 3)),
            layers.Conv2D(3, 1, use_bias=False, activation="relu", name="colours"),
            layers.Dropout(0.5),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3, activation="softmax", name="head"),
        ]
    )
    model.get_layer("colours").set_weights([np.eye(3, dtype="float32").reshape(1, 1, 3, 3)])
    model.get_layer("head").set_weights([10 * np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    store.save_model(model, "stripes")
    loaded = store.load_saved("stripes")
    image = np.zeros((9, 9, 3), dtype="float32")
    for c in range(3):
        image[:, 3 * c : 3 * c + 3, c] = 1.0 if c == 2 else 0.6  # red, green, blue stripes; blue brightest
    cam = attribution.grad_cam(loaded, image).maps[0]
    assert np.all(cam[:, 6:] > 0) and np.all(cam[:, :6] == 0)
    fields = introspection.model_receptive_fields(loaded)  # layer by layer, read from the reloaded graph
    assert {name: f["rf"] for name, f in fields.items()} == {
        name: f["rf"] for name, f in introspection.model_receptive_fields(model).items()
    }
    assert list(fields) == [layer.name for layer in model.layers] and fields["colours"]["rf"] == (1, 1)
