//! Multi-Paxos as seed 002 engineers it ("Multi Paxos 的实际应用"): a replicated
//! log of client commands where every slot (log id) is one Paxos instance.
//!
//! - **Leader election is a prepare** (自动选主). A node that hears no leader
//!   runs phase 1 once, with one proposal id, over the whole open range of slots
//!   from its first unchosen one. Acceptors promise for every slot at once and
//!   answer with every acceptance they hold in that range, and their highest
//!   slot (GetMaxLogID, sent along with the prepare as the seed suggests).
//!   Proposal ids are unique per node: round·N + id. Several nodes may believe
//!   they lead at once; that is safe, only slower (seed 002: "就算有多个leader
//!   存在，算法还是安全的，只是退化为经典的paxos算法").
//! - **Steady state: one accept round per entry** (简化同步逻辑). Entries are
//!   accepted and chosen in any order, so the log has holes; the leader tells
//!   every node which slots are chosen with a **confirm** message (确认日志),
//!   and replicas apply only the contiguous chosen prefix (简化回放逻辑). An
//!   acceptor still checks P2b on every accept: never below its promise (the
//!   seed: "备机要严格按照P2b的约束进行检查，避免不小心接受了上一任leader的消息").
//! - **Re-confirmation** (重确认). A new leader runs phase 2 with its new
//!   proposal id for every slot up to the highest reported one that it does not
//!   know to be chosen: the value of the highest ballot reported for the slot,
//!   or a **NOP** when no acceptor of its quorum reported one (*Paxos Made
//!   Simple* §3 fills gaps with no-ops the same way).
//! - **StartWorking** (`default`). After the re-confirmed range the leader
//!   writes a StartWorking entry carrying its epoch (its proposal id); every
//!   entry carries the epoch of the leader that wrote it, and on apply an entry
//!   whose epoch is lower than the last StartWorking's is skipped — seed 002's
//!   fix for the ghost reappearance (幽灵复现), where entries 7–19 are ignored.
//!   `no-start-working` omits it and shows the ghost.
//! - **Reads go through the log**: a read is a log entry like a write and is
//!   answered when it applies, so it sees every entry chosen before it.
//!
//! Client requests carry the client's request id; whether a request was
//! applied is replicated state (the toolkit's sessions), so a retry is applied
//! once, whichever leader logged it and however often. A request to a node
//! that does not lead is refused with a hint of the leader it knows.

use crate::ballot::Ballot;
use crate::check::CheckKind;
use crate::error::InputError;
use crate::fact::{CommandText, Fact};
use crate::ids::{ClientId, NodeId, RequestId};
use crate::named::{NameRow, Named};
use crate::op::{ClientRequest, Op, Reply};
use crate::protocol::{
    Ctx, DurableState, FieldValue, LogEntryView, Meaning, Message, NodeView, OutcomeWord, Protocol,
    RoleRow, Serves, Setup,
};
use crate::replication::{
    Applied, Applier, ClientCommand, Command, Entry, Epoch, LogIndex, Quorum, SessionOutcome,
    SlotWrite, Slots, VoteResult, Waiters,
};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Default,
    NoStartWorking,
    Leaderless,
    SmallQuorum,
}

impl Named for Variant {
    const TABLE: &'static [NameRow<Variant>] = &[
        NameRow {
            value: Variant::Default,
            name: "default",
            about: "election by one prepare, re-confirmation with NOPs, StartWorking entries",
        },
        NameRow {
            value: Variant::NoStartWorking,
            name: "no-start-working",
            about: "BUG (seed 002): no StartWorking entry, so ghosts reappear",
        },
        NameRow {
            value: Variant::Leaderless,
            name: "leaderless",
            about: "every request runs both phases of Paxos at the node it reaches: no leader",
        },
        NameRow {
            value: Variant::SmallQuorum,
            name: "small-quorum",
            about: "BUG: an entry counts as chosen with a majority minus one accepts",
        },
    ];
}

/// Every node is proposer, acceptor and learner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Replica,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Ticks between a leader's heartbeats (which also resend what is missing).
    #[serde(default = "default_heartbeat")]
    pub heartbeat: u64,
    /// Ticks without a leader after which the first node runs for leader;
    /// node k (0-based) waits k/n of it more, plus a little randomness.
    #[serde(default = "default_election")]
    pub election_timeout: u64,
}

fn default_heartbeat() -> u64 {
    20
}

fn default_election() -> u64 {
    100
}

/// At most this many entries go in one confirm message.
const BATCH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub variant: Variant,
    pub heartbeat: u64,
    pub election_timeout: u64,
    pub nodes: u32,
    /// Accepts (the leader's own included) that make an entry chosen.
    pub accept_quorum: usize,
}

// ---------------------------------------------------------------------------
// Log entries.

/// What a slot holds: a command, or a leader's StartWorking mark.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    Command(Command),
    /// A new leader's first entry after re-confirmation: entries of lower
    /// epochs that come after it are skipped on apply.
    StartWorking,
}

/// A log entry: its body and the epoch (proposal id) of the leader that wrote it.
pub type Record = Entry<Body>;

fn show(record: &Record) -> String {
    command_text(record).to_string()
}

