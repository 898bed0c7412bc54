//! Two-phase commit (2PC): one coordinator, N participants, seed 000 §6.1 and
//! seed 004 (两阶段提交协议).
//!
//! - Phase 1 (请求阶段 / 投票): the coordinator sends each participant its part of
//!   the transaction (`prepare`). A participant that can do it writes its
//!   redo/undo record to disk, locks the accounts, then votes Yes; otherwise it
//!   votes No and aborts at once.
//! - Phase 2 (提交阶段): all Yes → commit, otherwise rollback. The coordinator
//!   writes its decision to its log *before* sending it (so a restart recovers
//!   it), answers the client, and resends to participants until each acks.
//! - A coordinator that times out waiting for votes aborts (太过保守: one slow or
//!   crashed participant fails the whole transaction).
//! - A participant that voted Yes is *blocked* (同步阻塞) — prepared, uncertain,
//!   holding its locks — until it learns the outcome. When its timeout fires it
//!   asks the coordinator (单点问题: with the coordinator down, nobody answers)
//!   and, with `params.cooperative`, the other participants: one that knows the
//!   outcome, or has not voted yet (it then aborts and says so), can answer.
//! - Presumed abort: a coordinator asked about a transaction it has no record
//!   of (it crashed before deciding) logs abort and answers abort.
//!
//! Variants: `default`; and the bug `abort-on-timeout`, a participant that rolls
//! back when its timeout fires although it voted Yes — what seed 000's 数据不一致
//! needs: when COMMIT reaches only some participants, the others abort.

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
    Default,
    AbortOnTimeout,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Default,
            name: "default",
            about: "a prepared participant waits for the outcome, asking, however long it takes",
        },
        NameRow {
            value: Variant::AbortOnTimeout,
            name: "abort-on-timeout",
            about: "BUG: a participant that voted Yes rolls back when its timeout fires",
        },
    ];
}

/// Settings from the scenario's `params`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks the coordinator waits for every vote before aborting; also how
    /// often it resends a decision not yet acknowledged.
    #[serde(default = "default_timeout")]
    pub vote_timeout: u64,
    /// Ticks a prepared participant waits for the outcome before it asks (and
    /// again between questions). Longer than the vote timeout and a round
    /// trip, so an abort for a slow vote arrives before anyone asks.
    #[serde(default = "default_decision_timeout")]
    pub decision_timeout: u64,
    /// Cooperative termination: an uncertain participant also asks the others.
    #[serde(default)]
    pub cooperative: bool,
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
    pub variant: Variant,
    pub vote_timeout: u64,
    pub decision_timeout: u64,
    pub cooperative: bool,
    pub bank: Bank,
    pub coordinators: Vec<NodeId>,
    pub participants: Vec<NodeId>,
}

// ---------------------------------------------------------------------------
// Messages.

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// Phase 1: the coordinator asks a participant to prepare its part.
    Prepare {
        tx: TxName,
        part: Vec<(Account, i64)>,
    },
    Vote {
        tx: TxName,
        yes: bool,
    },
    /// Phase 2, all Yes.
    Commit {
        tx: TxName,
    },
    /// Phase 2, a No or a timeout; also a cooperative peer's answer.
    Rollback {
        tx: TxName,
    },
    /// A participant applied the outcome.
    Ack {
        tx: TxName,
    },
    /// An uncertain participant asks for the outcome.
    Ask {
        tx: TxName,
    },
    /// A peer asked cooperatively is itself prepared and uncertain.
    Uncertain {
        tx: TxName,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    Prepare,
    Vote,
    Commit,
    Rollback,
    Ack,
    Ask,
    Uncertain,
}

