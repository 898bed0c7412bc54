//! A coordinator's side of one transaction, shared by the three protocols:
//! asking every participant to vote on its part, tallying the votes, counting
//! who carried out the decision, and answering the client.
//!
//! *When* a coordinator decides, and what it logs first, is each protocol's
//! own rule and stays in its file.

use super::setup::not_a_transfer;
use crate::bank::{Account, TxName, TxPlan};
use crate::fact::Fact;
use crate::ids::{NodeId, RequestId};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::{Ctx, Protocol};
use std::collections::{BTreeMap, BTreeSet};

/// The transaction a client request asks for; anything else is refused.
pub fn transfer<P: Protocol>(
    ctx: &mut Ctx<P>,
    request: ClientRequest,
) -> Option<(RequestId, TxName)> {
    match request.op {
        Op::Transfer(transfer) => Some((request.id, transfer.tx)),
        _ => {
            ctx.reply(request.id, not_a_transfer());
            None
        }
    }
}

/// Phase 1 from the coordinator: states that the transaction began, then
/// sends each participant its own part, as the protocol's message `ask`.
pub fn ask_participants<P: Protocol>(
    ctx: &mut Ctx<P>,
    plan: &TxPlan,
    ask: impl Fn(TxName, Vec<(Account, i64)>) -> P::Msg,
) {
    ctx.note(Fact::TxBegun {
        tx: plan.name.clone(),
        participants: plan.participants.clone(),
    });
    for (&p, part) in plan.participants.iter().zip(&plan.parts) {
        ctx.send(p, ask(plan.name.clone(), part.clone()));
    }
}

/// Where the votes of a transaction stand after one more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    /// This vote was No: the transaction cannot commit.
    No,
    /// Every participant of the plan has voted Yes.
    AllYes,
    /// Votes are still missing.
    Waiting,
}

/// The votes a coordinator has heard for one transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Votes(BTreeMap<NodeId, bool>);

impl Votes {
    /// Records `from`'s vote (a repeat overwrites it) and says where the
    /// tally stands: any No aborts; commit needs a Yes from every participant.
    pub fn record(&mut self, plan: &TxPlan, from: NodeId, yes: bool) -> Tally {
        self.0.insert(from, yes);
        if !yes {
            Tally::No
        } else if plan
            .participants
            .iter()
            .all(|p| self.0.get(p) == Some(&true))
        {
            Tally::AllYes
        } else {
            Tally::Waiting
        }
    }

    pub fn yes_count(&self) -> usize {
        self.0.values().filter(|&&y| y).count()
    }
}

/// The participants that acknowledged a phase (or carried out a decision).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acks(BTreeSet<NodeId>);

impl Acks {
    /// Records `from`'s ack; true once every participant of the plan acked.
    pub fn record(&mut self, plan: &TxPlan, from: NodeId) -> bool {
        self.0.insert(from);
        self.missing(plan).is_empty()
    }

    pub fn has(&self, node: NodeId) -> bool {
        self.0.contains(&node)
    }

    /// The participants of the plan that have not acked, in node order.
    pub fn missing(&self, plan: &TxPlan) -> Vec<NodeId> {
        plan.participants
            .iter()
            .copied()
            .filter(|p| !self.0.contains(p))
            .collect()
    }
}

/// The client request waiting for a transaction's outcome, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Client(Option<RequestId>);

impl Client {
    pub fn waiting(request: RequestId) -> Client {
        Client(Some(request))
    }

    /// A repeat of the request: answer it now if decided, else wait with it.
    pub fn repeat<P: Protocol>(
        &mut self,
        ctx: &mut Ctx<P>,
        request: RequestId,
        decided: Option<bool>,
    ) {
        match decided {
            Some(commit) => ctx.reply(request, Reply::Decided { commit }),
            None => self.0 = Some(request),
        }
    }

    /// Answers the waiting request, once: commit or abort.
    pub fn answer<P: Protocol>(&mut self, ctx: &mut Ctx<P>, tx: &TxName, commit: bool) {
        if let Some(request) = self.0.take() {
            answer(ctx, request, tx, commit);
        }
    }
}

/// Tells the client `request` the outcome of `tx`, and states it as a fact.
pub fn answer<P: Protocol>(ctx: &mut Ctx<P>, request: RequestId, tx: &TxName, commit: bool) {
    ctx.reply(request, Reply::Decided { commit });
    ctx.note(Fact::Answered {
        tx: tx.clone(),
        commit,
    });
}