/// A record's command as its facts state it (words made only when written).
fn command_text(record: &Record) -> CommandText {
    match &record.command {
        Body::Command(c) => CommandText::of(c),
        Body::StartWorking => CommandText::StartWorking(record.epoch.0),
    }
}

// ---------------------------------------------------------------------------
// Messages.

/// One acceptance an acceptor reports in its promise.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Report {
    pub slot: LogIndex,
    pub ballot: Ballot,
    pub record: Record,
    /// The acceptor knows the slot is chosen (it holds its confirm).
    pub chosen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// P1a over the open range of slots `from`, `from + 1`, …
    Prepare { ballot: Ballot, from: LogIndex },
    /// P1b: the promise, every acceptance from `from` on, and the highest slot
    /// this acceptor holds anything in (GetMaxLogID).
    Promise {
        ballot: Ballot,
        reports: Vec<Report>,
        max_slot: LogIndex,
    },
    /// P2a for one slot.
    Accept {
        ballot: Ballot,
        slot: LogIndex,
        record: Record,
    },
    /// P2b.
    Accepted { ballot: Ballot, slot: LogIndex },
    /// A prepare or accept in `ballot` refused: the acceptor promised `promised`.
    Nack { ballot: Ballot, promised: Ballot },
    /// The confirm log (确认日志): these slots are chosen. With no entries it is
    /// the leader's heartbeat, saying how far its chosen prefix reaches.
    Confirm {
        ballot: Ballot,
        chosen: Vec<(LogIndex, Record)>,
        chosen_through: LogIndex,
    },
    /// A follower lacks chosen slots from `from` on: send their confirms.
    CatchUp { from: LogIndex },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MsgKind {
    Prepare,
    Promise,
    Accept,
    Accepted,
    Nack,
    Confirm,
    Heartbeat,
    CatchUp,
}

impl Named for MsgKind {
    fn index(self) -> usize {
        self as usize
    }

