//! Swarm options: which faults one seed switches on, and how hard.
//!
//! As TigerBeetle's simulator draws every one of its options from the seed
//! before it draws a single event (`options_swarm`), a fuzz seed first draws a
//! [`SwarmOptions`] — node count, role layout, weather, time scale, and for each
//! [`FaultKind`] whether it is on and with what intensity — and only then the
//! schedule (generate.rs). Some seeds are calm, some are storms; varying the
//! mix finds combinations one fixed mix never reaches. The options are printed
//! with every failing seed.
//!
//! Every option is drawn on every seed, in a fixed order, whether or not the
//! kind ends up on, so narrowing the kinds with `--faults` switches kinds off
//! without changing what the others draw.

use crate::named::{NameRow, Named};
use crate::protocol::ParamRange;
use crate::rng::{DetRng, stream};
use crate::scenario::DelaySpec;
use std::fmt;

/// The seeded streams a generated scenario is drawn from, one per part, so
/// that switching a part off does not shift the draws of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Options,
    Roles,
    Load,
    NetworkSchedule,
    CrashSchedule,
    Links,
    Filters,
    Pauses,
    Disk,
    Params,
    Rolling,
    Chase,
    ChaseSchedule,
}

impl Part {
    pub fn rng(self, seed: u64) -> DetRng {
        let k = match self {
            Part::Options => 0,
            Part::Roles => 1,
            Part::Load => 2,
            Part::NetworkSchedule => 3,
            Part::CrashSchedule => 4,
            Part::Links => 5,
            Part::Filters => 6,
            Part::Pauses => 7,
            Part::Disk => 8,
            Part::Params => 9,
            Part::Rolling => 10,
            Part::Chase => 11,
            Part::ChaseSchedule => 12,
        };
        DetRng::new(seed, stream::SWARM + k)
    }
}

/// A kind of fault the swarm can switch on.
///
/// A new kind: an arm and its table row, its options drawn in
/// [`SwarmOptions::draw`] (after every existing draw) and its schedule in
/// generate.rs; the compiler then names every `match` that must learn it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    Loss,
    Duplication,
    LongDelay,
    Reorder,
    Partition,
    PartialPartition,
    OneWayCut,
    Crash,
    CrashSeveral,
    Pause,
    DiskLatency,
    Rolling,
    Chase,
}

impl Named for FaultKind {
    const TABLE: &'static [NameRow<FaultKind>] = &[
        NameRow {
            value: FaultKind::Loss,
            name: "loss",
            about: "messages lost at random, on every link and more on a few",
        },
        NameRow {
            value: FaultKind::Duplication,
            name: "duplicate",
            about: "messages delivered twice, the copy with its own delay",
        },
        NameRow {
            value: FaultKind::LongDelay,
            name: "delay",
            about: "long random delays (which reorder messages) and slow links",
        },
        NameRow {
            value: FaultKind::Reorder,
            name: "reorder",
            about: "one message kind held back for a while (filters), so it overtakes others",
        },
        NameRow {
            value: FaultKind::Partition,
            name: "partition",
            about: "symmetric partitions: one node isolated, halves, a minority, a random split",
        },
        NameRow {
            value: FaultKind::PartialPartition,
            name: "partial-partition",
            about: "a node cut off from some peers both ways while its other links work",
        },
        NameRow {
            value: FaultKind::OneWayCut,
            name: "cut",
            about: "one-way cuts: a node's messages to some peers dropped, or theirs to it",
        },
        NameRow {
            value: FaultKind::Crash,
            name: "crash",
            about: "one node at a time crashes and (mostly) restarts from its disk",
        },
        NameRow {
            value: FaultKind::CrashSeveral,
            name: "crash-several",
            about: "several nodes crash at nearly the same time and restart one by one",
        },
        NameRow {
            value: FaultKind::Pause,
            name: "pause",
            about: "a node stops handling anything for a while, then resumes as if nothing happened",
        },
        NameRow {
            value: FaultKind::DiskLatency,
            name: "disk",
            about: "durable writes take time (a crash loses those in flight), on every node or a few",
        },
        NameRow {
            value: FaultKind::Rolling,
            name: "rolling",
            about: "nodes go down in turn (each maybe cut off first while its clients keep writing), \
                    the next soon after: whoever leads next is hit soon after it is elected",
        },
        NameRow {
            value: FaultKind::Chase,
            name: "chase",
            about: "the node that leads (found by running the schedule so far) is cut off while \
                    its clients keep writing, then crashed; then the next leader, soon after its \
                    election (protocols with a leader)",
        },
    ];
}

