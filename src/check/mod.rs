//! Checkers: functions over what a run recorded (facts, replies, histories) that
//! say whether a property held, and if not, which events prove it.

pub mod bench;
pub mod consensus;
mod fxhash;
pub mod ghost;
pub mod linearizability;
pub mod log_safety;
pub mod models;

use serde::Serialize;

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Violated,
    /// The check could not decide (e.g. its time budget ran out).
    Unknown,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Violated => "violated",
            Verdict::Unknown => "unknown",
        }
    }
}

/// A check's verdict with the evidence a person needs to believe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Stable identifier: "agreement", "validity", "linearizability", "ghost", ...
    pub name: String,
    pub verdict: Verdict,
    /// One line per piece of evidence (the events that prove a violation).
    pub evidence: Vec<String>,
}
