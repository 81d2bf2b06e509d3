#!/usr/bin/env python3
"""Writes the two ONNX models of the EZKL side-by-side benchmark (benches/ezkl/run.sh) into
benches/ezkl/models/<name>/{model.onnx,input.json,calibration.json}:

  mlp784   784-128-10 MLP: Gemm -> Relu -> Gemm, input [1, 784]
  cnn28    2-conv 28x28 CNN: Conv(1->8, 3x3) -> Relu -> MaxPool(2) -> Conv(8->16, 3x3) -> Relu ->
           MaxPool(2) -> Flatten -> Gemm(400->10), input [1, 1, 28, 28] (no padding: 28-26-13-11-5)

Both are trained briefly (a few epochs, CPU) on scikit-learn's digits (8x8, 0..16) upsampled
bilinearly to 28x28 and scaled to [0, 1]: nothing is downloaded. Exported with
torch.onnx.export(dynamo=False, opset 13). input.json is one test image ({"input_data": [[784 floats]]}),
calibration.json 32 training images in the same format (rows of 784 floats; both tools reshape).

Needs torch, onnx, onnxruntime, scikit-learn (e.g. the venv of fixtures/requirements-real.txt):

    python benches/ezkl/make_models.py            # deterministic (seeded); prints test accuracy
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

SEED = 16
OPSET = 13
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")


def data():
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False).clamp(0, 1)
    y = torch.tensor(y, dtype=torch.long)
    g = torch.Generator().manual_seed(SEED)
    perm = torch.randperm(len(y), generator=g)
    n_tr = int(0.8 * len(y))
    return x[perm[:n_tr]], y[perm[:n_tr]], x[perm[n_tr:]], y[perm[n_tr:]]


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):  # x: [N, 784]
        return self.fc2(torch.relu(self.fc1(x)))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3)
        self.c2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):  # x: [N, 1, 28, 28]
        x = F.max_pool2d(torch.relu(self.c1(x)), 2)
        x = F.max_pool2d(torch.relu(self.c2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def train(model, xtr, ytr, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(SEED)
    for _ in range(epochs):
        perm = torch.randperm(len(ytr), generator=g)
        for i in range(0, len(ytr), 32):
            b = perm[i:i + 32]
            opt.zero_grad()
            F.cross_entropy(model(xtr[b]), ytr[b]).backward()
            opt.step()
    model.eval()
    return model


def write(name, model, shape, xtr, xte, yte):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    dummy = xte[:1].reshape(shape)
    torch.onnx.export(model, (dummy,), path, dynamo=False, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"])
    m = onnx.load(path)
    onnx.checker.check_model(m)
    onnx.save(m, path)  # weights inline (no external data file)
    sess = ort.InferenceSession(path)
    feed = xte.reshape((-1,) + shape[1:]).numpy()
    pred = np.concatenate([sess.run(None, {"input": feed[i:i + 1]})[0] for i in range(len(feed))]).argmax(1)
    acc = float((pred == yte.numpy()).mean())
    r4 = lambda v: [round(float(t), 4) for t in v]
    with open(os.path.join(d, "input.json"), "w") as f:
        json.dump({"input_data": [r4(xte[0].reshape(-1))]}, f)
    with open(os.path.join(d, "calibration.json"), "w") as f:
        json.dump({"input_data": [r4(xtr[i].reshape(-1)) for i in range(32)]}, f)
    print(f"{name}: {os.path.getsize(path)} bytes, onnxruntime test accuracy {acc:.3f}", file=sys.stderr)


def main():
    torch.manual_seed(SEED)
    xtr, ytr, xte, yte = data()
    mlp = train(Mlp(), xtr.reshape(-1, 784), ytr, epochs=15)
    write("mlp784", mlp, (1, 784), xtr, xte, yte)
    torch.manual_seed(SEED)
    cnn = train(Cnn(), xtr, ytr, epochs=12)
    write("cnn28", cnn, (1, 1, 28, 28), xtr, xte, yte)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
