//! Sliding-window geometry shared by Conv and the pooling operators: kernel, strides, dilations,
//! explicit pads or `auto_pad`, `ceil_mode`, over any number of spatial axes (ONNX's rules).
use crate::error::CompileError;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::OnnxNode;
use verinfer_ir::ConvGeometry;

/// The input-dependent `[1, C, spatial...]` operand of a pooling node and its `kernel_shape`.
pub fn pool_operand(node: &OnnxNode, ctx: &Ctx) -> Result<(Dyn, Vec<usize>), CompileError> {
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "the input is constant; fold it before export")),
    };
    if x.shape.len() < 3 || x.shape[0] != 1 {
        return Err(ctx.err(node, format!("X must be [1, C, spatial...], got {:?}", x.shape)));
    }
    let kernel: Vec<usize> = node
        .attr_ints("kernel_shape")
        .map_err(|e| ctx.err(node, e))?
        .ok_or_else(|| ctx.err(node, "kernel_shape is required"))?
        .iter()
        .map(|&k| k.max(0) as usize)
        .collect();
    Ok((x, kernel))
}

/// A resolved window over `in_shape` (spatial axes only).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Spatial input shape.
    pub in_shape: Vec<usize>,
    /// Kernel extent per axis.
    pub kernel: Vec<usize>,
    /// Stride per axis.
    pub strides: Vec<usize>,
    /// Dilation per axis.
    pub dilations: Vec<usize>,
    /// Padding before each axis.
    pub pads_begin: Vec<usize>,
    /// Padding after each axis (explicit or from `auto_pad`).
    pub pads_end: Vec<usize>,
    /// Spatial output shape.
    pub out_shape: Vec<usize>,
}

fn positive(node: &OnnxNode, ctx: &Ctx, name: &str, v: Option<Vec<i64>>, n: usize) -> Result<Vec<usize>, CompileError> {
    match v {
        None => Ok(vec![1; n]),
        Some(v) if v.len() == n && v.iter().all(|&x| x >= 1) => Ok(v.iter().map(|&x| x as usize).collect()),
        Some(v) => Err(ctx.err(node, format!("{name} {v:?} must have {n} positive entries"))),
    }
}

