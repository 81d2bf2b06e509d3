//! Input and calibration files in the common `{"input_data": [[...], ...]}` shape.
//!
//! Each inner array is one sample of the model input, flattened in row-major order; nested arrays
//! inside a sample are flattened too, so `[[[1, 2], [3, 4]]]` is one sample `[1, 2, 3, 4]`. EZKL's
//! convention, one flat list per graph input holding all samples concatenated, is read too: once the
//! inputs' sizes are known, [`split_samples`] cuts such lists into samples.
use serde_json::Value;
use verinfer_ir::InputSpec;

/// Reads the samples of an input or calibration file.
pub fn read_samples(json: &str) -> Result<Vec<Vec<f64>>, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    samples_of(&v)
}

/// The samples of a parsed input file (an object with an `input_data` field).
pub fn samples_of(v: &Value) -> Result<Vec<Vec<f64>>, String> {
    let data = v.get("input_data").ok_or("missing the \"input_data\" field (expected {\"input_data\": [[...]]})")?;
    let rows = data.as_array().ok_or("\"input_data\" must be an array of samples")?;
    if rows.is_empty() {
        return Err("\"input_data\" holds no sample".into());
    }
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut out = Vec::new();
            flatten(r, &mut out).map_err(|e| format!("sample {i}: {e}"))?;
            Ok(out)
        })
        .collect()
}

/// The samples of `rows` for the model input `input`, in either convention:
///
/// - one inner list per sample: every list has exactly as many values as the input (for a model with
///   several graph inputs, all of them concatenated in graph order);
/// - EZKL's: one list per graph input, each holding that input's values for every sample
///   concatenated (for one graph input: a single list whose length is a multiple `k > 1` of the input
///   size, cut into `k` samples in order).
///
/// A single list of exactly the input size is one sample in both conventions. Any other length is an
/// error that names the sample's length, the input's size and both conventions.
pub fn split_samples(rows: &[Vec<f64>], input: &InputSpec) -> Result<Vec<Vec<f64>>, String> {
    let input_len: usize = input.shape.iter().product();
    if rows.is_empty() {
        return Err("no samples".into());
    }
    if let Some(samples) = per_input(rows, input) {
        return Ok(samples);
    }
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != input_len) {
        let shape = &input.shape;
        let one_per_input = match input.parts.len() {
            0 | 1 => format!("a single list of all samples concatenated, whose length is a multiple of {input_len}"),
            n => {
                let lens: Vec<String> =
                    input.graph_inputs().iter().map(|p| p.shape.iter().product::<usize>().to_string()).collect();
                format!(
                    "one list per graph input ({n}: {}), each holding every sample's values of that input",
                    lens.join(", ")
                )
            }
        };
        return Err(format!(
            "sample {i} has {} values and the model input {shape:?} has {input_len}: give one inner list of {input_len} values per sample, or (EZKL's convention) {one_per_input}",
            r.len()
        ));
    }
    Ok(rows.to_vec())
}

/// EZKL's convention: one list per graph input, the same number `k` of samples in each; `None` when
/// `rows` is not of that form (or is one sample per list anyway).
fn per_input(rows: &[Vec<f64>], input: &InputSpec) -> Option<Vec<Vec<f64>>> {
    let parts = input.graph_inputs();
    let lens: Vec<usize> = parts.iter().map(|p| p.shape.iter().product()).collect();
    let total: usize = lens.iter().sum();
    if rows.len() != parts.len() || lens.contains(&0) || rows.iter().all(|r| r.len() == total) {
        return None;
    }
    let k = rows[0].len() / lens[0];
    let fits = rows.iter().zip(&lens).all(|(r, &l)| r.len() == k * l);
    if k == 0 || !fits {
        return None;
    }
    Some(
        (0..k)
            .map(|j| rows.iter().zip(&lens).flat_map(|(r, &l)| r[j * l..(j + 1) * l].iter().copied()).collect())
            .collect(),
    )
}

