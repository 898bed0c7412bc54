//! Primary-backup replication: the master–slave baseline of seed 002 §5 and seed
//! 004 "复制", with failover on a timeout. It is here to show why consensus is
//! needed — and, with `sync`, how far a careful primary-backup gets without it.
//!
//! Views number the reigns: the primary of view v is node (v − 1) mod n. The
//! primary orders client updates into an epoch-tagged log (the toolkit's
//! [`Log`], the view as the epoch) and replicates it to every backup with the
//! Log Matching check: an entry is sent with the (index, view) of the one before
//! it, and a backup that does not hold that one refuses, so the primary backs up
//! and resends (a backup acknowledges *content*, never a length).
//!
//! - `sync` (seed 004's strong synchronous replication): an update is committed
//!   — applied, visible to reads, answered — once `params.min_acks` backups hold
//!   it on disk (default: every backup, Oracle "maximum protection"'s strictest
//!   form). With every backup required, no acknowledged write is ever lost and
//!   no stale read is served; the price is that one dead backup blocks every
//!   update. With fewer, a failover to a backup that did not acknowledge loses
//!   acknowledged writes, and a partitioned old primary serves stale reads.
//! - `async` (Oracle "maximum performance"): the primary applies and answers at
//!   once and replicates afterwards; a failover loses what had not arrived, and
//!   a partition gives two primaries (split brain, seed 000 §1.1).
//! - `ack-before-persist` — BUG: a backup acknowledges an entry before its disk
//!   has it, so a crash can take back a write the primary already answered
//!   (visible with a `disk` latency).
//!
//! Failover: the primary's heartbeats carry its commit point; a backup that
//! hears nothing for `params.failover_timeout` ticks moves to the next view it
//! would lead and takes over with its own log. A new primary appends a no-op
//! and serves nothing until that no-op is committed: by then every backup it
//! needs holds exactly its log (an older reign's uncommitted suffix is cut),
//! and it knows everything committed before (Raft's no-op on election, §8).
//! A node restarting from its disk never resumes a reign: it waits to hear the
//! current primary, or fails over like any backup.
//!
//! Updates carry the client's request id; whether a request was already applied
//! is part of the replicated state (the toolkit's sessions), so a retry is
//! applied once even across a failover (seed 002 §7).

use crate::check::CheckKind;
use crate::error::InputError;
use crate::fact::{CommandText, Fact};
use crate::history::Input;
use crate::ids::{ClientId, NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::{
    Ctx, DurableState, Meaning, Message, NodeView, OutcomeWord, ParamRange, Protocol, RoleRow,
    Serves, Setup,
};
use crate::replication::{
    Applied, Applier, ClientCommand, Command, Entry, Epoch, Log, LogIndex, LogWrite,
    SessionOutcome, Waiters,
};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Sync,
    Async,
    AckBeforePersist,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Sync,
            name: "sync",
            about: "an update is answered once params.min_acks backups (default all) hold it",
        },
        NameRow {
            value: Variant::Async,
            name: "async",
            about: "the primary answers first and replicates later: a failover loses writes",
        },
        NameRow {
            value: Variant::AckBeforePersist,
            name: "ack-before-persist",
            about: "BUG: backups acknowledge before their disk has the entry",
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
    /// Backups that must hold an update before it commits (`sync`); default:
    /// every backup.
    #[serde(default)]
    pub min_acks: Option<u32>,
}

fn default_heartbeat() -> u64 {
    20
}

fn default_failover() -> u64 {
    100
}

/// At most this many entries go in one message.
const BATCH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub variant: Variant,
    pub heartbeat: u64,
    pub failover_timeout: u64,
    pub min_acks: u32,
    pub nodes: u32,
}

// ---------------------------------------------------------------------------
// Messages.

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// The primary of `view` places `entries` right after (`prev`, `prev_view`)
    /// and says what it has committed. With no entries it is a heartbeat.
    Replicate {
        view: Epoch,
        prev: LogIndex,
        prev_view: Epoch,
        entries: Vec<Entry<Command>>,
        commit: LogIndex,
    },
    /// The backup's log matches the primary's up to `matched`, on disk.
    Ack { view: Epoch, matched: LogIndex },
    /// The backup does not hold `prev` (the one sent); its log ends at `last`.
    Reject {
        view: Epoch,
        prev: LogIndex,
        last: LogIndex,
    },
}

