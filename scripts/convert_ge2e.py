"""Converts Resemblyzer's GE2E speaker encoder (resemblyzer/pretrained.pt,
Apache-2.0) to ONNX with numpy and onnx only: no torch.

    python scripts/convert_ge2e.py PRETRAINED_PT OUT_ONNX

The checkpoint is torch's legacy (pre-1.6) serialisation: a sequence of
pickles (magic number, protocol version, system info, the object, the list
of storage keys) followed by each storage's raw little-endian data preceded
by its element count as int64. A custom unpickler rebuilds the tensors as
numpy arrays; the zip format of newer torch versions is handled too.

The model (resemblyzer/voice_encoder.py): LSTM(40 -> 256, 3 layers,
batch_first) -> last hidden state of the top layer -> Linear(256, 256) ->
ReLU -> L2 normalisation. ONNX input `mels` [batch, frames, 40], output
`embedding` [batch, 256].
"""
import io
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name):
        if name not in _DTYPES:
            raise ValueError(f"unsupported torch storage type {name}")
        self.dtype = np.dtype(_DTYPES[name]).newbyteorder("<")


class _Storage:
    """A storage placeholder, filled with data after the object pickle."""

    def __init__(self, dtype, numel):
        self.dtype = dtype
        self.numel = numel
        self.data = None


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def to_numpy(self):
        data = self.storage.data
        itemsize = data.dtype.itemsize
        return np.lib.stride_tricks.as_strided(
            data[self.offset :], shape=self.size, strides=[s * itemsize for s in self.stride]
        ).copy()


def _rebuild_tensor_v2(storage, offset, size, stride, *_):
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_):
    return data


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, storages, zip_reader=None):
        super().__init__(f)
        self.storages = storages
        self.zip_reader = zip_reader

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch.nn.modules.module" or module.startswith("torch"):
            raise pickle.UnpicklingError(f"unexpected torch object {module}.{name} in checkpoint")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        if key not in self.storages:
            st = _Storage(storage_type.dtype, numel)
            if self.zip_reader is not None:
                st.data = np.frombuffer(self.zip_reader(key), dtype=st.dtype)
            self.storages[key] = st
        return self.storages[key]


def load_checkpoint(path):
    """Returns the checkpoint's object with tensors as numpy arrays."""
    raw = Path(path).read_bytes()
    storages = {}
    if zipfile.is_zipfile(io.BytesIO(raw)):
        zf = zipfile.ZipFile(io.BytesIO(raw))
        prefix = zf.namelist()[0].split("/")[0]
        obj = _Unpickler(
            io.BytesIO(zf.read(f"{prefix}/data.pkl")),
            storages,
            zip_reader=lambda key: zf.read(f"{prefix}/data/{key}"),
        ).load()
    else:
        f = io.BytesIO(raw)
        magic = pickle.load(f)
        if magic != LEGACY_MAGIC:
            raise ValueError(f"{path}: not a torch checkpoint (magic {magic!r})")
        protocol = pickle.load(f)
        if protocol != 1001:
            raise ValueError(f"{path}: unsupported torch protocol {protocol}")
        pickle.load(f)  # sys_info
        obj = _Unpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            (numel,) = struct.unpack("<q", f.read(8))
            st = storages[key]
            nbytes = numel * st.dtype.itemsize
            st.data = np.frombuffer(f.read(nbytes), dtype=st.dtype)
            if st.data.size != numel:
                raise ValueError(f"{path}: storage {key} truncated")

    def convert(o):
        if isinstance(o, _Tensor):
            return o.to_numpy()
        if isinstance(o, dict):
            return OrderedDict((k, convert(v)) for k, v in o.items())
        if isinstance(o, (list, tuple)):
            return type(o)(convert(v) for v in o)
        return o

    return convert(obj)


