//! Where a proof's time goes: wall time per phase, in the order the phases ran.
//!
//! The CLI's `prove --timings` prints them; the benchmarks report them beside the MSM and FFT floor.
use std::time::{Duration, Instant};

/// Wall time of each phase, in the order they ran. A phase timed twice adds up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    /// Runs `f` and adds its wall time to `phase`.
    pub fn time<T>(&mut self, phase: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.add(phase, start.elapsed());
        out
    }

    /// Adds `d` to `phase` (a new phase goes last).
    pub fn add(&mut self, phase: &'static str, d: Duration) {
        match self.0.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, t)) => *t += d,
            None => self.0.push((phase, d)),
        }
    }

    /// The phases, in order.
    pub fn phases(&self) -> &[(&'static str, Duration)] {
        &self.0
    }

    /// The sum of all phases.
    pub fn total(&self) -> Duration {
        self.0.iter().map(|(_, d)| *d).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_keep_their_order_and_repeated_phases_add_up() {
        let mut t = Timings::default();
        t.add("load", Duration::from_millis(5));
        t.add("msm", Duration::from_millis(7));
        t.add("load", Duration::from_millis(3));
        let v = t.time("write", || 42);
        assert_eq!(v, 42);
        let names: Vec<_> = t.phases().iter().map(|(p, _)| *p).collect();
        assert_eq!(names, ["load", "msm", "write"]);
        assert_eq!(t.phases()[0].1, Duration::from_millis(8));
        assert!(t.total() >= Duration::from_millis(15));
    }
}
