//! The convolution and pooling importers against direct reference implementations of ONNX's
//! definitions, on random shapes, weights and attributes (2-D, batch 1); and the quantized model
//! against the float one on the same graphs.
use proptest::prelude::*;
use verinfer_compiler::{compile, import_onnx, CompileOptions};

mod common;
use common::*;

/// A 2-D window: kernel, strides, dilations, pads (top, left, bottom, right).
#[derive(Clone, Debug)]
struct Geom {
    k: [usize; 2],
    s: [usize; 2],
    d: [usize; 2],
    p: [usize; 4],
}

impl Geom {
    fn out(&self, h: usize, w: usize, ceil: bool) -> [usize; 2] {
        let dim = |i: usize, n: usize| {
            let eff = (self.k[i] - 1) * self.d[i] + 1;
            let span = n + self.p[i] + self.p[i + 2];
            let room = span - eff;
            let mut o = room / self.s[i] + 1;
            if ceil && room % self.s[i] != 0 && (o * self.s[i]) < n + self.p[i] {
                o += 1;
            }
            o
        };
        [dim(0, h), dim(1, w)]
    }
    /// Input coordinates read by output (oy, ox) at kernel tap (ky, kx), if inside the input.
    fn at(&self, oy: usize, ox: usize, ky: usize, kx: usize, h: usize, w: usize) -> Option<(usize, usize)> {
        let y = (oy * self.s[0] + ky * self.d[0]) as i64 - self.p[0] as i64;
        let x = (ox * self.s[1] + kx * self.d[1]) as i64 - self.p[1] as i64;
        (y >= 0 && x >= 0 && (y as usize) < h && (x as usize) < w).then_some((y as usize, x as usize))
    }
}

fn attrs(g: &Geom) -> Vec<onnx_protobuf::AttributeProto> {
    vec![
        ints("kernel_shape", &[g.k[0] as i64, g.k[1] as i64]),
        ints("strides", &[g.s[0] as i64, g.s[1] as i64]),
        ints("pads", &g.p.iter().map(|&v| v as i64).collect::<Vec<_>>()),
    ]
}

fn geom() -> impl Strategy<Value = Geom> {
    (1usize..4, 1usize..4, 1usize..3, 1usize..3, 1usize..3, 1usize..3, prop::array::uniform4(0usize..2))
        .prop_map(|(k0, k1, s0, s1, d0, d1, p)| Geom { k: [k0, k1], s: [s0, s1], d: [d0, d1], p })
}

fn values(n: usize, seed: u64) -> Vec<f32> {
    // deterministic pseudo-random values in [-1, 1]
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}

