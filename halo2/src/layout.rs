//! The row builder every chip writes to: one PLONKish gate over four advice columns, a range lookup
//! on three of them, a table lookup, copy constraints and public cells.
//!
//! Columns: advice `a, b, c, d` (all with equality), one fixed coefficient column per term of
//!
//! ```text
//! qa a + qb b + qc c + qd d + qm a b + qk + qn d(next row) = 0
//! ```
//!
//! (one gate, degree 3; a row whose coefficients are all zero constrains nothing), and one fixed
//! tag column per looked-up column: `(ta, ta a)` must lie in `{(0, 0)} + {(t, t v): 1 <= t <= 8,
//! 0 <= v < 2^t}`, so a row with tag `t` proves `0 <= a < 2^t` and tag 0 proves nothing (`t` is
//! invertible, so `t a = t v` means `a = v`). A row with table tag `g` (fixed) proves that
//! `(a, b, c)` is a row `(h, t[h], t[h+1])` of piecewise table `g` the same way.
//!
//! A chip asks for rows with [`Layout::row`], giving each advice cell as a copy of an earlier
//! [`Wire`] (an equality constraint), a new value, or nothing. A gate whose `qn` is set makes the
//! next row's `d` its output ([`Layout::row_into_next`]): the next row takes it in its `d` when
//! its own gate leaves `d` alone, so a chain of sums costs one row per three terms. The same
//! layout is built without values for key generation (every value `None`) and with them for
//! proving; its shape never depends on the values.
use crate::field::{fp, pow2, to_i128, Fp};
use ff::Field;
use std::collections::HashMap;

/// Bits a range-lookup limb holds.
pub const LIMB_BITS: u8 = 8;
/// The widest range check: a sum of limbs below `2^254` is below the Pasta modulus (`2^254 + ...`).
pub const MAX_RANGE_BITS: u32 = 254;

/// A cell of the advice columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pos {
    /// Row.
    pub row: u32,
    /// Column: 0..4 for `a, b, c, d`.
    pub col: u8,
}

/// A value placed in a cell.
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    /// Where it lives.
    pub pos: Pos,
    /// Its value (`None` when building for key generation).
    pub value: Option<Fp>,
}

impl Wire {
    /// The value as a small integer (`None` without a value or when it is not one).
    pub fn int(&self) -> Option<i128> {
        self.value.and_then(to_i128)
    }
}

/// What goes in an advice cell of a new row.
#[derive(Clone, Copy, Debug)]
pub enum Cell {
    /// Nothing (zero).
    Empty,
    /// A new value.
    New(Option<Fp>),
    /// The value of an earlier wire, constrained equal to it.
    Copy(Wire),
}

/// The gate's coefficients in one row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gate {
    /// Of `a`, `b`, `c`, `d`.
    pub q: [Fp; 4],
    /// Of `a b`.
    pub qm: Fp,
    /// Constant.
    pub qk: Fp,
    /// Of the next row's `d`.
    pub qn: Fp,
}

impl Gate {
    /// `sum q_i x_i + k = 0` over the row's cells.
    pub fn linear(q: [Fp; 4], k: Fp) -> Gate {
        Gate { q, qk: k, ..Gate::default() }
    }
}

/// One row's fixed columns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RowSpec {
    /// The gate.
    pub gate: Gate,
    /// Range-lookup tags of `a`, `b`, `c` (0: none, else the limb's bits).
    pub tags: [u8; 3],
    /// Piecewise-table tag (0: none, else the table's number).
    pub table: u32,
}

/// A piecewise table as lookup rows `(h, t[h], t[h+1])` for every knot `h`.
#[derive(Clone, Debug, PartialEq)]
pub struct LookupTable {
    /// The knot values.
    pub values: Vec<i64>,
}

/// The rows of a circuit, with or without values.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Whether values are kept (proving).
    pub witness: bool,
    /// Fixed columns, a row at a time.
    pub rows: Vec<RowSpec>,
    /// Advice values, a row at a time (empty unless `witness`).
    pub values: Vec<[Fp; 4]>,
    /// Equality constraints.
    pub copies: Vec<(Pos, Pos)>,
    /// Cells equal to a public input: (cell, instance row).
    pub public: Vec<(Pos, usize)>,
    /// The piecewise tables (table tag `g` is `tables[g - 1]`).
    pub tables: Vec<LookupTable>,
    /// Values missing while proving (a chip bug; the circuit refuses to prove).
    pub missing: usize,
    /// Rows by part of the circuit (see [`Layout::count`]).
    pub parts: std::collections::BTreeMap<&'static str, usize>,
    mark: usize,
    pending: Option<Wire>,
    constants: HashMap<[u8; 32], Wire>,
    table_ids: HashMap<Vec<i64>, u32>,
}

