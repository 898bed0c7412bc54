//! Paxos Commit: 2PC whose decision is chosen by a Paxos group, so that the
//! coordinator's crash does not block the participants while a majority of the
//! acceptors is up (seed 004, "Paxos与2PC": 通过Paxos协议解决2PC协议中协调者宕机问题;
//! Gray and Lamport, *Consensus on Transaction Commit*).
//!
//! - Phase 1 of 2PC as in `2pc`: `prepare` → each participant writes its
//!   redo/undo record, locks, and votes Yes (or No, aborting at once).
//! - The decision is one single-decree Paxos instance per transaction, its
//!   value commit or abort. The coordinator proposes in ballot 1, the lowest
//!   of all, so it skips phase 1 (no acceptor can have accepted anything
//!   lower): commit once every vote is Yes, abort on a No or the vote timeout.
//! - Acceptors follow the Basic Paxos rules (promise in phase 1b, accept in
//!   phase 2b unless a higher ballot was promised, each persisted before it is
//!   said) and send `phase2b` to the coordinator and the participants, who
//!   learn the outcome from a majority of one ballot (the toolkit's quorum).
//! - A participant still uncertain at its timeout does not wait for the
//!   coordinator: it runs phase 1 with a ballot of its own and proposes the
//!   highest-ballot value reported, or abort when none was — always allowed,
//!   since commit needs every Yes and abort needs nothing. It is *blocked*
//!   only if a whole round fails too (no majority of acceptors reachable).
//!
//! Nodes: `coordinator` (one; the first node when none is named),
//! `participant` (the default), `acceptor` (when none is named, the
//! participants are the acceptors).

use crate::ballot::Ballot;
use crate::bank::{
    Account, Bank, BankParams, Ledger, LedgerDisk, LedgerHost, LedgerWrite, Standing, TxId, TxName,
};
use crate::check::CheckKind;
use crate::commit::setup::{self, not_a_transfer};
use crate::commit::{Phase1, Tally, Votes, coordinator, participant};
use crate::error::InputError;
use crate::fact::Fact;
use crate::ids::{NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::{ClientRequest, Reply};
use crate::protocol::{
    Ctx, DurableState, FieldValue, Meaning, Message, NodeView, OutcomeWord, Protocol, RoleRow,
    Serves, Setup,
};
use crate::replication::quorum::Quorum;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Default,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[NameRow {
        value: Variant::Default,
        name: "default",
        about: "the coordinator proposes in ballot 1; uncertain participants recover by Paxos",
    }];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Coordinator,
    Participant,
    Acceptor,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks the coordinator waits for every vote before proposing abort.
    #[serde(default = "default_timeout")]
    pub vote_timeout: u64,
    /// Ticks an uncertain participant waits before (another) recovery round.
    #[serde(default = "default_decision_timeout")]
    pub decision_timeout: u64,
    #[serde(default)]
    pub accounts: Vec<crate::bank::AccountSpec>,
    #[serde(default)]
    pub vote_no: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub no_probability: f64,
}

fn default_timeout() -> u64 {
    100
}

fn default_decision_timeout() -> u64 {
    200
}

#[derive(Clone, Debug)]
pub struct Config {
    pub vote_timeout: u64,
    pub decision_timeout: u64,
    pub bank: Bank,
    pub coordinators: Vec<NodeId>,
    pub participants: Vec<NodeId>,
    pub acceptors: Quorum,
    /// Proposers in ballot order: the coordinator (ballot 1), then participants.
    pub proposers: Vec<NodeId>,
}

// ---------------------------------------------------------------------------
// Messages.

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    Prepare {
        tx: TxName,
        part: Vec<(Account, i64)>,
    },
    Vote {
        tx: TxName,
        yes: bool,
    },
    Phase1a {
        tx: TxName,
        ballot: Ballot,
    },
    Phase1b {
        tx: TxName,
        ballot: Ballot,
        accepted: Option<(Ballot, bool)>,
    },
    Phase2a {
        tx: TxName,
        ballot: Ballot,
        commit: bool,
    },
    Phase2b {
        tx: TxName,
        ballot: Ballot,
        commit: bool,
    },
    Nack {
        tx: TxName,
        ballot: Ballot,
        promised: Ballot,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    Prepare,
    Vote,
    Phase1a,
    Phase1b,
    Phase2a,
    Phase2b,
    Nack,
}

