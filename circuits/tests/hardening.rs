//! Regression tests from the hardening review (issue 12): the output commitment packs every element
//! at the output tensor's width, and every artifact that `validate` accepts is provable at the
//! limits it allows.
#[path = "../../compiler/tests/common/mod.rs"]
mod common;

use common::*;
use verinfer_circuits::commit::{commit, OUTPUT_DOMAIN};
use verinfer_circuits::{assign, check_witness, BackendError, ProverWitness};
use verinfer_compiler::{compile, CompileOptions};
use verinfer_ir::{
    op, quantize_input, Bits, CircuitIr, CompiledModel, InputSpec, Node, Op, OutputMode, Scale, TensorId,
};
use verinfer_verifier::{fr_to_bytes, Fr, OutputClaim};

/// `y = Concat(x, Gemm(x))` with x [1, 3] and Gemm weights [3, 2]: the output gathers the input
/// (range-checked at the input's width) and the Gemm's rescale (range-checked at its own width).
fn concat_of_input_and_gemm() -> Vec<u8> {
    let mut cat = node("Concat", "cat", &["x", "g"], &["y"]);
    cat.attribute.push(int("axis", 1));
    let w = [0.5f32, -1.25, 2.0, 0.75, -0.5, 1.5];
    one_input_model(
        vec![node("Gemm", "gemm", &["x", "w", "b"], &["g"]), cat],
        vec![init("w", &[3, 2], &w), init("b", &[2], &[0.1, -0.2])],
        &[1, 3],
        &[1, 5],
    )
}

fn calibration() -> Vec<Vec<f64>> {
    (0..16).map(|i| (0..3).map(|j| ((i * 7 + j * 5) % 13) as f64 / 4.0 - 1.5).collect()).collect()
}

fn unsatisfied(m: &CompiledModel, w: &ProverWitness) -> bool {
    matches!(check_witness(m, w), Err(BackendError::Unsatisfied(_)))
}

/// The witness with its output commitment replaced by the commitment of `shifted` values.
fn claiming(w: &ProverWitness, shifted: &[i64], b: u8) -> ProverWitness {
    let mut bad = w.clone();
    bad.statement.output = OutputClaim::Commitment(fr_to_bytes(&commit(OUTPUT_DOMAIN, w.salt, shifted, b)));
    bad
}

/// What the old packing committed to: each element offset by `2^(c-1)` of its source width `c`
/// instead of `2^(b-1)`, read back under the documented rule.
fn old_packing_opening(values: &[i64], source_bits: &[u8], b: u8) -> Vec<i64> {
    values.iter().zip(source_bits).map(|(&v, &c)| v + (1i64 << (c - 1)) - (1i64 << (b - 1))).collect()
}

#[test]
fn concat_of_different_widths_commits_at_the_output_width() {
    let opts = CompileOptions { output_mode: OutputMode::Commitment, ..CompileOptions::default() };
    let cal = calibration();
    let m = compile(&concat_of_input_and_gemm(), &cal, &opts).unwrap().model;
    let ir = &m.graph;
    let Op::Gather(op::Gather { sources, map, .. }) = &ir.output_node().op else { panic!("the output is a gather") };
    let source_bits: Vec<u8> = map.iter().map(|&(s, _)| ir.node(sources[s as usize]).bits.0).collect();
    let b = ir.output_node().bits.0;
    assert!(source_bits.iter().any(|&c| c != b), "the test needs sources narrower than the output: {source_bits:?}");
    for x in &cal[..4] {
        let w = assign(&m, quantize_input(ir, x).unwrap(), Fr::from(5u64), [1; 32]).unwrap();
        // completeness: the honest witness (commitment at width b) is satisfiable
        check_witness(&m, &w).unwrap();
        // soundness: the commitment the old packing proved opens to other values
        let out = w.eval.output(ir).to_vec();
        let shifted = old_packing_opening(&out, &source_bits, b);
        assert_ne!(shifted, out);
        assert!(unsatisfied(&m, &claiming(&w, &shifted, b)), "a commitment to {shifted:?} proven for {out:?}");
    }
}

fn node_of(name: &str, op: Op, len: usize, bits: u8) -> Node {
    Node { name: name.into(), op, shape: vec![1, len], scale: Scale(0), bits: Bits(bits) }
}