    const TABLE: &'static [NameRow<MsgKind>] = &[
        NameRow {
            value: MsgKind::Prepare,
            name: "prepare",
            about: "phase 1a over every slot from the sender's first unchosen one",
        },
        NameRow {
            value: MsgKind::Promise,
            name: "promise",
            about: "phase 1b with the acceptances held and the max log id",
        },
        NameRow {
            value: MsgKind::Accept,
            name: "accept",
            about: "phase 2a for one slot",
        },
        NameRow {
            value: MsgKind::Accepted,
            name: "accepted",
            about: "phase 2b for one slot",
        },
        NameRow {
            value: MsgKind::Nack,
            name: "nack",
            about: "a prepare or accept refused: a higher proposal id was promised",
        },
        NameRow {
            value: MsgKind::Confirm,
            name: "confirm",
            about: "the confirm log: these slots are chosen",
        },
        NameRow {
            value: MsgKind::Heartbeat,
            name: "heartbeat",
            about: "the leader is alive: a confirm with no entries",
        },
        NameRow {
            value: MsgKind::CatchUp,
            name: "catch-up",
            about: "a follower asks for the confirms it lacks",
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
            Msg::Confirm { chosen, .. } if chosen.is_empty() => MsgKind::Heartbeat,
            Msg::Confirm { .. } => MsgKind::Confirm,
            Msg::CatchUp { .. } => MsgKind::CatchUp,
        }
    }

    fn meaning(kind: MsgKind) -> Meaning {
        match kind {
            MsgKind::Prepare => Meaning {
                en: "{receiver} receives Prepare({ballot}) from {sender} for every slot from #{from} on: \
                     one phase 1 for the whole open log, as a leader election",
                zh: "{receiver} 收到 {sender} 的 Prepare({ballot})，覆盖从 #{from} 起的所有日志位置：\
                     对整个未决日志只做一次第一阶段，相当于选主",
            },
            MsgKind::Promise => Meaning {
                en: "{receiver} receives {sender}'s promise for ballot {ballot}, with every value it has \
                     accepted from there on and its max log id #{max_slot}",
                zh: "{receiver} 收到 {sender} 对编号 {ballot} 的承诺，附上它从该位置起接受过的所有值，\
                     以及它的最大日志编号 #{max_slot}",
            },
            MsgKind::Accept => Meaning {
                en: "{receiver} receives Accept({ballot}) for slot #{slot} from {sender}: it accepts \
                     unless it has promised a higher ballot (P2b holds for every entry)",
                zh: "{receiver} 收到 {sender} 对日志位置 #{slot} 的 Accept({ballot})：\
                     除非承诺过更高的编号，否则接受（每条日志都要检查 P2b）",
            },
            MsgKind::Accepted => Meaning {
                en: "{receiver} hears that {sender} accepted slot #{slot} in ballot {ballot}; a majority \
                     makes the entry chosen",
                zh: "{receiver} 得知 {sender} 在编号 {ballot} 下接受了日志位置 #{slot}；多数派接受后该条目即被选定",
            },
            MsgKind::Nack => Meaning {
                en: "{receiver} learns from {sender} that ballot {ballot} was refused: {sender} has \
                     promised ballot {promised}, so another node leads",
                zh: "{receiver} 得知编号 {ballot} 被 {sender} 拒绝：{sender} 已承诺编号 {promised}，有别的节点在领导",
            },
            MsgKind::Confirm => Meaning {
                en: "{receiver} receives the confirm log (确认日志) from {sender}: these entries are \
                     chosen, and the leader's chosen prefix reaches #{chosen_through}",
                zh: "{receiver} 收到 {sender} 的确认日志：这些条目已被选定，领导者连续选定的前缀到 #{chosen_through}",
            },
            MsgKind::Heartbeat => Meaning {
                en: "{receiver} hears a heartbeat from {sender}, leading in ballot {ballot}: its chosen \
                     prefix reaches #{chosen_through}",
                zh: "{receiver} 收到 {sender}（编号 {ballot} 的领导者）的心跳：它连续选定的前缀到 #{chosen_through}",
            },
            MsgKind::CatchUp => Meaning {
                en: "{receiver} is asked by {sender} for the chosen entries from #{from} on, which it \
                     lacks",
                zh: "{sender} 缺少从 #{from} 起已选定的条目，请求 {receiver} 补发",
            },
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Prepare { ballot, from } => write!(f, "prepare({ballot}, from {from})"),
            Msg::Promise {
                ballot,
                reports,
                max_slot,
            } => {
                let shown: Vec<String> = reports
                    .iter()
                    .map(|r| {
                        let mark = if r.chosen { " chosen" } else { "" };
                        format!("{}@{}{}: {}", r.slot, r.ballot, mark, show(&r.record))
                    })
                    .collect();
                write!(
                    f,
                    "promise({ballot}, max {max_slot}, [{}])",
                    shown.join("; ")
                )
            }
            Msg::Accept {
                ballot,
                slot,
                record,
            } => write!(
                f,
                "accept({ballot}, {slot}: {} of epoch {})",
                show(record),
                record.epoch
            ),
            Msg::Accepted { ballot, slot } => write!(f, "accepted({ballot}, {slot})"),
            Msg::Nack { ballot, promised } => write!(f, "nack({ballot}, promised {promised})"),
            Msg::Confirm {
                ballot,
                chosen_through,
                chosen,
            } if chosen.is_empty() => {
                write!(f, "heartbeat({ballot}, chosen through {chosen_through})")
            }
            Msg::Confirm { ballot, chosen, .. } => {
                let shown: Vec<String> = chosen
                    .iter()
                    .map(|(slot, r)| format!("{slot}: {}", show(r)))
                    .collect();
                write!(f, "confirm({ballot}, {})", shown.join("; "))
            }
            Msg::CatchUp { from } => write!(f, "catch-up(from {from})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// Leader: send heartbeats and resend accepts not yet answered.
    Heartbeat,
    /// Others: no leader heard for too long (or a campaign stalled).
    Election,
}

// ---------------------------------------------------------------------------
// Durable state: the acceptor's promise and the slots.

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub promised: Ballot,
    pub slots: Slots<Record>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskWrite {
    Promise(Ballot),
    Slot(SlotWrite<Record>),
}

impl DurableState for Disk {
    type Write = DiskWrite;
    fn apply(&mut self, write: &DiskWrite) {
        match write {
            DiskWrite::Promise(b) => self.promised = *b,
            DiskWrite::Slot(w) => self.slots.apply(w),
        }
    }
}

// ---------------------------------------------------------------------------
// Node state.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiPaxos {
    me: NodeId,
    config: Config,
    quorum: Quorum,
    // Acceptor (durable).
    promised: Ballot,
    slots: Slots<Record>,
    // Replica (volatile).
    applier: Applier,
    /// The highest epoch of a StartWorking entry applied so far.
    working_epoch: Epoch,
    /// The node believed to lead, and when it was last heard from.
    leader: Option<NodeId>,
    last_heard: Time,
    /// The highest ballot seen anywhere: the next campaign goes above it.
    highest_seen: Ballot,
    stance: Stance,
    /// `leaderless`: requests waiting for this node's next campaign (its last
    /// one was pre-empted by a higher proposal id).
    backlog: Vec<ClientRequest>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Stance {
    Follower,
    Candidate(Box<Campaign>),
    Leader(Box<Leadership>),
}

/// A prepare in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Campaign {
    ballot: Ballot,
    from: LogIndex,
    promises: BTreeMap<NodeId, bool>,
    /// The acceptances reported, highest ballot per slot.
    reported: Slots<Record>,
    /// Slots some acceptor knows to be chosen.
    known_chosen: BTreeMap<LogIndex, Record>,
    max_slot: LogIndex,
    /// Client requests that arrived meanwhile.
    queued: Vec<ClientRequest>,
}

/// A leader's bookkeeping for its reign.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Leadership {
    ballot: Ballot,
    /// The next slot to propose a new entry in.
    next_slot: LogIndex,
    /// Slots proposed in this reign and not yet chosen: who accepted.
    proposals: BTreeMap<LogIndex, BTreeMap<NodeId, bool>>,
    waiters: Waiters,
    /// Waiting requests that are reads (answered as served).
    reads: BTreeSet<RequestId>,
}