fn close(got: &[f64], want: &[f64]) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(want) {
        prop_assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "{} vs {}", a, b);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn conv_matches_the_definition(
        g in geom(), groups in 1usize..3, c_per in 1usize..3, m_per in 1usize..3, h in 3usize..7, w in 3usize..7, seed in any::<u64>(),
    ) {
        let (c, m) = (groups * c_per, groups * m_per);
        let eff = |i: usize| (g.k[i] - 1) * g.d[i] + 1;
        prop_assume!(h + g.p[0] + g.p[2] >= eff(0) && w + g.p[1] + g.p[3] >= eff(1));
        let [oh, ow] = g.out(h, w, false);
        let wts = values(m * c_per * g.k[0] * g.k[1], seed);
        let bias = values(m, seed ^ 1);
        let x: Vec<f64> = values(c * h * w, seed ^ 2).iter().map(|&v| v as f64).collect();
        let mut n = node("Conv", "conv", &["x", "W", "B"], &["y"]);
        n.attribute = attrs(&g);
        n.attribute.push(ints("dilations", &[g.d[0] as i64, g.d[1] as i64]));
        n.attribute.push(int("group", groups as i64));
        let bytes = one_input_model(
            vec![n],
            vec![init("W", &[m, c_per, g.k[0], g.k[1]], &wts), init("B", &[m], &bias)],
            &[1, c, h, w],
            &[1, m, oh, ow],
        );
        let got = import_onnx(&bytes, None).unwrap().output(&x);
        let mut want = vec![0.0; m * oh * ow];
        for f in 0..m {
            let grp = f / m_per;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias[f] as f64;
                    for ci in 0..c_per {
                        for ky in 0..g.k[0] {
                            for kx in 0..g.k[1] {
                                if let Some((y, xx)) = g.at(oy, ox, ky, kx, h, w) {
                                    let wv = wts[((f * c_per + ci) * g.k[0] + ky) * g.k[1] + kx] as f64;
                                    acc += wv * x[((grp * c_per + ci) * h + y) * w + xx];
                                }
                            }
                        }
                    }
                    want[(f * oh + oy) * ow + ox] = acc;
                }
            }
        }
        close(&got, &want)?;
    }

    #[test]
    fn pools_match_the_definition(
        g in geom(), c in 1usize..3, h in 3usize..7, w in 3usize..7, ceil in any::<bool>(), include_pad in any::<bool>(), seed in any::<u64>(),
    ) {
        // ONNX: pads smaller than the kernel, dilation 1 for average pooling
        let g = Geom { d: [1, 1], p: [g.p[0].min(g.k[0] - 1), g.p[1].min(g.k[1] - 1), g.p[2].min(g.k[0] - 1), g.p[3].min(g.k[1] - 1)], ..g };
        prop_assume!(h + g.p[0] + g.p[2] >= g.k[0] && w + g.p[1] + g.p[3] >= g.k[1]);
        let [oh, ow] = g.out(h, w, ceil);
        let x: Vec<f64> = values(c * h * w, seed).iter().map(|&v| v as f64).collect();
        for op in ["MaxPool", "AveragePool"] {
            let mut n = node(op, "pool", &["x"], &["y"]);
            n.attribute = attrs(&g);
            n.attribute.push(int("ceil_mode", ceil as i64));
            if op == "AveragePool" {
                n.attribute.push(int("count_include_pad", include_pad as i64));
            }
            let bytes = one_input_model(vec![n], vec![], &[1, c, h, w], &[1, c, oh, ow]);
            let got = import_onnx(&bytes, None).unwrap().output(&x);
            let mut want = vec![0.0; c * oh * ow];
            for ch in 0..c {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut vals = Vec::new();
                        let mut padded = 0usize;
                        for ky in 0..g.k[0] {
                            for kx in 0..g.k[1] {
                                match g.at(oy, ox, ky, kx, h, w) {
                                    Some((y, xx)) => vals.push(x[(ch * h + y) * w + xx]),
                                    None => {
                                        // explicit padding counts for count_include_pad; positions past it
                                        // (from ceil_mode) never do
                                        let y = oy * g.s[0] + ky;
                                        let xx = ox * g.s[1] + kx;
                                        if y < h + g.p[0] + g.p[2] && xx < w + g.p[1] + g.p[3] {
                                            padded += 1;
                                        }
                                    }
                                }
                            }
                        }
                        want[(ch * oh + oy) * ow + ox] = if op == "MaxPool" {
                            vals.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                        } else {
                            let count = if include_pad { vals.len() + padded } else { vals.len() };
                            vals.iter().sum::<f64>() / count as f64
                        };
                    }
                }
            }
            close(&got, &want)?;
        }
    }

    #[test]
    fn global_average_pool_and_batch_norm_match_the_definition(c in 1usize..4, h in 1usize..5, w in 1usize..5, seed in any::<u64>()) {
        let x: Vec<f64> = values(c * h * w, seed).iter().map(|&v| v as f64).collect();
        let bytes = one_input_model(vec![node("GlobalAveragePool", "gap", &["x"], &["y"])], vec![], &[1, c, h, w], &[1, c, 1, 1]);
        let got = import_onnx(&bytes, None).unwrap().output(&x);
        let want: Vec<f64> = (0..c).map(|ch| x[ch * h * w..(ch + 1) * h * w].iter().sum::<f64>() / (h * w) as f64).collect();
        close(&got, &want)?;

        let (scale, b, mean) = (values(c, seed ^ 3), values(c, seed ^ 4), values(c, seed ^ 5));
        let var: Vec<f32> = values(c, seed ^ 6).iter().map(|v| v.abs() + 0.1).collect();
        let mut n = node("BatchNormalization", "bn", &["x", "s", "b", "m", "v"], &["y"]);
        n.attribute.push(float("epsilon", 1e-3));
        let inits = vec![init("s", &[c], &scale), init("b", &[c], &b), init("m", &[c], &mean), init("v", &[c], &var)];
        let bytes = one_input_model(vec![n], inits, &[1, c, h, w], &[1, c, h, w]);
        let got = import_onnx(&bytes, None).unwrap().output(&x);
        let eps = 1e-3f32 as f64;
        let want: Vec<f64> = (0..c * h * w)
            .map(|i| {
                let ch = i / (h * w);
                scale[ch] as f64 * (x[i] - mean[ch] as f64) / (var[ch] as f64 + eps).sqrt() + b[ch] as f64
            })
            .collect();
        // folding the affine map reorders floating-point operations slightly
        prop_assert_eq!(got.len(), want.len());
        for (a, e) in got.iter().zip(&want) {
            prop_assert!((a - e).abs() < 1e-9 * (1.0 + e.abs()));
        }
    }
}

