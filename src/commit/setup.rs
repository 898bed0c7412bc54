//! Configuring a commit protocol: its coordinator and participants, its
//! timeouts, and what it answers a request it cannot run.

use crate::bank::{Bank, BankParams};
use crate::check::CheckKind;
use crate::error::InputError;
use crate::ids::NodeId;
use crate::op::Reply;
use crate::protocol::{OutcomeWord, Protocol, RoleRow, Setup};

/// The checks every commit protocol runs.
pub const CHECKS: &[CheckKind] = &[
    CheckKind::Atomicity,
    CheckKind::Conservation,
    CheckKind::Blocking,
];

/// The outcome words of a commit protocol's `expect`.
pub const OUTCOMES: &[OutcomeWord] = &[OutcomeWord::Decision, OutcomeWord::Blocked];

/// The roles of a commit protocol with one coordinator (`2pc`, `3pc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Coordinator,
    Participant,
}

pub const COORDINATOR: RoleRow<Role> = RoleRow {
    role: Role::Coordinator,
    name: "coordinator",
    plural: "coordinators",
    prefix: "C",
};

pub const PARTICIPANT: RoleRow<Role> = RoleRow {
    role: Role::Participant,
    name: "participant",
    plural: "participants",
    prefix: "P",
};

/// A commit protocol's nodes and bank, validated.
#[derive(Clone, Debug)]
pub struct CommitSetup {
    pub coordinators: Vec<NodeId>,
    pub participants: Vec<NodeId>,
    pub bank: Bank,
}

/// Validates a commit protocol's common parts, in this order: the roles
/// ([`commit_roles`]), each `(params path, ticks)` timeout ([`positive`]),
/// and the bank with every scripted transfer planned.
pub fn configure<P: Protocol>(
    setup: &Setup<'_, P>,
    coordinator: P::Role,
    participant: P::Role,
    timeouts: &[(&str, u64)],
    bank: &BankParams,
) -> Result<CommitSetup, InputError> {
    let (coordinators, participants) = commit_roles(setup, coordinator, participant)?;
    for &(path, t) in timeouts {
        positive(setup, path, t)?;
    }
    let bank = Bank::configure(setup, bank, &coordinators, &participants)?;
    Ok(CommitSetup {
        coordinators,
        participants,
        bank,
    })
}

/// The coordinator and the participants of a commit protocol. Nodes listed
/// without roles are participants; when no node is a coordinator, the first
/// node listed is (and is then no participant).
pub fn commit_roles<P: Protocol>(
    setup: &Setup<'_, P>,
    coordinator: P::Role,
    participant: P::Role,
) -> Result<(Vec<NodeId>, Vec<NodeId>), InputError> {
    let mut coordinators = setup.with_role(coordinator);
    let mut participants = setup.with_role(participant);
    if coordinators.is_empty()
        && let Some(first) = setup.cluster.nodes.first()
    {
        coordinators.push(first.id);
        participants.retain(|&p| p != first.id);
    }
    if coordinators.len() != 1 {
        return Err(setup.error(
            "nodes",
            format!(
                "needs exactly one coordinator, found {}",
                coordinators.len()
            ),
        ));
    }
    if participants.contains(&coordinators[0]) {
        return Err(setup.error("nodes", "the coordinator cannot also be a participant"));
    }
    if participants.is_empty() {
        return Err(setup.error("nodes", "needs at least one participant"));
    }
    Ok((coordinators, participants))
}

/// Refuses a zero timeout (it would fire at the same instant forever).
pub fn positive<P: Protocol>(setup: &Setup<'_, P>, path: &str, t: u64) -> Result<(), InputError> {
    if t == 0 {
        return Err(setup.error(
            path,
            "a timeout must be at least 1 tick (0 would fire at the same instant forever)",
        ));
    }
    if t > crate::scenario::limits::MAX_DELAY {
        return Err(setup.error(path, "beyond the delay limit"));
    }
    Ok(())
}

/// The answer to a request a commit protocol cannot run: anything but a
/// transfer, or a transfer sent to a node that does not coordinate it.
pub fn not_a_transfer() -> Reply {
    Reply::Fail {
        reason: "this protocol runs transfers only".into(),
        redirect: None,
    }
}
