"""From a trained torch model to a verified proof.

Trains a small MLP on scikit-learn's digits (bundled with scikit-learn: nothing is downloaded),
exports it with torch.onnx, then compiles, sets up, proves and verifies it with verinfer.

    pip install ./python torch scikit-learn onnx
    python python/examples/torch_to_proof.py [WORK_DIR]
"""
import os
import sys

import torch
from sklearn.datasets import load_digits

import verinfer


def train():
    """A 64-32-10 MLP trained on the digits; returns it with the images (scaled to [0, 1]) and labels."""
    torch.manual_seed(0)
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model, x, y


def export(model, x, path):
    """The model as ONNX (torch's TorchScript exporter, which needs no extra package)."""
    torch.onnx.export(model, x[:1], path, input_names=["pixels"], output_names=["logits"], dynamo=False)


def main(work):
    os.makedirs(work, exist_ok=True)
    model, x, y = train()
    onnx_path = os.path.join(work, "digits.onnx")
    export(model, x, onnx_path)

    # compile with calibration samples, set up the keys, prove one input, verify the proof
    build = verinfer.compile(onnx_path, calibration=x[:200].numpy(), out=os.path.join(work, "build"))
    verinfer.setup(build)
    proof = verinfer.prove(build, x[7].numpy(), out=os.path.join(work, "proof.json"))
    assert verinfer.verify(build, proof)

    accuracy = (model(x).argmax(1) == y).float().mean().item()
    print(f"trained: {accuracy:.3f} accuracy on the training set")
    print(f"proved: class {proof['output']['index']} for an image of a {int(y[7])}; the proof verifies")
    print(f"files in {work}/: digits.onnx, build/ (model.compiled, keys), proof.json (+ .opening.json)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "torch-example")
