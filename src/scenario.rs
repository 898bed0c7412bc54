//! Scenario files: what to simulate, read from JSON and checked before anything runs.
//!
//! Two layers. [`ScenarioSpec`] is the file as written (serde, names as strings,
//! serialisable back into a trace header). [`Scenario`] is the spec after
//! validation: node names resolved to [`NodeId`]s, probabilities turned into parts
//! per million, faults sorted and checked against each other. Every problem found
//! in either layer is an [`InputError`] naming the file and the JSON path.
//!
//! The format is documented in docs/scenario-format.md.

use crate::check::{CheckKind, Needs};
use crate::cluster::{Cluster, ClusterNode, RoleSet};
pub use crate::error::InputError;
use crate::fault::{Fault, FaultAction};
use crate::ids::{NodeId, NodeSet};
use crate::named::Named;
use crate::net::{Delay, Filter, FilterAction, KindMask, LinkModel, Network};
use crate::op::ScriptedRequest;
use crate::protocol::{OutcomeWord, Serves};
use crate::protocols::{ConfigureInput, ProtocolConfig, ProtocolInfo, ProtocolKind};
use crate::rng::PPM;
use crate::time::Time;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Limits that keep absurd inputs from turning into absurd allocations.
pub mod limits {
    pub const MAX_FILE_BYTES: u64 = 16 << 20;
    /// Node sets are 128-bit masks.
    pub const MAX_NODES: usize = 128;
    pub const MAX_TIME: u64 = 1_000_000_000_000;
    pub const MAX_EVENTS: u64 = 10_000_000_000;
    pub const MAX_DELAY: u64 = 1_000_000_000;
    pub const MAX_SCHEDULED: usize = 100_000;
    pub const MAX_NAME_LEN: usize = 64;
}

pub const DEFAULT_TIME_LIMIT: u64 = 100_000;
pub const DEFAULT_EVENT_LIMIT: u64 = 10_000_000;

// ---------------------------------------------------------------------------
// The file as written.

/// A scenario file. Unknown fields are errors, so a typo cannot silently change
/// what a scenario means.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    #[serde(default)]
    pub name: String,
    /// One line saying what the scenario shows (printed by `parliament list`).
    #[serde(default)]
    pub description: String,
    pub protocol: String,
    /// Absent: the protocol's default (the first row of its variant table).
    /// After validation it holds the variant that runs, so a trace header
    /// always names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default)]
    pub seed: u64,
    pub nodes: NodesSpec,
    /// Protocol-specific settings (timeouts, backoff); each protocol documents its own.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub network: NetworkSpec,
    /// How long a durable write takes (default: no time at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<DiskSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestSpec>,
    /// Simulated clients of a replicated service (see workload.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<crate::workload::WorkloadSpec>,
    #[serde(default)]
    pub limits: LimitsSpec,
    /// Check names; empty means the protocol's default checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<ExpectSpec>,
    /// Durable state a node starts with instead of an empty disk, by node
    /// name, in the protocol's own form (a teacher's "this server's log is
    /// …"); each protocol validates its own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub durable: BTreeMap<String, serde_json::Value>,
}

/// Nodes: a full list, or counts per role (the protocol's role names in the
/// plural, and `replicas` for nodes with the default roles) that expand to
/// names from each role's prefix: P1.., A1.., L1.., N1...
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NodesSpec {
    List(Vec<NodeSpec>),
    Counts(BTreeMap<String, u64>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    /// Protocol roles ("proposer", "acceptor", "learner"); empty means the
    /// protocol's default for a node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelaySpec>,
    /// Probability in [0, 1] that a message is lost.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub loss: f64,
    /// Probability in [0, 1] that a message is delivered twice.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicate: f64,
    /// Overrides for particular links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DelaySpec {
    /// Every message takes exactly this many ticks.
    Fixed(u64),
    /// Uniform over the closed range [lo, hi] ticks.
    Uniform([u64; 2]),
}

pub const DEFAULT_DELAY: DelaySpec = DelaySpec::Fixed(10);

impl From<DelaySpec> for Delay {
    fn from(d: DelaySpec) -> Delay {
        match d {
            DelaySpec::Fixed(t) => Delay::Fixed(t),
            DelaySpec::Uniform([lo, hi]) => Delay::Uniform { lo, hi },
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub from: NodeNames,
    pub to: NodeNames,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelaySpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<f64>,
}

/// Disk latency: a durable write completes this long after the handler that
/// issued it; a crash before then loses it, and whatever the handler did after
/// the write (send, reply) waits for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskSpec {
    /// Every node's latency, unless overridden below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<DelaySpec>,
    /// Latencies for particular nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeDiskSpec>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeDiskSpec {
    pub node: NodeNames,
    pub latency: DelaySpec,
}

/// One node name, or a list of them. `"*"` means every node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NodeNames {
    One(String),
    Many(Vec<String>),
}

/// A fault at a virtual time: exactly one of the action fields is given.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub at: u64,
    /// Crash the node: volatile state lost, pending timers die, messages to it drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<String>,
    /// Restart a crashed node from its durable state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    /// Pause the node (a stopped process, a long GC pause, a frozen VM): it
    /// handles nothing until resumed, but loses nothing either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<String>,
    /// Resume a paused node: what reached it meanwhile is handled now, in
    /// arrival order, as if no time had passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// Symmetric partition: nodes in different groups cannot talk. Nodes not
    /// named form one more group together. Replaces any earlier partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Vec<Vec<String>>>,
    /// One-way cut: messages from `from` to `to` are dropped; the reverse works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<CutSpec>,
    /// Heal: remove every partition and cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heal: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutSpec {
    pub from: NodeNames,
    pub to: NodeNames,
}

