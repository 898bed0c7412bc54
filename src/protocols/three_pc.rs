//! Three-phase commit (3PC): CanCommit → PreCommit → DoCommit, seed 000 §6.2.
//!
//! - CanCommit (事务询问): the coordinator logs that it began, then sends each
//!   participant its part; a participant that can do it writes its redo/undo
//!   record, locks, and votes Yes (or votes No and aborts).
//! - PreCommit: all Yes → the coordinator logs *precommit* and sends PreCommit;
//!   a participant marks itself precommitted on disk and acks. A No or the
//!   vote timeout → Abort.
//! - DoCommit: every ack → the coordinator logs commit and sends DoCommit;
//!   participants commit and say done. A coordinator that times out waiting
//!   for the acks commits anyway (every participant voted Yes; the silent ones
//!   are taken for failed and learn on recovery — the usual textbook rule).
//! - The timeout rules of seed 000 §6.2: a participant that times out *before*
//!   PreCommit aborts; one that times out *after* PreCommit commits. No
//!   participant blocks — and that is exactly what makes 3PC diverge under a
//!   partition after PreCommit (§6.2.3): the precommitted side commits, the
//!   side without PreCommit aborts.
//! - Recovery: a coordinator whose log says precommit commits; one whose log
//!   says only that it began aborts; a decision in the log is resent.
//!
//! Variants (after the non-blocking atomic commitment protocol of the
//! tlaplus/Examples `acp` specs): `standard`, the seed's 3PC; `forward-first`,
//! a participant that receives a decision forwards it to the other
//! participants *before* acting on it, so a decision one of them has acted on
//! reaches the others even when the coordinator's copies do not; and the bug
//! `decide-first`, which acts first and forwards only afterwards
//! (`params.forward_delay` later) — a crash in between leaves the others to
//! decide by timeout.

use crate::bank::{
    Account, Bank, BankParams, Ledger, LedgerDisk, LedgerHost, LedgerWrite, Standing, TxId, TxName,
};
use crate::check::CheckKind;
use crate::commit::setup::{self, COORDINATOR, PARTICIPANT, Role, not_a_transfer};
use crate::commit::{Acks, Client, Phase1, Tally, Votes, coordinator, participant};
use crate::error::InputError;
use crate::fact::Fact;
use crate::ids::{NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::ClientRequest;
use crate::protocol::{
    Ctx, DurableState, FieldValue, Meaning, Message, NodeView, OutcomeWord, Protocol, RoleRow,
    Serves, Setup,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Standard,
    ForwardFirst,
    DecideFirst,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Standard,
            name: "standard",
            about: "seed 000's 3PC: timeout before PreCommit aborts, after PreCommit commits",
        },
        NameRow {
            value: Variant::ForwardFirst,
            name: "forward-first",
            about: "a participant forwards a decision to the others before acting on it",
        },
        NameRow {
            value: Variant::DecideFirst,
            name: "decide-first",
            about: "BUG: acts on a decision first and forwards it only later",
        },
    ];
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks the coordinator waits for votes (then aborts), for PreCommit acks
    /// (then commits), and between resends of a decision.
    #[serde(default = "default_timeout")]
    pub vote_timeout: u64,
    /// Ticks a participant waits for the next message before deciding alone.
    #[serde(default = "default_decision_timeout")]
    pub decision_timeout: u64,
    /// `decide-first`: ticks between acting on a decision and forwarding it.
    #[serde(default = "default_forward_delay")]
    pub forward_delay: u64,
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

fn default_forward_delay() -> u64 {
    20
}

#[derive(Clone, Debug)]
pub struct Config {
    pub variant: Variant,
    pub vote_timeout: u64,
    pub decision_timeout: u64,
    pub forward_delay: u64,
    pub bank: Bank,
    pub coordinators: Vec<NodeId>,
    pub participants: Vec<NodeId>,
}

