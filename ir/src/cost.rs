//! Constraint costs of the R1CS (Groth16) gadgets that the compiler weighs when it chooses between
//! equivalent graphs (where to rescale, how to pool). The gadgets in `verinfer-circuits` implement
//! these counts and pin them in their tests, so the two cannot drift apart unnoticed.

/// How a max-pooling window is proved (see `verinfer-circuits`' `max_pool` gadget).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxPoolMethod {
    /// A witness maximum `m`, `m - x_t` range-checked for every element and `prod_t (m - x_t) = 0`:
    /// `size (spread + 2)` constraints per window.
    Product,
    /// A chain of pairwise maxima, each by the sign bit of a difference: `(size - 1) (spread + 3)`
    /// per window.
    Pairwise,
}

/// The cheaper [`MaxPoolMethod`] for windows of `size` elements spanning `2^spread` values.
pub fn max_pool_method(size: usize, spread: u8) -> MaxPoolMethod {
    let d = spread as usize;
    if size.saturating_sub(1) * (d + 3) < size * (d + 2) {
        MaxPoolMethod::Pairwise
    } else {
        MaxPoolMethod::Product
    }
}

/// Constraints per output of max pooling `size` elements spanning `2^spread` values.
pub fn max_pool(size: usize, spread: u8) -> usize {
    let d = spread as usize;
    match max_pool_method(size, spread) {
        MaxPoolMethod::Product => size * (d + 2),
        MaxPoolMethod::Pairwise => size.saturating_sub(1) * (d + 3),
    }
}

/// Constraints per element of a rescale by `2^shift` into `width` signed bits.
pub fn rescale(width: u8, shift: u8) -> usize {
    width as usize + shift as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_wins_once_the_window_is_narrower_than_the_values() {
        // (K - 1)(d + 3) < K (d + 2) exactly when K < d + 3
        assert_eq!(max_pool_method(4, 11), MaxPoolMethod::Pairwise);
        assert_eq!(max_pool(4, 11), 42);
        assert_eq!(max_pool_method(9, 6), MaxPoolMethod::Product);
        assert_eq!(max_pool(9, 6), 72);
        assert_eq!(max_pool(1, 8), 0);
        assert_eq!(rescale(12, 8), 21);
    }
}
