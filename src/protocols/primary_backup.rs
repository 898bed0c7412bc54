//! Primary-backup replication: the master–slave baseline of seed 002 §5 and seed
//! 004 "复制", with failover on a timeout. It is here to show why consensus is
//! needed.
//!
//! Views number the reigns: the primary of view v is node (v − 1) mod n. The
//! primary orders client updates into a log, applies them to its store and sends
//! each entry to the backups, which append entries strictly in order and
//! acknowledge them. Reads are served by the primary from its store.
//!
//! - `sync` (seed 004's strong synchronous replication, Oracle "maximum
//!   protection"): an update takes effect — becomes visible to reads and is
//!   answered — only once every backup has acknowledged it.
//! - `async` (Oracle "maximum performance"): the primary applies and answers at
//!   once and replicates afterwards; a failover loses what had not arrived.
//!
//! Failover: the primary sends heartbeats; a backup that hears nothing for
//! `params.failover_timeout` ticks moves to the next view it would lead and takes
//! over with whatever its log holds. A node that hears of a higher view follows
//! it and takes the new primary's log wholesale (the state transfer discards
//! anything the old reign wrote that the new primary never had). With a partition
//! instead of a crash both sides can act as primary: nothing here prevents it.
//!
//! Updates carry the client's request id; a primary answers a retried request
//! from its log instead of applying it twice (seed 002 §7).

use crate::check::CheckKind;
use crate::error::InputError;
use crate::fact::Fact;
use crate::history::{Input, Output};
use crate::ids::{NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::{
    Ctx, DurableState, Message, NodeView, OutcomeWord, Protocol, RoleRow, Serves, Setup,
};
use crate::store::Store;
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Sync,
    Async,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Sync,
            name: "sync",
            about: "an update is answered only after every backup acknowledged it",
        },
        NameRow {
            value: Variant::Async,
            name: "async",
            about: "the primary answers first and replicates later: a failover loses writes",
        },
    ];
}

/// Every node is a replica; which one is primary follows from the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Replica,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks between a primary's heartbeats.
    #[serde(default = "default_heartbeat")]
    pub heartbeat: u64,
    /// Ticks of silence from the primary after which a backup takes over.
    #[serde(default = "default_failover")]
    pub failover_timeout: u64,
}

fn default_heartbeat() -> u64 {
    20
}

fn default_failover() -> u64 {
    100
}

#[derive(Clone, Debug)]
pub struct Config {
    pub variant: Variant,
    pub params: Params,
    pub nodes: u32,
}

/// One client update in the log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Entry {
    /// The view in which the primary first stored it.
    pub view: u64,
    pub request: RequestId,
    pub input: Input,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// Log entry `index` (0-based) of the primary of `view`.
    Replicate { view: u64, index: u64, entry: Entry },
    /// The backup holds the log up to `len` entries.
    Ack { view: u64, len: u64 },
    /// The primary of `view` is alive and its log has `len` entries.
    Heartbeat { view: u64, len: u64 },
    /// A backup missing entries asks for the log from `from` on.
    CatchUp { view: u64, from: u64 },
    /// The primary's whole log, for a node that followed a new view.
    Snapshot { view: u64, log: Vec<Entry> },
}

/// The kinds of [`Msg`], named as scenario filters and traces write them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    Replicate,
    Ack,
    Heartbeat,
    CatchUp,
    Snapshot,
}