impl Protocol for MultiPaxos {
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
            return Err(setup.error("nodes", "multi-paxos needs at least two replicas"));
        }
        let params = &setup.params;
        // A zero period would send heartbeats, or campaign, at one instant forever.
        if params.heartbeat == 0 || params.election_timeout == 0 {
            return Err(setup.error("params", "heartbeat and election_timeout must be > 0"));
        }
        let majority = Quorum::of_cluster(n).majority();
        let accept_quorum = match setup.variant {
            Variant::SmallQuorum => (majority - 1).max(1),
            Variant::Default | Variant::NoStartWorking | Variant::Leaderless => majority,
        };
        Ok(Config {
            variant: setup.variant,
            heartbeat: params.heartbeat,
            election_timeout: params.election_timeout,
            nodes: n,
            accept_quorum,
        })
    }

    fn chosen_quorum(_: &Config) -> Option<usize> {
        None
    }

    fn on_recover(config: &Config, me: NodeId, disk: &Disk, ctx: &mut Ctx<Self>) -> Self {
        let mut node = MultiPaxos {
            me,
            config: config.clone(),
            quorum: Quorum::of_cluster(config.nodes),
            promised: disk.promised,
            slots: disk.slots.clone(),
            applier: Applier::new(),
            working_epoch: Epoch::ZERO,
            leader: None,
            last_heard: ctx.now(),
            highest_seen: disk.promised,
            stance: Stance::Follower,
            backlog: Vec::new(),
        };
        // What was chosen before the crash is on disk: apply it again.
        node.apply_chosen(ctx);
        let fresh = disk.promised.is_none() && disk.slots.last_slot() == LogIndex::ZERO;
        if fresh && me == NodeId(0) && config.variant != Variant::Leaderless {
            // A fresh cluster: the first node runs for leader at once.
            node.campaign(ctx);
        } else {
            node.arm_election(ctx);
        }
        node
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest) {
        if !matches!(request.op, Op::Data(_)) {
            ctx.reply(
                request.id,
                Reply::Fail {
                    reason: "multi-paxos takes data operations".into(),
                    redirect: None,
                },
            );
            return;
        }
        match &mut self.stance {
            Stance::Leader(_) => self.serve(ctx, request),
            Stance::Candidate(campaign) => campaign.queued.push(request),
            Stance::Follower if self.config.variant == Variant::Leaderless => {
                // No leader: this node runs both phases for the request itself.
                self.campaign(ctx);
                if let Stance::Candidate(campaign) = &mut self.stance {
                    campaign.queued.push(request);
                }
            }
            Stance::Follower => ctx.reply(
                request.id,
                Reply::Fail {
                    reason: "not the leader".into(),
                    redirect: self.leader.filter(|&l| l != self.me),
                },
            ),
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Prepare { ballot, from: slot } => self.on_prepare(ctx, from, ballot, slot),
            Msg::Promise {
                ballot,
                reports,
                max_slot,
            } => self.on_promise(ctx, from, ballot, reports, max_slot),
            Msg::Accept {
                ballot,
                slot,
                record,
            } => self.on_accept(ctx, from, ballot, slot, record),
            Msg::Accepted { ballot, slot } => self.on_accepted(ctx, from, ballot, slot),
            Msg::Nack { ballot, promised } => self.on_nack(ctx, ballot, promised),
            Msg::Confirm {
                ballot,
                chosen,
                chosen_through,
            } => self.on_confirm(ctx, from, ballot, chosen, chosen_through),
            Msg::CatchUp { from: slot } => self.on_catch_up(ctx, from, slot),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Heartbeat => {
                if matches!(self.stance, Stance::Leader(_)) {
                    self.heartbeat(ctx, true);
                    ctx.set_timer(Timer::Heartbeat, self.config.heartbeat);
                }
            }
            Timer::Election => match &self.stance {
                Stance::Leader(_) => {}
                // A campaign that got no majority in time tries again higher.
                Stance::Candidate(_) => self.campaign(ctx),
                Stance::Follower if self.config.variant == Variant::Leaderless => {
                    if !self.backlog.is_empty() {
                        self.campaign(ctx);
                    }
                }
                Stance::Follower => {
                    let silent = ctx.now() - self.last_heard;
                    if silent >= self.patience() {
                        self.campaign(ctx);
                    } else {
                        ctx.set_timer(Timer::Election, self.patience() - silent);
                    }
                }
            },
        }
    }

    fn describe(&self) -> NodeView {
        let role = match &self.stance {
            Stance::Follower => "follower",
            Stance::Candidate(_) => "candidate",
            Stance::Leader(_) => "leader",
        };
        let last = self.slots.last_slot();
        let entries = self
            .slots
            .range(LogIndex::FIRST, last)
            .filter_map(|v| {
                let record = v.chosen.or(v.accepted.map(|a| &a.command))?;
                let mark = if v.chosen.is_some() {
                    ""
                } else {
                    " (accepted)"
                };
                Some(LogEntryView {
                    index: v.slot.0,
                    epoch: record.epoch.0,
                    command: format!("{}{mark}", show(record)),
                })
            })
            .collect();
        let chosen = self.slots.first_unchosen().prev();
        let mut view = NodeView::new(vec![role]);
        view.field("promised", FieldValue::Ballot(self.promised));
        if let Stance::Leader(l) = &self.stance {
            view.field("ballot", FieldValue::Ballot(l.ballot));
            view.field("next_slot", FieldValue::Number(l.next_slot.0));
        }
        if let Stance::Candidate(c) = &self.stance {
            view.field("ballot", FieldValue::Ballot(c.ballot));
        }
        view.field(
            "log",
            FieldValue::Log {
                entries,
                commit: (chosen > LogIndex::ZERO).then_some(chosen.0),
            },
        );
        view.field("applied", FieldValue::Number(self.applier.applied().0));
        view
    }
}