def ge2e_weights(path):
    """The state dict of the VoiceEncoder, float32."""
    ckpt = load_checkpoint(path)
    state = ckpt.get("model_state", ckpt) if isinstance(ckpt, dict) else ckpt
    weights = {k: np.asarray(v, dtype=np.float32) for k, v in state.items() if isinstance(v, np.ndarray)}
    for layer in range(3):
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            name = f"lstm.{kind}_l{layer}"
            if name not in weights:
                raise KeyError(f"checkpoint lacks {name}; keys: {sorted(weights)}")
    return weights


def _reorder_gates(w):
    """PyTorch packs LSTM gates as i, f, g, o; ONNX expects i, o, f, c."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_onnx(weights, source_note=""):
    hidden = weights["lstm.weight_hh_l0"].shape[1]
    n_mels = weights["lstm.weight_ih_l0"].shape[1]
    emb = weights["linear.weight"].shape[0]
    inits = []
    nodes = [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]  # [T, N, 40]
    x = "x0"
    for layer in range(3):
        W = _reorder_gates(weights[f"lstm.weight_ih_l{layer}"])[None]
        R = _reorder_gates(weights[f"lstm.weight_hh_l{layer}"])[None]
        B = np.concatenate(
            [_reorder_gates(weights[f"lstm.bias_ih_l{layer}"]), _reorder_gates(weights[f"lstm.bias_hh_l{layer}"])]
        )[None]
        for name, arr in (("W", W), ("R", R), ("B", B)):
            inits.append(numpy_helper.from_array(arr.astype(np.float32), f"lstm{layer}_{name}"))
        y, yh = f"y{layer}", f"yh{layer}"
        nodes.append(
            helper.make_node(
                "LSTM",
                [x, f"lstm{layer}_W", f"lstm{layer}_R", f"lstm{layer}_B"],
                [y, yh],
                hidden_size=hidden,
                direction="forward",
            )
        )
        # Y: [T, 1, N, H] -> [T, N, H] for the next layer.
        inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), f"axis1_{layer}"))
        nodes.append(helper.make_node("Squeeze", [y, f"axis1_{layer}"], [f"x{layer + 1}"]))
        x = f"x{layer + 1}"
    # Top layer's last hidden state: Y_h [1, N, H] -> [N, H].
    inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"))
    nodes.append(helper.make_node("Squeeze", ["yh2", "axis0"], ["h"]))
    inits.append(numpy_helper.from_array(weights["linear.weight"], "linear_W"))
    inits.append(numpy_helper.from_array(weights["linear.bias"], "linear_B"))
    nodes.append(helper.make_node("Gemm", ["h", "linear_W", "linear_B"], ["lin"], transB=1))
    nodes.append(helper.make_node("Relu", ["lin"], ["relu"]))
    # x / max(||x||, 1e-12): the ReLU output can be all zero for silence.
    # Opset 17's ReduceL2 takes its axes as an attribute (an input from opset 18).
    nodes.append(helper.make_node("ReduceL2", ["relu"], ["norm"], axes=[1], keepdims=1))
    inits.append(numpy_helper.from_array(np.array(1e-12, dtype=np.float32), "eps"))
    nodes.append(helper.make_node("Max", ["norm", "eps"], ["norm_safe"]))
    nodes.append(helper.make_node("Div", ["relu", "norm_safe"], ["embedding"]))

    graph = helper.make_graph(
        nodes,
        "ge2e_resemblyzer",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", n_mels])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", emb])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="voiceprint")
    model.ir_version = 8
    helper.set_model_props(
        model,
        {
            "model_id": "ge2e-resemblyzer",
            "framework": "resemblyzer",
            "sample_rate": "16000",
            "output_dim": str(emb),
            "comment": "Resemblyzer GE2E voice encoder converted by scripts/convert_ge2e.py; "
            + source_note
            + " Licence: Apache-2.0 (resemblyzer).",
        },
    )
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    weights = ge2e_weights(src)
    import hashlib

    digest = hashlib.sha256(Path(src).read_bytes()).hexdigest()
    model = build_onnx(weights, f"source resemblyzer 0.1.4 pretrained.pt sha256 {digest}.")
    onnx.save(model, dst)
    print(f"wrote {dst}: {sum(w.size for w in weights.values())} parameters")


if __name__ == "__main__":
    main()
