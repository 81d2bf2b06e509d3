//! From a decoded ONNX model to the typed float graph: shape inference (batch 1), constant folding
//! and dispatch to one importer per operator (see `ops`).
use crate::error::{CompileError, UnsupportedKind, UnsupportedOperator};
use crate::graph::{FloatGraph, Layer, LayerKind, OpCounts};
use crate::onnx::{Attribute, OnnxModel, OnnxNode, OnnxTensor};
use crate::ops;
use std::collections::HashMap;
use verinfer_ir::InputSpec;

/// Largest number of elements of one tensor (the graph input, a layer's output, a folded constant):
/// far beyond what a proof can hold, and small enough that the importer's index maps fit in memory.
pub const MAX_ELEMENTS: usize = 1 << 24;

/// The number of elements of `shape`, if it is at most [`MAX_ELEMENTS`].
pub fn elements(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&n| n <= MAX_ELEMENTS)
}

/// Oldest and newest default-domain opsets the importer accepts.
pub const OPSETS: std::ops::RangeInclusive<i64> = 7..=25;

/// A dynamic (input-dependent) tensor: which layer produces it, and its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Dyn {
    /// Producing layer, `None` for the graph input.
    pub src: Option<usize>,
    /// Shape.
    pub shape: Vec<usize>,
}

impl Dyn {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A value flowing along a graph edge.
#[derive(Clone, Debug)]
pub enum Value {
    /// Known at compile time.
    Const(OnnxTensor),
    /// Depends on the input.
    Dyn(Dyn),
}

/// State of the import: known values by tensor name and the layers built so far.
pub struct Ctx {
    /// Default-domain opset.
    pub opset: i64,
    values: HashMap<String, Value>,
    layers: Vec<Layer>,
    elem_types: HashMap<String, &'static str>,
}

impl Ctx {
    /// An error about `node`.
    pub fn err(&self, node: &OnnxNode, reason: impl Into<String>) -> CompileError {
        CompileError::node(node, self.opset, reason)
    }

    /// Input `i` of `node` (`None` if omitted).
    pub fn input(&self, node: &OnnxNode, i: usize) -> Result<Option<&Value>, CompileError> {
        match node.inputs.get(i).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(name) => self.values.get(name).map(Some).ok_or_else(|| {
                self.err(node, format!("input '{name}' is produced by no earlier node, initializer or graph input"))
            }),
        }
    }

    /// Input `i`, which must be present.
    pub fn required(&self, node: &OnnxNode, i: usize) -> Result<&Value, CompileError> {
        self.input(node, i)?.ok_or_else(|| self.err(node, format!("input #{i} is missing")))
    }

    /// Input `i` as a float constant.
    pub fn const_float(&self, node: &OnnxNode, i: usize, what: &str) -> Result<ndarray::ArrayD<f64>, CompileError> {
        match self.required(node, i)? {
            Value::Const(OnnxTensor::Float(a)) => Ok(a.clone()),
            Value::Const(OnnxTensor::Int(a)) => Ok(a.mapv(|v| v as f64)),
            Value::Dyn(_) => Err(self.err(node, format!("{what} (input #{i}) must be a constant (an initializer or Constant); verinfer bakes weights into the circuit"))),
        }
    }

    /// Input `i` as an integer constant.
    pub fn const_int(&self, node: &OnnxNode, i: usize, what: &str) -> Result<ndarray::ArrayD<i64>, CompileError> {
        match self.required(node, i)? {
            Value::Const(OnnxTensor::Int(a)) => Ok(a.clone()),
            Value::Const(OnnxTensor::Float(_)) => {
                Err(self.err(node, format!("{what} (input #{i}) must be an integer tensor")))
            }
            Value::Dyn(_) => {
                Err(self.err(node, format!("{what} (input #{i}) must be a constant; shapes must be static")))
            }
        }
    }