impl MultiPaxos {
    fn others(&self) -> Vec<NodeId> {
        (0..self.config.nodes)
            .map(NodeId)
            .filter(|&n| n != self.me)
            .collect()
    }

    fn epoch_of(ballot: Ballot) -> Epoch {
        Epoch(ballot.0)
    }

    /// How long this node waits without a leader before it runs: the timeout
    /// plus a step per node rank, so that the first node in order runs first
    /// and a simultaneous start does not duel (seed 002's 选主 by priority).
    fn patience(&self) -> u64 {
        let step = self.config.election_timeout / u64::from(self.config.nodes);
        self.config.election_timeout + u64::from(self.me.0) * step
    }

    /// Arms the election timer: the patience and a random part of up to half
    /// a rank step (which never reorders the ranks).
    fn arm_election(&self, ctx: &mut Ctx<Self>) {
        let step = self.config.election_timeout / u64::from(self.config.nodes);
        let jitter = ctx.rng().below(step / 2 + 1);
        ctx.set_timer(Timer::Election, self.patience() + jitter);
    }

    fn see(&mut self, ballot: Ballot) {
        self.highest_seen = self.highest_seen.max(ballot);
    }

    // --- Proposer: election by one prepare ----------------------------------

    /// P1a: a fresh proposal id over every slot from the first unchosen one.
    fn campaign(&mut self, ctx: &mut Ctx<Self>) {
        let mut queued = match std::mem::replace(&mut self.stance, Stance::Follower) {
            Stance::Candidate(c) => c.queued,
            Stance::Leader(_) | Stance::Follower => Vec::new(),
        };
        queued.append(&mut self.backlog);
        let n = u64::from(self.config.nodes);
        let ballot = Ballot::next_above(
            self.highest_seen.max(self.promised),
            u64::from(self.me.0) + 1,
            n,
        );
        self.see(ballot);
        let from = self.slots.first_unchosen();
        self.stance = Stance::Candidate(Box::new(Campaign {
            ballot,
            from,
            promises: BTreeMap::new(),
            reported: Slots::new(),
            known_chosen: BTreeMap::new(),
            max_slot: LogIndex::ZERO,
            queued,
        }));
        ctx.send_all(&self.others(), &Msg::Prepare { ballot, from });
        // The candidate is an acceptor too: it promises itself first.
        self.arm_election(ctx);
        if let Some(Msg::Promise {
            reports, max_slot, ..
        }) = self.promise(ctx, ballot, from)
        {
            self.on_promise(ctx, self.me, ballot, reports, max_slot);
        }
    }

    /// P1b at this acceptor: promise `ballot` for every slot from `from` if no
    /// higher one was promised, and report what is held there.
    fn promise(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot, from: LogIndex) -> Option<Msg> {
        if ballot < self.promised {
            return None;
        }
        if ballot > self.promised {
            self.promised = ballot;
            ctx.persist(DiskWrite::Promise(ballot));
            ctx.note(Fact::Promised { ballot });
        }
        // A slot known chosen is reported with its chosen command: the
        // acceptance held there may be an older ballot's, another command.
        let reports = self
            .slots
            .range(from, self.slots.last_slot())
            .filter_map(|v| match (v.chosen, v.accepted) {
                (Some(record), accepted) => Some(Report {
                    slot: v.slot,
                    ballot: accepted.map_or(Ballot::NONE, |a| a.ballot),
                    record: record.clone(),
                    chosen: true,
                }),
                (None, Some(a)) => Some(Report {
                    slot: v.slot,
                    ballot: a.ballot,
                    record: a.command.clone(),
                    chosen: false,
                }),
                (None, None) => None,
            })
            .collect();
        Some(Msg::Promise {
            ballot,
            reports,
            max_slot: self.slots.last_slot(),
        })
    }

    fn on_prepare(&mut self, ctx: &mut Ctx<Self>, from: NodeId, ballot: Ballot, slot: LogIndex) {
        self.see(ballot);
        match self.promise(ctx, ballot, slot) {
            Some(promise) => {
                // A higher proposer runs: whoever led or campaigned below it
                // stands down, and nobody else campaigns while it does.
                self.step_down_below(ctx, ballot, Some(from));
                self.last_heard = ctx.now();
                ctx.flush();
                ctx.send(from, promise);
            }
            None => ctx.send(
                from,
                Msg::Nack {
                    ballot,
                    promised: self.promised,
                },
            ),
        }
    }

    fn on_promise(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        reports: Vec<Report>,
        max_slot: LogIndex,
    ) {
        let Stance::Candidate(campaign) = &mut self.stance else {
            return;
        };
        if campaign.ballot != ballot || campaign.promises.contains_key(&from) {
            return;
        }
        campaign.promises.insert(from, true);
        campaign.max_slot = campaign.max_slot.max(max_slot);
        for r in reports {
            if r.chosen {
                campaign.known_chosen.insert(r.slot, r.record);
            } else {
                // Merging keeps the highest ballot per slot: the value to propose.
                let _ = campaign.reported.accept(r.slot, r.ballot, r.record);
            }
        }
        if self.quorum.vote_result(&campaign.promises) == VoteResult::Won {
            self.lead(ctx);
        }
    }