/// A message filter: messages *sent* during `during` that match get `action`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// [start, end) in ticks; absent means the whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub during: Option<[u64; 2]>,
    #[serde(default, rename = "match")]
    pub matches: MatchSpec,
    pub action: FilterActionSpec,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NodeNames>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NodeNames>,
    /// Message kinds, as the protocol names them ("prepare", "accept", ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<KindNames>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KindNames {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FilterActionSpec {
    /// Drop the message.
    Drop,
    /// Add this many ticks to its delay.
    Delay(u64),
    /// Deliver it no earlier than this time.
    HoldUntil(u64),
}

/// A scripted client request.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub at: u64,
    pub node: String,
    /// Ask the node to propose this value (consensus protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propose: Option<String>,
    /// Ask the node (a coordinator) to run this transfer as a transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferSpec>,
}

/// `{"tx": "t1", "from": "A", "to": "B", "amount": 50}`: move `amount` from
/// `from` to each account of `to` (one name or a list) as one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferSpec {
    pub tx: String,
    pub from: String,
    pub to: NodeNames,
    pub amount: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    /// Stop at this virtual time (ticks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
    /// Stop after this many events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<u64>,
}

/// What the scenario teaches; `run` exits 0 exactly when the outcome matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// This value, and no other, is chosen; every check holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
    /// This check is violated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<String>,
    /// true: nothing is chosen although proposers kept trying until the run's
    /// limit, and every check holds (safety without liveness).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livelock: Option<bool>,
    /// These checks hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<Vec<String>>,
    /// How each named transaction ended: "commit", "abort", "diverged" or
    /// "undecided" (commit protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<BTreeMap<String, String>>,
    /// true: some prepared participant timed out uncertain and waited, holding
    /// its locks; false: none did (commit protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}

impl ScenarioSpec {
    /// Drops what is scheduled after the run ends (faults, filter windows,
    /// requests, scripted operations), which a scenario may not contain: the
    /// engine never reaches it. For generators and the shrinker, which draw
    /// or cut a time limit independently of the schedule.
    pub fn drop_after_the_end(&mut self) {
        let end = self.limits.time.unwrap_or(DEFAULT_TIME_LIMIT);
        self.faults.retain(|f| f.at <= end);
        self.requests.retain(|r| r.at <= end);
        self.filters
            .retain(|f| f.during.is_none_or(|[start, _]| start <= end));
        if let Some(w) = &mut self.workload {
            w.script.retain(|op| op.at <= end);
        }
    }

    /// A spec with only a protocol, its variant (`None`: the default) and
    /// nodes; everything else at its default. Generators and the interaction
    /// harness start from this and fill in what they draw.
    pub fn bare(protocol: &str, variant: Option<String>, nodes: Vec<NodeSpec>) -> ScenarioSpec {
        ScenarioSpec {
            name: String::new(),
            description: String::new(),
            protocol: protocol.to_string(),
            variant,
            seed: 0,
            nodes: NodesSpec::List(nodes),
            params: serde_json::Map::new(),
            network: NetworkSpec::default(),
            disk: None,
            faults: Vec::new(),
            filters: Vec::new(),
            requests: Vec::new(),
            workload: None,
            limits: LimitsSpec::default(),
            checks: Vec::new(),
            expect: None,
            durable: BTreeMap::new(),
        }
    }
}

// ---------------------------------------------------------------------------
// The validated scenario.

/// A validated scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The spec as read, with node counts expanded to a list: this is what a
    /// trace header records and what replay parses again.
    pub spec: ScenarioSpec,
    /// Where it came from, for messages.
    pub source: String,
    pub protocol: ProtocolKind,
    /// The protocol's configuration, built once here.
    pub config: ProtocolConfig,
    /// The variant that runs (the default when the file names none).
    pub variant: &'static str,
    pub cluster: Cluster,
    pub network: Network,
    /// Each node's disk latency (`Fixed(0)`: writes are instant).
    pub disk_latency: Vec<Delay>,
    /// Sorted by time; ties keep file order.
    pub faults: Vec<Fault>,
    pub filters: Vec<Filter>,
    /// Sorted by time; ties keep file order.
    pub requests: Vec<ScriptedRequest>,
    pub workload: Option<crate::workload::Workload>,
    pub time_limit: Time,
    pub event_limit: u64,
    pub checks: Vec<CheckKind>,
    pub expect: Option<ExpectSpec>,
    /// Per node (by id): the durable state it boots from, validated by the
    /// protocol (`None`: an empty disk).
    pub durable: Vec<Option<serde_json::Value>>,
    /// Facts a run keeps beyond those its checks and outcome read (none, but
    /// for a caller that studies the facts themselves: a test of a story).
    pub extra_facts: crate::fact::FactKinds,
}
// ---------------------------------------------------------------------------
// Loading.

impl Scenario {
    /// Reads and validates a scenario file (`-`: standard input), reading at
    /// most [`limits::MAX_FILE_BYTES`] whatever the file claims its size is.
    pub fn load(path: &Path) -> Result<Scenario, InputError> {
        let source = path.display().to_string();
        let bytes = crate::input::read_capped(
            path,
            crate::input::ReadLimits {
                max_bytes: limits::MAX_FILE_BYTES,
                max_line_bytes: limits::MAX_FILE_BYTES,
                what: "scenario files",
            },
        )?;
        let text = crate::history::text_of(&source, &bytes)?;
        Scenario::parse(text, &source)
    }

