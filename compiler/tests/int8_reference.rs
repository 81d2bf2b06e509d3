//! The int8 importers (QuantizeLinear, DequantizeLinear, QLinearMatMul, QLinearConv) against
//! reference implementations of ONNX's integer definitions, on random shapes, scales, zero points
//! and values: the float graph reproduces the definition, and the circuit's grid values equal it on
//! the calibration inputs (away from exact rounding ties, which ONNX rounds to even and the circuit
//! up).
use onnx_protobuf::tensor_proto::DataType;
use proptest::prelude::*;
use verinfer_compiler::{compile, CompileOptions};

mod common;
use common::*;

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    }
}

/// `clamp(round_half_even(x / s) + z, lo, hi)`.
fn q(x: f64, s: f64, z: i64, (lo, hi): (i64, i64)) -> i64 {
    ((x / s).round_ties_even() as i64 + z).clamp(lo, hi)
}

fn grid(elem: DataType) -> (i64, i64) {
    if elem == DataType::INT8 {
        (-128, 127)
    } else {
        (0, 255)
    }
}

/// Compiles `bytes` with `xs` as calibration and checks, for each sample, that the float graph
/// equals `reference` (dequantized output) and that the circuit's output is on the same grid point
/// (grid step at most `y_step`), except one step away on at most one element in a hundred: the
/// circuit's fixed-point input and weights (24 and about 20 bits) cannot split values within about
/// 1e-4 of a grid step of a rounding tie.
fn check(
    bytes: &[u8],
    xs: &[Vec<f64>],
    reference: impl Fn(&[f64]) -> Vec<f64>,
    y_step: f64,
) -> Result<(), TestCaseError> {
    let c = compile(bytes, xs, &CompileOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let ir = &c.model.graph;
    let (mut off_by_one, mut total) = (0usize, 0usize);
    for x in xs {
        let want = reference(x);
        let float = c.float.output(x);
        prop_assert_eq!(float.len(), want.len());
        for (a, b) in float.iter().zip(&want) {
            prop_assert!((a - b).abs() < 1e-6 * (1.0 + b.abs()), "float graph {} vs definition {}", a, b);
        }
        let e = verinfer_ir::evaluate(ir, &verinfer_ir::quantize_input(ir, x).unwrap()).unwrap();
        let out = ir.output_node();
        for (g, b) in e.output(ir).iter().zip(&want) {
            let got = out.scale.dequantize(*g);
            total += 1;
            // the final DequantizeLinear is a fixed-point affine map: a few of its steps off, far
            // below a grid step
            if (got - b).abs() >= 0.25 * y_step.min(1.0) {
                off_by_one += 1;
                prop_assert!(
                    (got - b).abs() < 1.25 * y_step,
                    "circuit {} vs definition {} (grid step {})",
                    got,
                    b,
                    y_step
                );
            }
        }
    }
    prop_assert!(off_by_one <= (total / 100).max(1), "{} of {} outputs one grid step off", off_by_one, total);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn quantize_then_dequantize_matches_the_definition(
        n in 1usize..24, s in 0.005f64..0.5, z in -20i64..20, int8 in any::<bool>(), axis in any::<bool>(), seed in any::<u64>(),
    ) {
        let elem = if int8 { DataType::INT8 } else { DataType::UINT8 };
        let z = if int8 { z } else { z + 20 };
        // per tensor, or per axis 1 with a different scale and zero point per column
        let cols = if axis { n } else { 1 };
        let scales: Vec<f32> = (0..cols).map(|i| (s * (1.0 + 0.25 * i as f64)) as f32).collect();
        let zeros: Vec<i64> = (0..cols).map(|i| z + (i as i64 % 3)).collect();
        let sdims: Vec<usize> = if axis { vec![n] } else { vec![] };
        let qn = node("QuantizeLinear", "q", &["x", "s", "z"], &["xq"]);
        let dq = node("DequantizeLinear", "dq", &["xq", "s", "z"], &["y"]);
        let inits = vec![init("s", &sdims, &scales), init_int("z", &sdims, elem, &zeros)];
        let bytes = one_input_model(vec![qn, dq], inits, &[1, n], &[1, n]);
        let mut r = lcg(seed);
        let xs: Vec<Vec<f64>> = (0..8).map(|_| (0..n).map(|_| ((r() * 2.0 - 1.0) * 200.0 * s) as f32 as f64).collect()).collect();
        let reference = |x: &[f64]| -> Vec<f64> {
            x.iter().enumerate().map(|(i, &v)| {
                let k = if axis { i } else { 0 };
                let (sc, zp) = (scales[k] as f64, zeros[k]);
                (q(v, sc, zp, grid(elem)) - zp) as f64 * sc
            }).collect()
        };
        check(&bytes, &xs, reference, scales.iter().fold(0.0f64, |m, &v| m.max(v as f64)))?;
    }

    #[test]
    fn qlinear_matmul_matches_the_definition(
        m in 1usize..4, k in 1usize..10, n in 1usize..6, int8 in any::<bool>(), seed in any::<u64>(),
    ) {
        let elem = if int8 { DataType::INT8 } else { DataType::UINT8 };
        let mut r = lcg(seed);
        let (lo, hi) = grid(elem);
        let rand_q = |r: &mut dyn FnMut() -> f64| lo + (r() * (hi - lo) as f64) as i64;
        let (sa, za) = (0.02 + 0.05 * r(), rand_q(&mut r) / 4);
        let (sb, zb) = (0.01 + 0.02 * r(), 0i64);
        let (sy, zy) = (0.05 + 0.2 * r(), rand_q(&mut r) / 4);
        let (sa, sb, sy) = (sa as f32 as f64, sb as f32 as f64, sy as f32 as f64);
        let bq: Vec<i64> = (0..k * n).map(|_| -100 + (r() * 200.0) as i64).collect();
        let qn = node("QuantizeLinear", "qa", &["x", "sa", "za"], &["a"]);
        let mm = node("QLinearMatMul", "mm", &["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], &["yq"]);
        let dq = node("DequantizeLinear", "dq", &["yq", "sy", "zy"], &["y"]);
        let inits = vec![
            init("sa", &[], &[sa as f32]), init_int("za", &[], elem, &[za]),
            init_int("b", &[k, n], DataType::INT8, &bq), init("sb", &[], &[sb as f32]), init_int("zb", &[], DataType::INT8, &[zb]),
            init("sy", &[], &[sy as f32]), init_int("zy", &[], elem, &[zy]),
        ];
        let bytes = one_input_model(vec![qn, mm, dq], inits, &[m, k], &[m, n]);
        let xs: Vec<Vec<f64>> = (0..6).map(|_| (0..m * k).map(|_| ((r() * 2.0 - 1.0) * 100.0 * sa) as f32 as f64).collect()).collect();
        let reference = |x: &[f64]| -> Vec<f64> {
            let a: Vec<i64> = x.iter().map(|&v| q(v, sa, za, (lo, hi))).collect();
            let mut y = Vec::new();
            for i in 0..m {
                for j in 0..n {
                    let acc: i64 = (0..k).map(|l| (a[i * k + l] - za) * (bq[l * n + j] - zb)).sum();
                    let v = ((acc as f64 * sa * sb / sy).round_ties_even() as i64 + zy).clamp(lo, hi);
                    y.push((v - zy) as f64 * sy);
                }
            }
            y
        };
        check(&bytes, &xs, reference, sy)?;
    }

    #[test]
    fn qlinear_conv_and_its_qdq_form_match_the_definition(
        c in 1usize..3, mo in 1usize..4, h in 3usize..6, per_channel in any::<bool>(), seed in any::<u64>(),
    ) {
        let elem = DataType::UINT8;
        let mut r = lcg(seed);
        let (sx, zx) = ((0.02 + 0.05 * r()) as f32 as f64, 100 + (r() * 50.0) as i64);
        let ws: Vec<f64> = (0..if per_channel { mo } else { 1 }).map(|_| (0.005 + 0.02 * r()) as f32 as f64).collect();
        let (sy, zy) = ((0.05 + 0.1 * r()) as f32 as f64, 60 + (r() * 100.0) as i64);
        let wq: Vec<i64> = (0..mo * c * 9).map(|_| -127 + (r() * 254.0) as i64).collect();
        let bq: Vec<i64> = (0..mo).map(|_| -2000 + (r() * 4000.0) as i64).collect();
        let wsd: Vec<usize> = if per_channel { vec![mo] } else { vec![] };
        let wzeros = vec![0i64; ws.len()];
        let geometry = vec![ints("kernel_shape", &[3, 3]), ints("pads", &[1, 1, 1, 1])];
        let common_inits = || vec![
            init("sx", &[], &[sx as f32]), init_int("zx", &[], elem, &[zx]),
            init_int("w", &[mo, c, 3, 3], DataType::INT8, &wq),
            init("sw", &wsd, &ws.iter().map(|&v| v as f32).collect::<Vec<_>>()),
            init_int("zw", &wsd, DataType::INT8, &wzeros),
            init("sy", &[], &[sy as f32]), init_int("zy", &[], elem, &[zy]),
            init_int("bias", &[mo], DataType::INT32, &bq),
        ];
        // QOperator: QuantizeLinear -> QLinearConv -> DequantizeLinear
        let mut conv = node("QLinearConv", "conv", &["xq", "sx", "zx", "w", "sw", "zw", "sy", "zy", "bias"], &["yq"]);
        conv.attribute = geometry.clone();
        let qop = one_input_model(
            vec![node("QuantizeLinear", "qx", &["x", "sx", "zx"], &["xq"]), conv, node("DequantizeLinear", "dq", &["yq", "sy", "zy"], &["y"])],
            common_inits(), &[1, c, h, h], &[1, mo, h, h]);
        // QDQ: Q -> DQ -> Conv(DQ(w), DQ(bias)) -> Q -> DQ
        let mut fconv = node("Conv", "conv", &["xd", "wd", "bd"], &["yf"]);
        fconv.attribute = geometry;
        let mut inits = common_inits();
        let bscale: Vec<f32> = (0..mo).map(|f| (sx * ws[if per_channel { f } else { 0 }]) as f32).collect();
        inits.push(init("sb", &[mo], &bscale));
        let mut dqw = node("DequantizeLinear", "dqw", &["w", "sw", "zw"], &["wd"]);
        dqw.attribute = vec![int("axis", 0)];
        let mut dqb = node("DequantizeLinear", "dqb", &["bias", "sb"], &["bd"]);
        dqb.attribute = vec![int("axis", 0)];
        let qdq = one_input_model(
            vec![
                node("QuantizeLinear", "qx", &["x", "sx", "zx"], &["xq"]), node("DequantizeLinear", "dqx", &["xq", "sx", "zx"], &["xd"]),
                dqw, dqb, fconv,
                node("QuantizeLinear", "qy", &["yf", "sy", "zy"], &["yq"]), node("DequantizeLinear", "dq", &["yq", "sy", "zy"], &["y"]),
            ],
            inits, &[1, c, h, h], &[1, mo, h, h]);
        let xs: Vec<Vec<f64>> = (0..4).map(|_| (0..c * h * h).map(|_| ((r() * 2.0 - 1.0) * 80.0 * sx) as f32 as f64).collect()).collect();
        let reference = |x: &[f64]| -> Vec<f64> {
            let xq: Vec<i64> = x.iter().map(|&v| q(v, sx, zx, (0, 255))).collect();
            let mut y = Vec::new();
            for f in 0..mo {
                let wsf = ws[if per_channel { f } else { 0 }];
                for oy in 0..h {
                    for ox in 0..h {
                        let mut acc = bq[f];
                        for ch in 0..c {
                            for ky in 0..3 {
                                for kx in 0..3 {
                                    let (iy, ix) = (oy as i64 + ky as i64 - 1, ox as i64 + kx as i64 - 1);
                                    if iy < 0 || ix < 0 || iy >= h as i64 || ix >= h as i64 { continue; }
                                    acc += (xq[(ch * h + iy as usize) * h + ix as usize] - zx) * wq[((f * c + ch) * 3 + ky) * 3 + kx];
                                }
                            }
                        }
                        let v = ((acc as f64 * sx * wsf / sy).round_ties_even() as i64 + zy).clamp(0, 255);
                        y.push((v - zy) as f64 * sy);
                    }
                }
            }
            y
        };
        check(&qop, &xs, reference, sy)?;
        check(&qdq, &xs, reference, sy)?;
    }
}