    /// A majority promised: re-confirm the open range, write StartWorking,
    /// and serve.
    fn lead(&mut self, ctx: &mut Ctx<Self>) {
        let Stance::Candidate(campaign) = std::mem::replace(&mut self.stance, Stance::Follower)
        else {
            return;
        };
        let ballot = campaign.ballot;
        let epoch = Self::epoch_of(ballot);
        ctx.note(Fact::Leading { epoch: epoch.0 });
        self.leader = Some(self.me);
        ctx.cancel_timer(Timer::Election);
        // Slots an acceptor knows chosen need no new round: learn them.
        for (slot, record) in &campaign.known_chosen {
            self.learn(ctx, *slot, record.clone());
        }
        let max = campaign.max_slot.max(self.slots.last_slot());
        let start = max.next().max(campaign.from);
        self.stance = Stance::Leader(Box::new(Leadership {
            ballot,
            next_slot: start,
            proposals: BTreeMap::new(),
            waiters: Waiters::new(),
            reads: BTreeSet::new(),
        }));
        // 重确认: every slot up to the max log id not known chosen gets a full
        // round with the new proposal id: the highest-ballot value reported,
        // or a NOP where no acceptor of the quorum reported one.
        let unknown: Vec<(LogIndex, Record)> = (campaign.from.0..=max.0)
            .map(LogIndex)
            .filter(|&slot| self.slots.chosen(slot).is_none())
            .map(|slot| {
                let record = match campaign.reported.accepted(slot) {
                    Some(a) => a.command.clone(),
                    None => Entry {
                        epoch,
                        command: Body::Command(Command::Nop),
                    },
                };
                (slot, record)
            })
            .collect();
        for (slot, record) in unknown {
            self.propose_at(ctx, slot, record);
        }
        // StartWorking: this reign's first entry of its own.
        match self.config.variant {
            Variant::Default | Variant::SmallQuorum => {
                self.propose(ctx, Body::StartWorking);
            }
            Variant::NoStartWorking | Variant::Leaderless => {}
        }
        for request in campaign.queued {
            self.serve(ctx, request);
        }
        ctx.set_timer(Timer::Heartbeat, self.config.heartbeat);
        if self.config.variant != Variant::Leaderless {
            self.heartbeat(ctx, false);
        }
        self.resign_if_idle();
    }

    fn on_nack(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot, promised: Ballot) {
        self.see(promised);
        let mine = match &self.stance {
            Stance::Candidate(c) => c.ballot,
            Stance::Leader(l) => l.ballot,
            Stance::Follower => return,
        };
        if ballot == mine && promised > mine {
            // Someone runs with a higher proposal id: stand down and wait.
            self.step_down_below(ctx, promised, None);
        }
    }

    /// Stops leading or campaigning in a ballot below `ballot`. Waiting clients
    /// get no answer: their entries may still be chosen under the next leader,
    /// so "failed" would be a lie; they time out and retry (the sessions apply
    /// a retry once). Requests never proposed are told to go elsewhere.
    fn step_down_below(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot, leader: Option<NodeId>) {
        let mine = match &self.stance {
            Stance::Candidate(c) => c.ballot,
            Stance::Leader(l) => l.ballot,
            Stance::Follower => {
                if leader.is_some() {
                    self.leader = leader;
                }
                return;
            }
        };
        if mine >= ballot {
            return;
        }
        let previous = std::mem::replace(&mut self.stance, Stance::Follower);
        self.leader = leader;
        if let Stance::Candidate(mut campaign) = previous {
            if self.config.variant == Variant::Leaderless {
                // Try again later, above the proposal id that won.
                self.backlog.append(&mut campaign.queued);
            }
            for request in campaign.queued {
                ctx.reply(
                    request.id,
                    Reply::Fail {
                        reason: format!("proposal id {ballot} is higher"),
                        redirect: leader,
                    },
                );
            }
        }
        ctx.cancel_timer(Timer::Heartbeat);
        self.last_heard = ctx.now();
        self.arm_election(ctx);
    }

    // --- Leader: one accept round per entry ----------------------------------

    /// A client's request at the leader.
    fn serve(&mut self, ctx: &mut Ctx<Self>, request: ClientRequest) {
        let Op::Data(input) = request.op else {
            return;
        };
        // Seed 002 §7: a retry of an applied request is answered from the
        // session; one already in this reign's log waits for its entry.
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
        let is_read = input.action.is_read();
        if let Some(slot) = self.proposed_slot_of(request.client, request.id)
            && let Stance::Leader(l) = &mut self.stance
        {
            l.waiters.wait(request.id, request.client, slot);
            return;
        }
        let command = Command::Client(ClientCommand {
            client: request.client,
            request: request.id,
            input,
        });
        // The waiter is registered first: with a quorum of one the entry is
        // chosen and applied before `propose` returns.
        let Stance::Leader(l) = &mut self.stance else {
            return;
        };
        let slot = l.next_slot;
        l.waiters.wait(request.id, request.client, slot);
        if is_read {
            l.reads.insert(request.id);
        } else {
            ctx.note(Fact::Stored {
                request: request.id,
                epoch: Self::epoch_of(l.ballot).0,
            });
        }
        self.propose(ctx, Body::Command(command));
    }