impl FaultKind {
    pub fn is_crash(self) -> bool {
        match self {
            FaultKind::Crash | FaultKind::CrashSeveral | FaultKind::Rolling | FaultKind::Chase => {
                true
            }
            FaultKind::Loss
            | FaultKind::Duplication
            | FaultKind::LongDelay
            | FaultKind::Reorder
            | FaultKind::Partition
            | FaultKind::PartialPartition
            | FaultKind::OneWayCut
            | FaultKind::Pause
            | FaultKind::DiskLatency => false,
        }
    }

    /// Whether the kind acts between nodes, so needs at least two.
    pub fn needs_two_nodes(self) -> bool {
        match self {
            FaultKind::Loss
            | FaultKind::Duplication
            | FaultKind::LongDelay
            | FaultKind::Partition
            | FaultKind::PartialPartition
            | FaultKind::OneWayCut
            | FaultKind::CrashSeveral
            | FaultKind::Rolling
            | FaultKind::Chase => true,
            FaultKind::Reorder | FaultKind::Crash | FaultKind::Pause | FaultKind::DiskLatency => {
                false
            }
        }
    }
}

/// A set of fault kinds (bits of the kind table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FaultSet(u32);

impl FaultSet {
    pub const NONE: FaultSet = FaultSet(0);

    pub fn all() -> FaultSet {
        FaultSet((1u32 << FaultKind::TABLE.len()) - 1)
    }

    pub fn contains(self, kind: FaultKind) -> bool {
        self.0 >> kind.index() & 1 == 1
    }

    pub fn insert(&mut self, kind: FaultKind) {
        self.0 |= 1 << kind.index();
    }

    pub fn kinds(self) -> impl Iterator<Item = FaultKind> {
        FaultKind::TABLE
            .iter()
            .map(|r| r.value)
            .filter(move |&k| self.contains(k))
    }

    /// `all`, `none`, or kind names separated by commas.
    pub fn parse(text: &str) -> Result<FaultSet, String> {
        match text.trim() {
            "all" => return Ok(FaultSet::all()),
            "none" => return Ok(FaultSet::NONE),
            _ => {}
        }
        let mut set = FaultSet::NONE;
        for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let kind = FaultKind::from_name(name).ok_or_else(|| {
                format!(
                    "unknown fault kind {name:?}; expected all, none, or some of: {}",
                    FaultKind::expected()
                )
            })?;
            set.insert(kind);
        }
        if set == FaultSet::NONE {
            return Err("no fault kind named; write \"none\" for calm runs only".into());
        }
        Ok(set)
    }
}

impl fmt::Display for FaultSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == FaultSet::all() {
            return f.write_str("all");
        }
        if *self == FaultSet::NONE {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.kinds().map(|k| k.name()).collect();
        f.write_str(&names.join(","))
    }
}

/// How roles are spread over the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Every node plays the protocol's default roles.
    Uniform,
    /// Each node plays a random non-empty set of roles; every role is played.
    Mixed,
    /// Each node plays exactly one role; every role is played.
    Dedicated,
}

impl Named for Layout {
    const TABLE: &'static [NameRow<Layout>] = &[
        NameRow {
            value: Layout::Uniform,
            name: "uniform",
            about: "every node plays the protocol's default roles",
        },
        NameRow {
            value: Layout::Mixed,
            name: "mixed",
            about: "each node plays a random set of roles",
        },
        NameRow {
            value: Layout::Dedicated,
            name: "dedicated",
            about: "each node plays one role",
        },
    ];
}

/// How much goes wrong in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weather {
    /// No faults at all.
    Calm,
    /// One to three kinds alone, up to four episodes each: a kind's own bugs
    /// and those of a pair, with nothing else in the way.
    Squall,
    /// A third of the kinds on, one or two episodes each.
    Breezy,
    /// Two thirds of the kinds on, up to six episodes each.
    Storm,
}

impl Named for Weather {
    const TABLE: &'static [NameRow<Weather>] = &[
        NameRow {
            value: Weather::Calm,
            name: "calm",
            about: "no faults",
        },
        NameRow {
            value: Weather::Squall,
            name: "squall",
            about: "one to three fault kinds alone",
        },
        NameRow {
            value: Weather::Breezy,
            name: "breezy",
            about: "a few fault kinds, few episodes",
        },
        NameRow {
            value: Weather::Storm,
            name: "storm",
            about: "most fault kinds, many episodes",
        },
    ];
}

/// The shapes a symmetric partition takes (TigerBeetle's partition modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionShape {
    IsolateOne,
    Halves,
    Minority,
    RandomSplit,
}