/// A small compiled model whose graph is replaced by `graph` (its other fields are real).
fn with_graph(graph: CircuitIr, mode: OutputMode) -> CompiledModel {
    let opts = CompileOptions { output_mode: mode, ..CompileOptions::default() };
    let mut m = compile(&concat_of_input_and_gemm(), &calibration(), &opts).unwrap().model;
    m.graph = graph;
    m.graph.validate().unwrap();
    // through the canonical encoding and the loader, as the prover reads it
    CompiledModel::from_bytes(&m.to_bytes().unwrap()).unwrap()
}

/// A hand-built gather of an 8-bit input and an 11-bit rescale.
#[test]
fn gather_of_8_and_11_bit_sources_commits_at_11_bits() {
    let input = node_of("x", Op::Input, 3, 8);
    let lin = Op::Linear(op::Linear {
        input: TensorId(0),
        rows: 2,
        cols: 3,
        weights: vec![3, -5, 2, 7, 1, -4],
        bias: vec![1, -2],
    });
    let linear = node_of("l", lin, 2, 13);
    let rescale = node_of("r", Op::Rescale(op::Rescale { input: TensorId(1), shift: 1 }), 2, 11);
    let map = vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)];
    let gather =
        node_of("y", Op::Gather(op::Gather { sources: vec![TensorId(0), TensorId(2)], map, constants: vec![] }), 5, 11);
    let ir = CircuitIr {
        input: InputSpec::new("x", vec![1, 3]),
        nodes: vec![input, linear, rescale, gather],
        output: TensorId(3),
    };
    let m = with_graph(ir, OutputMode::Commitment);
    for x in [[3.0, -7.0, 100.0], [-128.0, 127.0, 0.0], [0.0, 0.0, 0.0]] {
        let w = assign(&m, quantize_input(&m.graph, &x).unwrap(), Fr::from(9u64), [2; 32]).unwrap();
        check_witness(&m, &w).unwrap();
        let out = w.eval.output(&m.graph).to_vec();
        let shifted = old_packing_opening(&out, &[8, 8, 8, 11, 11], 11);
        assert!(unsatisfied(&m, &claiming(&w, &shifted, 11)));
        // and the tensor itself, one step off, is not provable either
        let mut off = out.clone();
        off[1] += 1;
        assert!(unsatisfied(&m, &claiming(&w, &off, 11)));
    }
}

/// An output wider than its source's bits (a gather into a wider tensor): the reused bits are
/// narrower, so the packing adds the offset difference as a constant.
#[test]
fn an_output_wider_than_its_bits_commits_at_its_own_width() {
    let input = node_of("x", Op::Input, 3, 8);
    let gather = node_of(
        "y",
        Op::Gather(op::Gather { sources: vec![TensorId(0)], map: vec![(0, 2), (0, 0)], constants: vec![] }),
        2,
        12,
    );
    let ir = CircuitIr { input: InputSpec::new("x", vec![1, 3]), nodes: vec![input, gather], output: TensorId(1) };
    let m = with_graph(ir, OutputMode::Commitment);
    let w = assign(&m, vec![-100, 5, 127], Fr::from(3u64), [0; 32]).unwrap();
    check_witness(&m, &w).unwrap();
    let out = w.eval.output(&m.graph).to_vec();
    assert!(unsatisfied(&m, &claiming(&w, &old_packing_opening(&out, &[8, 8], 12), 12)));
}

/// One-operation graphs at the limits `validate` allows; each must evaluate and prove.
fn limit_graph(op: Op, operand_bits: u8, out_bits: u8, extra: Option<Node>) -> CircuitIr {
    let mut nodes = vec![node_of("x", Op::Input, 2, operand_bits)];
    nodes.extend(extra);
    nodes.push(node_of("y", op, 2, out_bits));
    let output = TensorId(nodes.len() as u32 - 1);
    CircuitIr { input: InputSpec::new("x", vec![1, 2]), nodes, output }
}