impl Named for MsgKind {
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::Prepare,
            name: "prepare",
            about: "2PC phase 1: prepare your part and vote",
        },
        NameRow {
            value: MsgKind::Vote,
            name: "vote",
            about: "a participant's Yes or No, to the coordinator",
        },
        NameRow {
            value: MsgKind::Phase1a,
            name: "phase1a",
            about: "a recovering participant asks the acceptors to promise its ballot",
        },
        NameRow {
            value: MsgKind::Phase1b,
            name: "phase1b",
            about: "an acceptor's promise, with the outcome it accepted, if any",
        },
        NameRow {
            value: MsgKind::Phase2a,
            name: "phase2a",
            about: "a proposer asks the acceptors to accept commit or abort",
        },
        NameRow {
            value: MsgKind::Phase2b,
            name: "phase2b",
            about: "an acceptor accepted (ballot, outcome); a majority chooses it",
        },
        NameRow {
            value: MsgKind::Nack,
            name: "nack",
            about: "refused because of a promise to a higher ballot",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::Prepare { .. } => MsgKind::Prepare,
            Msg::Vote { .. } => MsgKind::Vote,
            Msg::Phase1a { .. } => MsgKind::Phase1a,
            Msg::Phase1b { .. } => MsgKind::Phase1b,
            Msg::Phase2a { .. } => MsgKind::Phase2a,
            Msg::Phase2b { .. } => MsgKind::Phase2b,
            Msg::Nack { .. } => MsgKind::Nack,
        }
    }

    fn meaning(kind: MsgKind) -> Meaning {
        match kind {
            MsgKind::Prepare => Meaning {
                en: "{receiver} is asked by the coordinator {sender} to prepare {tx}: write its \
                     redo/undo record, lock the accounts, and vote",
                zh: "协调者 {sender} 请求 {receiver} 准备事务 {tx}：写入 redo/undo 日志、锁住账户，然后投票",
            },
            MsgKind::Vote => Meaning {
                en: "{receiver} hears {sender}'s vote on {tx}: yes is {yes}",
                zh: "{receiver} 收到 {sender} 对事务 {tx} 的投票（同意：{yes}）",
            },
            MsgKind::Phase1a => Meaning {
                en: "{receiver} is asked by {sender} to promise ballot {ballot} for the decision \
                     on {tx} (Paxos phase 1a): the coordinator may be gone",
                zh: "{sender} 请求 {receiver} 为事务 {tx} 的决定承诺编号 {ballot}（Paxos 第一阶段）：协调者可能已宕机",
            },
            MsgKind::Phase1b => Meaning {
                en: "{receiver} receives {sender}'s promise for ballot {ballot} on {tx}, with the \
                     decision it accepted before, if any: {accepted}",
                zh: "{receiver} 收到 {sender} 对事务 {tx} 编号 {ballot} 的承诺，附上它之前接受过的决定：{accepted}",
            },
            MsgKind::Phase2a => Meaning {
                en: "{receiver} is asked by {sender} to accept the decision commit={commit} on \
                     {tx} in ballot {ballot}",
                zh: "{sender} 请求 {receiver} 在编号 {ballot} 下接受事务 {tx} 的决定（提交：{commit}）",
            },
            MsgKind::Phase2b => Meaning {
                en: "{receiver} hears that {sender} accepted commit={commit} on {tx} in ballot \
                     {ballot}; a majority of acceptors makes the decision chosen",
                zh: "{receiver} 得知 {sender} 在编号 {ballot} 下接受了事务 {tx} 的决定（提交：{commit}）；多数派接受后决定即被选定",
            },
            MsgKind::Nack => Meaning {
                en: "{receiver} learns that ballot {ballot} for {tx} was refused: {sender} \
                     promised ballot {promised}",
                zh: "{receiver} 得知事务 {tx} 的编号 {ballot} 被拒绝：{sender} 已承诺编号 {promised}",
            },
        }
    }
}

