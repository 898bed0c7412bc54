//! From a seed to a whole scenario: the swarm options, then the nodes and
//! their roles, the load (scripted proposals or a data workload), the network,
//! the fault schedule and the message filters — built as a [`ScenarioSpec`]
//! value, so a generated scenario is an ordinary scenario file.
//!
//! Nothing here names a protocol: roles come from the protocol's role table,
//! what it serves from its info, message kinds from its kind table, and which
//! nodes take proposals from validation itself (a probe scenario per node).

use super::swarm::{
    Chase, CrashTargets, Crashes, Layout, Part, PartitionShape, Rolling, SwarmOptions,
};
use crate::check::CheckKind;
use crate::fact::Fact;
use crate::history::ModelKind;
use crate::ids::NodeId;
use crate::named::Named;
use crate::protocol::Serves;
use crate::protocols::{ProtocolInfo, ProtocolKind};
use crate::rng::{DetRng, PPM};
use crate::scenario::{
    CutSpec, DelaySpec, DiskSpec, FaultSpec, FilterActionSpec, FilterSpec, KindNames, LimitsSpec,
    LinkSpec, MatchSpec, NetworkSpec, NodeDiskSpec, NodeNames, NodeSpec, NodesSpec, RequestSpec,
    Scenario, ScenarioSpec,
};
use crate::workload::{GenerateSpec, WorkloadSpec};

/// At most this many events per generated run: a storm of duplicates cannot
/// make one seed take seconds.
pub const EVENT_LIMIT: u64 = 20_000;

