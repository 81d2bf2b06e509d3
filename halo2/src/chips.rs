//! One file per gadget, each writing its rows to a [`crate::Layout`].