fn word(commit: bool) -> &'static str {
    if commit { "commit" } else { "abort" }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Prepare { tx, part } => {
                write!(f, "prepare({tx}: {})", participant::part_text(part))
            }
            Msg::Vote { tx, yes } => write!(f, "vote({tx}, {})", if *yes { "Yes" } else { "No" }),
            Msg::Phase1a { tx, ballot } => write!(f, "phase1a({tx}, {ballot})"),
            Msg::Phase1b {
                tx,
                ballot,
                accepted: None,
            } => write!(f, "phase1b({tx}, {ballot}, nothing accepted)"),
            Msg::Phase1b {
                tx,
                ballot,
                accepted: Some((b, c)),
            } => write!(f, "phase1b({tx}, {ballot}, accepted ({b}, {}))", word(*c)),
            Msg::Phase2a { tx, ballot, commit } => {
                write!(f, "phase2a({tx}, {ballot}, {})", word(*commit))
            }
            Msg::Phase2b { tx, ballot, commit } => {
                write!(f, "phase2b({tx}, {ballot}, {})", word(*commit))
            }
            Msg::Nack {
                tx,
                ballot,
                promised,
            } => write!(f, "nack({tx}, {ballot}, promised {promised})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Coordinator: votes overdue, propose abort.
    Votes(TxId),
    /// Participant: still uncertain, run a recovery round.
    Outcome(TxId),
}

// ---------------------------------------------------------------------------
// Durable state.

/// An acceptor's state for one transaction's instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AcceptorState {
    pub promised: Ballot,
    pub accepted: Option<(Ballot, bool)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub ledger: LedgerDisk,
    /// Coordinator: transactions begun (never begun twice: ballot 1 is used once).
    pub begun: BTreeSet<TxName>,
    /// Proposer: the highest ballot used per transaction, never reused.
    pub ballots: BTreeMap<TxName, Ballot>,
    pub acceptor: BTreeMap<TxName, AcceptorState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    Ledger(LedgerWrite),
    Begun(TxName),
    Ballot(TxName, Ballot),
    Acceptor(TxName, AcceptorState),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::Ledger(w) => self.ledger.apply(w),
            DiskWrite::Begun(tx) => {
                self.begun.insert(tx.clone());
            }
            DiskWrite::Ballot(tx, b) => {
                self.ballots.insert(tx.clone(), *b);
            }
            DiskWrite::Acceptor(tx, state) => {
                self.acceptor.insert(tx.clone(), *state);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug)]
pub struct PaxosCommit {
    me: NodeId,
    config: Config,
    coordinator: Option<Coordinator>,
    participant: Option<Participant>,
    acceptor: Option<BTreeMap<TxName, AcceptorState>>,
    /// Proposer rounds (the coordinator's ballot 1, participants' recoveries).
    rounds: BTreeMap<TxName, Round>,
    ballots: BTreeMap<TxName, Ballot>,
    /// Learner: phase2b seen per transaction and ballot.
    tally: BTreeMap<TxName, BTreeMap<Ballot, (bool, BTreeSet<NodeId>)>>,
    learned: BTreeMap<TxName, bool>,
}

#[derive(Clone, Debug, Default)]
struct Coordinator {
    /// On disk: every transaction this coordinator ever began.
    begun: BTreeSet<TxName>,
    /// Begun since this start: the only ones it may propose for in ballot 1.
    active: BTreeSet<TxName>,
    votes: BTreeMap<TxName, Votes>,
    proposed: BTreeSet<TxName>,
    clients: BTreeMap<TxName, RequestId>,
}