/// What a sweep generates scenarios for.
#[derive(Clone, Debug)]
pub struct Target {
    pub protocol: ProtocolKind,
    pub info: ProtocolInfo,
    /// The variant's name as its table writes it.
    pub variant: &'static str,
    /// Fixed node count; `None` draws one per seed.
    pub nodes: Option<usize>,
    /// The fault kinds seeds may switch on.
    pub faults: super::swarm::FaultSet,
    /// The protocol's `params` in every generated scenario (options such as
    /// Raft's `prevote`); empty: the protocol's defaults.
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl Target {
    /// A target for `protocol` (by name) and `variant` (default: the first).
    pub fn new(
        protocol: &str,
        variant: Option<&str>,
        nodes: Option<usize>,
        faults: super::swarm::FaultSet,
    ) -> Result<Target, String> {
        let kind = ProtocolKind::from_name(protocol).ok_or_else(|| {
            format!(
                "unknown protocol {protocol:?}; expected one of: {}",
                ProtocolKind::expected()
            )
        })?;
        let info = kind.info();
        let variant = match variant {
            None => info.variants[0].0,
            Some(v) => info
                .variants
                .iter()
                .find(|(name, _)| *name == v)
                .map(|(name, _)| *name)
                .ok_or_else(|| {
                    let names: Vec<&str> = info.variants.iter().map(|r| r.0).collect();
                    format!(
                        "unknown variant {v:?} of {protocol}; expected one of: {}",
                        names.join(", ")
                    )
                })?,
        };
        if let Some(n) = nodes
            && !(1..=crate::scenario::limits::MAX_NODES).contains(&n)
        {
            return Err(format!(
                "--nodes {n}: between 1 and {} nodes",
                crate::scenario::limits::MAX_NODES
            ));
        }
        Ok(Target {
            protocol: kind,
            info,
            variant,
            nodes,
            faults,
            params: serde_json::Map::new(),
        })
    }

    /// `basic-paxos-forget-promise-seed-17`: the generated scenario's name and
    /// the stem of its file.
    pub fn scenario_name(&self, seed: u64) -> String {
        format!("{}-{}-seed-{seed}", self.protocol.name(), self.variant)
    }
}

/// A generated scenario and the options it was drawn with.
#[derive(Clone, Debug)]
pub struct Generated {
    pub spec: ScenarioSpec,
    pub options: SwarmOptions,
}

/// The scenario of `seed`: a pure function of the target and the seed.
pub fn generate(target: &Target, seed: u64) -> Generated {
    let roles: Vec<&'static str> = target.info.roles.iter().map(|r| r.0).collect();
    let mut options = SwarmOptions::draw(
        seed,
        &roles,
        target.info.param_ranges,
        target.nodes,
        target.faults,
    );
    let n = options.nodes;
    let names: Vec<String> = (1..=n).map(|i| format!("N{i}")).collect();
    let nodes = draw_nodes(target, &mut options, &names, &mut Part::Roles.rng(seed));

    let mut spec = ScenarioSpec {
        name: target.scenario_name(seed),
        seed,
        params: target.params.clone(),
        limits: LimitsSpec {
            time: Some(options.horizon + options.settle),
            events: Some(EVENT_LIMIT),
        },
        ..ScenarioSpec::bare(
            target.protocol.name(),
            Some(target.variant.to_string()),
            nodes,
        )
    };

    // The load, and the times the protocol is busy, where faults cluster.
    let busy = match target.info.serves {
        Serves::Proposals => {
            spec.requests = draw_proposals(target, &spec, &options, &mut Part::Load.rng(seed));
            // Each node's first request: where a round starts.
            let mut first: Vec<(&str, u64)> = Vec::new();
            for r in &spec.requests {
                if !first.iter().any(|(n, _)| *n == r.node) {
                    first.push((&r.node, r.at));
                }
            }
            first.into_iter().map(|(_, at)| at).collect()
        }
        Serves::Data => {
            spec.workload = Some(draw_workload(&options, &mut Part::Load.rng(seed)));
            Vec::new()
        }
        Serves::Transactions => {
            spec.requests = draw_transfers(target, &spec, &options, &mut Part::Load.rng(seed));
            spec.requests.iter().map(|r| r.at).collect()
        }
    };
    // Clients of a data workload stop before the horizon; faults meant to
    // meet their requests fall before that.
    let active = spec
        .workload
        .as_ref()
        .and_then(|w| w.generate.as_ref())
        .map_or(options.horizon, |g| g.stop.min(options.horizon));
    let at = BusyTimes {
        busy,
        horizon: options.horizon,
        active,
        reach: 2 * options.slowest_delay().max(10),
    };

    spec.network = draw_network(&options, &names, &mut Part::Links.rng(seed));
    spec.disk = draw_disk(&options, &names, &mut Part::Disk.rng(seed));
    draw_params(target, &mut spec, &mut options);
    let mut faults = draw_network_schedule(&options, &names, &at, seed);
    faults.extend(draw_crashes(target, &spec, &options, &names, &at, seed));
    // Stable: faults at one time keep the order they were drawn in (a heal
    // before the partition that follows it).
    faults.sort_by_key(|f| f.at);
    spec.faults = faults;
    spec.filters = draw_filters(target, &options, &names, &at, &mut Part::Filters.rng(seed));
    // Nothing after the run's end (`parliament run` refuses it): a restart,
    // resume or heal that would come later is left out, and its node stays
    // down, paused or cut off to the end.
    spec.drop_after_the_end();
    if let Some(c) = options.chase {
        chase_leaders(&mut spec, &c, &names, &at, options.slowest_delay(), seed);
    }
    spec.description = format!("parliament fuzz seed {seed}: {options}");
    Generated { spec, options }
}

/// Node specs: default roles everywhere, a random mix of roles, or one role
/// per node (every role played in the last two). A layout the protocol
/// refuses falls back to default roles.
fn draw_nodes(
    target: &Target,
    options: &mut SwarmOptions,
    names: &[String],
    rng: &mut DetRng,
) -> Vec<NodeSpec> {
    let uniform: Vec<NodeSpec> = names
        .iter()
        .map(|name| NodeSpec {
            name: name.clone(),
            roles: Vec::new(),
        })
        .collect();
    let roles = &target.info.roles;
    let r = roles.len();
    if r < 2 {
        options.layout = Layout::Uniform;
        return uniform;
    }
    let mut masks: Vec<u64> = match options.layout {
        Layout::Uniform => return uniform,
        Layout::Mixed => names.iter().map(|_| rng.between(1, (1 << r) - 1)).collect(),
        Layout::Dedicated => {
            let mut rows: Vec<usize> = (0..r).collect();
            shuffle(&mut rows, rng);
            (0..names.len())
                .map(|i| 1 << rows.get(i).copied().unwrap_or(rng.below(r as u64) as usize))
                .collect()
        }
    };
    for row in 0..r {
        if !masks.iter().any(|m| m >> row & 1 == 1) {
            let k = names.len();
            masks[row % k] |= 1 << row;
        }
    }
    let layout: Vec<NodeSpec> = names
        .iter()
        .zip(&masks)
        .map(|(name, mask)| NodeSpec {
            name: name.clone(),
            roles: (0..r)
                .filter(|row| mask >> row & 1 == 1)
                .map(|row| roles[row].0.to_string())
                .collect(),
        })
        .collect();
    if validates(target, &layout, Vec::new()) {
        layout
    } else {
        options.layout = Layout::Uniform;
        uniform
    }
}

/// The nodes a crash kind may pick (indices), never empty: when the wanted
/// ones do not exist, any node.
fn crash_targets(targets: CrashTargets, info: &ProtocolInfo, spec: &ScenarioSpec) -> Vec<usize> {
    let NodesSpec::List(nodes) = &spec.nodes else {
        unreachable!("generated nodes are a list")
    };
    let plays = |node: &NodeSpec, row: usize| {
        if node.roles.is_empty() {
            info.default_roles.contains(&row)
        } else {
            node.roles.iter().any(|r| r == info.roles[row].0)
        }
    };
    let contacted = |node: &NodeSpec| {
        spec.requests.iter().any(|r| r.node == node.name)
            || spec.workload.as_ref().is_some_and(|w| {
                w.nodes
                    .as_ref()
                    .is_none_or(|list| list.contains(&node.name))
            })
    };
    let wanted: Vec<usize> = (0..nodes.len())
        .filter(|&i| match targets {
            CrashTargets::Any => true,
            CrashTargets::Bystanders => !contacted(&nodes[i]),
            CrashTargets::Role(row) => plays(&nodes[i], row),
        })
        .collect();
    if wanted.is_empty() {
        (0..nodes.len()).collect()
    } else {
        wanted
    }
}

/// Whether the protocol accepts these nodes and requests (and nothing else).
fn validates(target: &Target, nodes: &[NodeSpec], requests: Vec<RequestSpec>) -> bool {
    let probe = ScenarioSpec {
        requests,
        ..ScenarioSpec::bare(
            target.protocol.name(),
            Some(target.variant.to_string()),
            nodes.to_vec(),
        )
    };
    Scenario::from_spec(probe, "probe").is_ok()
}

/// Scripted proposals: one to four nodes that take requests each propose a
/// value of their own, close together or spread out, some again later.
fn draw_proposals(
    target: &Target,
    spec: &ScenarioSpec,
    options: &SwarmOptions,
    rng: &mut DetRng,
) -> Vec<RequestSpec> {
    let NodesSpec::List(nodes) = &spec.nodes else {
        unreachable!("generated nodes are a list")
    };
    let mut takers: Vec<&str> = nodes
        .iter()
        .filter(|n| {
            validates(
                target,
                nodes,
                vec![RequestSpec {
                    at: 0,
                    node: n.name.clone(),
                    propose: Some("v".into()),
                    transfer: None,
                }],
            )
        })
        .map(|n| n.name.as_str())
        .collect();
    let wanted = [1, 2, 2, 2, 3, 3, 4, 4][rng.below(8) as usize];
    // How far apart the proposals start, mostly within a few message delays
    // of each other: duelling proposers.
    let d = options.slowest_delay();
    let spread = [0, d / 2, d, 2 * d, options.horizon / 2][rng.below(5) as usize];
    shuffle(&mut takers, rng);
    // Leave a node without requests when there are three or more: one no
    // client depends on (a bystander, for crash targets).
    let wanted = wanted.min(if takers.len() >= 3 {
        takers.len() - 1
    } else {
        takers.len()
    });
    let mut requests = Vec::new();
    let mut value = 0;
    for node in takers.into_iter().take(wanted) {
        let at = rng.below(spread + 1);
        value += 1;
        requests.push(RequestSpec {
            at,
            node: node.to_string(),
            propose: Some(format!("v{value}")),
            transfer: None,
        });
        if rng.below(4) == 0 {
            value += 1;
            // Again later, before the horizon.
            let later = at + rng.between(50, options.horizon.max(50));
            requests.push(RequestSpec {
                at: later.min(options.horizon),
                node: node.to_string(),
                propose: Some(format!("v{value}")),
                transfer: None,
            });
        }
    }
    requests.sort_by_key(|r| r.at);
    requests
}

/// Bank transfers: one to six transactions sent to one node that takes them,
/// each moving a random amount between two accounts that validate (the
/// protocol's default accounts, one per account-holding node).
fn draw_transfers(
    target: &Target,
    spec: &ScenarioSpec,
    options: &SwarmOptions,
    rng: &mut DetRng,
) -> Vec<RequestSpec> {
    use crate::scenario::TransferSpec;
    let NodesSpec::List(nodes) = &spec.nodes else {
        unreachable!("generated nodes are a list")
    };
    let transfer = |c: &str, a: &str, b: &str| RequestSpec {
        at: 0,
        node: c.to_string(),
        propose: None,
        transfer: Some(TransferSpec {
            tx: "t".into(),
            from: a.to_string(),
            to: NodeNames::One(b.to_string()),
            amount: 1,
        }),
    };
    // Every (coordinator, from, to) the protocol accepts.
    let mut routes: Vec<(&str, &str, &str)> = Vec::new();
    for c in nodes {
        for a in nodes {
            for b in nodes {
                if a.name != b.name
                    && validates(target, nodes, vec![transfer(&c.name, &a.name, &b.name)])
                {
                    routes.push((&c.name, &a.name, &b.name));
                }
            }
        }
    }
    let Some(&(coordinator, _, _)) = routes.get(rng.below(routes.len().max(1) as u64) as usize)
    else {
        return Vec::new();
    };
    routes.retain(|r| r.0 == coordinator);
    let count = rng.between(1, 6);
    let mut requests: Vec<RequestSpec> = (1..=count)
        .map(|k| {
            let (c, a, b) = routes[rng.below(routes.len() as u64) as usize];
            let mut r = transfer(c, a, b);
            r.at = rng.below(options.horizon / 2 + 1);
            if let Some(t) = r.transfer.as_mut() {
                t.tx = format!("t{k}");
                t.amount = rng.between(1, 80);
            }
            r
        })
        .collect();
    requests.sort_by_key(|r| r.at);
    requests
}

/// A data workload: a random model, a few clients generating operations
/// until the horizon (or half of it).
fn draw_workload(options: &SwarmOptions, rng: &mut DetRng) -> WorkloadSpec {
    let model = ModelKind::ALL[rng.below(ModelKind::ALL.len() as u64) as usize];
    let clients = rng.between(1, 6);
    // A few round trips of the slowest link: clients give up when something
    // is wrong, rarely when it is merely slow.
    let timeout = rng.between(4, 10) * options.slowest_delay().max(5);
    let retries = rng.between(0, 3) as u32;
    let delay = rng.between(1, 3);
    let keys = rng.between(1, 4);
    let reads = [0.2, 0.4, 0.6][rng.below(3) as usize];
    let cas = if rng.below(2) == 0 { 0.2 } else { 0.0 };
    let think_lo = rng.between(1, 5);
    let think_hi = think_lo + rng.between(0, 20);
    // Clients stop by the horizon, between 300 and 1000 ticks: a hundred or
    // so operations, a history the checker decides quickly.
    let stop = if rng.below(3) == 0 {
        options.horizon / 2
    } else {
        options.horizon
    }
    .clamp(300, 1000);
    WorkloadSpec {
        model: model.name().to_string(),
        clients,
        nodes: None,
        timeout,
        retries,
        delay,
        generate: Some(GenerateSpec {
            keys,
            reads,
            cas: if model == ModelKind::Register {
                cas
            } else {
                0.0
            },
            think: [think_lo, think_hi],
            start: 0,
            stop,
        }),
        script: Vec::new(),
    }
}

fn probability(ppm: u32) -> f64 {
    ppm as f64 / PPM as f64
}

/// The link model: the base delay, long delays, loss, duplication, and a few
/// links with a delay or a loss of their own.
fn draw_network(options: &SwarmOptions, names: &[String], rng: &mut DetRng) -> NetworkSpec {
    let mut network = NetworkSpec {
        delay: Some(options.delay),
        ..NetworkSpec::default()
    };
    let link = |rng: &mut DetRng| {
        let from = rng.below(names.len() as u64) as usize;
        let to = (from + 1 + rng.below(names.len() as u64 - 1) as usize) % names.len();
        (
            NodeNames::One(names[from].clone()),
            NodeNames::One(names[to].clone()),
        )
    };
    if let Some(d) = options.long_delay {
        if d.widen {
            let lo = match options.delay {
                DelaySpec::Fixed(t) => t,
                DelaySpec::Uniform([lo, _]) => lo,
            };
            network.delay = Some(DelaySpec::Uniform([lo, d.max.max(lo)]));
        }
        for _ in 0..d.slow_links {
            let (from, to) = link(rng);
            network.links.push(LinkSpec {
                from,
                to,
                delay: Some(DelaySpec::Uniform([d.max / 2, d.max])),
                loss: None,
                duplicate: None,
            });
        }
    }
    if let Some(l) = options.loss {
        network.loss = probability(l.ppm);
        for _ in 0..l.lossy_links {
            let (from, to) = link(rng);
            network.links.push(LinkSpec {
                from,
                to,
                delay: None,
                loss: Some(probability(l.link_ppm)),
                duplicate: None,
            });
        }
    }
    if let Some(ppm) = options.duplication {
        network.duplicate = probability(ppm);
    }
    network
}

/// Slow disks: a latency on every node, and a few nodes slower still.
fn draw_disk(options: &SwarmOptions, names: &[String], rng: &mut DetRng) -> Option<DiskSpec> {
    let d = options.disk?;
    let mut order: Vec<usize> = (0..names.len()).collect();
    shuffle(&mut order, rng);
    Some(DiskSpec {
        latency: (d.everywhere != DelaySpec::Fixed(0)).then_some(d.everywhere),
        nodes: order
            .iter()
            .take(d.slow_nodes as usize)
            .map(|&i| NodeDiskSpec {
                node: NodeNames::One(names[i].clone()),
                latency: d.slow,
            })
            .collect(),
    })
}

/// The drawn protocol parameters as the scenario's `params`; when the
/// protocol refuses the combination, its defaults (and no params in the
/// options printed).
fn draw_params(target: &Target, spec: &mut ScenarioSpec, options: &mut SwarmOptions) {
    // What the user gave (`--params`) stays as given: only the others are drawn.
    options
        .params
        .retain(|(name, _)| !target.params.contains_key(*name));
    if options.params.is_empty() {
        return;
    }
    spec.params = target.params.clone();
    spec.params.extend(
        options
            .params
            .iter()
            .map(|(name, value)| (name.to_string(), serde_json::Value::from(*value))),
    );
    let probe = ScenarioSpec {
        params: spec.params.clone(),
        ..ScenarioSpec::bare(
            target.protocol.name(),
            Some(target.variant.to_string()),
            match &spec.nodes {
                NodesSpec::List(nodes) => nodes.clone(),
                _ => Vec::new(),
            },
        )
    };
    if Scenario::from_spec(probe, "probe").is_err() {
        spec.params = target.params.clone();
        options.params.clear();
    }
}

/// Where faults fall: mostly within a few message delays of a busy moment
/// (a round starting), else anywhere while the load keeps coming.
struct BusyTimes {
    busy: Vec<u64>,
    horizon: u64,
    /// Until when the load keeps coming (at most the horizon).
    active: u64,
    /// A few message delays: how far after a busy moment the protocol is
    /// still busy with it.
    reach: u64,
}

impl BusyTimes {
    fn draw(&self, rng: &mut DetRng) -> u64 {
        if !self.busy.is_empty() && rng.below(8) != 0 {
            let t = self.busy[rng.below(self.busy.len() as u64) as usize];
            t + rng.below(self.reach)
        } else {
            // While the load keeps coming.
            rng.below(self.active.max(1))
        }
    }
}

/// One network episode: what starts it (a heal ends it).
#[derive(Clone, Copy, Debug)]
enum NetEpisode {
    Partition(PartitionShape),
    Partial,
    Cut,
}

/// Partitions, partial partitions and one-way cuts, one episode after
/// another: each starts, lasts, and is healed (the last may last to the end).
fn draw_network_schedule(
    options: &SwarmOptions,
    names: &[String],
    at: &BusyTimes,
    seed: u64,
) -> Vec<FaultSpec> {
    let rng = &mut Part::NetworkSchedule.rng(seed);
    let mut episodes: Vec<(NetEpisode, (u64, u64))> = Vec::new();
    if let Some(p) = options.partition {
        for _ in 0..p.episodes.count {
            episodes.push((NetEpisode::Partition(p.shape), p.episodes.duration));
        }
    }
    if let Some(e) = options.partial_partition {
        for _ in 0..e.count {
            episodes.push((NetEpisode::Partial, e.duration));
        }
    }
    if let Some(e) = options.one_way_cut {
        for _ in 0..e.count {
            episodes.push((NetEpisode::Cut, e.duration));
        }
    }
    shuffle(&mut episodes, rng);
    let n = names.len();
    let mut faults = Vec::new();
    let gap = |rng: &mut DetRng| rng.below(at.horizon / 4 + 1);
    let mut t = at.draw(rng).min(at.horizon / 2);
    let last = episodes.len().saturating_sub(1);
    for (k, (episode, (lo, hi))) in episodes.into_iter().enumerate() {
        let duration = rng.between(lo, hi);
        let mut order: Vec<usize> = (0..n).collect();
        shuffle(&mut order, rng);
        let name = |i: usize| names[order[i]].clone();
        let group = |range: std::ops::Range<usize>| range.map(name).collect::<Vec<String>>();
        match episode {
            NetEpisode::Partition(shape) => {
                let side = match shape {
                    PartitionShape::IsolateOne => 1,
                    PartitionShape::Halves => n / 2,
                    PartitionShape::Minority => {
                        rng.between(1, ((n - 1) / 2).max(1) as u64) as usize
                    }
                    PartitionShape::RandomSplit => {
                        (0..n).filter(|_| rng.below(2) == 0).count().clamp(1, n - 1)
                    }
                };
                faults.push(FaultSpec {
                    partition: Some(vec![group(0..side)]),
                    ..fault(t)
                });
            }
            NetEpisode::Partial => {
                // Node order[0] loses its links to some peers, both ways.
                let cut = rng.between(1, (n - 2).max(1) as u64) as usize;
                let peers = NodeNames::Many(group(1..1 + cut));
                let me = NodeNames::One(name(0));
                faults.push(FaultSpec {
                    cut: Some(CutSpec {
                        from: me.clone(),
                        to: peers.clone(),
                    }),
                    ..fault(t)
                });
                faults.push(FaultSpec {
                    cut: Some(CutSpec {
                        from: peers,
                        to: me,
                    }),
                    ..fault(t)
                });
            }
            NetEpisode::Cut => {
                let cut = rng.between(1, (n - 1) as u64) as usize;
                let peers = NodeNames::Many(group(1..1 + cut));
                let me = NodeNames::One(name(0));
                let (from, to) = if rng.below(2) == 0 {
                    (me, peers)
                } else {
                    (peers, me)
                };
                faults.push(FaultSpec {
                    cut: Some(CutSpec { from, to }),
                    ..fault(t)
                });
            }
        }
        let lasting = k == last && rng.below(8) == 0;
        if !lasting {
            faults.push(FaultSpec {
                heal: Some(true),
                ..fault(t + duration)
            });
        }
        t += duration + gap(rng);
    }
    faults
}

/// Crashes of one node at a time and of several at once, each (mostly)
/// followed by a restart, some nodes going down several times in a row, then
/// pauses, each followed by a resume. A crash or pause that would overlap an
/// earlier outage or pause of the same node is left out, so the schedule is
/// always valid.
fn draw_crashes(
    target: &Target,
    spec: &ScenarioSpec,
    options: &SwarmOptions,
    names: &[String],
    at: &BusyTimes,
    seed: u64,
) -> Vec<FaultSpec> {
    let rng = &mut Part::CrashSchedule.rng(seed);
    let delay = options.slowest_delay();
    // Per node, outages [down, up] (up = u64::MAX: never restarts).
    let mut outages: Vec<Vec<(u64, u64)>> = vec![Vec::new(); names.len()];
    let mut faults = Vec::new();
    // Crashes `node` at `t`, `c.repeats` times in a row.
    let mut crash = |rng: &mut DetRng, c: &Crashes, node: usize, mut t: u64| {
        for _ in 0..c.repeats {
            let down = c.outage.draw(rng, delay);
            let up = down.map_or(u64::MAX, |d| t + d);
            if outages[node].iter().any(|&(a, b)| t <= b && a <= up) {
                return;
            }
            outages[node].push((t, up));
            faults.push(FaultSpec {
                crash: Some(names[node].clone()),
                ..fault(t)
            });
            if up == u64::MAX {
                return;
            }
            faults.push(FaultSpec {
                restart: Some(names[node].clone()),
                ..fault(up)
            });
            // Flapping: down again soon after coming back.
            t = up + 1 + rng.below((delay / 2).max(5));
        }
    };
    if let Some(c) = options.crash {
        let eligible = crash_targets(c.targets, &target.info, spec);
        for _ in 0..c.episodes {
            let node = eligible[rng.below(eligible.len() as u64) as usize];
            let t = at.draw(rng);
            crash(rng, &c, node, t);
        }
    }
    if let Some(c) = options.crash_several {
        let mut eligible = crash_targets(c.targets, &target.info, spec);
        for _ in 0..c.episodes {
            // Half the time every eligible node, else some of them.
            let all = eligible.len() as u64;
            let k = if rng.below(2) == 0 {
                all
            } else {
                rng.between(2.min(all), all)
            } as usize;
            shuffle(&mut eligible, rng);
            let t0 = at.draw(rng);
            for &node in &eligible[..k] {
                let t = t0 + rng.below(at.reach);
                crash(rng, &c, node, t);
            }
        }
    }
    if let Some(o) = options.rolling {
        draw_rolling(&o, names, at, &mut outages, &mut faults, seed, delay);
    }
    if let Some(p) = options.pause {
        // From a stream of their own: switching pauses on or off leaves the
        // crashes as they were.
        let rng = &mut Part::Pauses.rng(seed);
        let eligible = crash_targets(p.targets, &target.info, spec);
        for _ in 0..p.episodes {
            let node = eligible[rng.below(eligible.len() as u64) as usize];
            let t = at.draw(rng);
            let up = t + rng.between(p.duration.0, p.duration.1);
            if outages[node].iter().any(|&(a, b)| t <= b && a <= up) {
                continue;
            }
            outages[node].push((t, up));
            faults.push(FaultSpec {
                pause: Some(names[node].clone()),
                ..fault(t)
            });
            faults.push(FaultSpec {
                resume: Some(names[node].clone()),
                ..fault(up)
            });
        }
    }
    faults
}

/// Rolling outages (see [`Rolling`]): the nodes in turn, each cut off from
/// the others for a while, then crashed (the cut healed as it goes down),
/// then restarted; the next turn a little after the crash, while the load is
/// still coming. A turn that would overlap an earlier outage of its node is
/// left out.
fn draw_rolling(
    o: &Rolling,
    names: &[String],
    at: &BusyTimes,
    outages: &mut [Vec<(u64, u64)>],
    faults: &mut Vec<FaultSpec>,
    seed: u64,
    delay: u64,
) {
    let rng = &mut Part::Rolling.rng(seed);
    let mut order: Vec<usize> = (0..names.len()).collect();
    if !o.in_order {
        shuffle(&mut order, rng);
    }
    order.truncate(o.turns as usize);
    let mut t = rng.below(at.active / 2 + 1);
    for _ in 0..o.rounds {
        for &node in &order {
            let cut_off = if o.isolation == (0, 0) {
                0
            } else {
                rng.between(o.isolation.0, o.isolation.1)
            };
            let down_at = t + cut_off;
            let up = o.outage.draw(rng, delay).map_or(u64::MAX, |d| down_at + d);
            let gap = rng.between(o.gap.0, o.gap.1);
            if !outages[node].iter().any(|&(a, b)| t <= b && a <= up) {
                outages[node].push((t, up));
                if cut_off > 0 {
                    faults.push(FaultSpec {
                        partition: Some(vec![vec![names[node].clone()]]),
                        ..fault(t)
                    });
                }
                faults.push(FaultSpec {
                    crash: Some(names[node].clone()),
                    ..fault(down_at)
                });
                if cut_off > 0 {
                    faults.push(FaultSpec {
                        heal: Some(true),
                        ..fault(down_at)
                    });
                }
                if up != u64::MAX {
                    faults.push(FaultSpec {
                        restart: Some(names[node].clone()),
                        ..fault(up)
                    });
                }
            }
            t = down_at + gap;
        }
    }
}

/// Leader chases (see [`Chase`]): each episode runs the schedule drawn so far
/// (a pilot, trace off) to the moment it strikes, takes the node that leads
/// then (the newest `leading` fact of a node still up), cuts it off, crashes
/// it and restarts it. The first strike falls while the load is coming; each
/// later one a few message delays after the next election. An episode whose
/// node is already down or paused then is left out; a protocol that states
/// no leader gets no chase.
fn chase_leaders(
    spec: &mut ScenarioSpec,
    c: &Chase,
    names: &[String],
    at: &BusyTimes,
    delay: u64,
    seed: u64,
) {
    let rng = &mut Part::ChaseSchedule.rng(seed);
    let end = spec.limits.time.unwrap_or(0);
    let delay = delay.max(1);
    let mut strike = rng.between(at.active / 8, at.active / 2);
    // The pilot's facts, and the time its run reached: what happens before
    // that time does not depend on faults added at or after it.
    let mut pilot: Option<(PilotFacts, u64)> = None;
    // When a relay's partition last moved (to the leader struck then).
    let mut relayed: Option<u64> = None;
    'episodes: for _ in 0..c.episodes {
        if strike >= at.horizon {
            break;
        }
        let facts = match pilot.take() {
            Some((facts, reached)) if reached >= strike => facts,
            _ => match pilot_facts(spec, strike) {
                Some(facts) => facts,
                None => break 'episodes,
            },
        };
        let Some(leader) = leader_at(&facts, strike, spec, names) else {
            // Nobody leads yet: try again a little later.
            strike += rng.between(delay, 10 * delay);
            continue;
        };
        let name = &names[leader.index()];
        let (down, new) = if c.relay {
            // A relay: the partition moves to this leader, and the leader cut
            // off before rejoins (its entries of its own with it).
            (
                strike,
                vec![FaultSpec {
                    partition: Some(vec![vec![name.clone()]]),
                    ..fault(strike)
                }],
            )
        } else {
            let cut_off = if c.isolation == (0, 0) {
                0
            } else {
                rng.between(c.isolation.0, c.isolation.1)
            };
            let down = strike + cut_off;
            let up = c.outage.draw(rng, delay).map(|d| down + d);
            let mut new = Vec::new();
            if cut_off > 0 {
                new.push(FaultSpec {
                    partition: Some(vec![vec![name.clone()]]),
                    ..fault(strike)
                });
            }
            new.push(FaultSpec {
                crash: Some(name.clone()),
                ..fault(down)
            });
            if cut_off > 0 {
                new.push(FaultSpec {
                    heal: Some(true),
                    ..fault(down)
                });
            }
            if let Some(up) = up {
                new.push(FaultSpec {
                    restart: Some(name.clone()),
                    ..fault(up)
                });
            }
            (down, new)
        };
        // Kept only if the schedule stays valid (the node's own crashes and
        // pauses come first).
        let before = spec.faults.clone();
        spec.faults.extend(new);
        spec.faults.sort_by_key(|f| f.at);
        spec.drop_after_the_end();
        if Scenario::from_spec(spec.clone(), "chase").is_err() {
            spec.faults = before;
        } else if c.relay {
            relayed = Some(strike);
        }
        // The next strike: a few delays after the next election, looked for
        // in pilots that reach further and further (most elections come
        // within a few hundred ticks; a pilot to the horizon costs a run).
        let mut window = 300 + 30 * delay;
        let (facts, reached, elected) = loop {
            let reached = (down + window).min(end);
            let Some(facts) = pilot_facts(spec, reached) else {
                break 'episodes;
            };
            let elected = facts
                .iter()
                // (Often during the cut-off, when that outlasts an election
                // timeout: the strike then waits for the crash.)
                .find(|(t, node, fact)| {
                    *t > strike && *node != leader && matches!(fact, Fact::Leading { .. })
                })
                .map(|(t, _, _)| *t);
            match elected {
                Some(elected) => break (facts, reached, elected),
                None if reached >= end || down + window >= at.horizon => break 'episodes,
                None => window *= 4,
            }
        };
        // (A tick after: faults at a time come before its other events.)
        let (lo, hi) = c.after_election.unwrap_or_else(|| {
            super::swarm::AFTER_ELECTION
                [rng.below(super::swarm::AFTER_ELECTION.len() as u64) as usize]
        });
        strike = (elected + 1 + delay * rng.between(lo, hi)).max(down + 1);
        pilot = Some((facts, reached));
    }
    // The relay's last leader rejoins after a cut-off of the drawn length.
    if let Some(since) = relayed {
        let before = spec.faults.clone();
        spec.faults.push(FaultSpec {
            heal: Some(true),
            ..fault(since + rng.between(c.isolation.0.max(delay), c.isolation.1.max(delay)))
        });
        spec.faults.sort_by_key(|f| f.at);
        spec.drop_after_the_end();
        if Scenario::from_spec(spec.clone(), "chase").is_err() {
            spec.faults = before;
        }
    }
}

