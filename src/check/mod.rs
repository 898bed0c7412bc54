//! Checkers: functions over what a run recorded (facts, replies, histories) that
//! say whether a property held, and if not, which events prove it.
//!
//! Checkers read facts and histories only; none of them imports the engine.

pub mod bench;
pub mod commit;
pub mod consensus;
pub mod election;
pub(crate) mod fxhash;
pub mod ghost;
pub mod linearizability;
pub mod log_safety;
pub mod logs;
pub mod models;

use crate::fact::{FactKind, FactKinds};
use crate::named::{NameRow, Named};
use serde::{Serialize, Serializer};

/// The checks a scenario can ask for. Each protocol lists the ones it supports;
/// with no `checks` in a scenario, every one that applies runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckKind {
    Agreement,
    Validity,
    Linearizability,
    Ghost,
    LogSafety,
    ElectionSafety,
    LogMatching,
    LeaderCompleteness,
    Atomicity,
    Conservation,
    Blocking,
}

impl Named for CheckKind {
    const TABLE: &'static [NameRow<CheckKind>] = &[
        NameRow {
            value: CheckKind::Agreement,
            name: "agreement",
            about: "at most one value is chosen (a majority accepted it in one ballot)",
        },
        NameRow {
            value: CheckKind::Validity,
            name: "validity",
            about: "a chosen value is one that some client proposed",
        },
        NameRow {
            value: CheckKind::Linearizability,
            name: "linearizability",
            about: "what the clients saw could have happened on one copy, in real-time order",
        },
        NameRow {
            value: CheckKind::Ghost,
            name: "ghost",
            about: "no write missing from a read reappears in a later read (seed 002)",
        },
        NameRow {
            value: CheckKind::LogSafety,
            name: "log-safety",
            about: "no log index committed with two commands; every replica applies a prefix \
                    of one sequence",
        },
        NameRow {
            value: CheckKind::ElectionSafety,
            name: "election-safety",
            about: "at most one leader is elected in a term (Raft, Figure 3)",
        },
        NameRow {
            value: CheckKind::LogMatching,
            name: "log-matching",
            about: "two logs holding an entry with the same index and term are identical up to \
                    it (Raft, Figure 3)",
        },
        NameRow {
            value: CheckKind::LeaderCompleteness,
            name: "leader-completeness",
            about: "a committed entry is in the log of every leader of a later term (Raft, \
                    Figure 3)",
        },
        NameRow {
            value: CheckKind::Atomicity,
            name: "atomicity",
            about: "no participant commits a transaction another aborts; commit only if every \
                    participant voted Yes",
        },
        NameRow {
            value: CheckKind::Conservation,
            name: "conservation",
            about: "the sum of all balances is unchanged after every completed transaction and \
                    in the final state (seed 000 §2)",
        },
        NameRow {
            value: CheckKind::Blocking,
            name: "blocking",
            about: "a report, never a violation: how long each participant stayed prepared and \
                    uncertain, holding its locks",
        },
    ];
}

/// What a check reads, and so when it applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Protocol facts only: applies to every run of a protocol that lists it.
    Facts,
    /// The clients' history: needs a `workload`.
    History,
    /// A history whose written elements are unique: an append or set workload.
    UniqueElements,
}

impl CheckKind {
    pub fn needs(self) -> Needs {
        match self {
            CheckKind::Agreement
            | CheckKind::Validity
            | CheckKind::LogSafety
            | CheckKind::ElectionSafety
            | CheckKind::LogMatching
            | CheckKind::LeaderCompleteness
            | CheckKind::Atomicity
            | CheckKind::Conservation
            | CheckKind::Blocking => Needs::Facts,
            CheckKind::Linearizability => Needs::History,
            CheckKind::Ghost => Needs::UniqueElements,
        }
    }
}

impl CheckKind {
    /// The kinds of fact the check reads (the ghost check reads the epochs
    /// writes were stored and reads served in); a run keeps only these.
    pub fn reads(self) -> FactKinds {
        use FactKind as F;
        match self {
            CheckKind::Agreement => FactKinds::of(&[F::Accepted, F::Learned]),
            CheckKind::Validity => FactKinds::of(&[F::Accepted]),
            CheckKind::Ghost => FactKinds::of(&[F::Applied, F::Stored, F::Served]),
            // An installed snapshot continues a replica's applied sequence.
            CheckKind::LogSafety => {
                FactKinds::of(&[F::Committed, F::Applied, F::SnapshotInstalled])
            }
            CheckKind::ElectionSafety => FactKinds::of(&[F::Leading]),
            CheckKind::LogMatching | CheckKind::LeaderCompleteness => FactKinds::of(&[
                F::Appended,
                F::SnapshotInstalled,
                F::Applied,
                F::Committed,
                F::Leading,
            ]),
            CheckKind::Atomicity | CheckKind::Conservation | CheckKind::Blocking => {
                commit::facts_read()
            }
            CheckKind::Linearizability => FactKinds::NONE,
        }
    }
}

impl Serialize for CheckKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckVerdict {
    /// The property held (written "ok").
    #[serde(rename = "ok")]
    Holds,
    Violated,
    /// The check could not decide (e.g. its time budget ran out).
    Unknown,
}

impl CheckVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckVerdict::Holds => "ok",
            CheckVerdict::Violated => "violated",
            CheckVerdict::Unknown => "unknown",
        }
    }
}

/// A check's verdict with the evidence a person needs to believe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub check: CheckKind,
    pub verdict: CheckVerdict,
    /// One line per piece of evidence (the events that prove a violation).
    pub evidence: Vec<String>,
}

impl CheckReport {
    /// A safety check's report: it holds exactly when there is no evidence
    /// against it.
    pub fn from_evidence(check: CheckKind, evidence: Vec<String>) -> CheckReport {
        CheckReport {
            check,
            verdict: if evidence.is_empty() {
                CheckVerdict::Holds
            } else {
                CheckVerdict::Violated
            },
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_check_table_is_sound() {
        crate::named::assert_table_sound::<super::CheckKind>();
    }
}