impl Window {
    /// Reads `strides`, `dilations`, `pads`, `auto_pad` and `ceil_mode` of `node` for a kernel over
    /// `in_shape`.
    pub fn resolve(node: &OnnxNode, ctx: &Ctx, in_shape: &[usize], kernel: &[usize]) -> Result<Window, CompileError> {
        let n = in_shape.len();
        if in_shape.contains(&0) {
            return Err(ctx.err(node, format!("spatial shape {in_shape:?} has a zero-size axis")));
        }
        if kernel.len() != n || kernel.contains(&0) {
            return Err(ctx.err(node, format!("kernel {kernel:?} does not fit spatial shape {in_shape:?}")));
        }
        let strides = positive(node, ctx, "strides", node.attr_ints("strides").map_err(|e| ctx.err(node, e))?, n)?;
        let dilations =
            positive(node, ctx, "dilations", node.attr_ints("dilations").map_err(|e| ctx.err(node, e))?, n)?;
        let ceil = node.attr_int("ceil_mode", 0).map_err(|e| ctx.err(node, e))? != 0;
        let auto_pad = node.attr_string("auto_pad", "NOTSET").map_err(|e| ctx.err(node, e))?;
        let pads = node.attr_ints("pads").map_err(|e| ctx.err(node, e))?;
        let attrs = [kernel, &strides[..], &dilations[..]];
        if let Some(v) = attrs.iter().flat_map(|a| a.iter()).find(|&&v| v > crate::import::MAX_ELEMENTS) {
            return Err(ctx.err(
                node,
                format!(
                    "a kernel extent, stride or dilation of {v} is beyond the supported {}",
                    crate::import::MAX_ELEMENTS
                ),
            ));
        }
        if let Some(p) = pads.iter().flatten().find(|&&p| p > crate::import::MAX_ELEMENTS as i64) {
            return Err(ctx.err(node, format!("a pad of {p} is beyond the supported {}", crate::import::MAX_ELEMENTS)));
        }
        let eff: Vec<usize> = (0..n).map(|i| (kernel[i] - 1) * dilations[i] + 1).collect();
        let (pads_begin, pads_end): (Vec<usize>, Vec<usize>) = match auto_pad.as_str() {
            "NOTSET" => match pads {
                None => (vec![0; n], vec![0; n]),
                Some(p) if p.len() == 2 * n && p.iter().all(|&x| x >= 0) => {
                    (p[..n].iter().map(|&x| x as usize).collect(), p[n..].iter().map(|&x| x as usize).collect())
                }
                Some(p) => return Err(ctx.err(node, format!("pads {p:?} must have {} non-negative entries", 2 * n))),
            },
            "VALID" => (vec![0; n], vec![0; n]),
            "SAME_UPPER" | "SAME_LOWER" => {
                let mut b = vec![0; n];
                let mut e = vec![0; n];
                for i in 0..n {
                    let out = in_shape[i].div_ceil(strides[i]);
                    let total = ((out - 1) * strides[i] + eff[i]).saturating_sub(in_shape[i]);
                    let small = total / 2;
                    let (lo, hi) =
                        if auto_pad == "SAME_UPPER" { (small, total - small) } else { (total - small, small) };
                    b[i] = lo;
                    e[i] = hi;
                }
                (b, e)
            }
            other => {
                return Err(
                    ctx.err(node, format!("auto_pad '{other}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"))
                )
            }
        };
        let mut out_shape = Vec::with_capacity(n);
        for i in 0..n {
            let span = in_shape[i] + pads_begin[i] + pads_end[i];
            if span < eff[i] {
                return Err(ctx.err(
                    node,
                    format!(
                        "the kernel ({} with dilation) is larger than the padded input ({span}) on axis {i}",
                        eff[i]
                    ),
                ));
            }
            let room = span - eff[i];
            let mut o = room / strides[i] + 1;
            if ceil && !room.is_multiple_of(strides[i]) {
                o += 1;
                // ONNX: the last window must start inside the input or its left padding
                if (o - 1) * strides[i] >= in_shape[i] + pads_begin[i] {
                    o -= 1;
                }
            }
            out_shape.push(o);
        }
        ctx.check_size(node, &out_shape)?;
        if crate::import::elements(&[&out_shape[..], kernel].concat()).is_none() {
            return Err(ctx.err(
                node,
                format!(
                    "the windows (output {out_shape:?} by kernel {kernel:?}) have more than {} positions in all",
                    crate::import::MAX_ELEMENTS
                ),
            ));
        }
        Ok(Window {
            in_shape: in_shape.to_vec(),
            kernel: kernel.to_vec(),
            strides,
            dilations,
            pads_begin,
            pads_end,
            out_shape,
        })
    }

    /// The geometry of a convolution over this window (a pooling is a depthwise one).
    pub fn geometry(&self, in_channels: usize, out_channels: usize, group: usize) -> ConvGeometry {
        ConvGeometry {
            in_channels,
            out_channels,
            group,
            in_shape: self.in_shape.clone(),
            kernel: self.kernel.clone(),
            strides: self.strides.clone(),
            dilations: self.dilations.clone(),
            pads: self.pads_begin.clone(),
            out_shape: self.out_shape.clone(),
        }
    }

    /// Number of output positions.
    pub fn out_len(&self) -> usize {
        self.out_shape.iter().product()
    }
    /// Number of input positions.
    pub fn in_len(&self) -> usize {
        self.in_shape.iter().product()
    }
    /// Kernel positions per window.
    pub fn kernel_len(&self) -> usize {
        self.kernel.iter().product()
    }
}