/// A pilot run's facts: (time, node, fact), in order.
type PilotFacts = Vec<(u64, NodeId, Fact)>;

/// The facts of a run of `spec` cut at `until` (trace off; the `leading`
/// facts kept), in order; `None` if the cut spec does not validate.
fn pilot_facts(spec: &ScenarioSpec, until: u64) -> Option<PilotFacts> {
    let mut pilot = spec.clone();
    pilot.limits.time = Some(until.max(1));
    pilot.drop_after_the_end();
    pilot.expect = None;
    let mut scenario = Scenario::from_spec(pilot, "chase pilot").ok()?;
    // Election safety reads the `leading` facts: the run keeps them.
    scenario.checks = vec![CheckKind::ElectionSafety];
    scenario.expect = None;
    let (record, _) = crate::run::simulate(&scenario, crate::trace::TraceOutput::new());
    Some(
        record
            .facts
            .into_iter()
            .map(|r| (r.t.0, r.node, r.fact))
            .collect(),
    )
}

/// The node leading at `t`: of the `leading` facts stated before `t` by nodes
/// that have not crashed since, the one of the highest epoch.
fn leader_at(
    facts: &[(u64, NodeId, Fact)],
    t: u64,
    spec: &ScenarioSpec,
    names: &[String],
) -> Option<NodeId> {
    facts
        .iter()
        .filter(|(when, _, _)| *when < t)
        .filter_map(|(when, node, fact)| match fact {
            Fact::Leading { epoch } => Some((*epoch, *when, *node)),
            _ => None,
        })
        .filter(|(_, when, node)| {
            let name = names[node.index()].as_str();
            !spec
                .faults
                .iter()
                .any(|f| f.at >= *when && f.at < t && f.crash.as_deref() == Some(name))
        })
        .max_by_key(|(epoch, when, _)| (*epoch, *when))
        .map(|(_, _, node)| node)
}