impl Named for MsgKind {
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::Prepare,
            name: "prepare",
            about: "phase 1: prepare your part of the transaction and vote",
        },
        NameRow {
            value: MsgKind::Vote,
            name: "vote",
            about: "a participant's Yes (prepared, locked) or No",
        },
        NameRow {
            value: MsgKind::Commit,
            name: "commit",
            about: "phase 2: every vote was Yes",
        },
        NameRow {
            value: MsgKind::Rollback,
            name: "rollback",
            about: "phase 2: a No vote or a timeout; undo",
        },
        NameRow {
            value: MsgKind::Ack,
            name: "ack",
            about: "a participant applied the outcome",
        },
        NameRow {
            value: MsgKind::Ask,
            name: "ask",
            about: "an uncertain participant asks for the outcome",
        },
        NameRow {
            value: MsgKind::Uncertain,
            name: "uncertain",
            about: "the peer asked is itself prepared and does not know",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::Prepare { .. } => MsgKind::Prepare,
            Msg::Vote { .. } => MsgKind::Vote,
            Msg::Commit { .. } => MsgKind::Commit,
            Msg::Rollback { .. } => MsgKind::Rollback,
            Msg::Ack { .. } => MsgKind::Ack,
            Msg::Ask { .. } => MsgKind::Ask,
            Msg::Uncertain { .. } => MsgKind::Uncertain,
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
                en: "{receiver} hears {sender}'s vote on {tx}: yes is {yes}; once a participant \
                     votes Yes it may no longer decide alone",
                zh: "{receiver} 收到 {sender} 对事务 {tx} 的投票（同意：{yes}）；投了同意票的参与者不能再自行决定",
            },
            MsgKind::Commit => Meaning {
                en: "{receiver} is told by {sender} to commit {tx}: every participant voted Yes",
                zh: "{sender} 通知 {receiver} 提交事务 {tx}：所有参与者都投了同意票",
            },
            MsgKind::Rollback => Meaning {
                en: "{receiver} is told by {sender} to roll back {tx}",
                zh: "{sender} 通知 {receiver} 回滚事务 {tx}",
            },
            MsgKind::Ack => Meaning {
                en: "{receiver} hears that {sender} has carried out the decision on {tx}",
                zh: "{receiver} 得知 {sender} 已执行事务 {tx} 的决定",
            },
            MsgKind::Ask => Meaning {
                en: "{receiver} is asked by {sender}, blocked while holding its locks, what was \
                     decided for {tx}",
                zh: "持有锁而阻塞的 {sender} 询问 {receiver}：事务 {tx} 的结果是什么",
            },
            MsgKind::Uncertain => Meaning {
                en: "{receiver} hears from {sender} that it does not know the outcome of {tx} \
                     either",
                zh: "{receiver} 得知 {sender} 也不知道事务 {tx} 的结果",
            },
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Prepare { tx, part } => {
                write!(f, "prepare({tx}: {})", participant::part_text(part))
            }
            Msg::Vote { tx, yes: true } => write!(f, "vote({tx}, Yes)"),
            Msg::Vote { tx, yes: false } => write!(f, "vote({tx}, No)"),
            Msg::Commit { tx } => write!(f, "commit({tx})"),
            Msg::Rollback { tx } => write!(f, "rollback({tx})"),
            Msg::Ack { tx } => write!(f, "ack({tx})"),
            Msg::Ask { tx } => write!(f, "ask({tx})"),
            Msg::Uncertain { tx } => write!(f, "uncertain({tx})"),
        }
    }
}

/// The outcome as a message.
pub fn outcome(tx: &TxName, commit: bool) -> Msg {
    let tx = tx.clone();
    if commit {
        Msg::Commit { tx }
    } else {
        Msg::Rollback { tx }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Coordinator: the votes of a transaction are overdue.
    Votes(TxId),
    /// Coordinator: resend a decision to the participants that have not acked.
    Resend(TxId),
    /// Participant: prepared and still uncertain.
    Outcome(TxId),
}

// ---------------------------------------------------------------------------
// Durable state.

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub ledger: LedgerDisk,
    /// The coordinator's log: its decision per transaction.
    pub decisions: BTreeMap<TxName, bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    Ledger(LedgerWrite),
    Decision(TxName, bool),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::Ledger(w) => self.ledger.apply(w),
            DiskWrite::Decision(tx, commit) => {
                self.decisions.insert(tx.clone(), *commit);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug)]
