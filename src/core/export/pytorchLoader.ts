/**
 * The `load_in_pytorch.py` written beside an exported .safetensors file. It needs only torch and
 * torchvision (no safetensors package: it reads the format itself), rebuilds the encoder from the
 * file's `architecture` metadata, swaps the whitening 1×1 convolution in for the BatchNorm it
 * replaced, and loads the weights with strict=True so any name or shape difference fails loudly.
 */

export const LOADER_NAME = 'load_in_pytorch.py';

export function pytorchLoaderScript(weightsFile: string): string {
  return `"""Load ${weightsFile} (exported by MedSSL Studio) into a torchvision ResNet.

    python3 ${LOADER_NAME}            # builds the encoder, loads the weights, prints a summary
    from load_in_pytorch import load  # encoder, projector, metadata = load()

The encoder is torchvision's ResNet with fc = Identity (model(x) is the pooled feature vector),
in evaluation mode. Input: [N, input_channels, H, W] normalised as the metadata's "normalisation"
says (when repeat_to_three_channels is true, repeat the 1-channel slice to 3 channels first).
When "torchvision" in the architecture is null (narrow widths or the 'small' 3x3/1 stem without
max-pool), no torchvision constructor builds these shapes: build_encoder() assembles the same
module tree (same names) from torchvision's BasicBlock / Bottleneck with the exported widths.
A whitening layer, in evaluation mode an affine map across channels, is the Conv2d(C, C, 1,
bias=True) named by "whitening_conv", in place of that BatchNorm.
"""
import json
import os
import struct

import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), ${JSON.stringify(weightsFile)})
_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path=WEIGHTS):
    """Returns ({name: tensor}, {key: str}) without the safetensors package."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, e in header.items():
        b, t = e["data_offsets"]
        raw = bytearray(data[base + b:base + t])
        x = torch.frombuffer(raw, dtype=_DTYPES[e["dtype"]]) if raw else torch.empty(0, dtype=_DTYPES[e["dtype"]])
        tensors[name] = x.reshape(e["shape"]).clone()
    return tensors, meta


def _generic_resnet(a):
    """torchvision's ResNet module tree with the exported widths and stem (same parameter names)."""
    block = BasicBlock if a["block"] == "basic" else Bottleneck
    m = torchvision.models.resnet18(num_classes=1)
    m.inplanes = a["stem_width"]
    if a["stem"] == "small":
        m.conv1 = nn.Conv2d(a["conv1_in_channels"], a["stem_width"], 3, 1, 1, bias=False)
        m.maxpool = nn.Identity()
    else:
        m.conv1 = nn.Conv2d(a["conv1_in_channels"], a["stem_width"], 7, 2, 3, bias=False)
    m.bn1 = nn.BatchNorm2d(a["stem_width"])
    for i in range(4):
        setattr(m, "layer%d" % (i + 1), m._make_layer(block, a["widths"][i], a["blocks"][i], stride=1 if i == 0 else 2))
    return m


def build_encoder(a):
    """The encoder of architecture \`a\` (the metadata's "architecture"), weights not loaded."""
    if a["torchvision"]:
        m = getattr(torchvision.models, a["torchvision"])()
        if a["conv1_in_channels"] != 3:
            m.conv1 = nn.Conv2d(a["conv1_in_channels"], 64, 7, 2, 3, bias=False)
    else:
        m = _generic_resnet(a)
    m.fc = nn.Identity()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.eps = a["bn_eps"]
    if a["whitening_conv"] == "avgpool.0":
        # whitening before the pooling: the 1x1 conv in front of the average (they commute in eval mode)
        c = a["feature_dim"]
        m.avgpool = nn.Sequential(nn.Conv2d(c, c, 1, bias=True), m.avgpool)
    elif a["whitening_conv"]:
        parent_name, child = a["whitening_conv"].rsplit(".", 1)
        parent = m.get_submodule(parent_name)
        c = getattr(parent, child).num_features
        setattr(parent, child, nn.Conv2d(c, c, 1, bias=True))
    return m


def build_projector(tensors, prefix="projector"):
    """MoCo v2 projector: Linear -> ReLU -> Linear, or None when the file has none."""
    if prefix + ".fc1.weight" not in tensors:
        return None
    w1, w2 = tensors[prefix + ".fc1.weight"], tensors[prefix + ".fc2.weight"]
    p = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.ReLU(), nn.Linear(w2.shape[1], w2.shape[0]))
    p.load_state_dict({"0.weight": w1, "0.bias": tensors[prefix + ".fc1.bias"],
                       "2.weight": w2, "2.bias": tensors[prefix + ".fc2.bias"]})
    return p.eval()


def load(path=WEIGHTS):
    """(encoder, projector or None, metadata) with the weights loaded, in evaluation mode."""
    tensors, meta = read_safetensors(path)
    a = json.loads(meta["architecture"])
    encoder = build_encoder(a)
    enc_state = {k: v for k, v in tensors.items() if not k.startswith("projector.")}
    encoder.load_state_dict(enc_state, strict=True)
    return encoder.eval(), build_projector(tensors), meta


if __name__ == "__main__":
    enc, proj, meta = load()
    a = json.loads(meta["architecture"])
    print("run %s, %s, %d parameters, features %d, input channels %d, normalisation %s"
          % (meta.get("run_id"), a["torchvision"] or "custom ResNet-%d" % a["depth"],
             sum(p.numel() for p in enc.parameters()), a["feature_dim"], a["input_channels"], meta.get("normalisation")))
`;
}