// ---------------------------------------------------------------------------
// Messages.

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    CanCommit {
        tx: TxName,
        part: Vec<(Account, i64)>,
    },
    Vote {
        tx: TxName,
        yes: bool,
    },
    PreCommit {
        tx: TxName,
    },
    /// A participant is precommitted.
    Ack {
        tx: TxName,
    },
    DoCommit {
        tx: TxName,
    },
    Abort {
        tx: TxName,
    },
    /// A participant applied the decision.
    Done {
        tx: TxName,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    CanCommit,
    Vote,
    PreCommit,
    Ack,
    DoCommit,
    Abort,
    Done,
}

impl Named for MsgKind {
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::CanCommit,
            name: "can-commit",
            about: "phase 1: can you do your part? (locks and redo/undo on Yes)",
        },
        NameRow {
            value: MsgKind::Vote,
            name: "vote",
            about: "Yes or No",
        },
        NameRow {
            value: MsgKind::PreCommit,
            name: "pre-commit",
            about: "phase 2: everyone voted Yes; get ready to commit",
        },
        NameRow {
            value: MsgKind::Ack,
            name: "ack",
            about: "a participant is precommitted",
        },
        NameRow {
            value: MsgKind::DoCommit,
            name: "do-commit",
            about: "phase 3: commit (from the coordinator, or forwarded by a participant)",
        },
        NameRow {
            value: MsgKind::Abort,
            name: "abort",
            about: "abort (from the coordinator, or forwarded by a participant)",
        },
        NameRow {
            value: MsgKind::Done,
            name: "done",
            about: "a participant applied the decision",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::CanCommit { .. } => MsgKind::CanCommit,
            Msg::Vote { .. } => MsgKind::Vote,
            Msg::PreCommit { .. } => MsgKind::PreCommit,
            Msg::Ack { .. } => MsgKind::Ack,
            Msg::DoCommit { .. } => MsgKind::DoCommit,
            Msg::Abort { .. } => MsgKind::Abort,
            Msg::Done { .. } => MsgKind::Done,
        }
    }

    fn meaning(kind: MsgKind) -> Meaning {
        match kind {
            MsgKind::CanCommit => Meaning {
                en: "{receiver} is asked by the coordinator {sender} whether it can commit {tx} \
                     (CanCommit)",
                zh: "协调者 {sender} 询问 {receiver} 能否提交事务 {tx}（CanCommit）",
            },
            MsgKind::Vote => Meaning {
                en: "{receiver} hears {sender}'s vote on {tx}: yes is {yes}",
                zh: "{receiver} 收到 {sender} 对事务 {tx} 的投票（同意：{yes}）",
            },
            MsgKind::PreCommit => Meaning {
                en: "{receiver} receives PreCommit for {tx} from {sender}: everyone voted Yes; \
                     from now on a timeout makes it commit",
                zh: "{receiver} 收到 {sender} 对事务 {tx} 的 PreCommit：所有人都同意了；此后超时就会提交",
            },
            MsgKind::Ack => Meaning {
                en: "{receiver} hears that {sender} acknowledged PreCommit for {tx}",
                zh: "{receiver} 得知 {sender} 已确认事务 {tx} 的 PreCommit",
            },
            MsgKind::DoCommit => Meaning {
                en: "{receiver} is told by {sender} to commit {tx} (DoCommit)",
                zh: "{sender} 通知 {receiver} 提交事务 {tx}（DoCommit）",
            },
            MsgKind::Abort => Meaning {
                en: "{receiver} is told by {sender} to abort {tx}",
                zh: "{sender} 通知 {receiver} 中止事务 {tx}",
            },
            MsgKind::Done => Meaning {
                en: "{receiver} hears that {sender} has carried out the decision on {tx}",
                zh: "{receiver} 得知 {sender} 已执行事务 {tx} 的决定",
            },
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::CanCommit { tx, part } => {
                write!(f, "can-commit({tx}: {})", participant::part_text(part))
            }
            Msg::Vote { tx, yes: true } => write!(f, "vote({tx}, Yes)"),
            Msg::Vote { tx, yes: false } => write!(f, "vote({tx}, No)"),
            Msg::PreCommit { tx } => write!(f, "pre-commit({tx})"),
            Msg::Ack { tx } => write!(f, "ack({tx})"),
            Msg::DoCommit { tx } => write!(f, "do-commit({tx})"),
            Msg::Abort { tx } => write!(f, "abort({tx})"),
            Msg::Done { tx } => write!(f, "done({tx})"),
        }
    }
}