/// Message filters that hold one message kind back: for a window of time or
/// the whole run, on every link or from/to one node.
fn draw_filters(
    target: &Target,
    options: &SwarmOptions,
    names: &[String],
    at: &BusyTimes,
    rng: &mut DetRng,
) -> Vec<FilterSpec> {
    let Some(o) = options.reorder else {
        return Vec::new();
    };
    let kinds = &target.info.message_kinds;
    let mut filters = Vec::new();
    for _ in 0..o.filters {
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        // The whole run, or a window from somewhat before a busy moment.
        let during = if rng.below(2) == 0 {
            None
        } else {
            let t = at.draw(rng).saturating_sub(at.reach / 2);
            Some([t, t + rng.between(at.reach, at.horizon.max(at.reach))])
        };
        let mut node = || {
            (rng.below(4) == 0)
                .then(|| NodeNames::One(names[rng.below(names.len() as u64) as usize].clone()))
        };
        let from = node();
        let to = node();
        let action = match during {
            Some([_, end]) if rng.below(4) == 0 => {
                FilterActionSpec::HoldUntil(end + rng.between(1, o.max_extra))
            }
            _ => FilterActionSpec::Delay(rng.between(o.max_extra / 4, o.max_extra)),
        };
        filters.push(FilterSpec {
            during,
            matches: MatchSpec {
                from,
                to,
                kind: Some(KindNames::One(kind.to_string())),
            },
            action,
        });
    }
    filters
}