pub struct TwoPc {
    me: NodeId,
    config: Config,
    coordinator: Option<Coordinator>,
    participant: Option<Participant>,
}

#[derive(Clone, Debug, Default)]
struct Coordinator {
    txs: BTreeMap<TxName, Round>,
}

/// A coordinator's transaction in progress (or decided, until every ack).
#[derive(Clone, Debug)]
struct Round {
    id: TxId,
    votes: Votes,
    decision: Option<bool>,
    acked: Acks,
    client: Client,
}

impl Round {
    fn new(id: TxId, decision: Option<bool>, client: Client) -> Round {
        Round {
            id,
            votes: Votes::default(),
            decision,
            acked: Acks::default(),
            client,
        }
    }
}

#[derive(Clone, Debug)]
struct Participant {
    ledger: Ledger,
    /// Transactions this node has said it is blocked on (once each).
    blocked: BTreeSet<TxName>,
}

impl LedgerHost for TwoPc {
    fn ledger_write(write: LedgerWrite) -> DiskWrite {
        DiskWrite::Ledger(write)
    }
}

impl Protocol for TwoPc {
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
            cooperative: p.cooperative,
            bank: nodes.bank,
            coordinators: nodes.coordinators,
            participants: nodes.participants,
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        let coordinator = config.coordinators.contains(&me).then(|| {
            // Recovery: every logged decision is resent until acknowledged.
            let mut c = Coordinator::default();
            for (tx, &commit) in &disk.decisions {
                let Some(id) = config.bank.id(tx) else {
                    continue;
                };
                c.txs
                    .insert(tx.clone(), Round::new(id, Some(commit), Client::default()));
                ctx.set_timer(Timer::Resend(id), 1);
            }
            c
        });
        let participant = config.participants.contains(&me).then(|| {
            // Still prepared after the restart: uncertain, ask soon.
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
                blocked: BTreeSet::new(),
            }
        });
        TwoPc {
            me,
            config: config.clone(),
            coordinator,
            participant,
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
            Msg::Commit { tx } => self.on_outcome(ctx, from, &tx, true),
            Msg::Rollback { tx } => self.on_outcome(ctx, from, &tx, false),
            Msg::Ack { tx } => self.on_ack(ctx, from, &tx),
            Msg::Ask { tx } if self.coordinator.is_some() => {
                self.on_ask_coordinator(ctx, from, &tx)
            }
            Msg::Ask { tx } => self.on_ask_peer(ctx, from, &tx),
            // The peer does not know either: stay blocked, ask again later.
            Msg::Uncertain { .. } => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Votes(id) => self.on_votes_overdue(ctx, id),
            Timer::Resend(id) => self.on_resend(ctx, id),
            Timer::Outcome(id) => self.on_outcome_overdue(ctx, id),
        }
    }

    /// Fields: a coordinator's `transactions` (each with its votes or
    /// decision); a participant's `balances`, `log` (its standing per
    /// transaction) and `locks`.
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
            view.field("transactions", FieldValue::Text(c.text()));
        }
        if let Some(p) = &self.participant {
            participant::fields(&mut view, &p.ledger);
        }
        view
    }
}

