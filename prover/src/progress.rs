//! Progress on stderr for steps that can take over a second (hidden when stderr is not a terminal).
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

/// A spinner for one step; `finish` prints the elapsed time.
pub struct Step {
    bar: ProgressBar,
    start: Instant,
    label: String,
}

impl Step {
    /// Starts a step.
    pub fn start(label: &str) -> Step {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        Step { bar, start: Instant::now(), label: label.to_string() }
    }

    /// Ends the step; returns its duration.
    pub fn finish(self) -> Duration {
        let d = self.start.elapsed();
        self.bar.finish_and_clear();
        if !self.bar.is_hidden() {
            eprintln!("{} done in {:.2?}", self.label, d);
        }
        d
    }
}
