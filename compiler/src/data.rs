//! Input and calibration files in the common `{"input_data": [[...], ...]}` shape.
//!
//! Each inner array is one sample of the (single) model input, flattened in row-major order; nested
//! arrays inside a sample are flattened too, so `[[[1, 2], [3, 4]]]` is one sample `[1, 2, 3, 4]`.
//! EZKL's convention, one flat list per graph input holding all samples concatenated, is read too:
//! once the input size is known, [`split_samples`] cuts such a list into its samples.
use serde_json::Value;

/// Reads the samples of an input or calibration file.
pub fn read_samples(json: &str) -> Result<Vec<Vec<f64>>, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
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

/// The samples of `rows` for a model input of shape `input_shape`, in either convention:
///
/// - one inner list per sample: every list has exactly as many values as the input;
/// - EZKL's: a single list of all samples concatenated, whose length is a multiple `k > 1` of the
///   input size; it is cut into `k` samples in order.
///
/// A single list of exactly the input size is one sample in both conventions. Any other length is an
/// error that names the sample's length, the input's size and both conventions.
pub fn split_samples(rows: &[Vec<f64>], input_shape: &[usize]) -> Result<Vec<Vec<f64>>, String> {
    let input_len: usize = input_shape.iter().product();
    match rows {
        [] => return Err("no samples".into()),
        [flat] if input_len > 0 && flat.len() > input_len && flat.len() % input_len == 0 => {
            return Ok(flat.chunks_exact(input_len).map(<[f64]>::to_vec).collect())
        }
        _ => {}
    }
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != input_len) {
        return Err(format!(
            "sample {i} has {} values and the model input {input_shape:?} has {input_len}: give one inner list of {input_len} values per sample, or (EZKL's convention) a single list of all samples concatenated, whose length is a multiple of {input_len}",
            r.len()
        ));
    }
    Ok(rows.to_vec())
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
        let shape = [1, 2];
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