    /// Where this reign proposed `request`, if it is still being decided.
    fn proposed_slot_of(&self, client: ClientId, request: RequestId) -> Option<LogIndex> {
        let Stance::Leader(l) = &self.stance else {
            return None;
        };
        let applied = self.applier.applied();
        let held = |slot: LogIndex| {
            self.slots
                .chosen(slot)
                .or(self.slots.accepted(slot).map(|a| &a.command))
        };
        (applied.next().0..l.next_slot.0)
            .map(LogIndex)
            .find(|&slot| match held(slot).map(|r| &r.command) {
                Some(Body::Command(Command::Client(c))) => {
                    c.client == client && c.request == request
                }
                _ => false,
            })
    }

    /// Proposes `body` in the next free slot, in this reign's epoch.
    fn propose(&mut self, ctx: &mut Ctx<Self>, body: Body) {
        let Stance::Leader(l) = &mut self.stance else {
            return;
        };
        let slot = l.next_slot;
        let epoch = Self::epoch_of(l.ballot);
        self.propose_at(
            ctx,
            slot,
            Entry {
                epoch,
                command: body,
            },
        );
    }

    /// P2a for `slot`: accept it here, and ask every other acceptor.
    fn propose_at(&mut self, ctx: &mut Ctx<Self>, slot: LogIndex, record: Record) {
        let Stance::Leader(l) = &mut self.stance else {
            return;
        };
        let ballot = l.ballot;
        l.next_slot = l.next_slot.max(slot.next());
        l.proposals.insert(slot, BTreeMap::new());
        ctx.send_all(
            &self.others(),
            &Msg::Accept {
                ballot,
                slot,
                record: record.clone(),
            },
        );
        if self.accept(ctx, ballot, slot, record) {
            self.on_accepted(ctx, self.me, ballot, slot);
        }
    }

    /// Heartbeat: how far the chosen prefix reaches, and (`resend`) every
    /// accept not yet answered sent again (an accept may have been lost).
    fn heartbeat(&mut self, ctx: &mut Ctx<Self>, resend: bool) {
        let Stance::Leader(l) = &self.stance else {
            return;
        };
        let ballot = l.ballot;
        // A leader states only what its disk holds: what it learnt chosen in
        // an earlier handler may still be on its way there (fuzz seed 14832).
        ctx.flush();
        ctx.send_all(
            &self.others(),
            &Msg::Confirm {
                ballot,
                chosen: Vec::new(),
                chosen_through: self.slots.first_unchosen().prev(),
            },
        );
        if !resend {
            return;
        }
        for (&slot, votes) in &l.proposals {
            let Some(accepted) = self.slots.accepted(slot) else {
                continue;
            };
            if accepted.ballot != ballot {
                continue;
            }
            for node in self.others() {
                if !votes.contains_key(&node) {
                    ctx.send(
                        node,
                        Msg::Accept {
                            ballot,
                            slot,
                            record: accepted.command.clone(),
                        },
                    );
                }
            }
        }
    }

    fn on_accepted(&mut self, ctx: &mut Ctx<Self>, from: NodeId, ballot: Ballot, slot: LogIndex) {
        let Stance::Leader(l) = &mut self.stance else {
            return;
        };
        // The leader ignores answers to an earlier reign's accepts.
        if l.ballot != ballot {
            return;
        }
        let Some(votes) = l.proposals.get_mut(&slot) else {
            return;
        };
        votes.insert(from, true);
        if votes.len() < self.config.accept_quorum {
            return;
        }
        l.proposals.remove(&slot);
        let Some(record) = self.slots.accepted(slot).map(|a| a.command.clone()) else {
            return;
        };
        self.learn(ctx, slot, record.clone());
        // The confirm log: tell everyone the slot is chosen, once this
        // leader's own acceptance is on its disk.
        ctx.flush();
        ctx.send_all(
            &self.others(),
            &Msg::Confirm {
                ballot,
                chosen: vec![(slot, record)],
                chosen_through: self.slots.first_unchosen().prev(),
            },
        );
        self.apply_chosen(ctx);
        self.resign_if_idle();
    }

    /// Leaderless: a proposer that has nothing left to decide stops leading.
    fn resign_if_idle(&mut self) {
        if self.config.variant != Variant::Leaderless {
            return;
        }
        if let Stance::Leader(l) = &self.stance
            && l.proposals.is_empty()
            && l.waiters.is_empty()
        {
            self.stance = Stance::Follower;
            self.leader = None;
        }
    }

    fn on_catch_up(&mut self, ctx: &mut Ctx<Self>, from: NodeId, slot: LogIndex) {
        let Stance::Leader(l) = &self.stance else {
            return;
        };
        let through = self.slots.first_unchosen().prev();
        if slot > through {
            return;
        }
        let chosen: Vec<(LogIndex, Record)> = self
            .slots
            .range(slot, through)
            .filter_map(|v| Some((v.slot, v.chosen?.clone())))
            .take(BATCH)
            .collect();
        ctx.flush();
        ctx.send(
            from,
            Msg::Confirm {
                ballot: l.ballot,
                chosen,
                chosen_through: through,
            },
        );
    }