    /// Parses and validates scenario JSON text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Scenario, InputError> {
        if text.trim().is_empty() {
            return Err(InputError::new(
                source,
                "the file is empty: expected a JSON object describing a scenario \
                 (see docs/scenario-format.md)",
            ));
        }
        if !text.trim_start().starts_with('{') {
            let offset = text.len() - text.trim_start().len();
            let line = 1 + text[..offset].matches('\n').count();
            return Err(InputError::new(
                source,
                "expected a JSON object ({ ... }) describing a scenario \
                 (see docs/scenario-format.md)",
            )
            .at_line(line));
        }
        let spec: ScenarioSpec = from_json_text(text, source)?;
        Scenario::from_spec(spec, source)
    }

    /// Validates a spec (e.g. one embedded in a trace header).
    pub fn from_spec(mut spec: ScenarioSpec, source: &str) -> Result<Scenario, InputError> {
        let err = |path: &str, msg: String| Err(InputError::new(source, msg).at(path));

        let Some(protocol) = ProtocolKind::from_name(&spec.protocol) else {
            return err(
                "protocol",
                format!(
                    "unknown protocol {:?}; expected one of: {}",
                    spec.protocol,
                    ProtocolKind::expected()
                ),
            );
        };
        let info = protocol.info();

        // Nodes.
        let node_specs = expand_nodes(&spec.nodes, &info, &spec.protocol, source)?;
        spec.nodes = NodesSpec::List(node_specs.clone());
        let mut nodes = Vec::with_capacity(node_specs.len());
        let mut by_name: BTreeMap<&str, NodeId> = BTreeMap::new();
        let role_names = info.role_names();
        for (i, n) in node_specs.iter().enumerate() {
            let path = format!("nodes[{i}].name");
            if n.name.is_empty() || n.name.len() > limits::MAX_NAME_LEN {
                return err(
                    &path,
                    format!(
                        "a node name must have 1 to {} characters",
                        limits::MAX_NAME_LEN
                    ),
                );
            }
            if n.name.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return err(
                    &path,
                    format!(
                        "node name {:?} has a space or control character; names appear in \
                         logs and diagrams, so they are single printable words",
                        n.name
                    ),
                );
            }
            if n.name == "*" {
                return err(&path, "\"*\" means every node and cannot name one".into());
            }
            let id = NodeId(i as u32);
            if by_name.insert(n.name.as_str(), id).is_some() {
                return err(&path, format!("node name {:?} is used twice", n.name));
            }
            let mut roles = RoleSet::default();
            if n.roles.is_empty() {
                for &row in &info.default_roles {
                    roles.insert(row);
                }
            }
            for (k, role) in n.roles.iter().enumerate() {
                match role_names.iter().position(|r| r == role) {
                    Some(row) => roles.insert(row),
                    None => {
                        return err(
                            &format!("nodes[{i}].roles[{k}]"),
                            format!(
                                "unknown role {role:?} for {}; expected one of: {}",
                                spec.protocol,
                                role_names.join(", ")
                            ),
                        );
                    }
                }
            }
            nodes.push(ClusterNode {
                id,
                name: n.name.clone(),
                roles,
            });
        }
        let n = nodes.len();
        let resolve = |names: &NodeNames, path: &str| -> Result<NodeSet, InputError> {
            resolve_names(names, &by_name, n, source, path)
        };
        let resolve_one = |name: &str, path: &str| -> Result<NodeId, InputError> {
            by_name
                .get(name)
                .copied()
                .ok_or_else(|| InputError::new(source, unknown_node(name, &by_name)).at(path))
        };

        // Network.
        let default_delay = spec.network.delay.unwrap_or(DEFAULT_DELAY);
        check_delay(&default_delay, source, "network.delay")?;
        let default_link = LinkModel {
            delay: default_delay.into(),
            loss_ppm: probability(spec.network.loss, source, "network.loss")?,
            duplicate_ppm: probability(spec.network.duplicate, source, "network.duplicate")?,
        };
        let mut links = vec![default_link; n * n];
        for (i, l) in spec.network.links.iter().enumerate() {
            let from = resolve(&l.from, &format!("network.links[{i}].from"))?;
            let to = resolve(&l.to, &format!("network.links[{i}].to"))?;
            if let Some(d) = &l.delay {
                check_delay(d, source, &format!("network.links[{i}].delay"))?;
            }
            let loss = l
                .loss
                .map(|p| probability(p, source, &format!("network.links[{i}].loss")))
                .transpose()?;
            let dup = l
                .duplicate
                .map(|p| probability(p, source, &format!("network.links[{i}].duplicate")))
                .transpose()?;
            for a in from.iter() {
                for b in to.iter() {
                    let link = &mut links[a.index() * n + b.index()];
                    if let Some(d) = l.delay {
                        link.delay = d.into();
                    }
                    if let Some(p) = loss {
                        link.loss_ppm = p;
                    }
                    if let Some(p) = dup {
                        link.duplicate_ppm = p;
                    }
                }
            }
        }

        // Disks.
        let mut disk_latency = vec![Delay::Fixed(0); n];
        if let Some(disk) = &spec.disk {
            if let Some(d) = &disk.latency {
                check_delay(d, source, "disk.latency")?;
                disk_latency = vec![(*d).into(); n];
            }
            for (i, over) in disk.nodes.iter().enumerate() {
                check_delay(&over.latency, source, &format!("disk.nodes[{i}].latency"))?;
                for id in resolve(&over.node, &format!("disk.nodes[{i}].node"))?.iter() {
                    disk_latency[id.index()] = over.latency.into();
                }
            }
        }

        // Faults, checked in time order against the up/down state of each node.
        if spec.faults.len() > limits::MAX_SCHEDULED {
            return err(
                "faults",
                format!(
                    "{} faults; at most {} are allowed",
                    spec.faults.len(),
                    limits::MAX_SCHEDULED
                ),
            );
        }
        let mut faults = Vec::with_capacity(spec.faults.len());
        for (i, f) in spec.faults.iter().enumerate() {
            let path = format!("faults[{i}]");
            check_time(f.at, source, &format!("{path}.at"))?;
            let given = [
                f.crash.is_some(),
                f.restart.is_some(),
                f.pause.is_some(),
                f.resume.is_some(),
                f.partition.is_some(),
                f.cut.is_some(),
                f.heal.is_some(),
            ]
            .iter()
            .filter(|x| **x)
            .count();
            if given != 1 {
                return err(
                    &path,
                    format!(
                        "a fault has exactly one of \"crash\", \"restart\", \"pause\", \
                         \"resume\", \"partition\", \"cut\", \"heal\" (found {given})"
                    ),
                );
            }
            let action = if let Some(name) = &f.crash {
                FaultAction::Crash(resolve_one(name, &format!("{path}.crash"))?)
            } else if let Some(name) = &f.restart {
                FaultAction::Restart(resolve_one(name, &format!("{path}.restart"))?)
            } else if let Some(name) = &f.pause {
                FaultAction::Pause(resolve_one(name, &format!("{path}.pause"))?)
            } else if let Some(name) = &f.resume {
                FaultAction::Resume(resolve_one(name, &format!("{path}.resume"))?)
            } else if let Some(groups) = &f.partition {
                let mut sets = Vec::with_capacity(groups.len() + 1);
                let mut seen = NodeSet::EMPTY;
                for (g, group) in groups.iter().enumerate() {
                    let mut set = NodeSet::EMPTY;
                    for (k, name) in group.iter().enumerate() {
                        let p = format!("{path}.partition[{g}][{k}]");
                        let id = resolve_one(name, &p)?;
                        if seen.contains(id) {
                            return err(&p, format!("node {name:?} is in two groups"));
                        }
                        seen.insert(id);
                        set.insert(id);
                    }
                    sets.push(set);
                }
                let rest = NodeSet(NodeSet::all(n).0 & !seen.0);
                if rest != NodeSet::EMPTY {
                    sets.push(rest);
                }
                FaultAction::Partition(sets)
            } else if let Some(cut) = &f.cut {
                FaultAction::Cut {
                    from: resolve(&cut.from, &format!("{path}.cut.from"))?,
                    to: resolve(&cut.to, &format!("{path}.cut.to"))?,
                }
            } else {
                if f.heal != Some(true) {
                    return err(
                        &format!("{path}.heal"),
                        "\"heal\" takes the value true".into(),
                    );
                }
                FaultAction::Heal
            };
            faults.push(Fault {
                at: Time(f.at),
                action,
                index: i,
            });
        }
        faults.sort_by_key(|f| (f.at, f.index));
        // Each node is up, paused or down; crashing a paused node is allowed
        // (its process is killed where it stands).
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum NodeState {
            Up,
            Paused,
            Down,
        }
        let word = |s: NodeState| match s {
            NodeState::Up => "up",
            NodeState::Paused => "paused",
            NodeState::Down => "down",
        };
        let mut state = vec![NodeState::Up; n];
        for f in &faults {
            let path = format!("faults[{}]", f.index);
            let (id, field, allowed, to, rule) = match f.action {
                FaultAction::Crash(id) => (
                    id,
                    "crash",
                    &[NodeState::Up, NodeState::Paused][..],
                    NodeState::Down,
                    "",
                ),
                FaultAction::Restart(id) => (
                    id,
                    "restart",
                    &[NodeState::Down][..],
                    NodeState::Up,
                    ": only a crashed node can restart",
                ),
                FaultAction::Pause(id) => (
                    id,
                    "pause",
                    &[NodeState::Up][..],
                    NodeState::Paused,
                    ": only a running node can pause",
                ),
                FaultAction::Resume(id) => (
                    id,
                    "resume",
                    &[NodeState::Paused][..],
                    NodeState::Up,
                    ": only a paused node can resume",
                ),
                FaultAction::Partition(_) | FaultAction::Cut { .. } | FaultAction::Heal => continue,
            };
            let now = state[id.index()];
            if !allowed.contains(&now) {
                let name = &nodes[id.index()].name;
                let message = if now == NodeState::Down && to == NodeState::Down {
                    format!(
                        "node {name:?} is already down at time {} (crashed earlier and not restarted)",
                        f.at
                    )
                } else {
                    format!("node {name:?} is {} at time {}{rule}", word(now), f.at)
                };
                return err(&format!("{path}.{field}"), message);
            }
            state[id.index()] = to;
        }

        // Filters.
        if spec.filters.len() > limits::MAX_SCHEDULED {
            return err(
                "filters",
                format!("at most {} filters", limits::MAX_SCHEDULED),
            );
        }
        let mut filters = Vec::with_capacity(spec.filters.len());
        for (i, f) in spec.filters.iter().enumerate() {
            let path = format!("filters[{i}]");
            let (start, end) = match f.during {
                Some([s, e]) => {
                    check_time(s, source, &format!("{path}.during[0]"))?;
                    check_time(e, source, &format!("{path}.during[1]"))?;
                    if e <= s {
                        return err(
                            &format!("{path}.during"),
                            format!("[start, end) must have start < end, found [{s}, {e}]"),
                        );
                    }
                    (Time(s), Time(e))
                }
                None => (Time::ZERO, Time::MAX),
            };
            let all = NodeSet::all(n);
            let from = match &f.matches.from {
                Some(names) => resolve(names, &format!("{path}.match.from"))?,
                None => all,
            };
            let to = match &f.matches.to {
                Some(names) => resolve(names, &format!("{path}.match.to"))?,
                None => all,
            };
            let names = match &f.matches.kind {
                None => Vec::new(),
                Some(KindNames::One(k)) => vec![k.clone()],
                Some(KindNames::Many(ks)) => ks.clone(),
            };
            let mut kinds = if names.is_empty() {
                KindMask::ANY
            } else {
                KindMask(0)
            };
            for (k, kind) in names.iter().enumerate() {
                match info.message_kinds.iter().position(|m| m == kind) {
                    Some(row) => kinds.0 |= 1 << row,
                    None => {
                        let p = match &f.matches.kind {
                            Some(KindNames::Many(_)) => format!("{path}.match.kind[{k}]"),
                            _ => format!("{path}.match.kind"),
                        };
                        return err(
                            &p,
                            format!(
                                "unknown message kind {kind:?} for {}; expected one of: {}",
                                spec.protocol,
                                info.message_kinds.join(", ")
                            ),
                        );
                    }
                }
            }
            let action = match f.action {
                FilterActionSpec::Drop => FilterAction::Drop,
                FilterActionSpec::Delay(d) => {
                    if d > limits::MAX_DELAY {
                        return err(
                            &format!("{path}.action.delay"),
                            format!("{d} ticks is more than the limit of {}", limits::MAX_DELAY),
                        );
                    }
                    FilterAction::Delay(d)
                }
                FilterActionSpec::HoldUntil(t) => {
                    check_time(t, source, &format!("{path}.action.hold_until"))?;
                    FilterAction::HoldUntil(Time(t))
                }
            };
            filters.push(Filter {
                start,
                end,
                from,
                to,
                kinds,
                action,
            });
        }

        // Requests.
        if spec.requests.len() > limits::MAX_SCHEDULED {
            return err(
                "requests",
                format!("at most {} requests", limits::MAX_SCHEDULED),
            );
        }
        let mut requests = Vec::with_capacity(spec.requests.len());
        for (i, r) in spec.requests.iter().enumerate() {
            let path = format!("requests[{i}]");
            check_time(r.at, source, &format!("{path}.at"))?;
            let node = resolve_one(&r.node, &format!("{path}.node"))?;
            let op = match (&r.propose, &r.transfer) {
                (Some(v), None) => {
                    if v.chars().any(char::is_control) {
                        return err(
                            &format!("{path}.propose"),
                            format!(
                                "the value {v:?} has a control character (a newline?); \
                                 values are printed in logs and verdicts"
                            ),
                        );
                    }
                    if info.serves != Serves::Proposals {
                        return err(&path, serves_what(&spec.protocol, info.serves));
                    }
                    crate::op::Op::Propose(crate::value::Value::new(v))
                }
                (None, Some(t)) => {
                    if info.serves != Serves::Transactions {
                        return err(&path, serves_what(&spec.protocol, info.serves));
                    }
                    let transfer = transfer(t, source, &path)?;
                    if requests.iter().any(|q: &ScriptedRequest| {
                        matches!(&q.op, crate::op::Op::Transfer(o) if o.tx == transfer.tx)
                    }) {
                        return err(
                            &format!("{path}.transfer.tx"),
                            format!("transaction {:?} is named twice", t.tx),
                        );
                    }
                    crate::op::Op::Transfer(transfer)
                }
                (Some(_), Some(_)) => {
                    return err(
                        &path,
                        "a request has one operation: \"propose\" or \"transfer\", not both".into(),
                    );
                }
                (None, None) => {
                    return err(
                        &path,
                        "a request needs an operation: \"propose\": VALUE or \"transfer\": \
                         {\"tx\", \"from\", \"to\", \"amount\"}"
                            .into(),
                    );
                }
            };
            requests.push(ScriptedRequest {
                index: i,
                at: Time(r.at),
                node,
                op,
            });
        }
        requests.sort_by_key(|r| (r.at, r.index));

        if spec.workload.is_some() && info.serves != Serves::Data {
            return err("workload", serves_what(&spec.protocol, info.serves));
        }
        let workload = match &spec.workload {
            None => None,
            Some(w) => Some(w.validate(source, &|name: &str| by_name.get(name).copied(), n)?),
        };

        // Limits.
        let time_limit = spec.limits.time.unwrap_or(DEFAULT_TIME_LIMIT);
        check_time(time_limit, source, "limits.time")?;
        // Nothing is scheduled after the run ends.
        check_nothing_after_the_end(&spec, source)?;
        let event_limit = spec.limits.events.unwrap_or(DEFAULT_EVENT_LIMIT);
        if event_limit > limits::MAX_EVENTS {
            return err(
                "limits.events",
                format!(
                    "{event_limit} events is more than the limit of {}",
                    limits::MAX_EVENTS
                ),
            );
        }

        // Checks and expectations.
        let checks = select_checks(&spec, &info, workload.as_ref(), source)?;
        if let Some(e) = &spec.expect {
            validate_expect(e, &checks, &info, &spec.protocol, source)?;
        }

        // The protocol's own parts, last: it sees a validated cluster.
        let cluster = Cluster { nodes };
        let configured = protocol.configure(&ConfigureInput {
            source,
            protocol: &spec.protocol,
            variant: spec.variant.as_deref(),
            params: &spec.params,
            cluster: &cluster,
            requests: &requests,
        })?;
        spec.variant = Some(configured.variant.to_string());

        // Preloaded disks, checked by the protocol against its configuration.
        let mut durable = vec![None; cluster.len()];
        for (name, value) in &spec.durable {
            let path = format!("durable.{name}");
            let Some(id) = cluster.id(name) else {
                return err(&path, format!("no node named {name:?}"));
            };
            if let Err((at, message)) = configured.config.preload(value) {
                return err(&format!("{path}{at}"), message);
            }
            durable[id.index()] = Some(value.clone());
        }

        Ok(Scenario {
            source: source.to_string(),
            protocol,
            config: configured.config,
            variant: configured.variant,
            cluster,
            disk_latency,
            network: Network {
                links,
                node_count: n,
            },
            faults,
            filters,
            requests,
            workload,
            time_limit: Time(time_limit),
            event_limit,
            checks,
            expect: spec.expect.clone(),
            durable,
            extra_facts: crate::fact::FactKinds::NONE,
            spec,
        })
    }

    /// The same scenario, keeping every fact its run states (not only those
    /// its checks read): for a caller that studies the facts themselves.
    pub fn keeping_every_fact(mut self) -> Scenario {
        self.extra_facts = crate::fact::FactKinds::all();
        self
    }

    /// The same scenario run with another seed.
    pub fn with_seed(mut self, seed: u64) -> Scenario {
        self.spec.seed = seed;
        self
    }

    pub fn node_name(&self, id: NodeId) -> &str {
        self.cluster.name(id)
    }

    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.cluster.id(name)
    }

    /// The facts a run must keep: those its checks read, the acceptances the
    /// outcome (what was chosen) is computed from, and the transactions'
    /// story where `expect` names decisions or blocking. No other fact is
    /// kept, so memory follows what the scenario asks, not the run's length.
    pub fn kept_facts(&self) -> crate::fact::FactKinds {
        use crate::fact::{FactKind, FactKinds};
        let chosen = match self.config.chosen_quorum() {
            Some(_) => FactKinds::of(&[FactKind::Accepted]),
            None => FactKinds::NONE,
        };
        let outcome = match &self.expect {
            Some(e) if e.decision.is_some() || e.blocked.is_some() => {
                crate::check::commit::facts_read()
            }
            _ => FactKinds::NONE,
        };
        self.checks
            .iter()
            .fold(chosen.union(outcome).union(self.extra_facts), |kept, c| {
                kept.union(c.reads())
            })
    }

    /// The scenario's name, or its file when it has none.
    pub fn title(&self) -> &str {
        if self.spec.name.is_empty() {
            &self.source
        } else {
            &self.spec.name
        }
    }
}

