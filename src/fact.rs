//! Protocol facts: what a node did that a checker, a diagram or a narration needs.
//!
//! A protocol states a fact through `Ctx::note` at the moment it happens; the engine
//! writes it into the trace. Checkers are functions over these facts, so they work
//! the same on a live run, a replayed trace and a trace read from a file.

use crate::ballot::Ballot;
use crate::value::Value;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    /// An acceptor promised not to answer prepares ≤ `ballot` nor accept < `ballot`.
    Promised { ballot: Ballot },
    /// An acceptor accepted `value` in proposal `ballot`.
    Accepted { ballot: Ballot, value: Value },
    /// A proposer sent accept(`ballot`, `value`) (phase 2a): the value it proposes,
    /// its own or the highest-numbered one reported to it.
    Proposed {
        ballot: Ballot,
        value: Value,
        adopted: bool,
    },
    /// A learner (or a proposer that counted a majority of accepts) learned `value`.
    Learned { value: Value },
}

impl Fact {
    pub fn name(&self) -> &'static str {
        match self {
            Fact::Promised { .. } => "promised",
            Fact::Accepted { .. } => "accepted",
            Fact::Proposed { .. } => "proposed",
            Fact::Learned { .. } => "learned",
        }
    }
}
