//! Basic Paxos: single-decree consensus with proposers, acceptors and learners.
//!
//! The rules, as seed 002 states them ("两个承诺，一个应答") and *Paxos Made Simple*
//! proves them:
//!
//! - P1a: a proposer picks a unique ballot n and sends prepare(n) to the acceptors.
//! - P1b: an acceptor that has promised nothing ≥ n promises (1) not to answer a
//!   prepare ≤ n and (2) not to accept a proposal < n, persists the promise, and
//!   answers with the highest-numbered proposal it has accepted.
//! - P2a: with promises from a majority, the proposer sends accept(n, v), where v is
//!   the value of the highest-numbered proposal reported, or its own if none was.
//! - P2b: an acceptor accepts (n, v) unless it promised a higher ballot, persisting
//!   it before saying so.
//! - Learning: a value is chosen once a majority of acceptors accepted it in the
//!   same ballot; proposers and learners count `accepted` messages to learn it.
//!
//! Rejections are answered with `nack` carrying the promise that blocked them, so
//! a proposer can jump past it (seed 001 says "不予理会", ignore; a nack only saves
//! waiting for the timeout). A node may play several roles at once.
//!
//! Variants: `default`; `backoff`, which waits a random time before retrying after
//! a rejection (what ends duelling proposers); and two bugs the safety checker
//! must catch: `forget-promise` (an acceptor keeps its promise only in memory, so a
//! restart forgets it) and `own-value` (a proposer ignores the reported accepted
//! value and always proposes its own).
//!
//! Each rule has a story in `tests/interactions/basic-paxos/` (named after it:
//! `p1b_persist_before_promise.txt`, ...) that drives single nodes message by
//! message and shows what they do; the bug variants have theirs.

use crate::ballot::Ballot;
use crate::check::CheckKind;
use crate::error::InputError;
use crate::fact::Fact;
use crate::ids::{NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::{
    Ctx, DurableState, FieldValue, Meaning, Message, NodeView, OutcomeWord, ParamRange, Protocol,
    RoleRow, Serves, Setup,
};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Default,
    Backoff,
    ForgetPromise,
    OwnValue,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Default,
            name: "default",
            about: "retry immediately with a higher ballot after a rejection",
        },
        NameRow {
            value: Variant::Backoff,
            name: "backoff",
            about: "wait a random time (params.backoff) before retrying: ends duelling proposers",
        },
        NameRow {
            value: Variant::ForgetPromise,
            name: "forget-promise",
            about: "BUG: acceptors do not persist promises, so a restart forgets them",
        },
        NameRow {
            value: Variant::OwnValue,
            name: "own-value",
            about: "BUG: proposers ignore reported accepted values and propose their own",
        },
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Proposer,
    Acceptor,
    Learner,
}

/// Protocol settings from the scenario's `params`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks a proposer waits for a majority before starting a new round.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
    /// Ticks a proposer waits after a rejection before its next round (`default`).
    #[serde(default)]
    pub retry_delay: u64,
    /// Upper bound of the random wait after a rejection (`backoff`).
    #[serde(default = "default_backoff")]
    pub backoff: u64,
}

fn default_timeout() -> u64 {
    200
}

fn default_backoff() -> u64 {
    100
}

#[derive(Clone, Debug)]
pub struct Config {
    pub variant: Variant,
    pub params: Params,
    pub acceptors: Vec<NodeId>,
    pub learners: Vec<NodeId>,
    /// Proposers in node order; a proposer's ballots use its 1-based position.
    pub proposers: Vec<NodeId>,
    pub roles: Vec<Roles>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Roles {
    pub proposer: bool,
    pub acceptor: bool,
    pub learner: bool,
}

impl Config {
    fn majority(&self) -> usize {
        self.acceptors.len() / 2 + 1
    }
}

// ---------------------------------------------------------------------------
// Messages.

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// P1a.
    Prepare { ballot: Ballot },
    /// P1b: the promise, with the highest-numbered proposal accepted so far.
    Promise {
        ballot: Ballot,
        accepted: Option<(Ballot, Value)>,
    },
    /// P2a.
    Accept { ballot: Ballot, value: Value },
    /// P2b, sent to the proposer and to every learner.
    Accepted { ballot: Ballot, value: Value },
    /// A prepare or accept for `ballot` refused because of a promise to `promised`.
    Nack { ballot: Ballot, promised: Ballot },
}

