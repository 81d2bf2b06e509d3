//! `Split` in every opset form against a direct slicing of its input, and the choice of the proven
//! graph output among several (`CompileOptions::output`).
use onnx_protobuf::tensor_proto::DataType;
use proptest::prelude::*;
use verinfer_compiler::{check_supported, compile, import_onnx, CompileOptions};

mod common;
use common::*;

/// How the part sizes are given.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// The `split` attribute (opset 11).
    Attribute,
    /// The `split` input (opset 13).
    Input,
    /// `num_outputs` (opset 18): parts of ceil(d / n), the last smaller.
    NumOutputs,
    /// Nothing: equal parts (opset 13).
    Equal,
}

fn split_model(shape: &[usize], axis: i64, sizes: &[usize], form: Form) -> Vec<u8> {
    let names: Vec<String> = (0..sizes.len()).map(|k| format!("y{k}")).collect();
    let outs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (inputs, opset): (Vec<&str>, i64) = match form {
        Form::Input => (vec!["x", "split"], 13),
        Form::Attribute => (vec!["x"], 11),
        Form::NumOutputs => (vec!["x"], 18),
        Form::Equal => (vec!["x"], 13),
    };
    let mut n = node("Split", "split", &inputs, &outs);
    n.attribute.push(int("axis", axis));
    let mut inits = Vec::new();
    match form {
        Form::Attribute => n.attribute.push(ints("split", &sizes.iter().map(|&s| s as i64).collect::<Vec<_>>())),
        Form::Input => inits.push(init_int(
            "split",
            &[sizes.len()],
            DataType::INT64,
            &sizes.iter().map(|&s| s as i64).collect::<Vec<_>>(),
        )),
        Form::NumOutputs => n.attribute.push(int("num_outputs", sizes.len() as i64)),
        Form::Equal => {}
    }
    let a = axis.rem_euclid(shape.len() as i64) as usize;
    let out_shapes: Vec<Vec<usize>> = sizes
        .iter()
        .map(|&s| {
            let mut o = shape.to_vec();
            o[a] = s;
            o
        })
        .collect();
    let outputs: Vec<(&str, &[usize])> = outs.iter().zip(&out_shapes).map(|(n, s)| (*n, s.as_slice())).collect();
    graph_model(vec![n], inits, &[("x", shape)], &outputs, opset)
}

/// The parts of `x` (row-major `shape`) along `axis`, by direct indexing.
fn reference(x: &[f64], shape: &[usize], axis: usize, sizes: &[usize]) -> Vec<Vec<f64>> {
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let mut start = 0;
    sizes
        .iter()
        .map(|&n| {
            let mut part = Vec::new();
            for o in 0..outer {
                for i in start..start + n {
                    part.extend_from_slice(&x[(o * shape[axis] + i) * inner..(o * shape[axis] + i + 1) * inner]);
                }
            }
            start += n;
            part
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn split_matches_slicing_in_every_form(
        shape in proptest::collection::vec(1usize..5, 1..4),
        axis_pick in any::<prop::sample::Index>(),
        negative in any::<bool>(),
        parts in 1usize..4,
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 3),
        form_pick in 0usize..4,
    ) {
        let rank = shape.len();
        let a = axis_pick.index(rank);
        let mut shape = shape;
        let form = [Form::Attribute, Form::Input, Form::NumOutputs, Form::Equal][form_pick];
        let sizes: Vec<usize> = match form {
            Form::Attribute | Form::Input => {
                // arbitrary cut points, empty parts allowed
                let d = shape[a];
                let mut c: Vec<usize> = cuts[..parts - 1].iter().map(|i| i.index(d + 1)).collect();
                c.sort();
                let bounds: Vec<usize> = std::iter::once(0).chain(c).chain(std::iter::once(d)).collect();
                bounds.windows(2).map(|w| w[1] - w[0]).collect()
            }
            Form::NumOutputs => {
                shape[a] = shape[a].max(parts * 2 - 1);
                let part = shape[a].div_ceil(parts);
                (0..parts).map(|k| part.min(shape[a].saturating_sub(k * part))).collect()
            }
            Form::Equal => {
                shape[a] *= parts;
                vec![shape[a] / parts; parts]
            }
        };
        let axis = if negative { a as i64 - rank as i64 } else { a as i64 };
        let bytes = split_model(&shape, axis, &sizes, form);
        let x: Vec<f64> = (0..shape.iter().product::<usize>()).map(|v| v as f64 * 0.5 - 3.0).collect();
        let want = reference(&x, &shape, a, &sizes);
        for (k, part) in want.iter().enumerate() {
            let name = format!("y{k}");
            match import_onnx(&bytes, Some(&name)) {
                Ok(g) => prop_assert_eq!(&g.output(&x), part, "{:?} part {}", form, k),
                // an empty part has nothing to prove
                Err(e) => prop_assert!(part.is_empty(), "{:?} part {}: {}", form, k, e),
            }
        }
    }
}

#[test]
fn bad_split_sizes_are_refused_naming_the_node() {
    let mut n = node("Split", "cut", &["x"], &["a", "b"]);
    n.attribute.push(ints("split", &[2, 3]));
    let bytes = graph_model(vec![n], vec![], &[("x", &[1, 4])], &[("a", &[1, 2]), ("b", &[1, 3])], 11);
    let e = check_supported(&bytes, None).unwrap_err().to_string();
    assert!(e.contains("cut") && e.contains("do not add up"), "{e}");
    let n = node("Split", "cut", &["x"], &["a", "b", "c"]);
    let bytes = graph_model(vec![n], vec![], &[("x", &[1, 4])], &[("a", &[1, 1])], 13);
    let e = check_supported(&bytes, None).unwrap_err().to_string();
    assert!(e.contains("equal parts"), "{e}");
}

/// x -> Relu -> "probabilities" and x -> Neg -> "label": two graph outputs.
fn two_output_model() -> Vec<u8> {
    let relu = node("Relu", "r", &["x"], &["probabilities"]);
    let neg = node("Neg", "n", &["x"], &["label"]);
    graph_model(vec![relu, neg], vec![], &[("x", &[1, 3])], &[("label", &[1, 3]), ("probabilities", &[1, 3])], 13)
}

#[test]
fn the_proven_output_is_chosen_by_name_and_the_rest_is_pruned() {
    let bytes = two_output_model();
    let x = vec![-1.0, 0.5, 2.0];
    let first = import_onnx(&bytes, None).unwrap();
    assert_eq!(first.output(&x), vec![1.0, -0.5, -2.0], "the first graph output by default");
    let probs = import_onnx(&bytes, Some("probabilities")).unwrap();
    assert_eq!(probs.output(&x), vec![0.0, 0.5, 2.0]);
    assert_eq!(probs.layers.len(), 1, "the other output's Neg is pruned");
    let opts = CompileOptions { output: Some("probabilities".into()), ..CompileOptions::default() };
    let c = compile(&bytes, &[x.clone()], &opts).unwrap();
    assert_eq!(c.model.graph.output_node().name, "probabilities");
}

#[test]
fn an_unknown_output_is_refused_listing_the_outputs() {
    let e = check_supported(&two_output_model(), Some("logits")).unwrap_err().to_string();
    assert!(e.contains("no graph output 'logits'") && e.contains("'label', 'probabilities'"), "{e}");
}