fn decision(tx: &TxName, commit: bool) -> Msg {
    let tx = tx.clone();
    if commit {
        Msg::DoCommit { tx }
    } else {
        Msg::Abort { tx }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Coordinator: votes overdue (abort).
    Votes(TxId),
    /// Coordinator: PreCommit acks overdue (commit).
    Acks(TxId),
    /// Coordinator: resend the decision to those not done.
    Resend(TxId),
    /// Participant: the next message is overdue; decide by the timeout rule.
    Next(TxId),
    /// Participant (`decide-first`): forward the decision acted on.
    Forward(TxId),
}

// ---------------------------------------------------------------------------
// Durable state.

/// What the coordinator's log says about a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinatorLog {
    Begun,
    PreCommitted,
    Decided(bool),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub ledger: LedgerDisk,
    /// Participant: transactions it received PreCommit for.
    pub precommitted: BTreeSet<TxName>,
    pub coordinator: BTreeMap<TxName, CoordinatorLog>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    Ledger(LedgerWrite),
    PreCommitted(TxName),
    Coordinator(TxName, CoordinatorLog),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::Ledger(w) => self.ledger.apply(w),
            DiskWrite::PreCommitted(tx) => {
                self.precommitted.insert(tx.clone());
            }
            DiskWrite::Coordinator(tx, log) => {
                self.coordinator.insert(tx.clone(), *log);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug)]
pub struct ThreePc {
    me: NodeId,
    config: Config,
    coordinator: Option<Coordinator>,
    participant: Option<Participant>,
}

#[derive(Clone, Debug, Default)]
struct Coordinator {
    txs: BTreeMap<TxName, Round>,
}

#[derive(Clone, Debug)]
struct Round {
    id: TxId,
    phase: CoordinatorLog,
    votes: Votes,
    /// PreCommit acknowledged.
    acks: Acks,
    /// The decision carried out.
    done: Acks,
    client: Client,
}

impl Round {
    fn new(id: TxId, phase: CoordinatorLog, client: Client) -> Round {
        Round {
            id,
            phase,
            votes: Votes::default(),
            acks: Acks::default(),
            done: Acks::default(),
            client,
        }
    }
}

#[derive(Clone, Debug)]
struct Participant {
    ledger: Ledger,
    precommitted: BTreeSet<TxName>,
    /// `decide-first`: decisions acted on and not yet forwarded.
    to_forward: BTreeMap<TxName, bool>,
}

impl LedgerHost for ThreePc {
    fn ledger_write(write: LedgerWrite) -> DiskWrite {
        DiskWrite::Ledger(write)
    }
}