    // --- Acceptor ------------------------------------------------------------

    /// P2b at this acceptor: accept unless a higher proposal id was promised
    /// (the check every accept needs, even from the leader of the day).
    fn accept(
        &mut self,
        ctx: &mut Ctx<Self>,
        ballot: Ballot,
        slot: LogIndex,
        record: Record,
    ) -> bool {
        if ballot < self.promised {
            return false;
        }
        if ballot > self.promised {
            self.promised = ballot;
            ctx.persist(DiskWrite::Promise(ballot));
        }
        if let Some(write) = self.slots.accept(slot, ballot, record) {
            ctx.persist(DiskWrite::Slot(write));
        }
        true
    }

    fn on_accept(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        slot: LogIndex,
        record: Record,
    ) {
        self.see(ballot);
        if self.accept(ctx, ballot, slot, record) {
            self.step_down_below(ctx, ballot, Some(from));
            if !matches!(self.stance, Stance::Leader(_)) {
                self.leader = Some(from);
                self.last_heard = ctx.now();
            }
            ctx.flush();
            ctx.send(from, Msg::Accepted { ballot, slot });
        } else {
            ctx.send(
                from,
                Msg::Nack {
                    ballot,
                    promised: self.promised,
                },
            );
        }
    }

    // --- Learner: the confirm log and the contiguous prefix -------------------

    fn on_confirm(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        chosen: Vec<(LogIndex, Record)>,
        chosen_through: LogIndex,
    ) {
        self.see(ballot);
        // A chosen slot is chosen whoever says so; only a current leader's
        // confirm counts as hearing from the leader.
        for (slot, record) in chosen {
            self.learn(ctx, slot, record);
        }
        self.apply_chosen(ctx);
        self.resign_if_idle();
        if ballot >= self.promised {
            self.step_down_below(ctx, ballot, Some(from));
            if !matches!(self.stance, Stance::Leader(_)) {
                self.leader = Some(from);
                self.last_heard = ctx.now();
                let first = self.slots.first_unchosen();
                if first <= chosen_through {
                    // Followers ask for what they lack (seed 002: "followers需要
                    // 主动的向主询问日志到底有没有达成一致").
                    ctx.send(from, Msg::CatchUp { from: first });
                }
            }
        }
    }

    /// Marks `slot` chosen with `record` (persisted, stated as committed).
    fn learn(&mut self, ctx: &mut Ctx<Self>, slot: LogIndex, record: Record) {
        let text = command_text(&record);
        let epoch = record.epoch;
        if let Some(write) = self.slots.choose(slot, record) {
            ctx.persist(DiskWrite::Slot(write));
            ctx.note(Fact::Committed {
                index: slot.0,
                epoch: epoch.0,
                command: text,
            });
        }
    }

    /// Applies the contiguous chosen prefix. After a StartWorking entry, an
    /// entry of a lower epoch is skipped (seed 002: 7–19 ignored).
    fn apply_chosen(&mut self, ctx: &mut Ctx<Self>) {
        if self.slots.chosen(self.applier.applied().next()).is_none() {
            return;
        }
        // Apply only what this node's disk holds: an entry learnt chosen in an
        // earlier handler may still be on its way to the disk, and what it
        // applied then waits for that write; applying after it keeps the
        // applied sequence in order (fuzz seed 1062 with a slow disk).
        ctx.flush();
        let mut applied = Vec::new();
        while let Some(record) = self.slots.chosen(self.applier.applied().next()) {
            let skip = record.epoch < self.working_epoch;
            let command = match &record.command {
                Body::StartWorking => {
                    self.working_epoch = self.working_epoch.max(record.epoch);
                    &Command::Nop
                }
                Body::Command(_) if skip => &Command::Nop,
                Body::Command(c) => c,
            };
            let done = self.applier.apply_next(command);
            let request = match &done {
                Applied::Client {
                    request,
                    outcome: SessionOutcome::Applied(_),
                    ..
                } => Some(*request),
                Applied::Client { .. } | Applied::Nop { .. } => None,
            };
            ctx.note(Fact::Applied {
                index: done.index().0,
                epoch: record.epoch.0,
                command: command_text(record),
                request,
            });
            applied.push((done, record.epoch));
        }
        if applied.is_empty() {
            return;
        }
        let Stance::Leader(l) = &mut self.stance else {
            return;
        };
        let epochs: BTreeMap<RequestId, Epoch> = applied
            .iter()
            .filter_map(|(a, e)| match a {
                Applied::Client { request, .. } => Some((*request, *e)),
                Applied::Nop { .. } => None,
            })
            .collect();
        let done: Vec<Applied> = applied.into_iter().map(|(a, _)| a).collect();
        let replies = l.waiters.release_applied(&done);
        if !replies.is_empty() {
            // Answers wait for this node's own acceptances to be on disk.
            ctx.flush();
        }
        for (request, reply) in replies {
            if l.reads.remove(&request) {
                ctx.note(Fact::Served {
                    request,
                    epoch: epochs.get(&request).copied().unwrap_or_default().0,
                });
            }
            ctx.reply(request, reply);
        }
    }
}