impl Named for PartitionShape {
    const TABLE: &'static [NameRow<PartitionShape>] = &[
        NameRow {
            value: PartitionShape::IsolateOne,
            name: "isolate-one",
            about: "one node against the rest",
        },
        NameRow {
            value: PartitionShape::Halves,
            name: "halves",
            about: "half the nodes against the other half",
        },
        NameRow {
            value: PartitionShape::Minority,
            name: "minority",
            about: "a random minority against the majority",
        },
        NameRow {
            value: PartitionShape::RandomSplit,
            name: "random-split",
            about: "each node on a random side",
        },
    ];
}

/// How long a crashed node stays down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// Up to half a message delay: a restart in the middle of a round.
    Blip,
    /// 20 to 200 ticks.
    Short,
    /// 200 to 2000 ticks.
    Long,
    /// Each crash draws one of blip, short and long.
    Mixed,
    /// The node never restarts.
    Forever,
}

impl Named for Outage {
    const TABLE: &'static [NameRow<Outage>] = &[
        NameRow {
            value: Outage::Blip,
            name: "blip",
            about: "down for up to half a message delay",
        },
        NameRow {
            value: Outage::Short,
            name: "short",
            about: "down 20 to 200 ticks",
        },
        NameRow {
            value: Outage::Long,
            name: "long",
            about: "down 200 to 2000 ticks",
        },
        NameRow {
            value: Outage::Mixed,
            name: "mixed",
            about: "each crash blip, short or long",
        },
        NameRow {
            value: Outage::Forever,
            name: "forever",
            about: "never restarts",
        },
    ];
}

impl Outage {
    /// Ticks down, or `None` for never restarting. A blip lasts up to half a
    /// message delay (`delay`, the slowest link's), at least up to 5 ticks:
    /// the node is back before the messages of the round in flight arrive.
    pub fn draw(self, rng: &mut DetRng, delay: u64) -> Option<u64> {
        match self {
            Outage::Blip => Some(rng.between(1, (delay / 2).max(5))),
            Outage::Short => Some(rng.between(20, 200)),
            Outage::Long => Some(rng.between(200, 2000)),
            Outage::Mixed => {
                let one = [Outage::Blip, Outage::Short, Outage::Long][rng.below(3) as usize];
                one.draw(rng, delay)
            }
            Outage::Forever => None,
        }
    }
}