impl Protocol for ThreePc {
    type Variant = Variant;
    type Role = Role;
    const ROLES: &'static [RoleRow<Role>] = &[COORDINATOR, PARTICIPANT];
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
                ("params.forward_delay", p.forward_delay),
            ],
            &BankParams {
                accounts: p.accounts.clone(),
                vote_no: p.vote_no.clone(),
                no_probability: p.no_probability,
            },
        )?;
        Ok(Config {
            variant: setup.variant,
            vote_timeout: p.vote_timeout,
            decision_timeout: p.decision_timeout,
            forward_delay: p.forward_delay,
            bank: nodes.bank,
            coordinators: nodes.coordinators,
            participants: nodes.participants,
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        let mut node = ThreePc {
            me,
            config: config.clone(),
            coordinator: config.coordinators.contains(&me).then(Coordinator::default),
            participant: None,
        };
        if config.participants.contains(&me) {
            let ledger = participant::recover(
                &config.bank,
                me,
                &disk.ledger,
                ctx,
                Timer::Next,
                config.decision_timeout,
            );
            node.participant = Some(Participant {
                ledger,
                precommitted: disk.precommitted.clone(),
                to_forward: BTreeMap::new(),
            });
        }
        if node.coordinator.is_some() {
            // Recovery: precommit in the log → commit; only begun → abort; a
            // decision → resend it.
            for (tx, &log) in &disk.coordinator {
                let Some(id) = config.bank.id(tx) else {
                    continue;
                };
                if let Some(c) = node.coordinator.as_mut() {
                    c.txs
                        .insert(tx.clone(), Round::new(id, log, Client::default()));
                }
                match log {
                    CoordinatorLog::Begun => node.decide(ctx, tx, false),
                    CoordinatorLog::PreCommitted => node.decide(ctx, tx, true),
                    CoordinatorLog::Decided(_) => ctx.set_timer(Timer::Resend(id), 1),
                }
            }
        }
        node
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
            Msg::CanCommit { tx, part } => self.on_can_commit(ctx, from, &tx, &part),
            Msg::Vote { tx, yes } => self.on_vote(ctx, from, &tx, yes),
            Msg::PreCommit { tx } => self.on_pre_commit(ctx, from, &tx),
            Msg::Ack { tx } => self.on_ack(ctx, from, &tx),
            Msg::DoCommit { tx } => self.on_decision(ctx, from, &tx, true),
            Msg::Abort { tx } => self.on_decision(ctx, from, &tx, false),
            Msg::Done { tx } => self.on_done(ctx, from, &tx),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        let tx = self.config.bank.plan(match timer {
            Timer::Votes(id)
            | Timer::Acks(id)
            | Timer::Resend(id)
            | Timer::Next(id)
            | Timer::Forward(id) => id,
        });
        let tx = tx.name.clone();
        match timer {
            Timer::Votes(_) => self.on_votes_overdue(ctx, &tx),
            Timer::Acks(_) => self.on_acks_overdue(ctx, &tx),
            Timer::Resend(_) => self.on_resend(ctx, &tx),
            Timer::Next(_) => self.on_next_overdue(ctx, &tx),
            Timer::Forward(_) => self.on_forward(ctx, &tx),
        }
    }

    /// Fields: a coordinator's `transactions` (phase of each); a participant's
    /// `balances`, `log`, `locks` and `precommitted`.
    fn describe(&self) -> NodeView {
        let mut roles = Vec::new();
        if self.coordinator.is_some() {
            roles.push("coordinator");
        }
        if self.participant.is_some() {
            roles.push("participant");
        }
        let mut view = NodeView::new(roles);
        if let Some(c) = &self.coordinator {
            let text = c
                .txs
                .iter()
                .map(|(tx, r)| {
                    let phase = match r.phase {
                        CoordinatorLog::Begun => "can-commit",
                        CoordinatorLog::PreCommitted => "pre-commit",
                        CoordinatorLog::Decided(true) => "commit",
                        CoordinatorLog::Decided(false) => "abort",
                    };
                    format!("{tx}:{phase}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            view.field("transactions", FieldValue::Text(text));
        }
        if let Some(p) = &self.participant {
            participant::fields(&mut view, &p.ledger);
            let pre: Vec<&str> = p.precommitted.iter().map(|t| t.0.as_str()).collect();
            view.field("precommitted", FieldValue::Text(pre.join(" ")));
        }
        view
    }
}

impl ThreePc {
    // --- Coordinator -------------------------------------------------------

    /// CanCommit: log that the transaction began, then ask every participant.
    fn begin(&mut self, ctx: &mut Ctx<Self>, request: RequestId, tx: &TxName) {
        let (Some(c), Some(id)) = (self.coordinator.as_mut(), self.config.bank.id(tx)) else {
            ctx.reply(request, not_a_transfer());
            return;
        };
        if let Some(round) = c.txs.get_mut(tx) {
            let decided = match round.phase {
                CoordinatorLog::Decided(commit) => Some(commit),
                _ => None,
            };
            round.client.repeat(ctx, request, decided);
            return;
        }
        c.txs.insert(
            tx.clone(),
            Round::new(id, CoordinatorLog::Begun, Client::waiting(request)),
        );
        let plan = self.config.bank.plan(id);
        ctx.persist(DiskWrite::Coordinator(tx.clone(), CoordinatorLog::Begun));
        coordinator::ask_participants(ctx, plan, |tx, part| Msg::CanCommit { tx, part });
        ctx.set_timer(Timer::Votes(id), self.config.vote_timeout);
    }

    /// PreCommit once every vote is Yes (logged first); Abort on a No.
    fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName, yes: bool) {
        let Some(round) = self.coordinator.as_mut().and_then(|c| c.txs.get_mut(tx)) else {
            return;
        };
        if round.phase != CoordinatorLog::Begun {
            return;
        }
        let id = round.id;
        let plan = self.config.bank.plan(id);
        match round.votes.record(plan, from, yes) {
            Tally::No => return self.decide(ctx, tx, false),
            Tally::Waiting => return,
            Tally::AllYes => {}
        }
        round.phase = CoordinatorLog::PreCommitted;
        ctx.persist(DiskWrite::Coordinator(
            tx.clone(),
            CoordinatorLog::PreCommitted,
        ));
        ctx.flush();
        ctx.cancel_timer(Timer::Votes(id));
        ctx.send_all(&plan.participants, &Msg::PreCommit { tx: tx.clone() });
        ctx.set_timer(Timer::Acks(id), self.config.vote_timeout);
    }

    fn on_votes_overdue(&mut self, ctx: &mut Ctx<Self>, tx: &TxName) {
        let begun = self
            .coordinator
            .as_ref()
            .and_then(|c| c.txs.get(tx))
            .is_some_and(|r| r.phase == CoordinatorLog::Begun);
        if begun {
            self.decide(ctx, tx, false);
        }
    }

    /// DoCommit once every participant is precommitted.
    fn on_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName) {
        let Some(round) = self.coordinator.as_mut().and_then(|c| c.txs.get_mut(tx)) else {
            return;
        };
        if round.phase != CoordinatorLog::PreCommitted {
            return;
        }
        if round.acks.record(self.config.bank.plan(round.id), from) {
            self.decide(ctx, tx, true);
        }
    }

    /// Everyone voted Yes and PreCommit went out: commit without the missing acks.
    fn on_acks_overdue(&mut self, ctx: &mut Ctx<Self>, tx: &TxName) {
        let precommitted = self
            .coordinator
            .as_ref()
            .and_then(|c| c.txs.get(tx))
            .is_some_and(|r| r.phase == CoordinatorLog::PreCommitted);
        if precommitted {
            self.decide(ctx, tx, true);
        }
    }

    /// Logs the decision, then sends it and answers the client.
    fn decide(&mut self, ctx: &mut Ctx<Self>, tx: &TxName, commit: bool) {
        let Some(round) = self.coordinator.as_mut().and_then(|c| c.txs.get_mut(tx)) else {
            return;
        };
        round.phase = CoordinatorLog::Decided(commit);
        let id = round.id;
        ctx.persist(DiskWrite::Coordinator(
            tx.clone(),
            CoordinatorLog::Decided(commit),
        ));
        ctx.flush();
        ctx.note(Fact::Decided {
            tx: tx.clone(),
            commit,
        });
        ctx.cancel_timer(Timer::Votes(id));
        ctx.cancel_timer(Timer::Acks(id));
        let plan = self.config.bank.plan(id);
        ctx.send_all(&plan.participants, &decision(tx, commit));
        round.client.answer(ctx, tx, commit);
        ctx.set_timer(Timer::Resend(id), self.config.vote_timeout);
    }

    fn on_done(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName) {
        let Some(round) = self.coordinator.as_mut().and_then(|c| c.txs.get_mut(tx)) else {
            return;
        };
        if round.done.record(self.config.bank.plan(round.id), from) {
            ctx.cancel_timer(Timer::Resend(round.id));
        }
    }

    fn on_resend(&mut self, ctx: &mut Ctx<Self>, tx: &TxName) {
        let Some(round) = self.coordinator.as_ref().and_then(|c| c.txs.get(tx)) else {
            return;
        };
        let CoordinatorLog::Decided(commit) = round.phase else {
            return;
        };
        let plan = self.config.bank.plan(round.id);
        let missing = round.done.missing(plan);
        if !missing.is_empty() {
            // The decision's record may still be on its way to the disk.
            ctx.flush();
            ctx.send_all(&missing, &decision(tx, commit));
            ctx.set_timer(Timer::Resend(round.id), self.config.vote_timeout);
        }
    }

    // --- Participant -------------------------------------------------------

    /// CanCommit at a participant: prepare and vote Yes, or vote No and abort.
    fn on_can_commit(
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
        // Voted Yes: from now on the timeout before PreCommit aborts.
        if answer == Phase1::Prepared
            && let Some(id) = bank.id(tx)
        {
            ctx.set_timer(Timer::Next(id), self.config.decision_timeout);
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

    /// PreCommit: remember it on disk, then ack; the timeout now commits.
    fn on_pre_commit(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName) {
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        match p.ledger.standing(tx) {
            Standing::Prepared => {
                if p.precommitted.insert(tx.clone()) {
                    ctx.persist(DiskWrite::PreCommitted(tx.clone()));
                    ctx.flush();
                    if let Some(id) = self.config.bank.id(tx) {
                        ctx.set_timer(Timer::Next(id), self.config.decision_timeout);
                    }
                }
                // A repeated PreCommit is acked once the first one's record
                // is on disk, as the first was.
                ctx.flush();
                ctx.send(from, Msg::Ack { tx: tx.clone() });
            }
            Standing::Committed => {
                ctx.flush();
                ctx.send(from, Msg::Ack { tx: tx.clone() })
            }
            // Too late: it timed out before PreCommit and aborted.
            Standing::Aborted | Standing::Unknown => {}
        }
    }

    /// DoCommit or Abort, from the coordinator or forwarded by a peer.
    fn on_decision(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName, commit: bool) {
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        let Some(id) = self.config.bank.id(tx) else {
            return;
        };
        let undecided = matches!(
            p.ledger.standing(tx),
            Standing::Prepared | Standing::Unknown
        );
        let others = self.config.bank.plan(id).others(self.me);
        if undecided {
            match self.config.variant {
                Variant::Standard => {}
                // Forward before acting: whatever this node does, the others hear.
                Variant::ForwardFirst => ctx.send_all(&others, &decision(tx, commit)),
                Variant::DecideFirst => {
                    p.to_forward.insert(tx.clone(), commit);
                    ctx.set_timer(Timer::Forward(id), self.config.forward_delay);
                }
            }
            if p.ledger.finish(ctx, tx, commit) {
                ctx.cancel_timer(Timer::Next(id));
            }
        }
        if self.config.coordinators.contains(&from) {
            // Done once the outcome is on disk, a repeated decision too.
            ctx.flush();
            ctx.send(from, Msg::Done { tx: tx.clone() });
        }
    }

    /// Seed 000 §6.2: timed out before PreCommit → abort; after → commit.
    fn on_next_overdue(&mut self, ctx: &mut Ctx<Self>, tx: &TxName) {
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        if p.ledger.standing(tx) != Standing::Prepared {
            return;
        }
        let commit = p.precommitted.contains(tx);
        p.ledger.finish(ctx, tx, commit);
    }

    fn on_forward(&mut self, ctx: &mut Ctx<Self>, tx: &TxName) {
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        let (Some(commit), Some(id)) = (p.to_forward.remove(tx), self.config.bank.id(tx)) else {
            return;
        };
        let others = self.config.bank.plan(id).others(self.me);
        ctx.send_all(&others, &decision(tx, commit));
    }
}