/// The kinds of [`Msg`], named as scenario filters and traces write them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    Replicate,
    Heartbeat,
    Ack,
    Reject,
}

impl Named for MsgKind {
    // Rows are in declaration order (the table test checks it), so the
    // discriminant is the row: this runs once per message sent.
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::Replicate,
            name: "replicate",
            about: "log entries from the primary, with the commit point",
        },
        NameRow {
            value: MsgKind::Heartbeat,
            name: "heartbeat",
            about: "the primary is alive: a replicate with no entries",
        },
        NameRow {
            value: MsgKind::Ack,
            name: "ack",
            about: "a backup holds the primary's log up to an index, on disk",
        },
        NameRow {
            value: MsgKind::Reject,
            name: "reject",
            about: "a backup lacks the entry before the ones sent: back up",
        },
    ];
}

impl Message for Msg {
    type Kind = MsgKind;
    fn kind(&self) -> MsgKind {
        match self {
            Msg::Replicate { entries, .. } if entries.is_empty() => MsgKind::Heartbeat,
            Msg::Replicate { .. } => MsgKind::Replicate,
            Msg::Ack { .. } => MsgKind::Ack,
            Msg::Reject { .. } => MsgKind::Reject,
        }
    }

    fn meaning(kind: MsgKind) -> Meaning {
        match kind {
            MsgKind::Replicate => Meaning {
                en: "{receiver} receives entries from {sender}, primary of view {view}, to place after \
                     #{prev}; the primary has committed up to #{commit}",
                zh: "{receiver} 收到视图 {view} 的主节点 {sender} 发来的日志条目，接在 #{prev} 之后；\
                     主节点已提交到 #{commit}",
            },
            MsgKind::Heartbeat => Meaning {
                en: "{receiver} hears a heartbeat from {sender}, primary of view {view}: the primary \
                     is alive and has committed up to #{commit}",
                zh: "{receiver} 收到视图 {view} 的主节点 {sender} 的心跳：主节点还活着，已提交到 #{commit}",
            },
            MsgKind::Ack => Meaning {
                en: "{receiver} learns that {sender} holds its log up to #{matched}, on disk",
                zh: "{receiver} 得知备节点 {sender} 已把日志持久化到 #{matched}",
            },
            MsgKind::Reject => Meaning {
                en: "{receiver} learns that {sender} lacks entry #{prev} (its log ends at #{last}): \
                     the primary must send from further back",
                zh: "{receiver} 得知 {sender} 缺少条目 #{prev}（它的日志只到 #{last}）：\
                     主节点必须从更早的位置重发",
            },
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Replicate {
                view,
                prev,
                entries,
                commit,
                ..
            } if entries.is_empty() => {
                write!(
                    f,
                    "heartbeat(view {}, at #{}, commit #{})",
                    view.0, prev.0, commit.0
                )
            }
            Msg::Replicate {
                view,
                prev,
                entries,
                commit,
                ..
            } => {
                let shown: Vec<String> = entries.iter().map(|e| e.command.to_string()).collect();
                write!(
                    f,
                    "replicate(view {}, after #{}: {}; commit #{})",
                    view.0,
                    prev.0,
                    shown.join(", "),
                    commit.0
                )
            }
            Msg::Ack { view, matched } => write!(f, "ack(view {}, up to #{})", view.0, matched.0),
            Msg::Reject { view, prev, last } => write!(
                f,
                "reject(view {}, no match at #{}, my log ends at #{})",
                view.0, prev.0, last.0
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Primary: time to send a heartbeat (and resend what is missing).
    Heartbeat,
    /// Backup: the primary has been silent too long.
    Failover,
}

// ---------------------------------------------------------------------------
// Durable state.

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub view: Epoch,
    pub log: Log<Command>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    View(Epoch),
    Log(LogWrite<Command>),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::View(v) => self.view = *v,
            DiskWrite::Log(w) => self.log.apply(w),
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimaryBackup {
    me: NodeId,
    config: Config,
    view: Epoch,
    log: Log<Command>,
    /// The highest index known committed; applied up to it.
    commit: LogIndex,
    applier: Applier,
    reign: Reign,
    last_heard: Time,
}

/// What a node does in its view.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reign {
    Backup,
    Primary(Box<Leading>),
}

/// A primary's bookkeeping for its view.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Leading {
    /// The index of the no-op that opened the view: reads wait for it.
    start: LogIndex,
    /// Per backup: how far its log is known to match, and what to send next.
    matched: BTreeMap<NodeId, LogIndex>,
    next: BTreeMap<NodeId, LogIndex>,
    waiters: Waiters,
    /// Reads that arrived before the view's no-op committed.
    reads: Vec<(RequestId, Input)>,
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
    // Not min_acks: fewer acknowledgements than backups trades durability
    // for availability by design (scenarios/primary-backup/min-acks-loses-writes).
    const PARAM_RANGES: &'static [ParamRange] = &[
        ParamRange {
            name: "heartbeat",
            values: &[5, 10, 20, 40],
        },
        ParamRange {
            name: "failover_timeout",
            values: &[30, 60, 100, 200],
        },
    ];
    const CHECKS: &'static [CheckKind] = &[
        CheckKind::Linearizability,
        CheckKind::Ghost,
        CheckKind::LogSafety,
    ];
    const OUTCOMES: &'static [OutcomeWord] = &[];
    const SERVES: Serves = Serves::Data;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;
    type Config = Config;

    fn configure(setup: &Setup<'_, Self>) -> Result<Config, InputError> {
        let n = setup.cluster.len() as u32;
        if n < 2 {
            return Err(setup.error(
                "nodes",
                "primary-backup needs a primary and at least one backup",
            ));
        }
        let params = &setup.params;
        // A zero period would send heartbeats, or fail over, at one instant forever.
        if params.heartbeat == 0 || params.failover_timeout == 0 {
            return Err(setup.error("params", "heartbeat and failover_timeout must be > 0"));
        }
        let min_acks = params.min_acks.unwrap_or(n - 1);
        if !(1..n).contains(&min_acks) {
            return Err(setup.error(
                "params.min_acks",
                format!(
                    "min_acks counts backups that must hold an update: 1 to {} here, found \
                     {min_acks}",
                    n - 1
                ),
            ));
        }
        Ok(Config {
            variant: setup.variant,
            heartbeat: params.heartbeat,
            failover_timeout: params.failover_timeout,
            min_acks,
            nodes: n,
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        let mut node = PrimaryBackup {
            me,
            config: config.clone(),
            view: disk.view,
            log: disk.log.clone(),
            commit: LogIndex::ZERO,
            applier: Applier::new(),
            reign: Reign::Backup,
            last_heard: ctx.now(),
        };
        if disk.view == Epoch(0) && disk.log.last_index() == LogIndex::ZERO {
            // A fresh cluster starts in view 1, led by the first node, which
            // writes the view down first: restarted, it will not lead it again.
            node.view = Epoch(1);
            if node.primary_of(node.view) == me {
                ctx.persist(DiskWrite::View(node.view));
                node.lead(ctx);
                return node;
            }
        } else if disk.view == Epoch(0) {
            node.view = Epoch(1);
        }
        // A restarted node never resumes a reign: what it committed is not on
        // its disk, and its old backups may have moved on. It waits to hear the
        // current primary, or fails over like any backup.
        ctx.set_timer(Timer::Failover, config.failover_timeout);
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
        let Reign::Primary(leading) = &mut self.reign else {
            ctx.reply(
                request.id,
                Reply::Fail {
                    reason: format!("not the primary of view {}", self.view.0),
                    redirect: Some(self.primary_of(self.view)),
                },
            );
            return;
        };
        if input.action.is_read() {
            // Reads are served from the committed state, once this view's
            // no-op is committed (until then the store may lack commits).
            if self.config.variant == Variant::Async || self.commit >= leading.start {
                self.serve_read(ctx, request.id, &input);
            } else {
                leading.reads.push((request.id, input));
            }
            return;
        }
        // Seed 002 §7: a retry of an applied request is answered from the
        // session, never applied again; one still in the log waits for it.
        if let Some(output) = self
            .applier
            .sessions()
            .result_of(request.client, request.id)
        {
            // The session may hold a result applied in memory whose log write
            // is still on its way to the disk (a lone leader counts itself at
            // once): the answer waits for the disk, as the first one did.
            ctx.flush();
            ctx.reply(request.id, Reply::Ok(output.clone()));
            return;
        }
        if let Some(index) = self.uncommitted_index_of(request.client, request.id) {
            if let Reign::Primary(leading) = &mut self.reign {
                leading.waiters.wait(request.id, request.client, index);
            }
            return;
        }
        let command = Command::Client(ClientCommand {
            client: request.client,
            request: request.id,
            input,
        });
        let (index, write) = self.append(command);
        if let Reign::Primary(leading) = &mut self.reign {
            leading.waiters.wait(request.id, request.client, index);
        }
        match self.config.variant {
            // Answer now, before the disk has it: the entry is applied here at
            // once, and the backups will catch up (or not).
            Variant::Async => self.advance_commit(ctx, index),
            Variant::Sync | Variant::AckBeforePersist => {}
        }
        ctx.persist(write);
        ctx.note(Fact::Stored {
            request: request.id,
            epoch: self.view.0,
        });
        self.replicate(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let view = match &msg {
            Msg::Replicate { view, .. } | Msg::Ack { view, .. } | Msg::Reject { view, .. } => *view,
        };
        if view < self.view {
            return; // from an older reign
        }
        if view > self.view {
            self.follow(ctx, view);
        }
        match msg {
            Msg::Replicate {
                prev,
                prev_view,
                entries,
                commit,
                ..
            } => self.on_replicate(ctx, from, prev, prev_view, entries, commit),
            Msg::Ack { matched, .. } => self.on_ack(ctx, from, matched),
            Msg::Reject { prev, last, .. } => self.on_reject(ctx, from, prev, last),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Heartbeat if self.is_primary() => {
                self.replicate_all(ctx);
                ctx.set_timer(Timer::Heartbeat, self.config.heartbeat);
            }
            Timer::Heartbeat => {}
            Timer::Failover if !self.is_primary() => {
                let silent = ctx.now() - self.last_heard;
                if silent >= self.config.failover_timeout {
                    self.take_over(ctx);
                } else {
                    ctx.set_timer(Timer::Failover, self.config.failover_timeout - silent);
                }
            }
            Timer::Failover => {}
        }
    }

    fn describe(&self) -> NodeView {
        let role = match &self.reign {
            Reign::Primary(_) => "primary",
            Reign::Backup => "backup",
        };
        let entries = self
            .log
            .iter()
            .map(|(index, e)| crate::protocol::LogEntryView {
                index: index.0,
                epoch: e.epoch.0,
                command: e.command.to_string(),
            });
        let commit = (self.commit > LogIndex::ZERO).then_some(self.commit.0);
        let mut view = NodeView::new(vec![role]);
        view.field("view", crate::protocol::FieldValue::Number(self.view.0));
        view.field(
            "log",
            crate::protocol::FieldValue::Log {
                entries: entries.collect(),
                commit,
            },
        );
        view.field(
            "applied",
            crate::protocol::FieldValue::Number(self.applier.applied().0),
        );
        view
    }
}

impl PrimaryBackup {
    fn primary_of(&self, view: Epoch) -> NodeId {
        NodeId(((view.0.max(1) - 1) % self.config.nodes as u64) as u32)
    }

    fn is_primary(&self) -> bool {
        matches!(self.reign, Reign::Primary(_))
    }

    fn backups(&self) -> impl Iterator<Item = NodeId> + use<> {
        let me = self.me;
        (0..self.config.nodes).map(NodeId).filter(move |&n| n != me)
    }

    /// Where `request` sits in the uncommitted part of the log, if it does.
    fn uncommitted_index_of(&self, client: ClientId, request: RequestId) -> Option<LogIndex> {
        let from = self.commit.next();
        let entries = self.log.entries_from(from)?;
        entries
            .iter()
            .enumerate()
            .find_map(|(k, e)| match &e.command {
                Command::Client(c) if c.client == client && c.request == request => {
                    Some(from.plus(k as u64))
                }
                _ => None,
            })
    }

    /// Appends a command of this view to the log. The caller persists the
    /// returned write (after anything it states about applying: facts a
    /// handler states after a write wait for the disk).
    fn append(&mut self, command: Command) -> (LogIndex, DiskWrite) {
        let write = self.log.append(Entry {
            epoch: self.view,
            command,
        });
        (self.log.last_index(), DiskWrite::Log(write))
    }

    fn serve_read(&mut self, ctx: &mut Ctx<Self>, request: RequestId, input: &Input) {
        ctx.note(Fact::Served {
            request,
            epoch: self.view.0,
        });
        let output = self.applier.store().read(input);
        ctx.reply(request, Reply::Ok(output));
    }

    // --- Primary --------------------------------------------------------------

    /// Starts leading the current view: a no-op opens it, and nothing is
    /// served until the no-op commits.
    fn lead(&mut self, ctx: &mut Ctx<Self>) {
        ctx.note(Fact::Leading { epoch: self.view.0 });
        let last = self.log.last_index();
        let backups: Vec<NodeId> = self.backups().collect();
        self.reign = Reign::Primary(Box::new(Leading {
            start: last.next(),
            matched: backups.iter().map(|&b| (b, LogIndex::ZERO)).collect(),
            next: backups.iter().map(|&b| (b, last.next())).collect(),
            waiters: Waiters::new(),
            reads: Vec::new(),
        }));
        let (last, write) = self.append(Command::Nop);
        if self.config.variant == Variant::Async {
            // The async primary counts what it holds as committed.
            self.advance_commit(ctx, last);
        }
        ctx.persist(write);
        ctx.cancel_timer(Timer::Failover);
        ctx.set_timer(Timer::Heartbeat, self.config.heartbeat);
        self.replicate_all(ctx);
    }

    /// Failover: move to the next view this node leads.
    fn take_over(&mut self, ctx: &mut Ctx<Self>) {
        let mut view = self.view.next();
        while self.primary_of(view) != self.me {
            view = view.next();
        }
        self.view = view;
        ctx.persist(DiskWrite::View(view));
        self.lead(ctx);
    }

    /// Waits (sync) until the primary's own log is on its disk: what a
    /// backup is sent may commit once the backups hold it, and a committed
    /// entry the primary itself would lose in a crash could be overwritten
    /// when it leads again (found by parliament fuzz with slow disks, sync
    /// seed 1033). The async primary answers before anyone holds anything.
    fn own_log_durable(&self, ctx: &mut Ctx<Self>) {
        if self.config.variant != Variant::Async {
            ctx.flush();
        }
    }

    /// Sends each backup that is up to date the newest entries.
    fn replicate(&mut self, ctx: &mut Ctx<Self>) {
        let Reign::Primary(leading) = &self.reign else {
            return;
        };
        let last = self.log.last_index();
        let behind: Vec<NodeId> = leading
            .next
            .iter()
            .filter(|&(_, &next)| next <= last)
            .map(|(&b, _)| b)
            .collect();
        if !behind.is_empty() {
            self.own_log_durable(ctx);
        }
        for backup in behind {
            self.send_to(ctx, backup);
        }
    }

    /// Sends every backup what it lacks, or a heartbeat.
    fn replicate_all(&mut self, ctx: &mut Ctx<Self>) {
        self.own_log_durable(ctx);
        for backup in self.backups() {
            self.send_to(ctx, backup);
        }
    }

    /// One replicate message to `backup`: entries from where it is believed to
    /// be (at most [`BATCH`]), and the commit point. Sending advances the
    /// belief, so the next new entry follows at once (a rejection resets it).
    fn send_to(&mut self, ctx: &mut Ctx<Self>, backup: NodeId) {
        let Reign::Primary(leading) = &mut self.reign else {
            return;
        };
        let next = leading.next[&backup];
        let prev = next.prev();
        let prev_view = self.log.epoch_at(prev).unwrap_or_default();
        let entries: Vec<Entry<Command>> = self
            .log
            .entries_from(next)
            .map(|e| e.iter().take(BATCH).cloned().collect())
            .unwrap_or_default();
        leading.next.insert(backup, next.plus(entries.len() as u64));
        ctx.send(
            backup,
            Msg::Replicate {
                view: self.view,
                prev,
                prev_view,
                entries,
                commit: self.commit,
            },
        );
    }

    fn on_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, matched: LogIndex) {
        let Reign::Primary(leading) = &mut self.reign else {
            return;
        };
        let known = leading.matched.entry(from).or_default();
        *known = (*known).max(matched);
        // The commit point: the highest index that min_acks backups hold, from
        // this view on (earlier entries commit with it: the no-op proves every
        // backup counted holds this primary's whole log up to there).
        let mut held: Vec<LogIndex> = leading.matched.values().copied().collect();
        held.sort_unstable_by(|a, b| b.cmp(a));
        let k = self.config.min_acks as usize;
        let candidate = held.get(k - 1).copied().unwrap_or_default();
        if candidate >= leading.start {
            self.advance_commit(ctx, candidate);
        }
    }

    fn on_reject(&mut self, ctx: &mut Ctx<Self>, from: NodeId, prev: LogIndex, last: LogIndex) {
        let Reign::Primary(leading) = &mut self.reign else {
            return;
        };
        // Back up below the rejected `prev` — to the end of the backup's log if
        // that is lower — and resend from there. Each rejection moves back, so
        // the two logs meet at their last matching entry.
        let next = leading.next[&from].min(prev).min(last.next());
        leading.next.insert(from, next.max(LogIndex::FIRST));
        self.own_log_durable(ctx);
        self.send_to(ctx, from);
    }

    /// Commits up to `to`: applies the new entries and answers whoever waits.
    fn advance_commit(&mut self, ctx: &mut Ctx<Self>, to: LogIndex) {
        let to = to.min(self.log.last_index());
        if to <= self.commit {
            return;
        }
        self.commit = to;
        let applied = self.applier.apply_log(&self.log, self.commit);
        self.note_applied(ctx, &applied);
        if let Reign::Primary(leading) = &mut self.reign {
            for (request, reply) in leading.waiters.release_applied(&applied) {
                ctx.reply(request, reply);
            }
            if self.commit >= leading.start && !leading.reads.is_empty() {
                let reads = std::mem::take(&mut leading.reads);
                for (request, input) in reads {
                    self.serve_read(ctx, request, &input);
                }
            }
        }
    }

    fn note_applied(&self, ctx: &mut Ctx<Self>, applied: &[Applied]) {
        for a in applied {
            let index = a.index();
            let entry = self.log.entry(index).expect("applied entries are held");
            let request = match a {
                Applied::Client {
                    request,
                    outcome: SessionOutcome::Applied(_),
                    ..
                } => Some(*request),
                Applied::Client { .. } | Applied::Nop { .. } => None,
            };
            ctx.note(Fact::Applied {
                index: index.0,
                epoch: entry.epoch.0,
                command: CommandText::of(&entry.command),
                request,
            });
        }
    }

    // --- Backup ---------------------------------------------------------------

    /// A higher view exists: follow its primary. A primary that steps down
    /// tells its waiting clients to go there.
    fn follow(&mut self, ctx: &mut Ctx<Self>, view: Epoch) {
        self.view = view;
        ctx.persist(DiskWrite::View(view));
        let primary = self.primary_of(view);
        if let Reign::Primary(leading) = &mut self.reign {
            let reason = format!("view {} began", view.0);
            // Waiting updates get no answer: their entries may still commit in
            // the new view, so "failed" (definitely not applied) would be a lie.
            // Their clients time out and retry; the sessions apply them once.
            leading.waiters = Waiters::new();
            for (request, _) in std::mem::take(&mut leading.reads) {
                ctx.reply(
                    request,
                    Reply::Fail {
                        reason: reason.clone(),
                        redirect: Some(primary),
                    },
                );
            }
        }
        self.reign = Reign::Backup;
        self.last_heard = ctx.now();
        ctx.cancel_timer(Timer::Heartbeat);
        ctx.set_timer(Timer::Failover, self.config.failover_timeout);
        if primary == self.me {
            self.lead(ctx);
        }
    }

    fn on_replicate(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        prev: LogIndex,
        prev_view: Epoch,
        entries: Vec<Entry<Command>>,
        commit: LogIndex,
    ) {
        if self.is_primary() {
            return; // two primaries of one view cannot be: views have one each
        }
        self.last_heard = ctx.now();
        let sent = entries.len() as u64;
        match self.log.append_after(prev, prev_view, entries) {
            Err(mismatch) => ctx.send(
                from,
                Msg::Reject {
                    view: self.view,
                    prev,
                    last: mismatch.last_index,
                },
            ),
            Ok(writes) => {
                let matched = prev.plus(sent);
                // What the primary committed, as far as this log matches it
                // (applied now: the primary holds it whatever this disk does).
                self.advance_commit(ctx, commit.min(matched));
                let ack = Msg::Ack {
                    view: self.view,
                    matched,
                };
                if self.config.variant == Variant::AckBeforePersist {
                    // BUG: says it holds the entries before its disk does.
                    ctx.send(from, ack.clone());
                }
                for write in writes {
                    ctx.persist(DiskWrite::Log(write));
                }
                if self.config.variant != Variant::AckBeforePersist {
                    // The entries may have come in an earlier message whose
                    // write is still on its way: the ack waits for all of them.
                    ctx.flush();
                    ctx.send(from, ack);
                }
            }
        }
    }
}