/// What a protocol serves, for an error about a request or workload it cannot take.
fn serves_what(protocol: &str, serves: Serves) -> String {
    match serves {
        Serves::Proposals => {
            format!("{protocol} chooses one value from \"requests\" proposals (\"propose\": VALUE)")
        }
        Serves::Data => {
            format!("{protocol} serves data operations from a \"workload\", not requests")
        }
        Serves::Transactions => format!(
            "{protocol} runs \"transfer\" requests as transactions; it serves no data \
             workload and takes no proposals"
        ),
    }
}

/// A transfer as written, checked.
fn transfer(
    t: &TransferSpec,
    source: &str,
    path: &str,
) -> Result<crate::bank::Transfer, InputError> {
    use crate::bank::{Account, MAX_AMOUNT, Transfer, TxName};
    let err = |field: &str, msg: String| {
        Err(InputError::new(source, msg).at(format!("{path}.transfer.{field}")))
    };
    let printable = |s: &str| {
        !s.is_empty()
            && s.len() <= limits::MAX_NAME_LEN
            && !s.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    if !printable(&t.tx) {
        return err(
            "tx",
            format!("{:?}: a transaction name is one printable word", t.tx),
        );
    }
    let to = match &t.to {
        NodeNames::One(a) => vec![a.clone()],
        NodeNames::Many(list) => list.clone(),
    };
    if to.is_empty() {
        return err("to", "name at least one account to credit".into());
    }
    if to.len() > limits::MAX_NODES {
        return err("to", format!("at most {} accounts", limits::MAX_NODES));
    }
    for a in std::iter::once(&t.from).chain(&to) {
        if !printable(a) {
            return err(
                "from",
                format!("{a:?}: an account name is one printable word"),
            );
        }
    }
    if t.amount == 0 || t.amount > MAX_AMOUNT {
        return err("amount", format!("an amount is between 1 and {MAX_AMOUNT}"));
    }
    Ok(Transfer {
        tx: TxName(t.tx.clone()),
        from: Account(t.from.clone()),
        to: to.into_iter().map(Account).collect(),
        amount: t.amount,
    })
}

/// The checks a scenario runs: those it names, or every one of the protocol's
/// that applies to it.
fn select_checks(
    spec: &ScenarioSpec,
    info: &ProtocolInfo,
    workload: Option<&crate::workload::Workload>,
    source: &str,
) -> Result<Vec<CheckKind>, InputError> {
    let applies = |c: CheckKind| match c.needs() {
        Needs::Facts => Ok(()),
        Needs::History if workload.is_some() => Ok(()),
        Needs::UniqueElements
            if workload.is_some_and(|w| {
                matches!(
                    w.model,
                    crate::history::ModelKind::Append | crate::history::ModelKind::Set
                )
            }) =>
        {
            Ok(())
        }
        Needs::History | Needs::UniqueElements if workload.is_none() => {
            Err("it judges the clients' history, and this scenario has no \"workload\"")
        }
        Needs::History | Needs::UniqueElements => {
            Err("it needs an append or set workload (unique elements)")
        }
    };
    if spec.checks.is_empty() {
        return Ok(info
            .checks
            .iter()
            .copied()
            .filter(|&c| applies(c).is_ok())
            .collect());
    }
    let expected = || {
        info.checks
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut checks = Vec::with_capacity(spec.checks.len());
    for (i, name) in spec.checks.iter().enumerate() {
        let path = format!("checks[{i}]");
        let check = CheckKind::from_name(name)
            .filter(|c| info.checks.contains(c))
            .ok_or_else(|| {
                InputError::new(
                    source,
                    format!(
                        "unknown check {name:?} for {}; expected one of: {}",
                        spec.protocol,
                        expected()
                    ),
                )
                .at(&path)
            })?;
        if let Err(why) = applies(check) {
            return Err(
                InputError::new(source, format!("check {name:?} does not apply: {why}")).at(&path),
            );
        }
        if checks.contains(&check) {
            return Err(
                InputError::new(source, format!("check {name:?} is named twice")).at(&path),
            );
        }
        checks.push(check);
    }
    Ok(checks)
}

/// An `expect` must be about checks that run and outcomes the protocol has.
fn validate_expect(
    e: &ExpectSpec,
    checks: &[CheckKind],
    info: &ProtocolInfo,
    protocol: &str,
    source: &str,
) -> Result<(), InputError> {
    let err = |path: &str, msg: String| Err(InputError::new(source, msg).at(path));
    let running = || {
        checks
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let runs = |name: &str| CheckKind::from_name(name).is_some_and(|c| checks.contains(&c));
    if let Some(v) = &e.violation
        && !runs(v)
    {
        return err(
            "expect.violation",
            format!(
                "{v:?} is not among the checks this scenario runs ({})",
                running()
            ),
        );
    }
    for (i, name) in e.holds.iter().flatten().enumerate() {
        if !runs(name) {
            return err(
                &format!("expect.holds[{i}]"),
                format!(
                    "{name:?} is not among the checks this scenario runs ({})",
                    running()
                ),
            );
        }
        if e.violation.as_ref() == Some(name) {
            return err(
                &format!("expect.holds[{i}]"),
                format!("{name:?} cannot both hold and be violated"),
            );
        }
    }
    for (word, given) in [
        (OutcomeWord::Chosen, e.chosen.is_some()),
        (OutcomeWord::Livelock, e.livelock.is_some()),
        (OutcomeWord::Decision, e.decision.is_some()),
        (OutcomeWord::Blocked, e.blocked.is_some()),
    ] {
        if given && !info.outcomes.contains(&word) {
            return err(
                &format!("expect.{}", word.name()),
                format!(
                    "{protocol} has no {:?} outcome ({}); expect \"violation\" or \"holds\" \
                     instead",
                    word.name(),
                    word.about()
                ),
            );
        }
    }
    if e.chosen.is_some() && e.livelock == Some(true) {
        return err(
            "expect",
            "\"chosen\" and \"livelock\": true contradict each other".into(),
        );
    }
    for (tx, outcome) in e.decision.iter().flatten() {
        if crate::check::commit::TxDecision::from_name(outcome).is_none() {
            return err(
                &format!("expect.decision.{tx}"),
                format!(
                    "unknown decision {outcome:?}; expected one of: {}",
                    crate::check::commit::TxDecision::expected()
                ),
            );
        }
    }
    if *e == ExpectSpec::default() {
        return err(
            "expect",
            "expected at least one of \"chosen\", \"violation\", \"livelock\", \"holds\", \
             \"decision\", \"blocked\""
                .into(),
        );
    }
    Ok(())
}

/// Deserialises JSON text with the JSON path and line/column of any error.
pub fn from_json_text<T: DeserializeOwned>(text: &str, source: &str) -> Result<T, InputError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(inner, source, &path)
    })?;
    de.end().map_err(|e| json_error(e, source, ""))?;
    Ok(value)
}

