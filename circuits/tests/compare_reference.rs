//! Property tests of the comparison, selection and reduction operators against their definitions:
//! Less, Greater, LessOrEqual, GreaterOrEqual, Equal, Where, Max, Min, Sum, Neg, Clip, ReduceMax and ArgMax
//! (with `select_last_index`), on random shapes and values. Each case is compiled, its honest
//! witness must satisfy the constraint system, and the circuit's dequantized output must match the
//! reference computed here. Values lie on a 1/8 grid (exact at the input scale), so comparisons and
//! ties are decided exactly as in float.
#[path = "../../compiler/tests/common/mod.rs"]
mod common;
mod support;

use common::*;
use proptest::prelude::*;
use support::{close, grid_values, run};
use verinfer_circuits::{assign, check_witness, BackendError};
use verinfer_ir::{quantize_input, Op};
use verinfer_verifier::{Fr, OutputClaim};

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..5, 1..4)
}

const CMPS: [&str; 5] = ["Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Equal"];

fn cmp(op: &str, a: f64, b: f64) -> bool {
    match op {
        "Less" => a < b,
        "Greater" => a > b,
        "LessOrEqual" => a <= b,
        "GreaterOrEqual" => a >= b,
        _ => a == b,
    }
}

/// Strides-free broadcast of a last-axis vector `c` over `x`'s shape.
fn along_last(c: &[f64], dims: &[usize], i: usize) -> f64 {
    c[i % dims[dims.len() - 1]]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn comparisons_and_where_match_the_definition(
        dims in shape(), op in 0usize..5, seed in any::<u64>(), second in any::<bool>()
    ) {
        let n: usize = dims.iter().product();
        let last = dims[dims.len() - 1];
        // few distinct values, so that equal pairs occur
        let x = grid_values(n, 3, seed);
        let c = grid_values(last, 3, seed ^ 0x9e37);
        let alt = grid_values(last, 24, seed ^ 0x51ed);
        let op = CMPS[op];
        // compare x with c, or c with x (constant first operand)
        let (ins, f): (Vec<&str>, Box<dyn Fn(usize) -> bool>) = if second {
            (vec!["c", "x"], Box::new(|i| cmp(op, along_last(&c, &dims, i), x[i])))
        } else {
            (vec!["x", "c"], Box::new(|i| cmp(op, x[i], along_last(&c, &dims, i))))
        };
        let to_f32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<_>>();
        let cal = vec![x.clone(), grid_values(n, 24, seed ^ 1)];

        // the 0/1 tensor itself
        let model = model_with_opset(
            vec![node(op, "cmp", &ins, &["y"])],
            vec![init("c", &[last], &to_f32(&c))],
            &dims, &dims, 16,
        );
        let (got, m) = run(&model, &cal);
        let want: Vec<f64> = (0..n).map(|i| f64::from(u8::from(f(i)))).collect();
        close(&got, &want, 0.0)?;
        let has_step = m.graph.nodes.iter().any(|nd| matches!(nd.op, Op::Step(_)));
        prop_assert!(has_step, "no step gadget");

        // Where(cmp, x, alt): the selection
        let model = model_with_opset(
            vec![node(op, "cmp", &ins, &["b"]), node("Where", "sel", &["b", "x", "alt"], &["y"])],
            vec![init("c", &[last], &to_f32(&c)), init("alt", &[last], &to_f32(&alt))],
            &dims, &dims, 16,
        );
        let (got, _) = run(&model, &cal);
        let want: Vec<f64> = (0..n).map(|i| if f(i) { x[i] } else { along_last(&alt, &dims, i) }).collect();
        close(&got, &want, 1.0 / 64.0)?;
    }

    #[test]
    fn max_min_sum_and_neg_match_the_definition(dims in shape(), seed in any::<u64>()) {
        let n: usize = dims.iter().product();
        let last = dims[dims.len() - 1];
        let x = grid_values(n, 16, seed);
        let c = grid_values(last, 16, seed ^ 0x9e37);
        let c32: Vec<f32> = c.iter().map(|&a| a as f32).collect();
        let cal = vec![x.clone(), grid_values(n, 16, seed ^ 1)];
        type Reference = fn(f64, f64) -> f64;
        let cases: [(&str, Vec<&str>, Reference); 4] = [
            ("Max", vec!["x", "c", "x"], |a, b| a.max(b)),
            ("Min", vec!["c", "x"], |a, b| a.min(b)),
            ("Sum", vec!["x", "c", "x"], |a, b| 2.0 * a + b),
            ("Neg", vec!["x"], |a, _| -a),
        ];
        for (op, ins, f) in cases {
            let model = model_with_opset(vec![node(op, "op", &ins, &["y"])], vec![init("c", &[last], &c32)], &dims, &dims, 13);
            let (got, _) = run(&model, &cal);
            let want: Vec<f64> = (0..n).map(|i| f(x[i], along_last(&c, &dims, i))).collect();
            close(&got, &want, 1.0 / 64.0)?;
        }
    }

    #[test]
    fn clip_is_exact_on_the_grid(dims in shape(), seed in any::<u64>(), lo in -16i64..8, width in 0i64..16) {
        // bounds and values on the 1/8 grid: the clamp gadget reproduces them exactly (ReLU6 is
        // lo = 0, hi = 6); lo > hi gives hi everywhere, as in ONNX
        let n: usize = dims.iter().product();
        let x = grid_values(n, 40, seed);
        let (lo, hi) = (lo as f64 / 8.0, (lo + width - 4) as f64 / 8.0);
        let clip = node("Clip", "clip", &["x", "lo", "hi"], &["y"]);
        let inits = vec![init("lo", &[], &[lo as f32]), init("hi", &[], &[hi as f32])];
        let (got, m) = run(&model_with_opset(vec![clip], inits, &dims, &dims, 13), &[x.clone()]);
        let want: Vec<f64> = x.iter().map(|&v| v.max(lo).min(hi)).collect();
        close(&got, &want, 0.0)?;
        let exact = m.graph.nodes.iter().any(|nd| matches!(nd.op, Op::Clamp(_)))
            && !m.graph.nodes.iter().any(|nd| matches!(nd.op, Op::Table(_)));
        prop_assert!(exact, "Clip is not the clamp gadget");
    }

    #[test]
    fn argmax_and_reduce_max_match_the_definition(
        dims in shape(), axis in 0usize..3, keep in any::<bool>(), last in any::<bool>(), seed in any::<u64>()
    ) {
        let axis = axis % dims.len();
        let n: usize = dims.iter().product();
        // values from a set of five, so that ties are common
        let x = grid_values(n, 2, seed);
        let cal = vec![x.clone(), grid_values(n, 16, seed ^ 1)];
        let stride: usize = dims[axis + 1..].iter().product();
        let k = dims[axis];
        let kept: Vec<usize> = dims.iter().enumerate().map(|(i, &d)| if i == axis { 1 } else { d }).collect();
        let out: Vec<usize> =
            if keep { kept.clone() } else { dims.iter().enumerate().filter(|&(i, _)| i != axis).map(|(_, &d)| d).collect() };
        let mut want_idx = Vec::new();
        let mut want_max = Vec::new();
        for g in 0..n / k {
            let (outer, inner) = (g / stride, g % stride);
            let at = |t: usize| x[(outer * k + t) * stride + inner];
            let m = (0..k).map(at).fold(f64::NEG_INFINITY, f64::max);
            let hits: Vec<usize> = (0..k).filter(|&t| at(t) == m).collect();
            want_idx.push((if last { hits[hits.len() - 1] } else { hits[0] }) as f64);
            want_max.push(m);
        }
        let mut am = node("ArgMax", "am", &["x"], &["y"]);
        am.attribute = vec![int("axis", axis as i64), int("keepdims", i64::from(keep)), int("select_last_index", i64::from(last))];
        let (got, m) = run(&model_with_opset(vec![am], vec![], &dims, &out, 13), &cal);
        close(&got, &want_idx, 0.0)?;

        // a corrupted index is rejected
        let ni = m.graph.nodes.iter().position(|nd| matches!(nd.op, Op::ArgMax(_))).unwrap();
        let q = quantize_input(&m.graph, &x).unwrap();
        let mut w = assign(&m, q, Fr::from(1u64), [0; 32]).unwrap();
        let v = &mut w.eval.values[ni][0];
        *v = if *v == 0 { 1 } else { *v - 1 };
        if k > 1 {
            prop_assert!(matches!(check_witness(&m, &w), Err(BackendError::Unsatisfied(_))));
        }

        let mut rm = node("ReduceMax", "rm", &["x"], &["y"]);
        rm.attribute = vec![ints("axes", &[axis as i64]), int("keepdims", i64::from(keep))];
        let (got, _) = run(&model_with_opset(vec![rm], vec![], &dims, &out, 13), &cal);
        close(&got, &want_max, 1.0 / 64.0)?;
    }
}

#[test]
fn a_flipped_comparison_claim_is_rejected() {
    // Less(x, 0) on x = [-1, 0, 1] is [1, 0, 0]; a statement claiming any element flipped has no
    // witness: the output wire is 1 minus the sign bit of x's range check.
    let model = model_with_opset(
        vec![node("Less", "lt", &["x", "zero"], &["y"])],
        vec![init("zero", &[1], &[0.0])],
        &[3],
        &[3],
        13,
    );
    let x = vec![-1.0, 0.0, 1.0];
    let (got, m) = run(&model, std::slice::from_ref(&x));
    assert_eq!(got, [1.0, 0.0, 0.0]);
    let w = assign(&m, quantize_input(&m.graph, &x).unwrap(), Fr::from(1u64), [0; 32]).unwrap();
    for i in 0..3 {
        let mut bad = w.clone();
        match &mut bad.statement.output {
            OutputClaim::Tensor(v) => v[i] = 1 - v[i],
            OutputClaim::Commitment(_) => panic!("the default output mode is the tensor"),
        }
        assert!(matches!(check_witness(&m, &bad), Err(BackendError::Unsatisfied(_))), "element {i} flipped accepted");
    }
}
