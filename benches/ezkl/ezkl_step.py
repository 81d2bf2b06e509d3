#!/usr/bin/env python3
"""One EZKL 23.0.5 step per process, so that run.sh can time each under /usr/bin/time.

    ezkl_step.py prepare MODEL.onnx CALIBRATION.json DIR   # gen_settings, calibrate_settings,
                                                           # compile_circuit, gen_srs (not timed)
    ezkl_step.py setup   DIR                               # -> DIR/vk.key, DIR/pk.key
    ezkl_step.py witness DIR INPUT.json WITNESS.json
    ezkl_step.py prove   DIR WITNESS.json PROOF.json
    ezkl_step.py verify  DIR PROOF.json
    ezkl_step.py evm     DIR PROOF.json OUT             # OUT/Verifier.sol (EZKL's EVM verifier) and
                                                        # OUT/calldata.json ({"raw": "0x..."})
    ezkl_step.py noop                                      # `import ezkl` only: the Python start-up
                                                           # cost included in every timed step

DIR holds settings.json, network.compiled and the local SRS kzg.srs. Every call that takes an SRS
gets srs_path=DIR/kzg.srs, made offline by ezkl.gen_srs: EZKL never downloads one here.

Settings: EZKL's defaults (PyRunArgs(): input_visibility "public", output_visibility "public",
param_visibility "fixed", input_scale = param_scale = 7, num_inner_cols 2, logrows chosen by
calibration), then calibrate_settings(target="resources"), EZKL's default target, which picks the
scales and the smallest logrows that hold the calibration data.
"""
import asyncio
import inspect
import json
import os
import sys

import ezkl


def run(v):
    """EZKL's Python API returns awaitables for some calls (calibrate_settings, gen_witness...)."""
    if inspect.isawaitable(v):
        return asyncio.run(_await(v))
    return v


async def _await(v):
    return await v


def run_in_loop(call):
    """For the calls that need a running event loop when they are made (create_evm_verifier)."""
    async def go():
        v = call()
        return await v if inspect.isawaitable(v) else v
    return asyncio.run(go())


def paths(d):
    return (os.path.join(d, "settings.json"), os.path.join(d, "network.compiled"), os.path.join(d, "kzg.srs"),
            os.path.join(d, "vk.key"), os.path.join(d, "pk.key"))


def check(ok, what):
    if ok is False:
        sys.exit(f"ezkl_step: {what} returned False")


def main():
    step, args = sys.argv[1], sys.argv[2:]
    if step == "noop":
        return
    if step == "prepare":
        model, cal, d = args
        os.makedirs(d, exist_ok=True)
        settings, compiled, srs, _, _ = paths(d)
        run_args = ezkl.PyRunArgs()  # defaults (see the module docstring)
        check(run(ezkl.gen_settings(model, settings, py_run_args=run_args)), "gen_settings")
        check(run(ezkl.calibrate_settings(cal, model, settings, "resources")), "calibrate_settings")
        check(run(ezkl.compile_circuit(model, compiled, settings)), "compile_circuit")
        s = json.load(open(settings))
        logrows = s["run_args"]["logrows"]
        if not os.path.exists(srs):
            run(ezkl.gen_srs(srs, logrows))
        ra = s["run_args"]
        print(json.dumps({"logrows": logrows, "input_scale": ra.get("input_scale"), "param_scale": ra.get("param_scale"),
                          "scale_rebase_multiplier": ra.get("scale_rebase_multiplier"),
                          "lookup_range": ra.get("lookup_range"), "input_visibility": ra.get("input_visibility"),
                          "output_visibility": ra.get("output_visibility"),
                          "param_visibility": ra.get("param_visibility"), "num_rows": s.get("num_rows"),
                          "total_assignments": s.get("total_assignments"),
                          "total_const_size": s.get("total_const_size"),
                          "check_mode": s.get("check_mode")}))
        return
    d = args[0]
    settings, compiled, srs, vk, pk = paths(d)
    if step == "setup":
        check(run(ezkl.setup(compiled, vk, pk, srs_path=srs)), "setup")
    elif step == "witness":
        inp, wit = args[1:]
        run(ezkl.gen_witness(inp, compiled, wit))
    elif step == "prove":
        wit, proof = args[1:]
        check(run(ezkl.prove(wit, compiled, pk, proof, srs_path=srs)), "prove")
    elif step == "verify":
        (proof,) = args[1:]
        check(run(ezkl.verify(proof, settings, vk, srs_path=srs)), "verify")
        print("verified")
    elif step == "evm":
        proof, out = args[1:]
        os.makedirs(out, exist_ok=True)
        sol, abi, raw = (os.path.join(out, n) for n in ("Verifier.sol", "abi.json", "calldata.bin"))
        try:
            check(run_in_loop(lambda: ezkl.create_evm_verifier(vk, settings, sol, abi, srs_path=srs)), "create_evm_verifier")
        except RuntimeError as e:
            # It writes the contract, then fetches a solc binary to make the ABI, which cannot be
            # downloaded here; the contract is all the bench needs (npm's solc compiles it).
            if not os.path.exists(sol) or "svm" not in str(e):
                raise
            print(f"ezkl_step: {sol} written; no ABI ({e})", file=sys.stderr)
        data = run_in_loop(lambda: ezkl.encode_evm_calldata(proof, raw))
        with open(os.path.join(out, "calldata.json"), "w") as f:
            json.dump({"raw": "0x" + bytes(data).hex()}, f)
    else:
        sys.exit(f"ezkl_step: unknown step {step}")


if __name__ == "__main__":
    main()