fn json_error(e: serde_json::Error, source: &str, path: &str) -> InputError {
    let mut msg = e.to_string();
    // serde_json appends " at line L column C"; we report the position separately.
    if let Some(cut) = msg.rfind(" at line ") {
        msg.truncate(cut);
    }
    if msg.starts_with("data did not match any variant of untagged enum NodesSpec") {
        msg = "expected a list of nodes ([{\"name\": \"A1\", \"roles\": [\"acceptor\"]}, ...]) \
               or role counts ({\"proposers\": 2, \"acceptors\": 3})"
            .to_string();
    } else if msg.starts_with("data did not match any variant of untagged enum NodeNames") {
        msg = "expected a node name or a list of node names".to_string();
    } else if msg.starts_with("data did not match any variant of untagged enum KindNames") {
        msg = "expected a message kind or a list of kinds".to_string();
    } else if msg == "trailing characters" && !path.is_empty() && path != "." {
        // What serde_json says of a fixed-length array with elements to spare;
        // every such array in a scenario is a pair ([lo, hi], [start, end]).
        msg = "too many elements: expected a list of exactly 2 numbers".to_string();
    }
    let mut err = InputError::new(source, msg);
    if !path.is_empty() && path != "." {
        err = err.at(path);
    }
    if e.line() > 0 {
        err = err.at_line_column(e.line(), e.column());
    }
    err
}

