//! One file per gadget, each writing its rows to a [`crate::Layout`]. Each file's header says what
//! it constrains, what it costs (rows of the layout, for operands and outputs of at most 24 bits
//! unless said otherwise) and why that is sound; its tests pin the cost and corrupt the witness.
pub mod argmax;
pub mod clamp;
pub mod div;
pub mod linear;
pub mod max_pool;
pub mod poseidon;
pub mod relu;
pub mod rescale;
pub mod roots;
pub mod sampling;
pub mod table;