/// The kinds of [`Msg`], named as scenario filters and traces write them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    Prepare,
    Promise,
    Accept,
    Accepted,
    Nack,
}

impl Named for MsgKind {
    // Rows are in declaration order (the table test checks it), so the
    // discriminant is the row: this runs once per message sent.
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::Prepare,
            name: "prepare",
            about: "P1a: a proposer asks acceptors to promise a ballot",
        },
        NameRow {
            value: MsgKind::Promise,
            name: "promise",
            about: "P1b: the promise, with the highest proposal accepted so far",
        },
        NameRow {
            value: MsgKind::Accept,
            name: "accept",
            about: "P2a: a proposer asks acceptors to accept (ballot, value)",
        },
        NameRow {
            value: MsgKind::Accepted,
            name: "accepted",
            about: "P2b: an acceptor accepted (ballot, value)",
        },
        NameRow {
            value: MsgKind::Nack,
            name: "nack",
            about: "a prepare or accept refused, with the promise that blocked it",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::Prepare { .. } => MsgKind::Prepare,
            Msg::Promise { .. } => MsgKind::Promise,
            Msg::Accept { .. } => MsgKind::Accept,
            Msg::Accepted { .. } => MsgKind::Accepted,
            Msg::Nack { .. } => MsgKind::Nack,
        }
    }

    fn meaning(kind: MsgKind) -> Meaning {
        match kind {
            MsgKind::Prepare => Meaning {
                en: "{receiver} receives Prepare({ballot}) from {sender}: P1a, a request to promise to \
                     answer no prepare numbered {ballot} or lower and to accept nothing below it",
                zh: "{receiver} 收到 {sender} 的 Prepare({ballot})：第一阶段请求（P1a），\
                     要求它承诺不再回应编号不超过 {ballot} 的准备请求，也不再接受编号小于 {ballot} 的提案",
            },
            MsgKind::Promise => Meaning {
                en: "{receiver} receives {sender}'s promise for ballot {ballot} (P1b), reporting the \
                     highest-numbered proposal it has accepted: {accepted}",
                zh: "{receiver} 收到 {sender} 对编号 {ballot} 的承诺（P1b），\
                     并附上它已接受的编号最大的提案：{accepted}",
            },
            MsgKind::Accept => Meaning {
                en: "{receiver} receives Accept({ballot}, {value}) from {sender}: P2a, a request to \
                     accept this proposal unless it has promised a higher ballot",
                zh: "{receiver} 收到 {sender} 的 Accept({ballot}, {value})：第二阶段请求（P2a），\
                     若没有承诺过更高的编号，就应接受这个提案",
            },
            MsgKind::Accepted => Meaning {
                en: "{receiver} hears from {sender} that it accepted ({ballot}, {value}) (P2b); \
                     once a majority has, the value is chosen",
                zh: "{receiver} 得知 {sender} 已接受提案 ({ballot}, {value})（P2b）；\
                     多数派接受之后，这个值就被选定了",
            },
            MsgKind::Nack => Meaning {
                en: "{receiver} learns from {sender} that ballot {ballot} was refused: {sender} has \
                     promised ballot {promised}",
                zh: "{receiver} 得知编号 {ballot} 被 {sender} 拒绝：{sender} 已经承诺了编号 {promised}",
            },
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Prepare { ballot } => write!(f, "prepare({ballot})"),
            Msg::Promise {
                ballot,
                accepted: None,
            } => write!(f, "promise({ballot}, nothing accepted)"),
            Msg::Promise {
                ballot,
                accepted: Some((b, v)),
            } => write!(f, "promise({ballot}, accepted ({b}, {v}))"),
            Msg::Accept { ballot, value } => write!(f, "accept({ballot}, {value})"),
            Msg::Accepted { ballot, value } => write!(f, "accepted({ballot}, {value})"),
            Msg::Nack { ballot, promised } => write!(f, "nack({ballot}, promised {promised})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Start a new round: the current one timed out, or a rejection's wait is over.
    Retry,
}

// ---------------------------------------------------------------------------
// Durable state.

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Disk {
    pub promised: Ballot,
    pub accepted: Option<(Ballot, Value)>,
    /// The highest ballot this node has used as a proposer: never reused, even
    /// after a restart, so two values are never proposed under one ballot.
    pub last_ballot: Ballot,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    Promise(Ballot),
    Accept(Ballot, Value),
    Ballot(Ballot),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::Promise(b) => self.promised = *b,
            DiskWrite::Accept(b, v) => {
                self.accepted = Some((*b, v.clone()));
                self.promised = self.promised.max(*b);
            }
            DiskWrite::Ballot(b) => self.last_ballot = *b,
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BasicPaxos {
    me: NodeId,
    roles: Roles,
    variant: Variant,
    peers: Peers,
    acceptor: AcceptorState,
    proposer: Option<ProposerState>,
    /// Proposer and learner: acceptors seen accepting each ballot.
    tally: Tally,
    learned: Option<Value>,
}

/// Who plays which role, as every node knows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Peers {
    acceptors: Vec<NodeId>,
    learners: Vec<NodeId>,
    majority: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct AcceptorState {
    promised: Ballot,
    accepted: Option<(Ballot, Value)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ProposerState {
    /// 1-based position among the proposers, and their number.
    index: u64,
    count: u64,
    params: ParamsCopy,
    ballot: Ballot,
    /// The highest ballot seen in any rejection: the next round goes above it.
    highest_seen: Ballot,
    phase: Phase,
    /// The value this proposer's client asked for.
    own_value: Option<Value>,
    /// Requests to answer once a value is learned.
    waiting: Vec<RequestId>,
    promised_by: Vec<NodeId>,
    /// Highest-numbered accepted proposal reported in this round's promises.
    reported: Option<(Ballot, Value)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ParamsCopy {
    timeout: u64,
    retry_delay: u64,
    backoff: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Phase {
    /// Nothing to propose yet.
    Idle,
    /// Prepare sent for `ballot`, collecting promises.
    Preparing,
    /// Accept sent for (`ballot`, value), collecting accepts.
    Accepting(Value),
    /// Rejected; the retry timer will start the next round.
    Waiting,
    /// A value was learned; nothing more to do.
    Done,
}

/// Which acceptors accepted which (ballot, value), for learning.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Tally {
    votes: Vec<(Ballot, Value, Vec<NodeId>)>,
}

impl Tally {
    /// Records that `acceptor` accepted (`ballot`, `value`); returns how many
    /// distinct acceptors have accepted that ballot.
    fn record(&mut self, acceptor: NodeId, ballot: Ballot, value: &Value) -> usize {
        let entry = match self.votes.iter().position(|(b, _, _)| *b == ballot) {
            Some(i) => &mut self.votes[i],
            None => {
                self.votes.push((ballot, value.clone(), Vec::new()));
                self.votes.last_mut().expect("just pushed")
            }
        };
        if !entry.2.contains(&acceptor) {
            entry.2.push(acceptor);
        }
        entry.2.len()
    }
}

impl Protocol for BasicPaxos {
    type Variant = Variant;
    type Role = Role;
    const ROLES: &'static [RoleRow<Role>] = &[
        RoleRow {
            role: Role::Proposer,
            name: "proposer",
            plural: "proposers",
            prefix: "P",
        },
        RoleRow {
            role: Role::Acceptor,
            name: "acceptor",
            plural: "acceptors",
            prefix: "A",
        },
        RoleRow {
            role: Role::Learner,
            name: "learner",
            plural: "learners",
            prefix: "L",
        },
    ];
    const DEFAULT_ROLES: &'static [Role] = &[Role::Proposer, Role::Acceptor, Role::Learner];
    type Params = Params;
    const PARAM_RANGES: &'static [ParamRange] = &[
        ParamRange {
            name: "timeout",
            values: &[30, 60, 100, 200, 400],
        },
        ParamRange {
            name: "retry_delay",
            values: &[0, 10, 50],
        },
        ParamRange {
            name: "backoff",
            values: &[10, 50, 100, 300],
        },
    ];
    const CHECKS: &'static [CheckKind] = &[CheckKind::Agreement, CheckKind::Validity];
    const OUTCOMES: &'static [OutcomeWord] = &[OutcomeWord::Chosen, OutcomeWord::Livelock];
    const SERVES: Serves = Serves::Proposals;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;
    type Config = Config;

    fn configure(setup: &Setup<'_, Self>) -> Result<Config, InputError> {
        let params = setup.params.clone();
        // A zero timeout would start a new round at the same instant forever.
        if params.timeout == 0 {
            return Err(setup.error(
                "params.timeout",
                "the round timeout must be at least 1 tick (0 would retry at the same \
                 instant forever)",
            ));
        }
        let roles: Vec<Roles> = setup
            .cluster
            .nodes
            .iter()
            .map(|n| Roles {
                proposer: setup.has_role(n.id, Role::Proposer),
                acceptor: setup.has_role(n.id, Role::Acceptor),
                learner: setup.has_role(n.id, Role::Learner),
            })
            .collect();
        let acceptors = setup.with_role(Role::Acceptor);
        let proposers = setup.with_role(Role::Proposer);
        let learners = setup.with_role(Role::Learner);
        if acceptors.is_empty() {
            return Err(setup.error("nodes", "basic-paxos needs at least one acceptor"));
        }
        for req in setup.requests {
            if !roles[req.node.index()].proposer {
                return Err(setup.error(
                    format!("requests[{}].node", req.index),
                    format!(
                        "node {:?} is not a proposer; only proposers take requests",
                        setup.cluster.name(req.node)
                    ),
                ));
            }
        }
        Ok(Config {
            variant: setup.variant,
            params,
            acceptors,
            learners,
            proposers,
            roles,
        })
    }

    fn chosen_quorum(config: &Config) -> Option<usize> {
        Some(config.majority())
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, _ctx: &mut Ctx<Self>) -> Self {
        let roles = config.roles[me.index()];
        let proposer = config
            .proposers
            .iter()
            .position(|&p| p == me)
            .map(|pos| ProposerState {
                index: pos as u64 + 1,
                count: config.proposers.len() as u64,
                params: ParamsCopy {
                    timeout: config.params.timeout,
                    retry_delay: config.params.retry_delay,
                    backoff: config.params.backoff,
                },
                ballot: disk.last_ballot,
                highest_seen: disk.last_ballot,
                phase: Phase::Idle,
                own_value: None,
                waiting: Vec::new(),
                promised_by: Vec::new(),
                reported: None,
            });
        BasicPaxos {
            me,
            roles,
            variant: config.variant,
            peers: Peers {
                acceptors: config.acceptors.clone(),
                learners: config.learners.clone(),
                majority: config.majority(),
            },
            acceptor: AcceptorState {
                promised: disk.promised,
                accepted: disk.accepted.clone(),
            },
            proposer,
            tally: Tally::default(),
            learned: None,
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest) {
        let Op::Propose(value) = request.op else {
            ctx.reply(
                request.id,
                Reply::Fail {
                    reason: "basic-paxos takes proposals only".into(),
                    redirect: None,
                },
            );
            return;
        };
        if let Some(v) = &self.learned {
            ctx.reply(request.id, Reply::Chosen(v.clone()));
            return;
        }
        let Some(p) = self.proposer.as_mut() else {
            ctx.reply(
                request.id,
                Reply::Fail {
                    reason: "not a proposer".into(),
                    redirect: None,
                },
            );
            return;
        };
        p.waiting.push(request.id);
        if p.own_value.is_none() {
            p.own_value = Some(value);
        }
        if p.phase == Phase::Idle {
            self.start_round(ctx);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Prepare { ballot } => self.on_prepare(ctx, from, ballot),
            Msg::Promise { ballot, accepted } => self.on_promise(ctx, from, ballot, accepted),
            Msg::Accept { ballot, value } => self.on_accept(ctx, from, ballot, value),
            Msg::Accepted { ballot, value } => self.on_accepted(ctx, from, ballot, value),
            Msg::Nack { ballot, promised } => self.on_nack(ctx, ballot, promised),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Retry => {
                let active = self
                    .proposer
                    .as_ref()
                    .is_some_and(|p| p.phase != Phase::Done && p.phase != Phase::Idle);
                if active {
                    self.start_round(ctx);
                }
            }
        }
    }

    /// Fields: an acceptor's `promised` and `accepted`; a proposer's `ballot`,
    /// `phase` (idle, preparing, accepting, waiting, done), `value` (its
    /// client's), `promises` (this round's), `reported` (the highest accepted
    /// proposal those promises reported) and `proposing` (phase 2's value);
    /// everyone's `learned`.
    fn describe(&self) -> NodeView {
        let mut roles = Vec::new();
        if self.roles.proposer {
            roles.push("proposer");
        }
        if self.roles.acceptor {
            roles.push("acceptor");
        }
        if self.roles.learner {
            roles.push("learner");
        }
        let mut view = NodeView::new(roles);
        if self.roles.acceptor {
            view.field("promised", FieldValue::Ballot(self.acceptor.promised));
            view.field(
                "accepted",
                FieldValue::Proposal(self.acceptor.accepted.clone()),
            );
        }
        if let Some(p) = &self.proposer {
            let (phase, proposing) = match &p.phase {
                Phase::Idle => ("idle", None),
                Phase::Preparing => ("preparing", None),
                Phase::Accepting(v) => ("accepting", Some(v.clone())),
                Phase::Waiting => ("waiting", None),
                Phase::Done => ("done", None),
            };
            view.field("ballot", FieldValue::Ballot(p.ballot));
            view.field("phase", FieldValue::Word(phase));
            view.field("value", FieldValue::Value(p.own_value.clone()));
            view.field("promises", FieldValue::Nodes(p.promised_by.clone()));
            view.field("reported", FieldValue::Proposal(p.reported.clone()));
            view.field("proposing", FieldValue::Value(proposing));
        }
        view.field("learned", FieldValue::Value(self.learned.clone()));
        view
    }
}

impl BasicPaxos {
    // --- Proposer ----------------------------------------------------------

    /// P1a: choose a ballot above everything seen and send prepare(n) to the acceptors.
    fn start_round(&mut self, ctx: &mut Ctx<Self>) {
        let Some(p) = self.proposer.as_mut() else {
            return;
        };
        let above = p.ballot.max(p.highest_seen);
        p.ballot = Ballot::next_above(above, p.index, p.count);
        // Never reuse a ballot, even across a restart.
        ctx.persist(DiskWrite::Ballot(p.ballot));
        p.phase = Phase::Preparing;
        p.promised_by.clear();
        p.reported = None;
        ctx.send_all(&self.peers.acceptors, &Msg::Prepare { ballot: p.ballot });
        ctx.set_timer(Timer::Retry, p.params.timeout);
    }

    /// P2a: with a majority of promises, propose the highest reported value, or ours.
    fn on_promise(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        accepted: Option<(Ballot, Value)>,
    ) {
        let own_value_bug = self.variant == Variant::OwnValue;
        let Some(p) = self.proposer.as_mut() else {
            return;
        };
        if ballot != p.ballot || p.phase != Phase::Preparing || p.promised_by.contains(&from) {
            return;
        }
        p.promised_by.push(from);
        if let Some((b, v)) = accepted
            && p.reported.as_ref().is_none_or(|(rb, _)| b > *rb)
        {
            p.reported = Some((b, v));
        }
        if p.promised_by.len() < self.peers.majority {
            return;
        }
        let own = p
            .own_value
            .clone()
            .expect("a proposer only prepares with a value");
        let (value, adopted) = match (&p.reported, own_value_bug) {
            (Some((_, v)), false) => (v.clone(), *v != own),
            _ => (own, false),
        };
        ctx.note(Fact::Proposed {
            ballot,
            value: value.clone(),
            adopted,
        });
        p.phase = Phase::Accepting(value.clone());
        ctx.send_all(&self.peers.acceptors, &Msg::Accept { ballot, value });
        ctx.set_timer(Timer::Retry, p.params.timeout);
    }

    /// A rejection: another proposer holds a higher promise; retry above it.
    fn on_nack(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot, promised: Ballot) {
        let variant = self.variant;
        let Some(p) = self.proposer.as_mut() else {
            return;
        };
        p.highest_seen = p.highest_seen.max(promised);
        let in_round = matches!(p.phase, Phase::Preparing | Phase::Accepting(_));
        // A nack naming our own ballot answers a duplicated prepare: not a rejection.
        if ballot != p.ballot || !in_round || promised <= ballot {
            return;
        }
        p.phase = Phase::Waiting;
        let wait = match variant {
            Variant::Backoff => ctx.rng().between(1, p.params.backoff.max(1)),
            _ => p.params.retry_delay,
        };
        if wait == 0 {
            self.start_round(ctx);
        } else {
            ctx.set_timer(Timer::Retry, wait);
        }
    }

    // --- Acceptor ----------------------------------------------------------

    /// P1b: promise not to answer prepare ≤ n nor accept < n; report the highest accepted.
    fn on_prepare(&mut self, ctx: &mut Ctx<Self>, from: NodeId, ballot: Ballot) {
        if !self.roles.acceptor {
            return;
        }
        let a = &mut self.acceptor;
        if ballot <= a.promised {
            ctx.send(
                from,
                Msg::Nack {
                    ballot,
                    promised: a.promised,
                },
            );
            return;
        }
        a.promised = ballot;
        if self.variant != Variant::ForgetPromise {
            // Persist before answering: a promise forgotten in a crash is no promise.
            ctx.persist(DiskWrite::Promise(ballot));
        }
        ctx.note(Fact::Promised { ballot });
        ctx.send(
            from,
            Msg::Promise {
                ballot,
                accepted: a.accepted.clone(),
            },
        );
    }

    /// P2b: accept (n, v) unless promised to a higher ballot; persist, then tell.
    fn on_accept(&mut self, ctx: &mut Ctx<Self>, from: NodeId, ballot: Ballot, value: Value) {
        if !self.roles.acceptor {
            return;
        }
        let a = &mut self.acceptor;
        if ballot < a.promised {
            ctx.send(
                from,
                Msg::Nack {
                    ballot,
                    promised: a.promised,
                },
            );
            return;
        }
        a.promised = ballot;
        a.accepted = Some((ballot, value.clone()));
        ctx.persist(DiskWrite::Accept(ballot, value.clone()));
        ctx.note(Fact::Accepted {
            ballot,
            value: value.clone(),
        });
        let msg = Msg::Accepted { ballot, value };
        ctx.send(from, msg.clone());
        for &learner in &self.peers.learners {
            if learner != from {
                ctx.send(learner, msg.clone());
            }
        }
    }

    // --- Learner (and proposer counting its own accepts) -------------------

    /// A value is chosen once a majority of acceptors accepted it in one ballot.
    /// Acceptors tell the proposer of the ballot and every learner; both count
    /// per ballot, so a proposer that has moved on to a higher ballot still
    /// learns that its earlier proposal passed (seed 004, step 9).
    fn on_accepted(&mut self, ctx: &mut Ctx<Self>, from: NodeId, ballot: Ballot, value: Value) {
        if !self.roles.learner && self.proposer.is_none() {
            return;
        }
        if self.tally.record(from, ballot, &value) >= self.peers.majority {
            self.learn(ctx, value);
        }
    }

    fn learn(&mut self, ctx: &mut Ctx<Self>, value: Value) {
        if self.learned.is_none() {
            self.learned = Some(value.clone());
            ctx.note(Fact::Learned {
                value: value.clone(),
            });
        }
        if let Some(p) = self.proposer.as_mut() {
            p.phase = Phase::Done;
            ctx.cancel_timer(Timer::Retry);
            for request in p.waiting.drain(..) {
                ctx.reply(request, Reply::Chosen(value.clone()));
            }
        }
    }
}