fn provable_at(ir: CircuitIr, inputs: &[[i64; 2]]) {
    ir.validate().unwrap_or_else(|e| panic!("the test graph is valid: {e}"));
    let m = with_graph(ir, OutputMode::Tensor);
    for x in inputs {
        let w = assign(&m, x.to_vec(), Fr::from(1u64), [0; 32])
            .unwrap_or_else(|e| panic!("a valid artifact must evaluate on {x:?}: {e}"));
        check_witness(&m, &w).unwrap_or_else(|e| panic!("a valid artifact must prove on {x:?}: {e}"));
    }
}

#[test]
fn division_at_the_largest_shift_validate_allows_is_provable() {
    // b_num + shift + 3 <= 120 and w_out + b_den + 2 <= 120: the 4-bit input over
    // d = 2^50 x + 2^55 (57 bits, always positive) with shift 113 gives a 61-bit quotient.
    let lin = Op::Linear(op::Linear {
        input: TensorId(0),
        rows: 2,
        cols: 2,
        weights: vec![1 << 50, 0, 0, 1 << 50],
        bias: vec![1 << 55; 2],
    });
    let den = node_of("d", lin, 2, 57);
    provable_at(
        limit_graph(Op::Div(op::Div { num: TensorId(0), den: TensorId(1), shift: 113 }), 4, 61, Some(den)),
        &[[1, -1], [3, 0]],
    );
}

#[test]
fn square_root_at_the_largest_exponent_validate_allows_is_provable() {
    // b_x + exp + 2 <= 120 and 2 w_out + 2 <= 120: a 4-bit operand, exp 114, a 59-bit root.
    provable_at(limit_graph(Op::Sqrt(op::Sqrt { input: TensorId(0), exp: 114 }), 4, 59, None), &[[3, 0], [1, 2]]);
}

#[test]
fn reciprocal_root_at_the_largest_exponent_validate_allows_is_provable() {
    // exp <= 120 and 2 w_out + b_v + 2 <= 120: with a 4-bit operand the root fits 57 bits only up to
    // exp 114 (2^57 / sqrt(v) < 2^56 for v >= 5); larger exponents are valid but no input fits.
    provable_at(limit_graph(Op::Rsqrt(op::Rsqrt { input: TensorId(0), exp: 114 }), 4, 57, None), &[[5, 7], [6, 5]]);
}

#[test]
fn rescale_at_the_largest_shift_validate_allows_is_provable() {
    // shift + w <= 126 with a 62-bit operand made by a linear map of the input
    let lin = Op::Linear(op::Linear {
        input: TensorId(0),
        rows: 2,
        cols: 2,
        weights: vec![1 << 40, 3, -(1 << 40), 1],
        bias: vec![0, 0],
    });
    let wide = node_of("l", lin, 2, 62);
    provable_at(
        limit_graph(Op::Rescale(op::Rescale { input: TensorId(1), shift: 124 }), 8, 2, Some(wide)),
        &[[127, -128], [0, 1]],
    );
}

/// A Clip bound beyond the operand's calibrated range on the other side binds for every value: the
/// output is that bound (it used to be cut to the operand's range, giving -0.5 for -1.25).
#[test]
fn clip_bounds_beyond_the_calibrated_range_bind() {
    for (lo, hi, want) in [(-0.75f32, -1.25f32, -1.25), (3.0, 4.0, 3.0), (-9.0, -2.5, -2.5)] {
        let clip = node("Clip", "clip", &["x", "lo", "hi"], &["y"]);
        let inits = vec![init("lo", &[], &[lo]), init("hi", &[], &[hi])];
        let model = one_input_model(vec![clip], inits, &[1, 2], &[1, 2]);
        let cal = vec![vec![-0.5, 0.25], vec![0.5, 0.125]];
        let m = compile(&model, &cal, &CompileOptions::default()).unwrap().model;
        for x in &cal {
            let w = assign(&m, quantize_input(&m.graph, x).unwrap(), Fr::from(1u64), [0; 32]).unwrap();
            check_witness(&m, &w).unwrap();
            let out = m.graph.output_node();
            let got: Vec<f64> = w.eval.output(&m.graph).iter().map(|&q| out.scale.dequantize(q)).collect();
            assert_eq!(got, vec![want; 2], "Clip({x:?}, {lo}, {hi})");
        }
    }
}