/// A number of episodes of a network fault and how long each lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episodes {
    pub count: u64,
    /// Ticks, closed range.
    pub duration: (u64, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loss {
    pub ppm: u32,
    /// Links with a loss of their own, `link_ppm`.
    pub lossy_links: u64,
    pub link_ppm: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDelay {
    /// The longest delay, in ticks.
    pub max: u64,
    /// Whether every link's delay is widened to [lo, max].
    pub widen: bool,
    /// Links whose delay is [max/2, max].
    pub slow_links: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reorder {
    /// Message filters, each holding back one message kind.
    pub filters: u64,
    /// The longest extra delay, in ticks.
    pub max_extra: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partitions {
    pub shape: PartitionShape,
    pub episodes: Episodes,
}

/// Which nodes crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashTargets {
    /// Any node.
    Any,
    /// Nodes no client sends requests to: a crash there loses no client's
    /// request, only the node's own state (the servers behind the front ends).
    Bystanders,
    /// Nodes playing this row of the protocol's role table.
    Role(usize),
}

impl CrashTargets {
    fn draw(rng: &mut DetRng, roles: usize) -> CrashTargets {
        match rng.below(5) {
            0 => CrashTargets::Any,
            1..=3 => CrashTargets::Bystanders,
            _ => CrashTargets::Role(rng.below(roles as u64) as usize),
        }
    }

    fn describe(self, roles: &[&str]) -> String {
        match self {
            CrashTargets::Any => "any node".into(),
            CrashTargets::Bystanders => "bystanders".into(),
            CrashTargets::Role(row) => format!("{}s", roles.get(row).unwrap_or(&"?")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crashes {
    pub episodes: u64,
    pub outage: Outage,
    pub targets: CrashTargets,
    /// Times each crashed node goes down in a row (1: once; more: it flaps,
    /// back up for a moment between outages).
    pub repeats: u64,
}

impl Crashes {
    fn draw(rng: &mut DetRng, episodes: u64, roles: usize) -> Crashes {
        // Blips (a restart in the middle of a round) are the outage that finds
        // forgotten state; they come up most often.
        let outage = [
            Outage::Blip,
            Outage::Blip,
            Outage::Blip,
            Outage::Blip,
            Outage::Blip,
            Outage::Blip,
            Outage::Short,
            Outage::Long,
            Outage::Mixed,
            Outage::Forever,
        ][rng.below(10) as usize];
        Crashes {
            episodes,
            outage,
            targets: CrashTargets::draw(rng, roles),
            // Down many times in a row: a node flapping for a long while
            // (restarting soon after each crash) meets an election.
            repeats: [1, 2, 5, 10, 40, 40][rng.below(6) as usize],
        }
    }
}

/// Pauses: episodes, how long each lasts, which nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pauses {
    pub episodes: u64,
    /// Ticks, closed range.
    pub duration: (u64, u64),
    pub targets: CrashTargets,
}

/// Rolling outages: nodes go down one after another, as in a rolling restart
/// gone wrong. Each node's turn: cut off from every other node for a while
/// (its clients keep writing to it, nothing reaches a majority), then crashed,
/// then restarted; the next node's turn starts a little after the crash. A
/// static schedule cannot know who leads, but taking the nodes in turn hits
/// the leader, then the one elected after it soon after its election — the
/// shapes of seed 002's ghost reappearance and of Raft's Figure 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rolling {
    /// Nodes that take a turn (at most the node count).
    pub turns: u64,
    /// In name order (a rolling restart), else a random order.
    pub in_order: bool,
    /// Ticks each node is cut off before its crash, closed range; (0, 0): none.
    pub isolation: (u64, u64),
    pub outage: Outage,
    /// Ticks from one node's crash to the next node's turn, closed range.
    pub gap: (u64, u64),
    /// Times around the nodes.
    pub rounds: u64,
}

/// Leader chases: a static schedule aimed at whoever leads. The generator runs
/// the schedule drawn so far (a pilot run, trace off) to learn who leads at a
/// moment, then cuts that node off for a while (its clients keep writing to
/// it: entries of its term that reach no majority), crashes it and restarts
/// it later; the next episode waits for the next election and strikes soon
/// after it, while the new leader is still bringing the others up to date.
/// That is the shape of Raft's Figure 8 and of seed 002's ghost reappearance,
/// which random crashes almost never hit. The result is an ordinary schedule:
/// `parliament run` replays it without any pilot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chase {
    pub episodes: u64,
    /// Ticks the leader is cut off before its crash, closed range.
    pub isolation: (u64, u64),
    pub outage: Outage,
    /// Ticks from an election to the strike at its leader, in message
    /// delays (the slowest link's), closed range; `None`: each strike draws
    /// one of [`AFTER_ELECTION`].
    pub after_election: Option<(u64, u64)>,
    /// A relay: no crashes; the partition moves from leader to leader. Each
    /// struck leader is cut off until the next leader is struck, and rejoins
    /// then with the entries its clients left it (the last one after a cut-off
    /// of the drawn length). On three nodes the next majority always holds
    /// the one that rejoined: seed 002's three rounds, Raft's Figure 8.
    pub relay: bool,
}

/// When a chase strikes after an election, in message delays: before the new
/// leader's first entry reaches anyone; while it brings the others up to
/// date; or once it has served its clients for a while.
pub const AFTER_ELECTION: [(u64, u64); 5] = [(0, 0), (0, 1), (0, 3), (1, 8), (8, 40)];

/// Slow disks: every node's latency, and a few nodes slower still.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskLatency {
    pub everywhere: DelaySpec,
    pub slow_nodes: u64,
    pub slow: DelaySpec,
}

/// Everything a seed decides before its schedule. `None` means off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwarmOptions {
    /// The protocol's role names (for crash targets).
    pub roles: Vec<&'static str>,
    pub nodes: usize,
    pub layout: Layout,
    pub weather: Weather,
    /// Faults and client activity fall in [0, horizon).
    pub horizon: u64,
    /// Ticks after the horizon until the run's time limit.
    pub settle: u64,
    /// Every link's delay, before long delays widen it.
    pub delay: DelaySpec,
    pub loss: Option<Loss>,
    /// Parts per million.
    pub duplication: Option<u32>,
    pub long_delay: Option<LongDelay>,
    pub reorder: Option<Reorder>,
    pub partition: Option<Partitions>,
    pub partial_partition: Option<Episodes>,
    pub one_way_cut: Option<Episodes>,
    pub crash: Option<Crashes>,
    pub crash_several: Option<Crashes>,
    pub pause: Option<Pauses>,
    pub disk: Option<DiskLatency>,
    pub rolling: Option<Rolling>,
    pub chase: Option<Chase>,
    /// Protocol parameters drawn from the protocol's ranges (the others keep
    /// their defaults).
    pub params: Vec<(&'static str, u64)>,
}

/// Node counts drawn when `--nodes` is not given.
const NODE_COUNTS: [usize; 8] = [2, 3, 3, 4, 5, 5, 6, 7];

impl SwarmOptions {
    /// The options of `seed` for a protocol with these roles (its role
    /// table's names). `nodes` overrides the drawn node count; kinds outside
    /// `allowed` are off.
    pub fn draw(
        seed: u64,
        roles: &[&'static str],
        ranges: &[ParamRange],
        nodes: Option<usize>,
        allowed: FaultSet,
    ) -> SwarmOptions {
        let mut rng = Part::Options.rng(seed);
        let r = &mut rng;
        let drawn_nodes = NODE_COUNTS[r.below(NODE_COUNTS.len() as u64) as usize];
        let nodes = nodes.unwrap_or(drawn_nodes);
        let layout = [
            Layout::Uniform,
            Layout::Mixed,
            Layout::Dedicated,
            Layout::Dedicated,
        ][r.below(4) as usize];
        let weather = match r.below(8) {
            0 => Weather::Calm,
            1..=3 => Weather::Squall,
            4 | 5 => Weather::Breezy,
            _ => Weather::Storm,
        };
        let horizon = [200, 1000, 3000][r.below(3) as usize];
        let settle = [300, 1000, 2000][r.below(3) as usize];
        let delay = if r.below(4) == 0 {
            DelaySpec::Fixed(r.between(1, 20))
        } else {
            let lo = r.between(1, 10);
            DelaySpec::Uniform([lo, lo + r.between(5, 40)])
        };
        let (on_ppm, most) = match weather {
            Weather::Calm => (0, 1),
            Weather::Squall => (0, 4),
            Weather::Breezy => (333_333, 2),
            Weather::Storm => (666_667, 6),
        };
        // Each kind: on or off, then its parameters, always all drawn.
        // Crashes with restarts are what most durability bugs need: a little
        // more likely than the other kinds.
        let drawn = |r: &mut DetRng, kind: FaultKind| {
            let ppm = if kind.is_crash() {
                on_ppm + (1_000_000 - on_ppm) / 4
            } else {
                on_ppm
            };
            r.chance(ppm * (on_ppm > 0) as u32) && allowed.contains(kind)
        };
        let episodes = |r: &mut DetRng| Episodes {
            count: r.between(1, most),
            duration: [(10, 100), (100, 1000), (10, 1000)][r.below(3) as usize],
        };

        let loss_on = drawn(r, FaultKind::Loss);
        let loss = Loss {
            ppm: [10_000, 50_000, 100_000, 300_000][r.below(4) as usize],
            lossy_links: r.between(0, 3),
            link_ppm: [300_000, 600_000, 900_000][r.below(3) as usize],
        };
        let dup_on = drawn(r, FaultKind::Duplication);
        let duplication = [20_000, 100_000, 300_000, 500_000][r.below(4) as usize];
        let long_on = drawn(r, FaultKind::LongDelay);
        let long_delay = LongDelay {
            max: [100, 300, 1000][r.below(3) as usize],
            widen: r.below(2) == 0,
            slow_links: r.between(0, 3),
        };
        let reorder_on = drawn(r, FaultKind::Reorder);
        let reorder = Reorder {
            filters: r.between(1, 3),
            max_extra: [20, 60, 200][r.below(3) as usize],
        };
        let partition_on = drawn(r, FaultKind::Partition);
        let partition = Partitions {
            shape: pick::<PartitionShape>(r),
            episodes: episodes(r),
        };
        let partial_on = drawn(r, FaultKind::PartialPartition);
        let partial = episodes(r);
        let cut_on = drawn(r, FaultKind::OneWayCut);
        let cut = episodes(r);
        let crash_on = drawn(r, FaultKind::Crash);
        let episodes = r.between(1, most);
        let crash = Crashes::draw(r, episodes, roles.len());
        let several_on = drawn(r, FaultKind::CrashSeveral);
        let episodes = r.between(1, most.div_ceil(2));
        let several = Crashes::draw(r, episodes, roles.len());
        let pause_on = drawn(r, FaultKind::Pause);
        let pause = Pauses {
            episodes: r.between(1, most),
            // Shorter than a timeout, about one, or far longer.
            duration: [(5, 50), (50, 300), (300, 1500)][r.below(3) as usize],
            targets: CrashTargets::draw(r, roles.len()),
        };
        let disk_on = drawn(r, FaultKind::DiskLatency);
        let disk = {
            let lo = r.between(1, 10);
            let everywhere = if r.below(3) == 0 {
                DelaySpec::Fixed(0)
            } else {
                DelaySpec::Uniform([lo, lo + r.between(0, 30)])
            };
            // Instant disks everywhere else: at least one slow one.
            let slow_nodes = r
                .between(0, 2)
                .max((everywhere == DelaySpec::Fixed(0)) as u64);
            DiskLatency {
                everywhere,
                slow_nodes,
                slow: DelaySpec::Uniform([20, [50, 100, 300][r.below(3) as usize]]),
            }
        };
        let rolling_on = drawn(r, FaultKind::Rolling);
        let rolling = Rolling {
            turns: r.between(2, nodes.max(2) as u64),
            in_order: r.below(2) == 0,
            isolation: [(0, 0), (10, 100), (100, 300), (300, 1000)][r.below(4) as usize],
            outage: [
                Outage::Blip,
                Outage::Short,
                Outage::Short,
                Outage::Long,
                Outage::Mixed,
                Outage::Mixed,
            ][r.below(6) as usize],
            gap: [(1, 50), (20, 150), (50, 300), (200, 600)][r.below(4) as usize],
            rounds: [1, 2, 3, 5][r.below(4) as usize],
        };
        // Faults between nodes need two of them.
        let many = nodes >= 2;
        let mut on = FaultSet::NONE;
        for (kind, is_on) in [
            (FaultKind::Loss, loss_on),
            (FaultKind::Duplication, dup_on),
            (FaultKind::LongDelay, long_on),
            (FaultKind::Reorder, reorder_on),
            (FaultKind::Partition, partition_on),
            (FaultKind::PartialPartition, partial_on),
            (FaultKind::OneWayCut, cut_on),
            (FaultKind::Crash, crash_on),
            (FaultKind::CrashSeveral, several_on),
            (FaultKind::Pause, pause_on),
            (FaultKind::DiskLatency, disk_on),
            (FaultKind::Rolling, rolling_on),
        ] {
            if is_on {
                on.insert(kind);
            }
        }
        if weather == Weather::Squall {
            // One to three kinds alone, drawn last from the allowed ones.
            // Crash kinds count twice.
            // (Chase, the newest kind, is drawn on its own below, so seeds
            // drawn before it existed keep their schedules.)
            let mut kinds: Vec<FaultKind> = allowed
                .kinds()
                .filter(|&k| k != FaultKind::Chase)
                .flat_map(|k| std::iter::repeat_n(k, 1 + k.is_crash() as usize))
                .collect();
            for _ in 0..r.between(1, 3) {
                if !kinds.is_empty() {
                    let kind = kinds[r.below(kinds.len() as u64) as usize];
                    on.insert(kind);
                    kinds.retain(|&k| k != kind);
                }
            }
        }
        // Leader chases: on in a quarter of the seeds with any weather but
        // calm (always when they are the only kind allowed). From a stream of
        // their own: the draws above are those of seeds before chases existed.
        let r = &mut Part::Chase.rng(seed);
        let chase_drawn = r.chance(250_000);
        let chase = Chase {
            episodes: r.between(2, 8),
            isolation: [(0, 0), (10, 100), (50, 300), (100, 600)][r.below(4) as usize],
            outage: [Outage::Short, Outage::Long, Outage::Mixed][r.below(3) as usize],
            after_election: {
                let k = r.below(AFTER_ELECTION.len() as u64 + 2) as usize;
                AFTER_ELECTION.get(k).copied()
            },
            relay: r.chance(500_000),
        };
        if allowed.contains(FaultKind::Chase)
            && weather != Weather::Calm
            && (chase_drawn || allowed.kinds().count() == 1)
        {
            on.insert(FaultKind::Chase);
        }
        let on = |kind: FaultKind| on.contains(kind) && (many || !kind.needs_two_nodes());
        // Protocol parameters, from a stream of their own: each left at its
        // default or drawn from its range.
        let r = &mut Part::Params.rng(seed);
        let params = ranges
            .iter()
            .filter_map(|p| {
                let value = p.values[r.below(p.values.len() as u64) as usize];
                (r.below(2) == 0).then_some((p.name, value))
            })
            .collect();
        SwarmOptions {
            roles: roles.to_vec(),
            nodes,
            layout,
            weather,
            horizon,
            settle,
            delay,
            loss: on(FaultKind::Loss).then_some(loss),
            duplication: on(FaultKind::Duplication).then_some(duplication),
            long_delay: on(FaultKind::LongDelay).then_some(long_delay),
            reorder: on(FaultKind::Reorder).then_some(reorder),
            partition: on(FaultKind::Partition).then_some(partition),
            partial_partition: on(FaultKind::PartialPartition).then_some(partial),
            one_way_cut: on(FaultKind::OneWayCut).then_some(cut),
            crash: on(FaultKind::Crash).then_some(crash),
            crash_several: on(FaultKind::CrashSeveral).then_some(several),
            pause: on(FaultKind::Pause).then_some(pause),
            disk: on(FaultKind::DiskLatency).then_some(disk),
            rolling: on(FaultKind::Rolling).then_some(rolling),
            chase: on(FaultKind::Chase).then_some(chase),
            params,
        }
    }

    /// The longest delay of an ordinary link, before filters.
    pub fn slowest_delay(&self) -> u64 {
        let base = match self.delay {
            DelaySpec::Fixed(t) => t,
            DelaySpec::Uniform([_, hi]) => hi,
        };
        match self.long_delay {
            Some(d) if d.widen => base.max(d.max),
            _ => base,
        }
    }

    pub fn is_on(&self, kind: FaultKind) -> bool {
        match kind {
            FaultKind::Loss => self.loss.is_some(),
            FaultKind::Duplication => self.duplication.is_some(),
            FaultKind::LongDelay => self.long_delay.is_some(),
            FaultKind::Reorder => self.reorder.is_some(),
            FaultKind::Partition => self.partition.is_some(),
            FaultKind::PartialPartition => self.partial_partition.is_some(),
            FaultKind::OneWayCut => self.one_way_cut.is_some(),
            FaultKind::Crash => self.crash.is_some(),
            FaultKind::CrashSeveral => self.crash_several.is_some(),
            FaultKind::Pause => self.pause.is_some(),
            FaultKind::DiskLatency => self.disk.is_some(),
            FaultKind::Rolling => self.rolling.is_some(),
            FaultKind::Chase => self.chase.is_some(),
        }
    }

    /// The kinds that are on.
    pub fn kinds(&self) -> FaultSet {
        let mut set = FaultSet::NONE;
        for row in FaultKind::TABLE {
            if self.is_on(row.value) {
                set.insert(row.value);
            }
        }
        set
    }

    fn describe_crashes(&self, c: &Crashes) -> String {
        let repeats = if c.repeats > 1 {
            format!(", each down {} times", c.repeats)
        } else {
            String::new()
        };
        format!(
            "×{} of {} ({} outages{repeats})",
            c.episodes,
            c.targets.describe(&self.roles),
            c.outage.name()
        )
    }

    /// One kind's options in words.
    fn describe(&self, kind: FaultKind) -> Option<String> {
        let pct = |ppm: u32| format!("{}%", ppm as f64 / 10_000.0);
        let eps = |e: &Episodes| format!("×{} ({}-{} ticks)", e.count, e.duration.0, e.duration.1);
        Some(match kind {
            FaultKind::Loss => {
                let l = self.loss?;
                let mut s = format!("loss {}", pct(l.ppm));
                if l.lossy_links > 0 {
                    s += &format!(" +{} links {}", l.lossy_links, pct(l.link_ppm));
                }
                s
            }
            FaultKind::Duplication => format!("duplicate {}", pct(self.duplication?)),
            FaultKind::LongDelay => {
                let d = self.long_delay?;
                format!(
                    "delay up to {}{} +{} slow links",
                    d.max,
                    if d.widen { " everywhere" } else { "" },
                    d.slow_links
                )
            }
            FaultKind::Reorder => {
                let o = self.reorder?;
                format!("reorder {} filters up to +{}", o.filters, o.max_extra)
            }
            FaultKind::Partition => {
                let p = self.partition?;
                format!("partition {} {}", p.shape.name(), eps(&p.episodes))
            }
            FaultKind::PartialPartition => {
                format!(
                    "partial-partition {}",
                    eps(self.partial_partition.as_ref()?)
                )
            }
            FaultKind::OneWayCut => format!("cut {}", eps(self.one_way_cut.as_ref()?)),
            FaultKind::Crash => format!("crash {}", self.describe_crashes(&self.crash?)),
            FaultKind::CrashSeveral => {
                format!(
                    "crash-several {}",
                    self.describe_crashes(&self.crash_several?)
                )
            }
            FaultKind::Pause => {
                let p = self.pause?;
                format!(
                    "pause ×{} of {} ({}-{} ticks)",
                    p.episodes,
                    p.targets.describe(&self.roles),
                    p.duration.0,
                    p.duration.1
                )
            }
            FaultKind::DiskLatency => {
                let d = self.disk?;
                let mut parts = Vec::new();
                if d.everywhere != DelaySpec::Fixed(0) {
                    parts.push(delay_text(d.everywhere));
                }
                if d.slow_nodes > 0 {
                    parts.push(format!(
                        "{} slow disks {}",
                        d.slow_nodes,
                        delay_text(d.slow)
                    ));
                }
                format!("disk {}", parts.join(" +"))
            }
            FaultKind::Rolling => {
                let o = self.rolling?;
                let cut_off = if o.isolation == (0, 0) {
                    String::new()
                } else {
                    format!(", cut off {}-{} ticks first", o.isolation.0, o.isolation.1)
                };
                format!(
                    "rolling ×{} in {} order{cut_off} ({} outages), next {}-{} ticks after, {} round{}",
                    o.turns,
                    if o.in_order { "name" } else { "random" },
                    o.outage.name(),
                    o.gap.0,
                    o.gap.1,
                    o.rounds,
                    if o.rounds == 1 { "" } else { "s" }
                )
            }
            FaultKind::Chase => {
                let c = self.chase?;
                let after = match c.after_election {
                    Some((lo, hi)) => format!("{lo}-{hi} delays"),
                    None => "0 to 8 delays (mixed)".into(),
                };
                if c.relay {
                    return Some(format!(
                        "chase the leader ×{} (relay: each cut off until the next strike, \
                         the last {}-{} ticks), {after} after an election",
                        c.episodes, c.isolation.0, c.isolation.1
                    ));
                }
                let cut_off = if c.isolation == (0, 0) {
                    String::new()
                } else {
                    format!(", cut off {}-{} ticks first", c.isolation.0, c.isolation.1)
                };
                let outages = format!("{} outages", c.outage.name());
                format!(
                    "chase the leader ×{}{cut_off} ({outages}), {after} after an election",
                    c.episodes,
                )
            }
        })
    }
}

fn pick<T: Named>(rng: &mut DetRng) -> T {
    T::TABLE[rng.below(T::TABLE.len() as u64) as usize].value
}

fn delay_text(delay: DelaySpec) -> String {
    match delay {
        DelaySpec::Fixed(t) => format!("{t}"),
        DelaySpec::Uniform([lo, hi]) => format!("[{lo}, {hi}]"),
    }
}

/// One line: `nodes 5 mixed, storm, horizon 1000 + 300, delay [3, 25], params
/// timeout=60; loss 5%, crash ×2 (blip outages)`.
impl fmt::Display for SwarmOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "nodes {} {}, {}, horizon {} + {}, delay {}",
            self.nodes,
            self.layout.name(),
            self.weather.name(),
            self.horizon,
            self.settle,
            delay_text(self.delay)
        )?;
        if !self.params.is_empty() {
            let params: Vec<String> = self
                .params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            write!(f, ", params {}", params.join(" "))?;
        }
        f.write_str("; ")?;
        let parts: Vec<String> = FaultKind::TABLE
            .iter()
            .filter_map(|r| self.describe(r.value))
            .collect();
        if parts.is_empty() {
            f.write_str("no faults")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: &[&str] = &["proposer", "acceptor", "learner"];

    #[test]
    fn tables_are_sound() {
        crate::named::assert_table_sound::<FaultKind>();
        crate::named::assert_table_sound::<Layout>();
        crate::named::assert_table_sound::<Weather>();
        crate::named::assert_table_sound::<PartitionShape>();
        crate::named::assert_table_sound::<Outage>();
    }

    #[test]
    fn fault_sets_parse_and_print() {
        assert_eq!(FaultSet::parse("all"), Ok(FaultSet::all()));
        assert_eq!(FaultSet::parse("none"), Ok(FaultSet::NONE));
        let s = FaultSet::parse("crash, partition").unwrap();
        assert!(s.contains(FaultKind::Crash) && s.contains(FaultKind::Partition));
        assert!(!s.contains(FaultKind::Loss));
        assert_eq!(s.to_string(), "partition,crash");
        assert!(
            FaultSet::parse("crash,bogus")
                .unwrap_err()
                .contains("bogus")
        );
        assert!(FaultSet::parse(",").is_err());
    }

    #[test]
    fn options_are_a_function_of_the_seed() {
        for seed in 0..200 {
            let a = SwarmOptions::draw(seed, ROLES, &[], None, FaultSet::all());
            assert_eq!(
                a,
                SwarmOptions::draw(seed, ROLES, &[], None, FaultSet::all())
            );
            assert_eq!(
                a.to_string(),
                SwarmOptions::draw(seed, ROLES, &[], None, FaultSet::all()).to_string()
            );
        }
    }

    #[test]
    fn narrowing_switches_kinds_off_and_changes_nothing_else() {
        let crash = FaultSet::parse("crash").unwrap();
        let mut calm = 0;
        let mut storms = 0;
        for seed in 0..500 {
            let all = SwarmOptions::draw(seed, ROLES, &[], Some(5), FaultSet::all());
            let narrow = SwarmOptions::draw(seed, ROLES, &[], Some(5), crash);
            assert!(narrow.kinds().kinds().all(|k| k == FaultKind::Crash));
            if all.weather != Weather::Squall {
                assert_eq!(narrow.crash, all.crash);
            }
            assert_eq!(
                (narrow.nodes, narrow.layout, narrow.horizon, narrow.delay),
                (all.nodes, all.layout, all.horizon, all.delay)
            );
            calm += (all.kinds() == FaultSet::NONE) as u32;
            storms += (all.kinds().kinds().count() >= 5) as u32;
        }
        // Some runs calm, some storms.
        assert!(calm > 50 && storms > 50, "calm {calm}, storms {storms}");
    }
}
