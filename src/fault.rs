//! Scheduled faults: crashes, restarts, partitions, cuts and heals at a time.

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
    Partition(Vec<NodeSet>),
    Cut { from: NodeSet, to: NodeSet },
    Heal,
}
