"""The Python package against the library it wraps: the same artifacts as the CLI, proofs that
verify and tampered ones that do not, errors as VerinferError with the tool's message, and the GIL
released while proving."""
import json
import os
import threading
import time
from pathlib import Path

import pytest

import verinfer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
IRIS = FIXTURES / "iris_mlp"


def rows(name):
    return json.loads((IRIS / name).read_text())["input_data"]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("iris") / "build"
    assert verinfer.compile(IRIS / "model.onnx", calibration=rows("calibration.json"), out=out) == str(out)
    record = verinfer.setup(out)
    assert record["backend"] == "groth16"
    return out


def test_calibration_as_lists_numpy_or_the_bundled_file_gives_one_model(build, tmp_path):
    np = pytest.importorskip("numpy")
    from_numpy = verinfer.compile(IRIS / "model.onnx", calibration=np.array(rows("calibration.json")), out=tmp_path / "np")
    bundled = verinfer.compile(IRIS / "model.onnx", out=tmp_path / "bundled")
    ours = (build / "model.compiled").read_bytes()
    assert (Path(from_numpy) / "model.compiled").read_bytes() == ours
    assert (Path(bundled) / "model.compiled").read_bytes() == ours


def test_prove_and_verify(build, tmp_path):
    x = rows("input.json")[0]
    proof = verinfer.prove(build, x, salt=0x1234, out=tmp_path / "proof.json")
    assert proof["backend"] == "groth16"
    assert verinfer.verify(build, proof)
    assert verinfer.verify(build, tmp_path / "proof.json")
    assert verinfer.verify(build, json.dumps(proof))
    opening = json.loads((tmp_path / "proof.json.opening.json").read_text())
    assert int(opening["salt"], 16) == 0x1234
    # the commitment computed before proving is the one the proof carries
    assert verinfer.commit(build, x, 0x1234) == proof["statement"]["input_commitment"]
    assert verinfer.commit(build, x, 0x1235) != proof["statement"]["input_commitment"]


def test_a_tampered_proof_is_false_and_an_unreadable_one_raises(build):
    proof = verinfer.prove(build, rows("input.json")[0])
    claimed = json.loads(json.dumps(proof))
    other = (proof["statement"]["output_index"] + 1) % 3
    claimed["statement"]["output_index"] = other
    claimed["output"]["index"] = other
    claimed["public_inputs"][5] = format(other, "064x")  # consistent, so checked and rejected
    assert verinfer.verify(build, claimed) is False
    with pytest.raises(verinfer.VerinferError, match="proof"):
        verinfer.verify(build, {"format": "something else"})


def test_errors_carry_the_tools_message(build, tmp_path):
    with pytest.raises(verinfer.VerinferError, match="missing.onnx"):
        verinfer.compile(tmp_path / "missing.onnx", calibration=[[1.0, 2.0, 3.0, 4.0]], out=tmp_path / "b")
    with pytest.raises(verinfer.VerinferError, match="input has 3 values, the model expects 4"):
        verinfer.prove(build, [1.0, 2.0, 3.0])
    with pytest.raises(verinfer.VerinferError, match="seed"):
        verinfer.prove(build, rows("input.json")[0], seed="abc")
    with pytest.raises(verinfer.VerinferError, match="nope"):
        verinfer.setup(build, backend="nope")
    with pytest.raises(verinfer.VerinferError, match="must be a number"):
        verinfer.prove(build, [1.0, "two", 3.0, 4.0])
    with pytest.raises(verinfer.VerinferError, match="sequence of numbers"):
        verinfer.commit(build, object(), 1)


def test_halo2_builds_prove_and_verify(tmp_path):
    out = verinfer.compile(IRIS / "model.onnx", out=tmp_path / "build")
    assert verinfer.setup(out, backend="halo2")["backend"] == "halo2"
    proof = verinfer.prove(out, rows("input.json")[0])
    assert proof["backend"] == "halo2"
    assert verinfer.verify(out, proof)


def test_proving_releases_the_gil(build):
    ticks = 0
    done = threading.Event()

    def prove_some():
        for _ in range(3):
            verinfer.prove(build, rows("input.json")[0])
        done.set()

    worker = threading.Thread(target=prove_some)
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    # with the GIL held, this loop could not run while the worker proves
    assert ticks > 10


def test_the_torch_example_model_proves_its_class(tmp_path):
    """The verinfer half of python/examples/torch_to_proof.py, on the model it trains and exports
    (fixtures/torch_digits, made by fixtures/gen_torch_digits.py with torch 2.15.0)."""
    np = pytest.importorskip("numpy")
    fixture = FIXTURES / "torch_digits"
    calibration = np.array(json.loads((fixture / "calibration.json").read_text())["input_data"])
    sample = json.loads((fixture / "input.json").read_text())
    build = verinfer.compile(fixture / "model.onnx", calibration=calibration, out=tmp_path / "build")
    verinfer.setup(build)
    proof = verinfer.prove(build, np.array(sample["input_data"][0]).reshape(8, 8))
    assert verinfer.verify(build, proof)
    assert proof["output"]["index"] == sample["label"]