fn expand_nodes(
    spec: &NodesSpec,
    info: &ProtocolInfo,
    protocol: &str,
    source: &str,
) -> Result<Vec<NodeSpec>, InputError> {
    let too_many = |count: u64| {
        InputError::new(
            source,
            format!(
                "{count} nodes is more than the limit of {} nodes",
                limits::MAX_NODES
            ),
        )
        .at("nodes")
    };
    let list = match spec {
        NodesSpec::List(list) => {
            if list.len() > limits::MAX_NODES {
                return Err(too_many(list.len() as u64));
            }
            list.clone()
        }
        NodesSpec::Counts(counts) => {
            // Each role's plural, then "replicas" (nodes with the default roles).
            // A role that is exactly the default is left unwritten, as a listed
            // node without "roles" would be.
            let mut groups: Vec<(&str, &str, Option<&str>)> = info
                .roles
                .iter()
                .enumerate()
                .map(|(row, &(name, plural, prefix))| {
                    let explicit = info.default_roles != [row];
                    (plural, prefix, explicit.then_some(name))
                })
                .collect();
            if !groups.iter().any(|g| g.0 == "replicas") {
                groups.push(("replicas", "N", None));
            }
            for key in counts.keys() {
                if !groups.iter().any(|g| g.0 == key) {
                    let expected: Vec<&str> = groups.iter().map(|g| g.0).collect();
                    return Err(InputError::new(
                        source,
                        format!(
                            "unknown role count {key:?} for {protocol}; expected one of: {}",
                            expected.join(", ")
                        ),
                    )
                    .at(format!("nodes.{key}")));
                }
            }
            let total = counts.values().fold(0u64, |a, &b| a.saturating_add(b));
            if total > limits::MAX_NODES as u64 {
                return Err(too_many(total));
            }
            let mut list = Vec::new();
            for (plural, prefix, role) in groups {
                for k in 1..=counts.get(plural).copied().unwrap_or(0) {
                    list.push(NodeSpec {
                        name: format!("{prefix}{k}"),
                        roles: role.into_iter().map(str::to_string).collect(),
                    });
                }
            }
            list
        }
    };
    if list.is_empty() {
        return Err(InputError::new(source, "a scenario needs at least one node").at("nodes"));
    }
    Ok(list)
}