#[test]
fn auto_pad_same_follows_the_onnx_formula() {
    // 5x5 input, kernel 2, stride 2: out = ceil(5 / 2) = 3, total pad = (3 - 1) 2 + 2 - 5 = 1,
    // SAME_UPPER puts it at the end, SAME_LOWER at the start.
    let x: Vec<f64> = (0..25).map(|v| v as f64).collect();
    for (mode, want) in [
        ("SAME_UPPER", [6.0, 8.0, 9.0, 16.0, 18.0, 19.0, 21.0, 23.0, 24.0]),
        ("SAME_LOWER", [0.0, 2.0, 4.0, 10.0, 12.0, 14.0, 20.0, 22.0, 24.0]),
    ] {
        let mut n = node("MaxPool", "pool", &["x"], &["y"]);
        n.attribute = vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2]), string("auto_pad", mode)];
        let bytes = one_input_model(vec![n], vec![], &[1, 1, 5, 5], &[1, 1, 3, 3]);
        assert_eq!(import_onnx(&bytes, None).unwrap().output(&x), want, "{mode}");
    }
}

#[test]
fn a_small_cnn_quantizes_close_to_its_float_model() {
    // Conv (depthwise, stride 2, pads) -> BatchNorm -> Relu -> MaxPool -> GlobalAveragePool: the
    // quantized outputs follow the float ones within a few output steps on unseen inputs.
    let (c, h, w) = (2, 6, 6);
    let mut conv = node("Conv", "dw", &["x", "W", "B"], &["c"]);
    conv.attribute =
        vec![ints("kernel_shape", &[3, 3]), ints("strides", &[2, 2]), ints("pads", &[1, 1, 1, 1]), int("group", 2)];
    let bn = node("BatchNormalization", "bn", &["c", "s", "b", "m", "v"], &["n"]);
    let relu = node("Relu", "relu", &["n"], &["r"]);
    let mut pool = node("MaxPool", "pool", &["r"], &["p"]);
    pool.attribute = vec![ints("kernel_shape", &[2, 2])];
    let gap = node("GlobalAveragePool", "gap", &["p"], &["y"]);
    let inits = vec![
        init("W", &[2, 1, 3, 3], &values(18, 1)),
        init("B", &[2], &[0.1, -0.2]),
        init("s", &[2], &[1.5, 0.7]),
        init("b", &[2], &[0.3, 0.1]),
        init("m", &[2], &[0.05, -0.1]),
        init("v", &[2], &[0.8, 1.3]),
    ];
    let bytes = one_input_model(vec![conv, bn, relu, pool, gap], inits, &[1, c, h, w], &[1, 2, 1, 1]);
    let cal: Vec<Vec<f64>> = (0..32).map(|i| values(c * h * w, 100 + i).iter().map(|&v| v as f64).collect()).collect();
    let compiled = compile(&bytes, &cal, &CompileOptions::default()).unwrap();
    let ir = &compiled.model.graph;
    assert!(ir.nodes.iter().any(|n| n.op.kind() == "max_pool"));
    // BatchNorm folded into the convolution: one linear node before the first rescale
    assert_eq!(ir.nodes.iter().filter(|n| n.op.kind() == "affine").count(), 0);
    let step = (-(ir.output_node().scale.0 as f64)).exp2();
    for i in 0..16 {
        let x: Vec<f64> = values(c * h * w, 500 + i).iter().map(|&v| v as f64).collect();
        let want = compiled.float.output(&x);
        let q = verinfer_ir::evaluate(ir, &verinfer_ir::quantize_input(ir, &x).unwrap()).unwrap();
        for (&g, &f) in q.output(ir).iter().zip(&want) {
            let got = ir.output_node().scale.dequantize(g);
            assert!((got - f).abs() < 8.0 * step + 1e-3 * f.abs(), "quantized {got} vs float {f}");
        }
    }
}
