//! The nodes of a scenario as a protocol sees them: ids, names and roles.
//!
//! Roles are rows of the protocol's own role table ([`crate::protocol::RoleRow`]);
//! a node holds them as a small bit set, so this module knows no protocol.

use crate::ids::NodeId;

/// The roles one node plays: bit i is row i of its protocol's role table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(pub u32);

impl RoleSet {
    pub fn contains(self, row: usize) -> bool {
        row < 32 && self.0 >> row & 1 == 1
    }

    pub fn insert(&mut self, row: usize) {
        self.0 |= 1 << row;
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNode {
    pub id: NodeId,
    pub name: String,
    pub roles: RoleSet,
}

/// The scenario's nodes in file order; node i has id i.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cluster {
    pub nodes: Vec<ClusterNode>,
}

impl Cluster {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn name(&self, id: NodeId) -> &str {
        &self.nodes[id.index()].name
    }

    pub fn id(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().find(|n| n.name == name).map(|n| n.id)
    }

    /// The nodes playing role row `row`, in node order.
    pub fn with_role(&self, row: usize) -> Vec<NodeId> {
        self.nodes
            .iter()
            .filter(|n| n.roles.contains(row))
            .map(|n| n.id)
            .collect()
    }
}