impl Named for MsgKind {
    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::Replicate,
            name: "replicate",
            about: "one log entry from the primary to a backup",
        },
        NameRow {
            value: MsgKind::Ack,
            name: "ack",
            about: "a backup's acknowledgement of how much log it holds",
        },
        NameRow {
            value: MsgKind::Heartbeat,
            name: "heartbeat",
            about: "the primary is alive, with its log length",
        },
        NameRow {
            value: MsgKind::CatchUp,
            name: "catch_up",
            about: "a backup missing entries asks for them",
        },
        NameRow {
            value: MsgKind::Snapshot,
            name: "snapshot",
            about: "the primary's whole log, for a node that followed a new view",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::Replicate { .. } => MsgKind::Replicate,
            Msg::Ack { .. } => MsgKind::Ack,
            Msg::Heartbeat { .. } => MsgKind::Heartbeat,
            Msg::CatchUp { .. } => MsgKind::CatchUp,
            Msg::Snapshot { .. } => MsgKind::Snapshot,
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Replicate { view, index, entry } => write!(
                f,
                "replicate(view {view}, #{index}: {} {})",
                entry.request, entry.input
            ),
            Msg::Ack { view, len } => write!(f, "ack(view {view}, {len} entries)"),
            Msg::Heartbeat { view, len } => write!(f, "heartbeat(view {view}, {len} entries)"),
            Msg::CatchUp { view, from } => write!(f, "catch_up(view {view}, from #{from})"),
            Msg::Snapshot { view, log } => {
                write!(f, "snapshot(view {view}, {} entries)", log.len())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Primary: time to send a heartbeat.
    Heartbeat,
    /// Backup: the primary has been silent too long.
    Failover,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Disk {
    pub view: u64,
    pub log: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    View(u64),
    Append(Entry),
    /// The log replaced by a new primary's (state transfer).
    Replace(Vec<Entry>),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::View(v) => self.view = *v,
            DiskWrite::Append(e) => self.log.push(e.clone()),
            DiskWrite::Replace(log) => self.log = log.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrimaryBackup {
    me: NodeId,
    n: u32,
    variant: Variant,
    params: (u64, u64),
    view: u64,
    log: Vec<Entry>,
    /// Entries applied to `store`. A backup applies everything it holds; a sync
    /// primary applies an entry once every backup has acknowledged it.
    applied: usize,
    store: Store,
    /// Results of applied updates, by request: a retry is answered from here.
    results: BTreeMap<RequestId, Output>,
    /// Primary: how much of its log each backup acknowledged.
    acked: BTreeMap<NodeId, u64>,
    /// Primary (sync): requests answered once their entry is applied.
    waiting: BTreeMap<RequestId, usize>,
    last_heard: Time,
}

impl Protocol for PrimaryBackup {
    type Variant = Variant;
    type Role = Role;
    const ROLES: &'static [RoleRow<Role>] = &[RoleRow {
        role: Role::Replica,
        name: "replica",
        plural: "replicas",
        prefix: "N",
    }];
    const DEFAULT_ROLES: &'static [Role] = &[Role::Replica];
    type Params = Params;
    const CHECKS: &'static [CheckKind] = &[CheckKind::Linearizability, CheckKind::Ghost];
    const OUTCOMES: &'static [OutcomeWord] = &[];
    const SERVES: Serves = Serves::Data;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;
    type Config = Config;

    fn configure(setup: &Setup<'_, Self>) -> Result<Config, InputError> {
        if setup.cluster.len() < 2 {
            return Err(setup.error(
                "nodes",
                "primary-backup needs a primary and at least one backup",
            ));
        }
        let params = setup.params.clone();
        // A zero period would send heartbeats, or fail over, at one instant forever.
        if params.heartbeat == 0 || params.failover_timeout == 0 {
            return Err(setup.error("params", "heartbeat and failover_timeout must be > 0"));
        }
        Ok(Config {
            variant: setup.variant,
            params,
            nodes: setup.cluster.len() as u32,
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        let mut node = PrimaryBackup {
            me,
            n: config.nodes,
            variant: config.variant,
            params: (config.params.heartbeat, config.params.failover_timeout),
            view: disk.view.max(1),
            log: disk.log.clone(),
            applied: 0,
            store: Store::default(),
            results: BTreeMap::new(),
            acked: BTreeMap::new(),
            waiting: BTreeMap::new(),
            last_heard: ctx.now(),
        };
        // What is on disk was replicated or answered before the crash: replay it.
        node.apply_up_to(node.log.len());
        if node.is_primary() {
            node.lead(ctx);
        } else {
            ctx.set_timer(Timer::Failover, node.params.1);
        }
        node
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest) {
        let Op::Data(input) = request.op else {
            ctx.reply(
                request.id,
                Reply::Fail {
                    reason: "primary-backup takes data operations".into(),
                    redirect: None,
                },
            );
            return;
        };
        if !self.is_primary() {
            ctx.reply(
                request.id,
                Reply::Fail {
                    reason: format!("not the primary of view {}", self.view),
                    redirect: Some(self.primary_of(self.view)),
                },
            );
            return;
        }
        if input.action.is_read() {
            // Reads are served from the primary's store: no round trip.
            ctx.note(Fact::Served {
                request: request.id,
                epoch: self.view,
            });
            let output = self.store.read(&input);
            ctx.reply(request.id, Reply::Ok(output));
            return;
        }
        // A retry of an update already in the log is not applied twice.
        if let Some(output) = self.results.get(&request.id) {
            ctx.reply(request.id, Reply::Ok(output.clone()));
            return;
        }
        if let Some(index) = self.log.iter().position(|e| e.request == request.id) {
            self.waiting.insert(request.id, index);
            return;
        }
        let entry = Entry {
            view: self.view,
            request: request.id,
            input,
        };
        let index = self.log.len();
        self.log.push(entry.clone());
        ctx.persist(DiskWrite::Append(entry.clone()));
        ctx.note(Fact::Stored {
            request: request.id,
            epoch: self.view,
        });
        for backup in self.backups() {
            ctx.send(
                backup,
                Msg::Replicate {
                    view: self.view,
                    index: index as u64,
                    entry: entry.clone(),
                },
            );
        }
        match self.variant {
            // Answer now; the backups will catch up (or not).
            Variant::Async => {
                self.apply_up_to(index + 1);
                let output = self.results[&request.id].clone();
                ctx.reply(request.id, Reply::Ok(output));
            }
            Variant::Sync => {
                self.waiting.insert(request.id, index);
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let view = match &msg {
            Msg::Replicate { view, .. }
            | Msg::Ack { view, .. }
            | Msg::Heartbeat { view, .. }
            | Msg::CatchUp { view, .. }
            | Msg::Snapshot { view, .. } => *view,
        };
        if view < self.view {
            return; // from an older reign
        }
        if view > self.view {
            self.follow(ctx, view);
        }
        match msg {
            Msg::Replicate { index, entry, .. } => self.on_replicate(ctx, from, index, entry),
            Msg::Ack { len, .. } => self.on_ack(ctx, from, len),
            Msg::Heartbeat { len, .. } => self.on_heartbeat(ctx, from, len),
            Msg::CatchUp { from: start, .. } => self.on_catch_up(ctx, from, start),
            Msg::Snapshot { log, .. } => self.on_snapshot(ctx, from, log),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Heartbeat if self.is_primary() => {
                let len = self.log.len() as u64;
                for backup in self.backups() {
                    ctx.send(
                        backup,
                        Msg::Heartbeat {
                            view: self.view,
                            len,
                        },
                    );
                }
                ctx.set_timer(Timer::Heartbeat, self.params.0);
            }
            Timer::Heartbeat => {}
            Timer::Failover if !self.is_primary() => {
                let silent = ctx.now() - self.last_heard;
                if silent >= self.params.1 {
                    self.take_over(ctx);
                } else {
                    ctx.set_timer(Timer::Failover, self.params.1 - silent);
                }
            }
            Timer::Failover => {}
        }
    }

    fn describe(&self) -> NodeView {
        let role = if self.is_primary() {
            "primary"
        } else {
            "backup"
        };
        let entries = self.log.iter().enumerate();
        let entries = entries.map(|(i, e)| crate::protocol::LogEntryView {
            index: i as u64,
            epoch: e.view,
            command: format!("{} {}", e.request, e.input),
        });
        let commit = (self.applied as u64).checked_sub(1);
        let mut view = NodeView::new(vec![role]);
        view.field("view", crate::protocol::FieldValue::Number(self.view));
        let log = crate::protocol::FieldValue::Log {
            entries: entries.collect(),
            commit,
        };
        view.field("log", log);
        view
    }
}

impl PrimaryBackup {
    fn primary_of(&self, view: u64) -> NodeId {
        NodeId(((view.max(1) - 1) % self.n as u64) as u32)
    }

    fn is_primary(&self) -> bool {
        self.primary_of(self.view) == self.me
    }

    fn backups(&self) -> Vec<NodeId> {
        (0..self.n).map(NodeId).filter(|&n| n != self.me).collect()
    }

    /// Applies log entries to the store up to (not including) `end`, recording
    /// each update's result for answers and deduplication.
    fn apply_up_to(&mut self, end: usize) {
        while self.applied < end.min(self.log.len()) {
            let entry = &self.log[self.applied];
            let output = self.store.apply(&entry.input);
            self.results.insert(entry.request, output);
            self.applied += 1;
        }
    }

    /// Starts (or resumes) leading the current view.
    fn lead(&mut self, ctx: &mut Ctx<Self>) {
        ctx.note(Fact::Leading { epoch: self.view });
        // Everything a new primary holds counts as committed.
        self.apply_up_to(self.log.len());
        self.acked.clear();
        let len = self.log.len() as u64;
        for backup in self.backups() {
            ctx.send(
                backup,
                Msg::Heartbeat {
                    view: self.view,
                    len,
                },
            );
        }
        ctx.cancel_timer(Timer::Failover);
        ctx.set_timer(Timer::Heartbeat, self.params.0);
    }

    /// Failover: move to the next view this node leads.
    fn take_over(&mut self, ctx: &mut Ctx<Self>) {
        let mut view = self.view + 1;
        while self.primary_of(view) != self.me {
            view += 1;
        }
        self.view = view;
        ctx.persist(DiskWrite::View(view));
        self.lead(ctx);
    }

    /// A higher view exists: follow its primary and ask it for its whole log,
    /// since this node may hold entries of an older reign the new primary lacks.
    fn follow(&mut self, ctx: &mut Ctx<Self>, view: u64) {
        self.view = view;
        ctx.persist(DiskWrite::View(view));
        self.waiting.clear();
        self.last_heard = ctx.now();
        ctx.cancel_timer(Timer::Heartbeat);
        ctx.set_timer(Timer::Failover, self.params.1);
        let primary = self.primary_of(view);
        if primary == self.me {
            self.lead(ctx);
        } else {
            ctx.send(primary, Msg::CatchUp { view, from: 0 });
        }
    }

    // --- Backup --------------------------------------------------------------

    /// Backups append strictly in order; a gap asks the primary to resend.
    fn on_replicate(&mut self, ctx: &mut Ctx<Self>, from: NodeId, index: u64, entry: Entry) {
        self.last_heard = ctx.now();
        let len = self.log.len() as u64;
        if index < len {
            ctx.send(
                from,
                Msg::Ack {
                    view: self.view,
                    len,
                },
            );
            return;
        }
        if index > len {
            ctx.send(
                from,
                Msg::CatchUp {
                    view: self.view,
                    from: len,
                },
            );
            return;
        }
        self.log.push(entry.clone());
        ctx.persist(DiskWrite::Append(entry.clone()));
        ctx.note(Fact::Stored {
            request: entry.request,
            epoch: entry.view,
        });
        self.apply_up_to(self.log.len());
        self.ack(ctx, from);
    }

    /// Tells the primary how much of the log this backup holds.
    fn ack(&self, ctx: &mut Ctx<Self>, primary: NodeId) {
        let len = self.log.len() as u64;
        ctx.send(
            primary,
            Msg::Ack {
                view: self.view,
                len,
            },
        );
    }

    fn on_heartbeat(&mut self, ctx: &mut Ctx<Self>, from: NodeId, len: u64) {
        self.last_heard = ctx.now();
        if (self.log.len() as u64) < len {
            ctx.send(
                from,
                Msg::CatchUp {
                    view: self.view,
                    from: self.log.len() as u64,
                },
            );
        }
    }

    /// State transfer: take the primary's log as it is.
    fn on_snapshot(&mut self, ctx: &mut Ctx<Self>, from: NodeId, log: Vec<Entry>) {
        self.last_heard = ctx.now();
        if self.log != log {
            for entry in log.iter().filter(|e| !self.log.contains(e)) {
                ctx.note(Fact::Stored {
                    request: entry.request,
                    epoch: entry.view,
                });
            }
            ctx.persist(DiskWrite::Replace(log.clone()));
            self.log = log;
            self.applied = 0;
            self.store = Store::default();
            self.results.clear();
            self.apply_up_to(self.log.len());
        }
        self.ack(ctx, from);
    }

    // --- Primary ---------------------------------------------------------------

    fn on_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, len: u64) {
        if !self.is_primary() {
            return;
        }
        let acked = self.acked.entry(from).or_insert(0);
        *acked = (*acked).max(len);
        if self.variant == Variant::Sync {
            // Committed: what every backup holds.
            let committed = self
                .backups()
                .iter()
                .map(|b| self.acked.get(b).copied().unwrap_or(0))
                .min()
                .unwrap_or(0) as usize;
            self.apply_up_to(committed);
            let done: Vec<RequestId> = self
                .waiting
                .iter()
                .filter(|(_, index)| **index < self.applied)
                .map(|(r, _)| *r)
                .collect();
            for request in done {
                self.waiting.remove(&request);
                ctx.reply(request, Reply::Ok(self.results[&request].clone()));
            }
        }
    }

    /// A backup is behind (or has just followed this view): resend what it lacks,
    /// or the whole log when it may hold entries this primary never had.
    fn on_catch_up(&mut self, ctx: &mut Ctx<Self>, from: NodeId, start: u64) {
        if !self.is_primary() {
            return;
        }
        if start == 0 {
            ctx.send(
                from,
                Msg::Snapshot {
                    view: self.view,
                    log: self.log.clone(),
                },
            );
            return;
        }
        for (i, entry) in self.log.iter().enumerate().skip(start as usize) {
            ctx.send(
                from,
                Msg::Replicate {
                    view: self.view,
                    index: i as u64,
                    entry: entry.clone(),
                },
            );
        }
    }
}
