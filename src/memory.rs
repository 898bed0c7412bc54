//! The memory a run may use, and what to say when it would use more.
//!
//! A run is given a budget (`parliament run --max-memory`, default
//! [`DEFAULT_RUN_BUDGET`]). Every so often the engine compares the process's
//! resident memory (on Linux, `VmRSS` from `/proc/self/status`; elsewhere its
//! own estimate of what it keeps) with the budget; past it, the run stops
//! cleanly — the trace gets its `end` line with reason `memory-limit` — and
//! the report says what grew: the client history, the facts, the event queue.

use std::fmt;

/// The budget of `parliament run` unless `--max-memory` says otherwise.
pub const DEFAULT_RUN_BUDGET: u64 = 4 << 30;

/// The resident memory of this process in bytes, where the system says it.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// One thing a run keeps that grows with its length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub what: &'static str,
    /// Estimated bytes.
    pub bytes: u64,
    /// How many of what it holds ("2,000 operations").
    pub detail: String,
}

/// Why a run stopped at its memory budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overrun {
    pub budget: u64,
    /// Resident memory when the run stopped (or the estimate, without one).
    pub used: u64,
    /// What the run keeps, largest first.
    pub parts: Vec<Part>,
}

impl fmt::Display for Overrun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the run reached {} of memory, past its budget of {}; ",
            human_bytes(self.used),
            human_bytes(self.budget)
        )?;
        let tracked: u64 = self.parts.iter().map(|p| p.bytes).sum();
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| format!("{} {} ({})", p.what, human_bytes(p.bytes), p.detail))
            .collect();
        write!(f, "what grew: {}", parts.join(", "))?;
        write!(
            f,
            ", the rest (node state, network, program) {}",
            human_bytes(self.used.saturating_sub(tracked))
        )
    }
}

/// Bytes as a person reads them: `512 B`, `3.2 MiB`, `1.5 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_a_person_reads_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
        assert_eq!(human_bytes(3 << 29), "1.5 GiB");
    }

    #[test]
    fn resident_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let r = resident_bytes().expect("VmRSS");
            assert!(r > 1 << 20, "{r}");
        }
    }
}