fn unknown_node(name: &str, by_name: &BTreeMap<&str, NodeId>) -> String {
    let known: Vec<&str> = by_name.keys().copied().collect();
    format!(
        "unknown node {name:?}; the scenario's nodes are: {}",
        known.join(", ")
    )
}

fn resolve_names(
    names: &NodeNames,
    by_name: &BTreeMap<&str, NodeId>,
    n: usize,
    source: &str,
    path: &str,
) -> Result<NodeSet, InputError> {
    let list: Vec<&String> = match names {
        NodeNames::One(s) => vec![s],
        NodeNames::Many(v) => v.iter().collect(),
    };
    let mut set = NodeSet::EMPTY;
    for (k, name) in list.iter().enumerate() {
        if name.as_str() == "*" {
            return Ok(NodeSet::all(n));
        }
        let p = match names {
            NodeNames::One(_) => path.to_string(),
            NodeNames::Many(_) => format!("{path}[{k}]"),
        };
        match by_name.get(name.as_str()) {
            Some(&id) => set.insert(id),
            None => return Err(InputError::new(source, unknown_node(name, by_name)).at(p)),
        }
    }
    Ok(set)
}

fn probability(p: f64, source: &str, path: &str) -> Result<u32, InputError> {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return Err(InputError::new(
            source,
            format!("a probability must be between 0 and 1, found {p}"),
        )
        .at(path));
    }
    Ok((p * PPM as f64).round() as u32)
}