fn flatten(v: &Value, out: &mut Vec<f64>) -> Result<(), String> {
    match v {
        Value::Number(n) => out.push(n.as_f64().ok_or("number out of range")?),
        Value::Array(a) => a.iter().try_for_each(|x| flatten(x, out))?,
        other => return Err(format!("expected numbers, found {other}")),
    }
    Ok(())
}

/// Writes samples in the same shape.
pub fn write_samples(rows: &[Vec<f64>]) -> String {
    serde_json::json!({ "input_data": rows }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flat_and_nested_samples() {
        assert_eq!(
            read_samples(r#"{"input_data": [[1, 2.5], [[3], [4]]]}"#).unwrap(),
            vec![vec![1.0, 2.5], vec![3.0, 4.0]]
        );
        assert!(read_samples(r#"{"input_data": []}"#).is_err());
        assert!(read_samples(r#"{"input": [[1]]}"#).is_err());
        assert!(read_samples(r#"{"input_data": [["a"]]}"#).is_err());
        assert!(read_samples("nope").is_err());
    }

    #[test]
    fn splits_ezkl_concatenated_samples() {
        let shape = InputSpec::new("x", vec![1, 2]);
        // EZKL: one flat list of three samples
        let ezkl = read_samples(r#"{"input_data": [[1, 2, 3, 4, 5, 6]]}"#).unwrap();
        assert_eq!(split_samples(&ezkl, &shape).unwrap(), vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]);
        // one sample: the same in both conventions
        assert_eq!(split_samples(&[vec![1.0, 2.0]], &shape).unwrap(), vec![vec![1.0, 2.0]]);
        // one list per sample
        let rows = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        assert_eq!(split_samples(&rows, &shape).unwrap(), rows);
        // several lists are one per sample, never cut
        let e = split_samples(&[vec![1.0, 2.0], vec![1.0, 2.0, 3.0, 4.0]], &shape).unwrap_err();
        assert!(e.starts_with("sample 1 has 4 values and the model input [1, 2] has 2"), "{e}");
        // neither the input size nor a multiple of it: both lengths and both conventions are named
        let e = split_samples(&[vec![1.0, 2.0, 3.0]], &shape).unwrap_err();
        for needle in ["has 3 values", "has 2:", "one inner list of 2 values per sample", "EZKL", "multiple of 2"] {
            assert!(e.contains(needle), "'{needle}' missing from: {e}");
        }
        assert!(split_samples(&[vec![]], &shape).is_err());
        assert!(split_samples(&[], &shape).is_err());
    }
}

#[cfg(test)]
mod several_inputs {
    use super::*;

    #[test]
    fn one_list_per_graph_input_is_joined_per_sample() {
        let input = InputSpec::concat(vec![InputSpec::new("audio", vec![1, 3]), InputSpec::new("rate", vec![1])]);
        assert_eq!(input.shape, vec![4]);
        // EZKL: one list per input, two samples each
        let rows = vec![vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![10.0, 20.0]];
        assert_eq!(split_samples(&rows, &input).unwrap(), vec![vec![1.0, 2.0, 3.0, 10.0], vec![4.0, 5.0, 6.0, 20.0]]);
        // one sample, as prove takes it
        assert_eq!(split_samples(&[vec![1.0, 2.0, 3.0], vec![7.0]], &input).unwrap(), vec![vec![1.0, 2.0, 3.0, 7.0]]);
        // already concatenated samples
        let rows = vec![vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.0]];
        assert_eq!(split_samples(&rows, &input).unwrap(), rows);
        // inconsistent sample counts: named with both conventions
        let e = split_samples(&[vec![1.0, 2.0, 3.0], vec![7.0, 8.0]], &input).unwrap_err();
        assert!(e.contains("one list per graph input (2: 3, 1)"), "{e}");
    }
}