#[derive(Clone, Debug)]
struct Participant {
    ledger: Ledger,
    /// Recovery rounds started per transaction (a second one means blocked).
    recoveries: BTreeMap<TxName, u32>,
}

#[derive(Clone, Debug)]
struct Round {
    ballot: Ballot,
    /// Phase 1: promises by acceptor, with what each had accepted.
    promises: BTreeMap<NodeId, Option<(Ballot, bool)>>,
    /// Phase 2 started with this value.
    proposing: Option<bool>,
}

impl LedgerHost for PaxosCommit {
    fn ledger_write(write: LedgerWrite) -> DiskWrite {
        DiskWrite::Ledger(write)
    }
}

impl Protocol for PaxosCommit {
    type Variant = Variant;
    type Role = Role;
    const ROLES: &'static [RoleRow<Role>] = &[
        RoleRow {
            role: Role::Coordinator,
            name: "coordinator",
            plural: "coordinators",
            prefix: "C",
        },
        RoleRow {
            role: Role::Participant,
            name: "participant",
            plural: "participants",
            prefix: "P",
        },
        RoleRow {
            role: Role::Acceptor,
            name: "acceptor",
            plural: "acceptors",
            prefix: "A",
        },
    ];
    const DEFAULT_ROLES: &'static [Role] = &[Role::Participant];
    type Params = Params;
    const CHECKS: &'static [CheckKind] = setup::CHECKS;
    const OUTCOMES: &'static [OutcomeWord] = setup::OUTCOMES;
    const SERVES: Serves = Serves::Transactions;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;
    type Config = Config;

    fn configure(setup: &Setup<'_, Self>) -> Result<Config, InputError> {
        let p = &setup.params;
        let nodes = setup::configure(
            setup,
            Role::Coordinator,
            Role::Participant,
            &[
                ("params.vote_timeout", p.vote_timeout),
                ("params.decision_timeout", p.decision_timeout),
            ],
            &BankParams {
                accounts: p.accounts.clone(),
                vote_no: p.vote_no.clone(),
                no_probability: p.no_probability,
            },
        )?;
        let mut acceptors = setup.with_role(Role::Acceptor);
        if acceptors.is_empty() {
            acceptors = nodes.participants.clone();
        }
        if acceptors.contains(&nodes.coordinators[0]) {
            return Err(setup.error(
                "nodes",
                "the coordinator cannot also be an acceptor: its crash is what the group survives",
            ));
        }
        let mut proposers = nodes.coordinators.clone();
        proposers.extend(&nodes.participants);
        Ok(Config {
            vote_timeout: p.vote_timeout,
            decision_timeout: p.decision_timeout,
            bank: nodes.bank,
            coordinators: nodes.coordinators,
            participants: nodes.participants,
            acceptors: Quorum::new(acceptors),
            proposers,
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        let participant = config.participants.contains(&me).then(|| {
            let ledger = participant::recover(
                &config.bank,
                me,
                &disk.ledger,
                ctx,
                Timer::Outcome,
                config.decision_timeout,
            );
            Participant {
                ledger,
                recoveries: BTreeMap::new(),
            }
        });
        PaxosCommit {
            me,
            config: config.clone(),
            coordinator: config.coordinators.contains(&me).then(|| Coordinator {
                begun: disk.begun.clone(),
                ..Coordinator::default()
            }),
            participant,
            acceptor: config.acceptors.is_voter(me).then(|| disk.acceptor.clone()),
            rounds: BTreeMap::new(),
            ballots: disk.ballots.clone(),
            tally: BTreeMap::new(),
            learned: BTreeMap::new(),
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest) {
        if let Some((request, tx)) = coordinator::transfer(ctx, request) {
            self.begin(ctx, request, &tx);
        }
    }

    /// A transaction scripted after boot (the interaction harness): the
    /// bank now plans it too.
    fn adopt_config(&mut self, config: &Config) {
        self.config = config.clone();
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Prepare { tx, part } => self.on_prepare(ctx, from, &tx, &part),
            Msg::Vote { tx, yes } => self.on_vote(ctx, from, &tx, yes),
            Msg::Phase1a { tx, ballot } => self.on_phase1a(ctx, from, &tx, ballot),
            Msg::Phase1b {
                tx,
                ballot,
                accepted,
            } => self.on_phase1b(ctx, from, &tx, ballot, accepted),
            Msg::Phase2a { tx, ballot, commit } => self.on_phase2a(ctx, from, &tx, ballot, commit),
            Msg::Phase2b { tx, ballot, commit } => self.on_phase2b(ctx, from, &tx, ballot, commit),
            Msg::Nack {
                tx,
                ballot: _,
                promised,
            } => {
                // Jump above the promise in the next round.
                let seen = self.ballots.entry(tx).or_default();
                *seen = (*seen).max(promised);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Votes(id) => {
                let tx = self.config.bank.plan(id).name.clone();
                self.coordinator_proposes(ctx, &tx, false);
            }
            Timer::Outcome(id) => self.on_outcome_overdue(ctx, id),
        }
    }

    /// Fields: a participant's `balances`, `log`, `locks`; an acceptor's
    /// `accepted` (per transaction); everyone's `learned`.
    fn describe(&self) -> NodeView {
        let mut roles = Vec::new();
        if self.coordinator.is_some() {
            roles.push("coordinator");
        }
        if self.participant.is_some() {
            roles.push("participant");
        }
        if self.acceptor.is_some() {
            roles.push("acceptor");
        }
        let mut view = NodeView::new(roles);
        if let Some(p) = &self.participant {
            participant::fields(&mut view, &p.ledger);
        }
        if let Some(a) = &self.acceptor {
            let text = a
                .iter()
                .map(|(tx, s)| match s.accepted {
                    Some((b, c)) => format!("{tx}:({b},{})", word(c)),
                    None => format!("{tx}:promised {}", s.promised),
                })
                .collect::<Vec<_>>()
                .join(" ");
            view.field("accepted", FieldValue::Text(text));
        }
        let learned = self
            .learned
            .iter()
            .map(|(tx, c)| format!("{tx}:{}", word(*c)))
            .collect::<Vec<_>>()
            .join(" ");
        view.field("learned", FieldValue::Text(learned));
        view
    }
}

impl PaxosCommit {
    /// This node's 1-based index among the proposers.
    fn proposer_index(&self) -> u64 {
        self.config
            .proposers
            .iter()
            .position(|&p| p == self.me)
            .map_or(0, |i| i as u64 + 1)
    }

    /// The learners of a transaction: its coordinator and participants.
    fn learners(&self, tx: &TxName) -> Vec<NodeId> {
        match self.config.bank.plan_of(tx) {
            Some(plan) => {
                let mut l = vec![plan.coordinator];
                l.extend(&plan.participants);
                l
            }
            None => Vec::new(),
        }
    }

    // --- Coordinator: 2PC phase 1, then a proposal in ballot 1 ---------------

    fn begin(&mut self, ctx: &mut Ctx<Self>, request: RequestId, tx: &TxName) {
        let (Some(c), Some(id)) = (self.coordinator.as_mut(), self.config.bank.id(tx)) else {
            ctx.reply(request, not_a_transfer());
            return;
        };
        if let Some(&commit) = self.learned.get(tx) {
            ctx.reply(request, Reply::Decided { commit });
            return;
        }
        c.clients.insert(tx.clone(), request);
        if !c.begun.insert(tx.clone()) {
            return;
        }
        c.active.insert(tx.clone());
        let plan = self.config.bank.plan(id);
        ctx.persist(DiskWrite::Begun(tx.clone()));
        coordinator::ask_participants(ctx, plan, |tx, part| Msg::Prepare { tx, part });
        ctx.set_timer(Timer::Votes(id), self.config.vote_timeout);
    }

    fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName, yes: bool) {
        let Some(c) = self.coordinator.as_mut() else {
            return;
        };
        let Some(plan) = self.config.bank.plan_of(tx) else {
            return;
        };
        if !c.active.contains(tx) {
            return;
        }
        match c
            .votes
            .entry(tx.clone())
            .or_default()
            .record(plan, from, yes)
        {
            Tally::No => self.coordinator_proposes(ctx, tx, false),
            Tally::AllYes => self.coordinator_proposes(ctx, tx, true),
            Tally::Waiting => {}
        }
    }

    /// Ballot 1 is the coordinator's and the lowest: phase 2a at once, once
    /// per transaction in this incarnation of a transaction it began.
    fn coordinator_proposes(&mut self, ctx: &mut Ctx<Self>, tx: &TxName, commit: bool) {
        let Some(c) = self.coordinator.as_mut() else {
            return;
        };
        // Only for transactions begun since this start (a restart never reuses ballot 1).
        if !c.active.contains(tx) {
            return;
        }
        if !c.proposed.insert(tx.clone()) || self.learned.contains_key(tx) {
            return;
        }
        if let Some(id) = self.config.bank.id(tx) {
            ctx.cancel_timer(Timer::Votes(id));
        }
        let ballot = Ballot::of(0, 1, self.config.proposers.len() as u64);
        self.rounds.insert(
            tx.clone(),
            Round {
                ballot,
                promises: BTreeMap::new(),
                proposing: Some(commit),
            },
        );
        ctx.send_all(
            self.config.acceptors.voters(),
            &Msg::Phase2a {
                tx: tx.clone(),
                ballot,
                commit,
            },
        );
    }

    // --- Participant: 2PC phase 1, and recovery -----------------------------

    fn on_prepare(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        tx: &TxName,
        part: &[(Account, i64)],
    ) {
        let bank = &self.config.bank;
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        let answer = participant::phase1(&mut p.ledger, bank, ctx, tx, part);
        // Voted Yes: uncertain until a majority of acceptors chose the outcome.
        if answer == Phase1::Prepared
            && let Some(id) = bank.id(tx)
        {
            ctx.set_timer(Timer::Outcome(id), self.config.decision_timeout);
        }
        if let Some(yes) = answer.vote() {
            ctx.send(
                from,
                Msg::Vote {
                    tx: tx.clone(),
                    yes,
                },
            );
        }
    }

    /// Uncertain at the timeout: run phase 1 with a ballot of our own. A
    /// second timeout without an outcome means no majority answered: blocked.
    fn on_outcome_overdue(&mut self, ctx: &mut Ctx<Self>, id: TxId) {
        let tx = self.config.bank.plan(id).name.clone();
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        if p.ledger.standing(&tx) != Standing::Prepared || self.learned.contains_key(&tx) {
            return;
        }
        let tries = p.recoveries.entry(tx.clone()).or_insert(0);
        *tries += 1;
        if *tries == 2 {
            ctx.note(Fact::Blocked { tx: tx.clone() });
        }
        let above = self.ballots.get(&tx).copied().unwrap_or_default();
        let ballot = Ballot::next_above(
            above,
            self.proposer_index(),
            self.config.proposers.len() as u64,
        );
        self.ballots.insert(tx.clone(), ballot);
        ctx.persist(DiskWrite::Ballot(tx.clone(), ballot));
        ctx.flush();
        self.rounds.insert(
            tx.clone(),
            Round {
                ballot,
                promises: BTreeMap::new(),
                proposing: None,
            },
        );
        ctx.send_all(
            self.config.acceptors.voters(),
            &Msg::Phase1a {
                tx: tx.clone(),
                ballot,
            },
        );
        ctx.set_timer(Timer::Outcome(id), self.config.decision_timeout);
    }

    /// P2a: with a majority of promises, propose the highest-ballot outcome
    /// reported, or abort when none was.
    fn on_phase1b(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        tx: &TxName,
        ballot: Ballot,
        accepted: Option<(Ballot, bool)>,
    ) {
        let Some(round) = self.rounds.get_mut(tx) else {
            return;
        };
        if round.ballot != ballot || round.proposing.is_some() {
            return;
        }
        round.promises.insert(from, accepted);
        let promised: BTreeMap<NodeId, bool> = round.promises.keys().map(|&a| (a, true)).collect();
        if self.config.acceptors.vote_result(&promised)
            != crate::replication::quorum::VoteResult::Won
        {
            return;
        }
        let commit = round
            .promises
            .values()
            .flatten()
            .max_by_key(|(b, _)| *b)
            .is_some_and(|(_, c)| *c);
        round.proposing = Some(commit);
        ctx.send_all(
            self.config.acceptors.voters(),
            &Msg::Phase2a {
                tx: tx.clone(),
                ballot,
                commit,
            },
        );
    }

    // --- Acceptor (the Basic Paxos rules, per transaction) -------------------

    /// P1b: promise a higher ballot (persisted first), reporting what was accepted.
    fn on_phase1a(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName, ballot: Ballot) {
        let Some(acceptor) = self.acceptor.as_mut() else {
            return;
        };
        let state = acceptor.entry(tx.clone()).or_default();
        if ballot <= state.promised {
            ctx.send(
                from,
                Msg::Nack {
                    tx: tx.clone(),
                    ballot,
                    promised: state.promised,
                },
            );
            return;
        }
        state.promised = ballot;
        ctx.persist(DiskWrite::Acceptor(tx.clone(), *state));
        ctx.flush();
        ctx.send(
            from,
            Msg::Phase1b {
                tx: tx.clone(),
                ballot,
                accepted: state.accepted,
            },
        );
    }

    /// P2b: accept unless a higher ballot was promised; tell every learner.
    fn on_phase2a(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        tx: &TxName,
        ballot: Ballot,
        commit: bool,
    ) {
        let Some(acceptor) = self.acceptor.as_mut() else {
            return;
        };
        let state = acceptor.entry(tx.clone()).or_default();
        if ballot < state.promised {
            ctx.send(
                from,
                Msg::Nack {
                    tx: tx.clone(),
                    ballot,
                    promised: state.promised,
                },
            );
            return;
        }
        state.promised = ballot;
        state.accepted = Some((ballot, commit));
        ctx.persist(DiskWrite::Acceptor(tx.clone(), *state));
        ctx.flush();
        let accepted = Msg::Phase2b {
            tx: tx.clone(),
            ballot,
            commit,
        };
        let learners = self.learners(tx);
        let others: Vec<NodeId> = learners.iter().copied().filter(|&l| l != self.me).collect();
        ctx.send_all(&others, &accepted);
        if learners.contains(&self.me) {
            self.on_phase2b(ctx, self.me, tx, ballot, commit);
        }
    }

    // --- Learner -------------------------------------------------------------

    /// A majority of acceptors accepted one ballot: the outcome is chosen.
    fn on_phase2b(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        tx: &TxName,
        ballot: Ballot,
        commit: bool,
    ) {
        if self.learned.contains_key(tx) || !self.config.acceptors.is_voter(from) {
            return;
        }
        let entry = self
            .tally
            .entry(tx.clone())
            .or_default()
            .entry(ballot)
            .or_insert((commit, BTreeSet::new()));
        entry.1.insert(from);
        if entry.1.len() < self.config.acceptors.majority() {
            return;
        }
        self.learned.insert(tx.clone(), commit);
        self.tally.remove(tx);
        ctx.note(Fact::Decided {
            tx: tx.clone(),
            commit,
        });
        if let Some(p) = self.participant.as_mut()
            && p.ledger.finish(ctx, tx, commit)
            && let Some(id) = self.config.bank.id(tx)
        {
            ctx.cancel_timer(Timer::Outcome(id));
        }
        if let Some(c) = self.coordinator.as_mut()
            && let Some(request) = c.clients.remove(tx)
        {
            coordinator::answer(ctx, request, tx, commit);
        }
    }
}
