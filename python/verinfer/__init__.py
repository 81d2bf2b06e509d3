"""verinfer: verifiable ML inference.

Compile an ONNX model into a circuit, prove what it outputs on an input, and verify the proof::

    import verinfer
    build = verinfer.compile("model.onnx", calibration=samples, out="build")
    verinfer.setup(build)
    proof = verinfer.prove(build, x)
    assert verinfer.verify(build, proof)

Every function runs the same library code as the ``verinfer`` command line tool, so builds and
proofs are interchangeable with it; errors raise :class:`VerinferError` with the tool's message.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Sequence, Union

from . import _verinfer
from ._verinfer import VerinferError

__all__ = ["compile", "setup", "commit", "prove", "verify", "VerinferError", "__version__"]
__version__: str = _verinfer.__version__

PathLike = Union[str, "os.PathLike[str]"]


def _rows(samples: Any) -> list:
    """A 2-D array-like (a list of lists, a numpy array) as a list of lists of floats."""
    if hasattr(samples, "tolist"):
        samples = samples.tolist()
    rows = [list(map(float, _flat(row))) for row in samples]
    if not rows:
        raise VerinferError("calibration: no samples")
    return rows


def _flat(x: Any) -> list:
    """One input as a flat list of floats: a list, a nested list or a numpy array of any shape."""
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, (str, bytes)):
        raise VerinferError(f"an input value must be a number, not {x!r}")
    if isinstance(x, (int, float)):
        return [float(x)]
    try:
        items = iter(x)
    except TypeError:
        raise VerinferError(f"an input must be a number or a sequence of numbers, not {type(x).__name__}") from None
    out: list = []
    for v in items:
        out.extend(_flat(v))
    return out


def _hex(value: Union[str, int, bytes, None], what: str) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int):
        if value < 0:
            raise VerinferError(f"{what} must not be negative")
        return format(value, "x")
    return value


def compile(
    onnx_path: PathLike,
    calibration: Any = None,
    out: PathLike = "build",
    *,
    commit_output: bool = False,
) -> str:
    """Compiles an ONNX model into ``out`` (model.compiled, report.json); returns ``out``.

    ``calibration``: samples of the model's input (a list of lists or a 2-D numpy array, one row
    per sample; a model with several inputs takes each row as their concatenation), or ``None`` for
    the ``calibration.json`` or ``input.json`` next to the model. ``commit_output``: the proof
    commits to the output tensor instead of revealing it.
    """
    rows = None if calibration is None else _rows(calibration)
    return _verinfer.compile(os.fspath(onnx_path), rows, os.fspath(out), commit_output)


def setup(build: PathLike, backend: str = "groth16") -> Dict[str, Any]:
    """Generates the build's keys; returns setup.json's content.

    ``backend``: ``"groth16"`` (small proofs, cheap verification; a local trusted setup: whoever
    runs it could forge, run ``verinfer ceremony`` for production) or ``"halo2"`` (no trusted setup;
    larger proofs).
    """
    return json.loads(_verinfer.setup(os.fspath(build), backend))


def commit(build: PathLike, x: Any, salt: Union[str, int, bytes]) -> str:
    """The input commitment (64 hex digits) that a proof of ``x`` with ``salt`` will carry."""
    return _verinfer.commit(os.fspath(build), _flat(x), _hex(salt, "salt"))


def prove(
    build: PathLike,
    x: Any,
    seed: Union[str, bytes, None] = None,
    salt: Union[str, int, bytes, None] = None,
    *,
    out: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Proves the build's model on input ``x`` (a list or a numpy array of any shape, flattened
    row-major); returns the content of proof.json as a dict.

    ``seed``: 32 bytes (or 64 hex digits) for seeded sampling, random when ``None``. ``salt``: the
    input commitment's salt, random when ``None``. With ``out``, also writes the proof file and,
    beside it, ``<out>.opening.json`` (the salt and the quantized input: keep it private), as
    ``verinfer prove`` does; without it a random salt is not kept anywhere.
    """
    proof, opening = _verinfer.prove(os.fspath(build), _flat(x), _hex(seed, "seed"), _hex(salt, "salt"))
    if out is not None:
        path = os.fspath(out)
        with open(path, "w") as f:
            f.write(json.dumps(json.loads(proof), indent=2))
        with open(path + ".opening.json", "w") as f:
            f.write(json.dumps(json.loads(opening), indent=2))
    return json.loads(proof)


def verify(build: PathLike, proof: Union[Dict[str, Any], str, PathLike]) -> bool:
    """``True`` when ``proof`` (a dict from :func:`prove`, proof.json's text, or its path) holds
    for the build's key and model; ``False`` when it was checked and does not. Raises
    :class:`VerinferError` when it could not be checked (unreadable key or proof).
    """
    if isinstance(proof, dict):
        text = json.dumps(proof)
    elif isinstance(proof, str) and proof.lstrip().startswith("{"):
        text = proof
    else:
        with open(os.fspath(proof)) as f:
            text = f.read()
    return _verinfer.verify(os.fspath(build), text)