impl Layout {
    /// An empty layout: `witness` keeps values (proving) or not (key generation).
    pub fn new(witness: bool) -> Layout {
        Layout { witness, ..Layout::default() }
    }

    /// Rows so far (a pending `d` counts as the row it will need).
    pub fn len(&self) -> usize {
        self.rows.len() + usize::from(self.pending.is_some())
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn raw_row(&mut self, cells: [Cell; 4], spec: RowSpec) -> [Wire; 4] {
        let row = self.rows.len() as u32;
        let mut out = [Wire { pos: Pos { row, col: 0 }, value: None }; 4];
        for (col, cell) in cells.iter().enumerate() {
            let pos = Pos { row, col: col as u8 };
            let value = match *cell {
                Cell::Empty => Some(Fp::ZERO),
                Cell::New(v) => v,
                Cell::Copy(w) => {
                    if w.pos != pos {
                        self.copies.push((w.pos, pos));
                    }
                    w.value
                }
            };
            out[col] = Wire { pos, value: if self.witness { value } else { None } };
        }
        if self.witness {
            let vals = out.map(|w| w.value.unwrap_or(Fp::ZERO));
            self.missing += out.iter().filter(|w| w.value.is_none()).count();
            self.values.push(vals);
        }
        self.rows.push(spec);
        out
    }

    /// Places the pending `d` (the output of the previous row's `qn`) in a row of its own.
    fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            self.raw_row([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Copy(p)], RowSpec::default());
        }
    }

    /// Adds a row; returns its four cells.
    pub fn row(&mut self, mut cells: [Cell; 4], spec: RowSpec) -> [Wire; 4] {
        if let Some(p) = self.pending {
            let fits = match cells[3] {
                Cell::Empty => spec.gate.q[3] == Fp::ZERO,
                Cell::Copy(w) => w.pos == p.pos,
                Cell::New(_) => false,
            };
            if fits {
                cells[3] = Cell::Copy(p);
                self.pending = None;
            } else {
                self.flush();
            }
        }
        self.raw_row(cells, spec)
    }

    /// Adds a row whose gate (`qn` set) determines the next row's `d`, which holds `next`: returns
    /// the row's cells and that future cell.
    pub fn row_into_next(&mut self, cells: [Cell; 4], spec: RowSpec, next: Option<Fp>) -> ([Wire; 4], Wire) {
        let w = self.row(cells, spec);
        let row = self.rows.len() as u32;
        let out = Wire { pos: Pos { row, col: 3 }, value: if self.witness { next } else { None } };
        self.pending = Some(out);
        (w, out)
    }

    /// The first `rows` rows alone (tests: checking part of a long gadget).
    #[cfg(test)]
    pub(crate) fn truncate(&mut self, rows: usize) {
        let inside = |p: &Pos| (p.row as usize) < rows;
        self.rows.truncate(rows);
        self.values.truncate(rows);
        self.copies.retain(|(x, y)| inside(x) && inside(y));
        self.public.retain(|(x, _)| inside(x));
        self.pending = None;
    }

    /// Adds the rows made since the last count to `part`.
    pub fn count(&mut self, part: &'static str) {
        let now = self.len();
        *self.parts.entry(part).or_default() += now - self.mark;
        self.mark = now;
    }

    /// Ends the layout (places a pending cell).
    pub fn finish(&mut self) {
        self.flush();
    }

    /// A new free value in a cell of its own (constrained by whatever uses it).
    pub fn witness(&mut self, value: Option<Fp>) -> Wire {
        self.row([Cell::New(value), Cell::Empty, Cell::Empty, Cell::Empty], RowSpec::default())[0]
    }

    /// A cell fixed to `k` (one row per distinct constant).
    pub fn constant(&mut self, k: Fp) -> Wire {
        let key = ff::PrimeField::to_repr(&k);
        if let Some(w) = self.constants.get(&key) {
            return *w;
        }
        let gate = Gate::linear([Fp::ONE, Fp::ZERO, Fp::ZERO, Fp::ZERO], -k);
        let w = self
            .row([Cell::New(Some(k)), Cell::Empty, Cell::Empty, Cell::Empty], RowSpec { gate, ..RowSpec::default() })
            [0];
        self.constants.insert(key, w);
        w
    }

    /// `sum c_i x_i + k` as a wire. A lone term with coefficient 1 and no constant is the wire
    /// itself; otherwise one row per three terms, the result in the next row's `d`.
    pub fn lin(&mut self, terms: &[(Fp, Wire)], k: Fp) -> Wire {
        match terms {
            [] => self.constant(k),
            [(c, w)] if *c == Fp::ONE && k == Fp::ZERO => *w,
            _ => self.lin_rows(terms, k, None),
        }
    }

    /// [`Layout::lin`] whose result cell holds `value` when given (the evaluator's, when proving:
    /// the rows then check it), else the sum of the terms. Always rows of its own (a lone copy or
    /// no terms included), so that its shape is the same with and without values.
    pub fn lin_as(&mut self, terms: &[(Fp, Wire)], k: Fp, value: Option<Fp>) -> Wire {
        self.lin_rows(terms, k, value)
    }

    fn lin_rows(&mut self, terms: &[(Fp, Wire)], k: Fp, value: Option<Fp>) -> Wire {
        if terms.is_empty() {
            let v = if self.witness { value.or(Some(k)) } else { None };
            let gate = Gate::linear([Fp::ONE, Fp::ZERO, Fp::ZERO, Fp::ZERO], -k);
            return self
                .row([Cell::New(v), Cell::Empty, Cell::Empty, Cell::Empty], RowSpec { gate, ..RowSpec::default() })[0];
        }
        let last = terms.len().div_ceil(3) - 1;
        let mut acc: Option<Wire> = None;
        let mut sum = Some(k);
        for (i, chunk) in terms.chunks(3).enumerate() {
            let mut cells = [Cell::Empty; 4];
            let mut q = [Fp::ZERO; 4];
            for (j, (c, w)) in chunk.iter().enumerate() {
                cells[j] = Cell::Copy(*w);
                q[j] = *c;
                sum = sum.zip(w.value).map(|(s, v)| s + *c * v);
            }
            if let Some(a) = acc {
                cells[3] = Cell::Copy(a);
                q[3] = Fp::ONE;
            }
            let gate = Gate { q, qk: if i == 0 { k } else { Fp::ZERO }, qn: -Fp::ONE, ..Gate::default() };
            let out = if i == last { value.or(sum) } else { sum };
            acc = Some(self.row_into_next(cells, RowSpec { gate, ..RowSpec::default() }, out).1);
        }
        acc.unwrap_or_else(|| unreachable!("terms is not empty"))
    }

    /// Constrains `sum c_i x_i + k = 0`.
    pub fn assert_zero(&mut self, terms: &[(Fp, Wire)], k: Fp) {
        match terms.split_last() {
            None => {
                // a constant: 0 = k, i.e. a row that holds iff k is zero
                let gate = Gate::linear([Fp::ZERO; 4], k);
                self.row([Cell::Empty; 4], RowSpec { gate, ..RowSpec::default() });
            }
            Some((last, rest)) if rest.len() < 3 => {
                let mut cells = [Cell::Empty; 4];
                let mut q = [Fp::ZERO; 4];
                for (j, (c, w)) in terms.iter().enumerate() {
                    cells[j] = Cell::Copy(*w);
                    q[j] = *c;
                }
                let _ = last;
                self.row(cells, RowSpec { gate: Gate::linear(q, k), ..RowSpec::default() });
            }
            Some((last, rest)) => {
                let acc = self.lin(rest, k);
                self.assert_zero(&[(Fp::ONE, acc), *last], Fp::ZERO);
            }
        }
    }

    /// `x y` as a wire (one row).
    pub fn mul(&mut self, x: Wire, y: Wire) -> Wire {
        let v = x.value.zip(y.value).map(|(a, b)| a * b);
        let gate = Gate { q: [Fp::ZERO, Fp::ZERO, -Fp::ONE, Fp::ZERO], qm: Fp::ONE, ..Gate::default() };
        self.row([Cell::Copy(x), Cell::Copy(y), Cell::New(v), Cell::Empty], RowSpec { gate, ..RowSpec::default() })[2]
    }

    /// `x y` as a new wire holding `value` (the evaluator's, when proving; computed when `None`).
    pub fn mul_as(&mut self, x: Wire, y: Wire, value: Option<Fp>) -> Wire {
        let v = value.or_else(|| x.value.zip(y.value).map(|(a, b)| a * b));
        let gate = Gate { q: [Fp::ZERO, Fp::ZERO, -Fp::ONE, Fp::ZERO], qm: Fp::ONE, ..Gate::default() };
        self.row([Cell::Copy(x), Cell::Copy(y), Cell::New(v), Cell::Empty], RowSpec { gate, ..RowSpec::default() })[2]
    }

    /// New booleans, three a row (each a 1-bit range lookup).
    pub fn bits(&mut self, values: &[Option<Fp>]) -> Vec<Wire> {
        let mut out = Vec::with_capacity(values.len());
        for chunk in values.chunks(3) {
            let mut cells = [Cell::Empty; 4];
            let mut tags = [0u8; 3];
            for (j, v) in chunk.iter().enumerate() {
                cells[j] = Cell::New(*v);
                tags[j] = 1;
            }
            let w = self.row(cells, RowSpec { tags, ..RowSpec::default() });
            out.extend_from_slice(&w[..chunk.len()]);
        }
        out
    }

    /// `sum_i x_i y_i` as a wire: one row a product, accumulated in `d`; `value` as in
    /// [`Layout::lin_as`].
    pub fn dot(&mut self, pairs: &[(Wire, Wire)], value: Option<Fp>) -> Wire {
        let mut acc: Option<Wire> = None;
        let mut sum = Some(Fp::ZERO);
        for (i, (x, y)) in pairs.iter().enumerate() {
            sum = sum.zip(x.value).zip(y.value).map(|((s, a), b)| s + a * b);
            let (d, qd) = match acc {
                Some(a) => (Cell::Copy(a), Fp::ONE),
                None => (Cell::Empty, Fp::ZERO),
            };
            let gate = Gate { q: [Fp::ZERO, Fp::ZERO, Fp::ZERO, qd], qm: Fp::ONE, qn: -Fp::ONE, ..Gate::default() };
            let cells = [Cell::Copy(*x), Cell::Copy(*y), Cell::Empty, d];
            let out = if i + 1 == pairs.len() { value.or(sum) } else { sum };
            acc = Some(self.row_into_next(cells, RowSpec { gate, ..RowSpec::default() }, out).1);
        }
        acc.unwrap_or_else(|| self.lin_as(&[], Fp::ZERO, value))
    }

    /// Constrains `x y = 0` (one row).
    pub fn assert_product_zero(&mut self, x: Wire, y: Wire) {
        let gate = Gate { qm: Fp::ONE, ..Gate::default() };
        self.row([Cell::Copy(x), Cell::Copy(y), Cell::Empty, Cell::Empty], RowSpec { gate, ..RowSpec::default() });
    }

    /// A lookup row: `(h, t[h], t[h+1])` of piecewise table `g` (1-based), `h` copied in `a` (and
    /// `d`), the two knot values new. Returns `(t[h], t[h+1])`.
    pub fn table_row(&mut self, g: u32, h: Wire, t: (Option<Fp>, Option<Fp>)) -> (Wire, Wire) {
        let cells = [Cell::Copy(h), Cell::New(t.0), Cell::New(t.1), Cell::Copy(h)];
        let w = self.row(cells, RowSpec { table: g, ..RowSpec::default() });
        (w[1], w[2])
    }

    /// `x y + c z + k` as a wire (one row; the result is the next row's `d`).
    pub fn mul_add(&mut self, (x, y): (Wire, Wire), (c, z): (Fp, Wire), k: Fp) -> Wire {
        let v = x.value.zip(y.value).zip(z.value).map(|((a, b), z)| a * b + c * z + k);
        let gate = Gate { q: [Fp::ZERO, Fp::ZERO, c, Fp::ZERO], qm: Fp::ONE, qk: k, qn: -Fp::ONE };
        let cells = [Cell::Copy(x), Cell::Copy(y), Cell::Copy(z), Cell::Empty];
        self.row_into_next(cells, RowSpec { gate, ..RowSpec::default() }, v).1
    }

    /// Constrains two wires to be equal (a copy constraint, no row).
    pub fn assert_equal(&mut self, x: Wire, y: Wire) {
        if x.pos != y.pos {
            self.copies.push((x.pos, y.pos));
        }
    }

    /// Makes `w` public input number `index`.
    pub fn public(&mut self, w: Wire, index: usize) {
        self.public.push((w.pos, index));
    }

    /// Decomposes `x + offset` into limbs of the given widths (each at most [`LIMB_BITS`]),
    /// little-endian, each range-looked-up: proves `0 <= x + offset < 2^(sum of widths)` (the
    /// sum is at most [`MAX_RANGE_BITS`], so it cannot wrap the field). Returns the limbs. One row
    /// per three limbs.
    pub fn decompose(&mut self, x: Wire, offset: Fp, widths: &[u8]) -> Vec<Wire> {
        self.split(Cell::Copy(x), offset, widths, None).1
    }

    /// The 32 byte limbs (the last of 7 bits) of a field element: 255 bits, which do NOT make the
    /// decomposition unique (`x` and `x + p` both fit): the caller must prove it canonical.
    pub fn decompose_field_element(&mut self, x: Wire) -> Vec<Wire> {
        let mut widths = vec![8u8; 31];
        widths.push(7);
        self.split_bits(Cell::Copy(x), Fp::ZERO, &widths, None, 255).1
    }

    /// A new value `v` range-checked to `bits` signed bits (`-2^(bits-1) <= v < 2^(bits-1)`).
    pub fn alloc_signed(&mut self, v: Option<Fp>, bits: u8) -> Wire {
        self.split(Cell::New(v), pow2(bits as u32 - 1), &limb_widths(bits), None).0
    }

    /// A new value range-checked to `[0, 2^bits)`.
    pub fn alloc_unsigned(&mut self, v: Option<Fp>, bits: u8) -> Wire {
        self.split(Cell::New(v), Fp::ZERO, &limb_widths(bits), None).0
    }

    /// `x + offset = sum_i limb_i 2^(p_i) + 2^S high` with the limbs range-looked-up to `widths`
    /// (`S` their sum). With `high = None` the high part is proven zero (a range check); with
    /// `Some(h)` it is a new wire holding `h` (the rescale's quotient: `x + offset` need not be
    /// non-negative), constrained only by this equation, and the limbs are `x + offset - 2^S h`'s.
    /// Returns `x`'s cell, the limbs and the high part (`x` itself when `high` is `None`).
    pub fn split(&mut self, x: Cell, offset: Fp, widths: &[u8], high: Option<Option<Fp>>) -> (Wire, Vec<Wire>, Wire) {
        self.split_bits(x, offset, widths, high, MAX_RANGE_BITS)
    }

    fn split_bits(
        &mut self,
        x: Cell,
        offset: Fp,
        widths: &[u8],
        high: Option<Option<Fp>>,
        max_bits: u32,
    ) -> (Wire, Vec<Wire>, Wire) {
        // the chips derive widths from a validated model: a violation is a bug, never input
        assert!(
            widths.iter().all(|&w| (1..=LIMB_BITS).contains(&w)),
            "limb widths {widths:?}: each must be 1 to {LIMB_BITS}"
        );
        if widths.is_empty() {
            // a zero-width range: x + offset is the high part, or zero
            let xw = match x {
                Cell::Copy(w) => w,
                Cell::New(v) => self.witness(v),
                Cell::Empty => self.constant(Fp::ZERO),
            };
            return match high {
                Some(h) => (xw, Vec::new(), self.lin_as(&[(Fp::ONE, xw)], offset, h)),
                None => {
                    self.assert_zero(&[(Fp::ONE, xw)], offset);
                    (xw, Vec::new(), xw)
                }
            };
        }
        let total_bits: u32 = widths.iter().map(|&w| w as u32).sum();
        assert!(total_bits <= max_bits, "a {total_bits}-bit decomposition could wrap the field (at most {max_bits})");
        let x_value = match x {
            Cell::Empty => Some(Fp::ZERO),
            Cell::New(v) => v,
            Cell::Copy(w) => w.value,
        };
        let total: u32 = widths.iter().map(|&w| w as u32).sum();
        // the part to decompose as an integer (a value that is not one gets zero limbs, which
        // the rows then refuse)
        let low_part = |u: Fp| match high {
            Some(h) => h.map(|h| u - h * pow2(total)),
            None => Some(u),
        };
        // signed (floor) limbs when a high part is split off, else the canonical integer's
        let low: Option<Int> = x_value.map(|v| v + offset).and_then(low_part).map(|u| Int::of(u, high.is_some()));
        let mut pos = 0u32;
        let chunks: Vec<&[u8]> = widths.chunks(3).collect();
        let (mut cur, mut first, mut limbs) = (x, None, Vec::with_capacity(widths.len()));
        // the value of what the current row decomposes (x + offset in row 0)
        let mut cur_value = x_value.map(|v| v + offset);
        for (i, chunk) in chunks.iter().enumerate() {
            let mut cells = [Cell::Empty, Cell::Empty, Cell::Empty, cur];
            let mut q = [Fp::ZERO, Fp::ZERO, Fp::ZERO, -Fp::ONE];
            let mut tags = [0u8; 3];
            let mut shift = 0u32;
            for (j, &w) in chunk.iter().enumerate() {
                let limb = low.as_ref().map(|v| v.bits(pos + shift, w));
                cur_value = cur_value.zip(limb).map(|(c, l)| c - fp(l) * pow2(shift));
                cells[j] = Cell::New(limb.map(fp));
                q[j] = pow2(shift);
                tags[j] = w;
                shift += w as u32;
            }
            pos += shift;
            let last = i + 1 == chunks.len();
            let inv = Option::<Fp>::from(pow2(shift).invert()).unwrap_or(Fp::ZERO);
            cur_value = cur_value.map(|c| c * inv);
            let next = match (last, high) {
                (false, _) => Some(cur_value),
                (true, Some(h)) => Some(h),
                (true, None) => None,
            };
            let k = if i == 0 { -offset } else { Fp::ZERO };
            let gate = Gate { q, qk: k, qn: if next.is_some() { pow2(shift) } else { Fp::ZERO }, ..Gate::default() };
            let spec = RowSpec { gate, tags, table: 0 };
            let w = match next {
                Some(n) => {
                    let (w, n) = self.row_into_next(cells, spec, n);
                    cur = Cell::Copy(n);
                    w
                }
                None => self.row(cells, spec),
            };
            first.get_or_insert(w[3]);
            limbs.extend_from_slice(&w[..chunk.len()]);
        }
        let x = first.unwrap_or_else(|| unreachable!("widths are not empty (handled above)"));
        let high = match cur {
            Cell::Copy(h) if high.is_some() => h,
            _ => x,
        };
        (x, limbs, high)
    }

    /// The number of a piecewise table (registered on first use).
    pub fn table_id(&mut self, values: &[i64]) -> u32 {
        if let Some(&g) = self.table_ids.get(values) {
            return g;
        }
        self.tables.push(LookupTable { values: values.to_vec() });
        let g = self.tables.len() as u32;
        self.table_ids.insert(values.to_vec(), g);
        g
    }

    /// Rows the lookup tables need: the range table, and every piecewise table's knots plus the
    /// all-zero row.
    pub fn table_rows(&self) -> usize {
        let range = crate::circuit::range_table().len();
        let pieces = 1 + self.tables.iter().map(|t| t.values.len() - 1).sum::<usize>();
        range.max(pieces)
    }
}

