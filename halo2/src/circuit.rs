//! The halo2 circuit of a [`Layout`]: its columns, the one gate, the two lookups, and the
//! assignment of the layout's rows (see `crate::layout` for what each column constrains).
use crate::field::{fp, Fp};
use crate::layout::{Layout, LIMB_BITS};
use ff::Field;
use halo2_proofs::circuit::{Cell as H2Cell, Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Expression, Fixed, Instance, TableColumn};
use halo2_proofs::poly::Rotation;
use std::sync::Arc;

/// The columns.
#[derive(Clone, Debug)]
pub struct Config {
    advice: [Column<Advice>; 4],
    /// `qa, qb, qc, qd, qm, qk, qn`.
    coeff: [Column<Fixed>; 7],
    /// Range tags of `a, b, c`.
    tags: [Column<Fixed>; 3],
    /// Piecewise-table tag.
    table_tag: Column<Fixed>,
    range_table: [TableColumn; 2],
    piece_table: [TableColumn; 4],
    instance: Column<Instance>,
}

/// The range table's rows `(t, t v)`: `(0, 0)`, then every `v < 2^t` for `t` in `1..=LIMB_BITS`.
pub fn range_table() -> Vec<(u8, u32)> {
    let mut rows = vec![(0u8, 0u32)];
    for t in 1..=LIMB_BITS {
        rows.extend((0..1u32 << t).map(|v| (t, v)));
    }
    rows
}

/// A model's circuit: its layout (with values when proving).
#[derive(Clone, Debug)]
pub struct LayoutCircuit {
    /// The rows.
    pub layout: Arc<Layout>,
}

impl Circuit<Fp> for LayoutCircuit {
    type Config = Config;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Config {
        let advice = [(); 4].map(|_| meta.advice_column());
        let coeff = [(); 7].map(|_| meta.fixed_column());
        let tags = [(); 3].map(|_| meta.fixed_column());
        let table_tag = meta.fixed_column();
        let range_table = [(); 2].map(|_| meta.lookup_table_column());
        let piece_table = [(); 4].map(|_| meta.lookup_table_column());
        let instance = meta.instance_column();
        for col in advice {
            meta.enable_equality(col);
        }
        meta.enable_equality(instance);

        meta.create_gate("arith", |m| {
            let [a, b, c, d] = advice.map(|col| m.query_advice(col, Rotation::cur()));
            let d_next = m.query_advice(advice[3], Rotation::next());
            let [qa, qb, qc, qd, qm, qk, qn] = coeff.map(|col| m.query_fixed(col));
            vec![qa * a.clone() + qb * b.clone() + qc * c + qd * d + qm * a * b + qk + qn * d_next]
        });
        for (i, tag) in tags.iter().enumerate() {
            meta.lookup(|m| {
                let t = m.query_fixed(*tag);
                let x = m.query_advice(advice[i], Rotation::cur());
                vec![(t.clone(), range_table[0]), (t * x, range_table[1])]
            });
        }
        meta.lookup(|m| {
            let g = m.query_fixed(table_tag);
            let cells: Vec<Expression<Fp>> = advice[..3].iter().map(|c| m.query_advice(*c, Rotation::cur())).collect();
            let mut map = vec![(g.clone(), piece_table[0])];
            for (x, col) in cells.into_iter().zip(&piece_table[1..]) {
                map.push((g.clone() * x, *col));
            }
            map
        });
        Config { advice, coeff, tags, table_tag, range_table, piece_table, instance }
    }

    fn synthesize(&self, config: Config, mut layouter: impl Layouter<Fp>) -> Result<(), Error> {
        let layout = &self.layout;
        assign_tables(&config, layout, &mut layouter)?;
        let cells = layouter.assign_region(
            || "model",
            |mut region| {
                let mut cells: Vec<[Option<H2Cell>; 4]> = Vec::with_capacity(layout.rows.len());
                for (r, spec) in layout.rows.iter().enumerate() {
                    let g = &spec.gate;
                    let coeffs = [g.q[0], g.q[1], g.q[2], g.q[3], g.qm, g.qk, g.qn];
                    for (col, v) in config.coeff.iter().zip(coeffs) {
                        if v != Fp::ZERO {
                            region.assign_fixed(|| "q", *col, r, || Value::known(v))?;
                        }
                    }
                    for (col, &t) in config.tags.iter().zip(&spec.tags) {
                        if t != 0 {
                            region.assign_fixed(|| "tag", *col, r, || Value::known(Fp::from(t as u64)))?;
                        }
                    }
                    if spec.table != 0 {
                        region.assign_fixed(
                            || "table",
                            config.table_tag,
                            r,
                            || Value::known(Fp::from(spec.table as u64)),
                        )?;
                    }
                    let mut row = [None; 4];
                    for (c, col) in config.advice.iter().enumerate() {
                        let v = match layout.values.get(r) {
                            Some(vals) if layout.witness => Value::known(vals[c]),
                            _ => Value::unknown(),
                        };
                        row[c] = Some(region.assign_advice(|| "x", *col, r, || v)?.cell());
                    }
                    cells.push(row);
                }
                let at = |p: crate::layout::Pos| {
                    cells.get(p.row as usize).and_then(|r| r[p.col as usize]).ok_or(Error::Synthesis)
                };
                for &(x, y) in &layout.copies {
                    region.constrain_equal(at(x)?, at(y)?)?;
                }
                layout.public.iter().map(|&(p, i)| Ok((at(p)?, i))).collect::<Result<Vec<_>, Error>>()
            },
        )?;
        for (cell, i) in cells {
            layouter.constrain_instance(cell, config.instance, i)?;
        }
        Ok(())
    }
}

fn assign_tables(config: &Config, layout: &Layout, layouter: &mut impl Layouter<Fp>) -> Result<(), Error> {
    layouter.assign_table(
        || "range",
        |mut table| {
            for (i, (t, v)) in range_table().into_iter().enumerate() {
                let t = Fp::from(t as u64);
                table.assign_cell(|| "t", config.range_table[0], i, || Value::known(t))?;
                table.assign_cell(|| "tv", config.range_table[1], i, || Value::known(t * Fp::from(v as u64)))?;
            }
            Ok(())
        },
    )?;
    layouter.assign_table(
        || "piecewise",
        |mut table| {
            let mut i = 0;
            let mut put = |row: [Fp; 4]| -> Result<(), Error> {
                for (col, v) in config.piece_table.iter().zip(row) {
                    table.assign_cell(|| "piece", *col, i, || Value::known(v))?;
                }
                i += 1;
                Ok(())
            };
            put([Fp::ZERO; 4])?;
            for (g, t) in layout.tables.iter().enumerate() {
                let g = Fp::from(g as u64 + 1);
                for (h, pair) in t.values.windows(2).enumerate() {
                    put([g, g * Fp::from(h as u64), g * fp(pair[0] as i128), g * fp(pair[1] as i128)])?;
                }
            }
            Ok(())
        },
    )
}
