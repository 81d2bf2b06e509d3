"""Derives EXP2_POLY in ir/src/sampling.rs: integer coefficients K_i = round(c_i * 2^24) of a degree-4
polynomial P(x) = sum c_i x^i with P(x) ~ 2^-x on the grid x = t / 2^16, t = 0..2^16-1, minimising the
largest relative error (Lawson's iteratively reweighted least squares, which converges to the minimax
fit). Run once; the Rust test `exp2_poly_error_bound` re-checks the bound exhaustively in integers.

    python3 tools/exp2_poly.py      # numpy==2.3.5
"""
import numpy as np

T_BITS, COEF_BITS, DEGREE = 16, 24, 4
x = np.arange(2**T_BITS) / 2**T_BITS
f = 2.0 ** -x
V = np.vander(x, DEGREE + 1, increasing=True)
w = np.ones_like(x)
for _ in range(400):
    sw = np.sqrt(w)
    c, *_ = np.linalg.lstsq(V / f[:, None] * sw[:, None], sw, rcond=None)
    e = np.abs(V @ c / f - 1)
    w = w * e
    w /= w.sum()
K = [int(round(ci * 2**COEF_BITS)) for ci in c]
t = np.arange(2**T_BITS, dtype=object)
W = sum(k * t**i * 2 ** (T_BITS * (DEGREE - i)) for i, k in enumerate(K))
scale = 2 ** (T_BITS * DEGREE + COEF_BITS)
rel = max(abs(float(Wi) / scale / fi - 1) for Wi, fi in zip(W, f))
print("EXP2_POLY =", K)
print("max relative error on the grid: %.3e" % rel)