fn check_time(t: u64, source: &str, path: &str) -> Result<(), InputError> {
    if t > limits::MAX_TIME {
        return Err(InputError::new(
            source,
            format!(
                "{t} ticks is beyond the limit of {} ticks",
                limits::MAX_TIME
            ),
        )
        .at(path));
    }
    Ok(())
}

fn check_delay(d: &DelaySpec, source: &str, path: &str) -> Result<(), InputError> {
    let (lo, hi) = match *d {
        DelaySpec::Fixed(t) => (t, t),
        DelaySpec::Uniform([lo, hi]) => (lo, hi),
    };
    if hi > limits::MAX_DELAY {
        return Err(InputError::new(
            source,
            format!(
                "a delay of {hi} ticks is more than the limit of {}",
                limits::MAX_DELAY
            ),
        )
        .at(path));
    }
    if lo > hi {
        return Err(InputError::new(
            source,
            format!("a uniform delay [lo, hi] needs lo <= hi, found [{lo}, {hi}]"),
        )
        .at(path));
    }
    Ok(())
}

/// A scenario file schedules nothing after the run ends (faults, filter
/// windows, requests, scripted operations): the engine never reaches it, so
/// accepting it would silently ignore part of the file. (Generated specs may
/// draw past their end; [`ScenarioSpec::drop_after_the_end`] trims them.)
fn check_nothing_after_the_end(spec: &ScenarioSpec, source: &str) -> Result<(), InputError> {
    let time_limit = spec.limits.time.unwrap_or(DEFAULT_TIME_LIMIT);
    let after_the_end = |at: u64, path: String, what: &str| {
        if at > time_limit {
            return Err(InputError::new(
                source,
                format!(
                    "{what} at time {at} comes after the run ends (limits.time is \
                     {time_limit}{}), so it would never happen; raise limits.time or \
                     remove it",
                    if spec.limits.time.is_none() {
                        ", the default"
                    } else {
                        ""
                    }
                ),
            )
            .at(&path));
        }
        Ok(())
    };
    for (i, f) in spec.faults.iter().enumerate() {
        after_the_end(f.at, format!("faults[{i}].at"), "this fault")?;
    }
    for (i, f) in spec.filters.iter().enumerate() {
        if let Some([start, _]) = f.during {
            after_the_end(
                start,
                format!("filters[{i}].during"),
                "a filter window starting",
            )?;
        }
    }
    for (i, r) in spec.requests.iter().enumerate() {
        after_the_end(r.at, format!("requests[{i}].at"), "this request")?;
    }
    if let Some(w) = &spec.workload {
        for (i, s) in w.script.iter().enumerate() {
            after_the_end(
                s.at,
                format!("workload.script[{i}].at"),
                "this scripted operation",
            )?;
        }
    }
    Ok(())
}
