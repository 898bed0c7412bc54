//! Benchmark results, shared by the engine and checker benchmarks.

use serde::Serialize;

/// One benchmark case: the median of several timed runs.
#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    pub name: String,
    /// Work done per run: engine events, or history events for checker cases.
    pub events: u64,
    /// Median wall-clock seconds per run.
    pub seconds: f64,
    pub events_per_sec: f64,
    /// Every run's seconds, in the order they ran.
    pub samples: Vec<f64>,
    /// Case-specific facts (verdicts, baselines), printed after the numbers.
    pub notes: Vec<String>,
}

impl BenchResult {
    pub fn from_samples(name: impl Into<String>, events: u64, mut samples: Vec<f64>) -> Self {
        let ordered = {
            let mut s = samples.clone();
            s.sort_by(f64::total_cmp);
            s
        };
        let seconds = median(&ordered);
        samples.shrink_to_fit();
        BenchResult {
            name: name.into(),
            events,
            seconds,
            events_per_sec: if seconds > 0.0 {
                events as f64 / seconds
            } else {
                0.0
            },
            samples,
            notes: Vec::new(),
        }
    }
}

/// Median of sorted samples (mean of the middle two for an even count).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