/// A value to decompose: a small integer (negative ones in two's complement, as floor division
/// wants), or a field element's canonical integer.
enum Int {
    Small(i128),
    Big([u8; 32]),
}

impl Int {
    /// `f` as a small integer when it is one (negative ones only if `signed`), else canonical.
    fn of(f: Fp, signed: bool) -> Int {
        match to_i128(f) {
            Some(v) if v >= 0 || signed => Int::Small(v),
            _ => Int::Big(ff::PrimeField::to_repr(&f)),
        }
    }

    /// Bits `[from, from + w)` (`w <= 8`).
    fn bits(&self, from: u32, w: u8) -> i128 {
        let mask = (1i128 << w) - 1;
        match self {
            Int::Small(v) => v.checked_shr(from).unwrap_or(if *v < 0 { -1 } else { 0 }) & mask,
            Int::Big(le) => {
                let byte = |i: u32| le.get(i as usize).copied().unwrap_or(0) as i128;
                let (i, off) = (from / 8, from % 8);
                ((byte(i) | (byte(i + 1) << 8)) >> off) & mask
            }
        }
    }
}

/// Widths of the limbs of a `bits`-bit range check: full limbs, then the rest.
pub fn limb_widths(bits: u8) -> Vec<u8> {
    let mut v = vec![LIMB_BITS; (bits / LIMB_BITS) as usize];
    if bits % LIMB_BITS != 0 {
        v.push(bits % LIMB_BITS);
    }
    v
}
