//! Scheduled faults: crashes, restarts, pauses, resumes, partitions, cuts and
//! heals at a time.

use crate::ids::{NodeId, NodeSet};
use crate::time::Time;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub at: Time,
    pub action: FaultAction,
    /// Index in the file's `faults` list.
    pub index: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    Crash(NodeId),
    Restart(NodeId),
    /// The node handles nothing (messages, timers, requests, disk completions
    /// wait) until resumed; it keeps every bit of its state.
    Pause(NodeId),
    Resume(NodeId),
    Partition(Vec<NodeSet>),
    Cut {
        from: NodeSet,
        to: NodeSet,
    },
    Heal,
}