    /// Element type of input `i` of `node`, when it is an initializer or a Constant's output.
    pub fn elem_type(&self, node: &OnnxNode, i: usize) -> Option<&'static str> {
        node.inputs.get(i).and_then(|n| self.elem_types.get(n)).copied()
    }

    /// Binds a value to a tensor name of a composite operator's inner node (see [`Ctx::inner`]).
    pub fn bind(&mut self, name: String, v: Value) {
        self.values.insert(name, v);
    }

    /// The value bound to `name`.
    pub fn value(&self, node: &OnnxNode, name: &str) -> Result<&Value, CompileError> {
        self.values.get(name).ok_or_else(|| self.err(node, format!("inner tensor '{name}' was not produced")))
    }

    /// Refuses an output `shape` of `node` with more than [`MAX_ELEMENTS`] elements (before anything
    /// of that size is built).
    pub fn check_size(&self, node: &OnnxNode, shape: &[usize]) -> Result<(), CompileError> {
        match elements(shape) {
            Some(_) => Ok(()),
            None => Err(self.err(node, format!("the output shape {shape:?} has more than {MAX_ELEMENTS} elements"))),
        }
    }

    /// Binds output `i` of `node`.
    pub fn set(&mut self, node: &OnnxNode, i: usize, v: Value) -> Result<(), CompileError> {
        let name = node
            .outputs
            .get(i)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.err(node, format!("output #{i} is missing")))?;
        self.values.insert(name.clone(), v);
        Ok(())
    }

    /// Adds a layer reading `input`, binds it to output 0 of `node`.
    pub fn push_layer(
        &mut self,
        node: &OnnxNode,
        input: &Dyn,
        kind: LayerKind,
        shape: Vec<usize>,
    ) -> Result<(), CompileError> {
        self.push_layer_multi(node, &[input], kind, shape)
    }

    /// Adds a layer reading `inputs`, binds it to output 0 of `node`.
    pub fn push_layer_multi(
        &mut self,
        node: &OnnxNode,
        inputs: &[&Dyn],
        kind: LayerKind,
        shape: Vec<usize>,
    ) -> Result<(), CompileError> {
        let d = self.add_layer(node, inputs, kind, shape, "")?;
        self.set(node, 0, Value::Dyn(d))
    }

    /// Adds an intermediate layer of a composite operator (named after `node`'s output with
    /// `suffix`) and returns its tensor without binding any output.
    pub fn add_layer(
        &mut self,
        node: &OnnxNode,
        inputs: &[&Dyn],
        kind: LayerKind,
        shape: Vec<usize>,
        suffix: &str,
    ) -> Result<Dyn, CompileError> {
        let base = node.outputs.first().cloned().unwrap_or_else(|| node.name.clone());
        let name = if suffix.is_empty() { base } else { format!("{base}::{suffix}") };
        let inputs = inputs.iter().map(|d| d.src).collect();
        self.layers.push(Layer { name, origin: node.name.clone(), kind, shape: shape.clone(), inputs });
        Ok(Dyn { src: Some(self.layers.len() - 1), shape })
    }

    /// Checks that `node` has only attributes from `known`, so that none is silently ignored.
    pub fn check_attributes(&self, node: &OnnxNode, known: &[&str]) -> Result<(), CompileError> {
        for (name, _) in &node.attributes {
            if !known.contains(&name.as_str()) {
                return Err(self.err(
                    node,
                    format!(
                        "attribute '{name}' is not supported (supported: {})",
                        if known.is_empty() { "none".into() } else { known.join(", ") }
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Attribute helpers.
impl OnnxNode {
    fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
    /// An integer attribute with a default.
    pub fn attr_int(&self, name: &str, default: i64) -> Result<i64, String> {
        match self.attr(name) {
            None => Ok(default),
            Some(Attribute::Int(v)) => Ok(*v),
            Some(_) => Err(format!("attribute '{name}' must be an integer")),
        }
    }
    /// A float attribute with a default.
    pub fn attr_float(&self, name: &str, default: f32) -> Result<f32, String> {
        match self.attr(name) {
            None => Ok(default),
            Some(Attribute::Float(v)) => Ok(*v),
            Some(_) => Err(format!("attribute '{name}' must be a float")),
        }
    }
    /// An integer-list attribute (`None` if absent).
    pub fn attr_ints(&self, name: &str) -> Result<Option<Vec<i64>>, String> {
        match self.attr(name) {
            None => Ok(None),
            Some(Attribute::Ints(v)) => Ok(Some(v.clone())),
            Some(_) => Err(format!("attribute '{name}' must be a list of integers")),
        }
    }
    /// A string attribute with a default.
    pub fn attr_string(&self, name: &str, default: &str) -> Result<String, String> {
        match self.attr(name) {
            None => Ok(default.into()),
            Some(Attribute::String(v)) => Ok(v.clone()),
            Some(_) => Err(format!("attribute '{name}' must be a string")),
        }
    }
    /// Any attribute.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attr(name)
    }
}

/// A graph input's shape (a symbolic batch axis is 1), after checking its element type, and that an
/// integer input is read only by the int8 operators.
fn input_spec(model: &OnnxModel, input: &crate::onnx::ValueInfo) -> Result<InputSpec, CompileError> {
    if !crate::onnx::is_float_elem(input.elem_type) && !crate::onnx::is_int_input_elem(input.elem_type) {
        return Err(CompileError::Unsupported(format!(
            "graph input '{}' has element type {}; verinfer supports float inputs (float, double, float16, bfloat16) and int8, uint8, int16, uint16, int32 inputs",
            input.name, input.elem_type
        )));
    }
    if crate::onnx::is_int_input_elem(input.elem_type) {
        // integer arithmetic (truncating Div, wrapping overflow) is not modelled: an integer input
        // must be a quantized tensor read by the int8 operators
        const READERS: [&str; 3] = ["DequantizeLinear", "QLinearMatMul", "QLinearConv"];
        if let Some(n) =
            model.nodes.iter().find(|n| n.inputs.contains(&input.name) && !READERS.contains(&n.op_type.as_str()))
        {
            return Err(CompileError::Unsupported(format!(
                "graph input '{}' is an {} tensor read by {} (node '{}'); an integer input must be a quantized tensor read by DequantizeLinear, QLinearMatMul or QLinearConv (integer arithmetic is not modelled)",
                input.name, input.elem_type, n.op_type, n.name
            )));
        }
    }
    let mut shape = Vec::with_capacity(input.dims.len());
    for (axis, d) in input.dims.iter().enumerate() {
        match (axis, d) {
            (_, Some(n)) => shape.push(*n),
            (0, None) => shape.push(1), // a symbolic batch dimension: verinfer proves batch 1
            (_, None) => {
                return Err(CompileError::Unsupported(format!(
                    "graph input '{}' has a dynamic dimension at axis {axis}; only the batch axis (0) may be symbolic",
                    input.name
                )))
            }
        }
    }
    if elements(&shape).is_none() {
        return Err(CompileError::Unsupported(format!(
            "graph input '{}' has shape {shape:?}, more than {MAX_ELEMENTS} elements",
            input.name
        )));
    }
    Ok(InputSpec::new(input.name.clone(), shape))
}

/// Binds each graph input: the input itself, or for several, a slice of their concatenation (a
/// gather, which costs nothing in the circuit).
fn bind_graph_inputs(ctx: &mut Ctx, input: &InputSpec) {
    if input.parts.is_empty() {
        ctx.values.insert(input.name.clone(), Value::Dyn(Dyn { src: None, shape: input.shape.clone() }));
        return;
    }
    let mut offset = 0;
    for (k, part) in input.parts.iter().enumerate() {
        let len: usize = part.shape.iter().product();
        let map = (offset..offset + len).map(|j| (0, j)).collect();
        ctx.layers.push(Layer {
            name: part.name.clone(),
            origin: format!("(graph input {k})"),
            kind: LayerKind::Gather { map, constants: Vec::new() },
            shape: part.shape.clone(),
            inputs: vec![None],
        });
        let d = Dyn { src: Some(ctx.layers.len() - 1), shape: part.shape.clone() };
        ctx.values.insert(part.name.clone(), Value::Dyn(d));
        offset += len;
    }
}

/// The graph output to prove: `wanted`, or the first one.
fn select_output<'a>(outputs: &'a [String], wanted: Option<&str>) -> Result<&'a String, CompileError> {
    let found = match wanted {
        None => outputs.first(),
        Some(name) => outputs.iter().find(|o| *o == name),
    };
    found.ok_or_else(|| {
        let listed = outputs.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(", ");
        CompileError::Unsupported(match wanted {
            None => "the model has no graph output".into(),
            Some(name) => format!("the model has no graph output '{name}' (its outputs: {listed})"),
        })
    })
}

/// Imports a decoded model into a float graph whose output is the graph output named `output` (by
/// default the first one); the nodes only other outputs need are left out.
pub fn import(model: &OnnxModel, output: Option<&str>) -> Result<FloatGraph, CompileError> {
    if !OPSETS.contains(&model.opset) {
        return Err(CompileError::Unsupported(format!(
            "default-domain opset {} is outside the supported range {}..={}; convert the model with onnx.version_converter",
            model.opset,
            OPSETS.start(),
            OPSETS.end()
        )));
    }
    let inputs = model.inputs.iter().map(|i| input_spec(model, i)).collect::<Result<Vec<_>, _>>()?;
    if inputs.len() > 1 {
        if let Some(i) = model.inputs.iter().find(|i| crate::onnx::is_int_input_elem(i.elem_type)) {
            return Err(CompileError::Unsupported(format!(
                "graph input '{}' is an {} tensor in a model with {} graph inputs; integer (quantized) inputs are supported only as a model's one input",
                i.name,
                i.elem_type,
                inputs.len()
            )));
        }
    }
    if inputs.is_empty() {
        return Err(CompileError::Unsupported("the model has no graph input".into()));
    }
    let input = InputSpec::concat(inputs);
    if elements(&input.shape).is_none() {
        return Err(CompileError::Unsupported(format!(
            "the graph inputs have {:?} values in all, more than {MAX_ELEMENTS}",
            input.shape
        )));
    }
    let output = select_output(&model.outputs, output)?;
    let mut ctx =
        Ctx { opset: model.opset, values: HashMap::new(), layers: Vec::new(), elem_types: model.elem_types.clone() };
    for (name, t) in &model.initializers {
        ctx.values.insert(name.clone(), Value::Const(t.clone()));
    }
    bind_graph_inputs(&mut ctx, &input);

    // Nodes the output does not depend on (a LayerNormalization's unused Mean and InvStdDev, dead
    // branches) are not imported.
    let mut needed: std::collections::HashSet<&str> = std::iter::once(output.as_str()).collect();
    let mut live = vec![false; model.nodes.len()];
    for (i, node) in model.nodes.iter().enumerate().rev() {
        if node.outputs.iter().any(|o| needed.contains(o.as_str())) {
            live[i] = true;
            needed.extend(node.inputs.iter().filter(|s| !s.is_empty()).map(String::as_str));
        }
    }
    let mut op_counts = OpCounts::new();
    for node in model.nodes.iter().zip(&live).filter(|(_, l)| **l).map(|(n, _)| n) {
        // `onnx::parse` has refused every unsupported operator already; this covers hand-built models
        let import = ops::support(&node.domain, &node.op_type)
            .and_then(|()| ops::lookup(&node.op_type).ok_or(UnsupportedKind::Operator))
            .map_err(|kind| {
                CompileError::UnsupportedOperators(vec![UnsupportedOperator {
                    node: node.name.clone(),
                    op_type: node.op_type.clone(),
                    domain: node.domain.clone(),
                    opset: (node.domain.is_empty() || node.domain == "ai.onnx").then_some(model.opset),
                    kind,
                }])
            })?;
        import(node, &mut ctx)?;
        *op_counts.entry(node.op_type.clone()).or_default() += 1;
    }

    let out = match ctx.values.get(output) {
        Some(Value::Dyn(d)) => d.clone(),
        Some(Value::Const(_)) => {
            return Err(CompileError::Unsupported(format!("graph output '{output}' does not depend on the input")))
        }
        None => return Err(CompileError::Unsupported(format!("graph output '{output}' is produced by no node"))),
    };
    // Keep the layers the output depends on, in order; dead branches are dropped.
    let layers = match out.src {
        None => Vec::new(),
        Some(o) => {
            let mut live = vec![false; o + 1];
            live[o] = true;
            for i in (0..=o).rev() {
                if live[i] {
                    for s in ctx.layers[i].inputs.iter().flatten() {
                        live[*s] = true;
                    }
                }
            }
            let mut index = vec![usize::MAX; o + 1];
            let mut layers = Vec::new();
            for i in 0..=o {
                if live[i] {
                    let mut l = ctx.layers[i].clone();
                    l.inputs = l.inputs.iter().map(|s| s.map(|j| index[j])).collect();
                    index[i] = layers.len();
                    layers.push(l);
                }
            }
            layers
        }
    };
    Ok(FloatGraph {
        name: if model.name.is_empty() { "model".into() } else { model.name.clone() },
        opset: model.opset,
        input,
        layers,
        output_shape: out.shape,
        op_counts,
    })
}