impl Coordinator {
    fn text(&self) -> String {
        self.txs
            .iter()
            .map(|(tx, r)| match r.decision {
                Some(true) => format!("{tx}:commit"),
                Some(false) => format!("{tx}:abort"),
                None => format!("{tx}:voting({} yes)", r.votes.yes_count()),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl TwoPc {
    fn bank(&self) -> &Bank {
        &self.config.bank
    }

    // --- Coordinator -------------------------------------------------------

    /// Phase 1 (事务询问): send each participant its part, wait for the votes.
    fn begin(&mut self, ctx: &mut Ctx<Self>, request: RequestId, tx: &TxName) {
        let (Some(c), Some(id)) = (self.coordinator.as_mut(), self.config.bank.id(tx)) else {
            ctx.reply(request, not_a_transfer());
            return;
        };
        if let Some(round) = c.txs.get_mut(tx) {
            // A repeat of a request already running: answer when decided.
            round.client.repeat(ctx, request, round.decision);
            return;
        }
        c.txs
            .insert(tx.clone(), Round::new(id, None, Client::waiting(request)));
        let plan = self.config.bank.plan(id);
        coordinator::ask_participants(ctx, plan, |tx, part| Msg::Prepare { tx, part });
        ctx.set_timer(Timer::Votes(id), self.config.vote_timeout);
    }

    /// Phase 2: any No aborts; the last Yes commits.
    fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName, yes: bool) {
        let Some(c) = self.coordinator.as_mut() else {
            return;
        };
        let Some(round) = c.txs.get_mut(tx) else {
            // A vote for a transaction this coordinator has no memory of: it
            // restarted before deciding. Presumed abort.
            self.decide(ctx, tx, false);
            return;
        };
        if let Some(commit) = round.decision {
            if !round.acked.has(from) {
                ctx.send(from, outcome(tx, commit));
            }
            return;
        }
        let plan = self.config.bank.plan(round.id);
        match round.votes.record(plan, from, yes) {
            Tally::No => self.decide(ctx, tx, false),
            Tally::AllYes => self.decide(ctx, tx, true),
            Tally::Waiting => {}
        }
    }

    /// The vote timeout: whoever has not voted fails the transaction (太过保守).
    fn on_votes_overdue(&mut self, ctx: &mut Ctx<Self>, id: TxId) {
        let tx = self.bank().plan(id).name.clone();
        let undecided = self
            .coordinator
            .as_ref()
            .and_then(|c| c.txs.get(&tx))
            .is_some_and(|r| r.decision.is_none());
        if undecided {
            self.decide(ctx, &tx, false);
        }
    }

    /// Logs the decision, and only then sends it and answers the client.
    fn decide(&mut self, ctx: &mut Ctx<Self>, tx: &TxName, commit: bool) {
        let Some(id) = self.config.bank.id(tx) else {
            return;
        };
        let Some(c) = self.coordinator.as_mut() else {
            return;
        };
        let round = c
            .txs
            .entry(tx.clone())
            .or_insert_with(|| Round::new(id, None, Client::default()));
        round.decision = Some(commit);
        ctx.persist(DiskWrite::Decision(tx.clone(), commit));
        ctx.flush();
        ctx.note(Fact::Decided {
            tx: tx.clone(),
            commit,
        });
        ctx.cancel_timer(Timer::Votes(id));
        let plan = self.config.bank.plan(id);
        ctx.send_all(&plan.participants, &outcome(tx, commit));
        round.client.answer(ctx, tx, commit);
        ctx.set_timer(Timer::Resend(id), self.config.vote_timeout);
    }

    fn on_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName) {
        let Some(round) = self.coordinator.as_mut().and_then(|c| c.txs.get_mut(tx)) else {
            return;
        };
        if round.acked.record(self.config.bank.plan(round.id), from) {
            ctx.cancel_timer(Timer::Resend(round.id));
        }
    }

    /// Resends the decision to every participant that has not acknowledged it.
    fn on_resend(&mut self, ctx: &mut Ctx<Self>, id: TxId) {
        let plan = self.config.bank.plan(id);
        let Some(round) = self
            .coordinator
            .as_ref()
            .and_then(|c| c.txs.get(&plan.name))
        else {
            return;
        };
        let Some(commit) = round.decision else {
            return;
        };
        let missing = round.acked.missing(plan);
        if missing.is_empty() {
            return;
        }
        // The decision's record may still be on its way to the disk.
        ctx.flush();
        ctx.send_all(&missing, &outcome(&plan.name, commit));
        ctx.set_timer(Timer::Resend(id), self.config.vote_timeout);
    }

    /// An uncertain participant asks: answer a decision; say nothing while
    /// still collecting votes; presume abort for what this node never decided.
    fn on_ask_coordinator(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName) {
        let Some(c) = self.coordinator.as_ref() else {
            return;
        };
        match c.txs.get(tx).map(|r| r.decision) {
            Some(Some(commit)) => {
                // The decision's record may still be on its way to the disk.
                ctx.flush();
                ctx.send(from, outcome(tx, commit))
            }
            Some(None) => {}
            None => self.decide(ctx, tx, false),
        }
    }

    // --- Participant -------------------------------------------------------

    /// Phase 1 at a participant: prepare (redo/undo on disk, locks) and vote Yes
    /// once the record is on disk; or vote No and abort.
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
        // A repeated prepare gets the same vote again.
        let answer = participant::phase1(&mut p.ledger, bank, ctx, tx, part);
        if let Some(yes) = answer.vote() {
            ctx.send(
                from,
                Msg::Vote {
                    tx: tx.clone(),
                    yes,
                },
            );
        }
        // Voted Yes: uncertain from now on, until told or until it asks.
        if answer == Phase1::Prepared
            && let Some(id) = bank.id(tx)
        {
            ctx.set_timer(Timer::Outcome(id), self.config.decision_timeout);
        }
    }

    /// Phase 2 at a participant: apply the outcome, release the locks, ack.
    fn on_outcome(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName, commit: bool) {
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        if p.ledger.finish(ctx, tx, commit)
            && let Some(id) = self.config.bank.id(tx)
        {
            ctx.cancel_timer(Timer::Outcome(id));
        }
        if self.config.coordinators.contains(&from) {
            // Acked once the outcome is on disk, a repeated outcome too (the
            // coordinator forgets an acked transaction).
            ctx.flush();
            ctx.send(from, Msg::Ack { tx: tx.clone() });
        }
    }

    /// Prepared and still uncertain: blocked. Ask the coordinator (and, when
    /// cooperative, the other participants), and keep asking.
    fn on_outcome_overdue(&mut self, ctx: &mut Ctx<Self>, id: TxId) {
        let plan = self.config.bank.plan(id);
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        if p.ledger.standing(&plan.name) != Standing::Prepared {
            return;
        }
        if p.blocked.insert(plan.name.clone()) {
            ctx.note(Fact::Blocked {
                tx: plan.name.clone(),
            });
        }
        if self.config.variant == Variant::AbortOnTimeout {
            // BUG: gives up on a Yes vote it can no longer take back.
            p.ledger.finish(ctx, &plan.name, false);
            return;
        }
        let ask = Msg::Ask {
            tx: plan.name.clone(),
        };
        ctx.send(plan.coordinator, ask.clone());
        if self.config.cooperative {
            ctx.send_all(&plan.others(self.me), &ask);
        }
        ctx.set_timer(Timer::Outcome(id), self.config.decision_timeout);
    }

    /// Cooperative termination: tell a peer the outcome if known; one that has
    /// not voted aborts and says so; one that is prepared does not know.
    fn on_ask_peer(&mut self, ctx: &mut Ctx<Self>, from: NodeId, tx: &TxName) {
        let Some(p) = self.participant.as_mut() else {
            return;
        };
        let answer = match p.ledger.standing(tx) {
            Standing::Committed => outcome(tx, true),
            Standing::Aborted => outcome(tx, false),
            Standing::Unknown => {
                p.ledger.finish(ctx, tx, false);
                outcome(tx, false)
            }
            Standing::Prepared => Msg::Uncertain { tx: tx.clone() },
        };
        ctx.flush();
        ctx.send(from, answer);
    }
}