/// A fault at `at` with no action yet.
fn fault(at: u64) -> FaultSpec {
    FaultSpec {
        at,
        ..FaultSpec::default()
    }
}

/// Fisher–Yates with our own sampling.
fn shuffle<T>(items: &mut [T], rng: &mut DetRng) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::swarm::{FaultKind, FaultSet};
    use crate::protocols::ProtocolKind;

    fn targets() -> Vec<Target> {
        let mut out = Vec::new();
        for row in ProtocolKind::TABLE {
            for (variant, _) in row.value.info().variants {
                out.push(Target::new(row.name, Some(variant), None, FaultSet::all()).unwrap());
            }
        }
        out
    }

    #[test]
    fn every_generated_scenario_is_valid_for_every_protocol_and_variant() {
        for target in targets() {
            for seed in 0..300 {
                let g = generate(&target, seed);
                if let Err(e) = Scenario::from_spec(g.spec.clone(), "generated") {
                    panic!(
                        "{} seed {seed}: {e}\n{}",
                        target.variant,
                        serde_json::to_string_pretty(&g.spec).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn generation_is_a_function_of_the_seed() {
        for target in targets() {
            for seed in [0, 1, 7, 1234] {
                let a = serde_json::to_string(&generate(&target, seed).spec).unwrap();
                let b = serde_json::to_string(&generate(&target, seed).spec).unwrap();
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn params_the_user_gives_are_never_redrawn() {
        let mut target = Target::new("raft", None, Some(3), FaultSet::all()).unwrap();
        target.params = serde_json::from_str(r#"{"batch": 1, "prevote": true}"#).unwrap();
        for seed in 0..200 {
            let g = generate(&target, seed);
            assert_eq!(g.spec.params["batch"], 1, "seed {seed}");
            assert_eq!(g.spec.params["prevote"], true, "seed {seed}");
            assert!(g.options.params.iter().all(|(name, _)| *name != "batch"));
        }
    }

    /// A leader chase strikes the node that leads: in every generated raft
    /// scenario with chases on, the node cut off first by a chase is the one
    /// leading then, as a run of the finished scenario shows.
    #[test]
    fn a_chase_strikes_the_node_that_leads() {
        let target = Target::new("raft", None, Some(5), FaultSet::parse("chase").unwrap()).unwrap();
        let mut struck = 0;
        for seed in 0..60 {
            let g = generate(&target, seed);
            let Some(c) = g.options.chase else { continue };
            let Some(first) = g
                .spec
                .faults
                .iter()
                .find(|f| f.partition.is_some() || f.crash.is_some())
            else {
                continue;
            };
            let name = match (&first.partition, &first.crash) {
                (Some(groups), _) => groups[0][0].clone(),
                (None, Some(node)) => node.clone(),
                (None, None) => continue,
            };
            let names: Vec<String> = (1..=g.options.nodes).map(|i| format!("N{i}")).collect();
            let facts = pilot_facts(&g.spec, first.at).unwrap();
            let leader = leader_at(&facts, first.at, &g.spec, &names).expect("someone leads");
            assert_eq!(names[leader.index()], name, "seed {seed}: {c:?}");
            struck += 1;
        }
        assert!(struck >= 5, "only {struck} seeds chased a leader");
    }

    /// A relay hands over: each strike moves the partition to the leader of
    /// the moment (so the one cut off before rejoins), nothing crashes, and
    /// the last one rejoins at a heal.
    #[test]
    fn a_relay_moves_the_partition_from_leader_to_leader() {
        let target = Target::new("raft", None, Some(3), FaultSet::parse("chase").unwrap()).unwrap();
        let names: Vec<String> = (1..=3).map(|i| format!("N{i}")).collect();
        let mut handovers = 0;
        for seed in 0..80 {
            let g = generate(&target, seed);
            let Some(c) = g.options.chase else { continue };
            if !c.relay {
                continue;
            }
            let faults = &g.spec.faults;
            assert!(
                faults
                    .iter()
                    .all(|f| f.crash.is_none() && f.restart.is_none()),
                "seed {seed}: {faults:?}"
            );
            let cuts: Vec<_> = faults.iter().filter(|f| f.partition.is_some()).collect();
            for pair in cuts.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let (from, to) = (
                    &a.partition.as_ref().unwrap()[0],
                    &b.partition.as_ref().unwrap()[0],
                );
                assert_eq!((from.len(), to.len()), (1, 1), "seed {seed}: {faults:?}");
                assert_ne!(from, to, "seed {seed}: {faults:?}");
                // The node cut off next is the one leading when it is.
                let facts = pilot_facts(&g.spec, b.at).unwrap();
                let leader = leader_at(&facts, b.at, &g.spec, &names).expect("someone leads");
                assert_eq!(names[leader.index()], to[0], "seed {seed}: {faults:?}");
                handovers += 1;
            }
        }
        assert!(handovers >= 5, "only {handovers} relay handovers");
    }

    #[test]
    fn the_generated_faults_are_the_kinds_that_are_on() {
        let target = Target::new("basic-paxos", None, Some(5), FaultSet::all()).unwrap();
        let (mut paused, mut with_params) = (0, 0);
        let mut crash_seeds = (0, 0);
        for seed in 0..400 {
            let g = generate(&target, seed);
            let s = &g.spec;
            let on = g.options.kinds();
            let crashes = s.faults.iter().any(|f| f.crash.is_some());
            let partitions = s.faults.iter().any(|f| f.partition.is_some());
            let cuts = s.faults.iter().any(|f| f.cut.is_some());
            // Rolling outages crash and cut off nodes too (a turn may fall
            // after the run's end and be left out).
            let rolling = on.contains(FaultKind::Rolling);
            let crash_kinds = on.contains(FaultKind::Crash) || on.contains(FaultKind::CrashSeveral);
            // What falls after the run's end is left out, so a kind that is on
            // may have nothing left; one that is off never appears.
            assert!(!crashes || crash_kinds || rolling);
            assert!(!partitions || on.contains(FaultKind::Partition) || rolling);
            crash_seeds.0 += crash_kinds as u32;
            crash_seeds.1 += (crash_kinds && crashes) as u32;
            assert!(s.faults.iter().all(|f| f.at <= s.limits.time.unwrap()));
            assert!(s.requests.iter().all(|r| r.at <= s.limits.time.unwrap()));
            assert!(
                !cuts
                    || on.contains(FaultKind::PartialPartition)
                    || on.contains(FaultKind::OneWayCut)
            );
            assert_eq!(s.network.loss > 0.0, on.contains(FaultKind::Loss));
            assert_eq!(
                s.network.duplicate > 0.0,
                on.contains(FaultKind::Duplication)
            );
            // A filter window drawn after the end is left out.
            assert!(s.filters.is_empty() || on.contains(FaultKind::Reorder));
            let pauses = s.faults.iter().filter(|f| f.pause.is_some()).count();
            let resumes = s.faults.iter().filter(|f| f.resume.is_some()).count();
            // A resume that would come after the end is left out: the node
            // stays paused to the end.
            assert!(resumes <= pauses);
            if !on.contains(FaultKind::Pause) {
                assert_eq!(pauses, 0);
            }
            paused += (pauses > 0) as u32;
            assert_eq!(s.disk.is_some(), on.contains(FaultKind::DiskLatency));
            with_params += !s.params.is_empty() as u32;
        }
        assert!(paused > 20, "{paused} seeds with pauses");
        assert!(
            crash_seeds.1 * 2 > crash_seeds.0,
            "crashes in only {} of {} seeds with crashes on",
            crash_seeds.1,
            crash_seeds.0
        );
        assert!(with_params > 100, "{with_params} seeds with params");
    }

    #[test]
    fn narrowed_kinds_keep_the_crash_schedule() {
        let all = Target::new("basic-paxos", None, Some(4), FaultSet::all()).unwrap();
        let crash = Target::new(
            "basic-paxos",
            None,
            Some(4),
            FaultSet::parse("crash").unwrap(),
        )
        .unwrap();
        let mut compared = 0;
        for seed in 0..200 {
            let crashes = |t: &Target| {
                let g = generate(t, seed);
                g.spec
                    .faults
                    .iter()
                    .filter(|f| f.crash.is_some() || f.restart.is_some())
                    .map(|f| (f.at, f.crash.clone(), f.restart.clone()))
                    .collect::<Vec<_>>()
            };
            let a = generate(&all, seed);
            let narrow_options = generate(&crash, seed).options;
            // Crash times are drawn in units of the slowest delay, which
            // long delays change.
            if a.options.crash_several.is_none()
                && a.options.rolling.is_none()
                && a.options.long_delay.is_none()
                && a.options.weather != crate::fuzz::swarm::Weather::Squall
                && narrow_options.crash == a.options.crash
            {
                assert_eq!(crashes(&all), crashes(&crash), "seed {seed}");
                compared += 1;
            }
            let narrow = generate(&crash, seed);
            assert!(narrow.spec.filters.is_empty() && narrow.spec.network.loss == 0.0);
        }
        assert!(compared > 20, "only {compared} seeds compared");
    }
}
