//! ONNX `Reshape` with a constant shape (0 copies a dimension unless `allowzero`, -1 is inferred).
use crate::error::CompileError;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::IxDyn;

/// Reshapes a constant tensor.
pub fn reshape_const(t: OnnxTensor, shape: &[usize]) -> Result<OnnxTensor, String> {
    Ok(match t {
        OnnxTensor::Float(a) => OnnxTensor::Float(
            a.as_standard_layout().to_owned().into_shape_with_order(IxDyn(shape)).map_err(|e| e.to_string())?,
        ),
        OnnxTensor::Int(a) => OnnxTensor::Int(
            a.as_standard_layout().to_owned().into_shape_with_order(IxDyn(shape)).map_err(|e| e.to_string())?,
        ),
    })
}

/// Resolves an ONNX target shape against the input shape.
pub fn resolve(input: &[usize], target: &[i64], allowzero: bool) -> Result<Vec<usize>, String> {
    let total: usize = input.iter().product();
    let mut out = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            -1 => return Err("more than one -1 in the target shape".into()),
            0 if !allowzero => out.push(*input.get(i).ok_or("0 refers to a missing input dimension")?),
            d if d >= 0 => out.push(d as usize),
            d => return Err(format!("invalid dimension {d} in the target shape")),
        }
    }
    let product = |dims: &[usize]| dims.iter().try_fold(1usize, |p, &d| p.checked_mul(d));
    let too_big = || format!("target shape {target:?} has more elements than this machine can address");
    let known = product(&out).ok_or_else(too_big)?;
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(format!("cannot infer -1: {total} elements do not divide into {target:?}"));
        }
        out[i] = total / known;
    }
    if product(&out).ok_or_else(too_big)? != total {
        return Err(format!("target shape {target:?} does not hold the {total} elements of shape {input:?}"));
    }
    Ok(out)
}

/// Imports a `Reshape` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["allowzero"])?;
    let allowzero = node.attr_int("allowzero", 0).map_err(|e| ctx.err(node, e))? != 0;
    let target: Vec<i64> = ctx.const_int(node, 1, "shape")?.iter().copied().collect();
    let v = ctx.required(node, 0)?.clone();
    let out = match v {
        Value::Dyn(d) => {
            Value::Dyn(Dyn { src: d.src, shape: resolve(&d.shape, &target, allowzero).map_err(|e| ctx.err(node, e))? })
        }
        Value::Const(t) => {
            let shape = resolve(t.shape(), &target, allowzero).map_err(|e| ctx.err(node, e))?;
            Value::Const(reshape_const(t, &shape).map_err(|e| ctx.err(node, e))?)
        }
    };
    ctx.set(node, 0, out)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_zero_and_minus_one() {
        assert_eq!(resolve(&[1, 8, 8], &[0, -1], false), Ok(vec![1, 64]));
        assert_eq!(resolve(&[2, 3], &[3, 2], false), Ok(vec![3, 2]));
        assert!(resolve(&[2, 3], &[-1, -1], false).is_err());
        assert!(resolve(&[2, 3], &[4, -1], false).is_err());
        assert!(resolve(&[2, 3], &[0, 6], true).is_err());
        // found by fuzzing: the product of the target dimensions overflowed usize
        assert!(resolve(&[2, 3], &[1 << 60, 1 << 60, -1], false).unwrap_err().contains("more elements"));
        assert!(resolve(&[2, 3], &[1 << 62, 16], false).is_err());
    }
}
