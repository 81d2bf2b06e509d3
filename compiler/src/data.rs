//! Input and calibration files in the common `{"input_data": [[...], ...]}` shape.
//!
//! Each inner array is one sample of the (single) model input, flattened in row-major order; nested
//! arrays inside a sample are flattened too, so `[[[1, 2], [3, 4]]]` is one sample `[1, 2, 3, 4]`.
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
}
