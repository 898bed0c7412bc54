//! Workloads: the simulated clients of a replicated service and what they ask.
//!
//! A scenario's `workload` names the data model (`register`, `append`, `set`,
//! `kv`), the clients, where they send requests, how long they wait, and two
//! sources of operations: a random generator (mix of reads and updates on a few
//! keys, unique written values) and a script of operations at given times (how a
//! story such as the ghost reappearance is told exactly). Each client has at most
//! one operation outstanding; a scripted operation due while its client is busy
//! waits for it.

use crate::error::InputError;
use crate::history::{Action, AppendOp, Input, Key, KvOp, ModelKind, RegisterOp, SetOp};
use crate::ids::NodeId;
use crate::rng::{DetRng, PPM};
use crate::scenario::limits;
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_CLIENTS: u64 = 1_000;
pub const MAX_KEYS: u64 = 10_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// `register`, `append`, `set` or `kv`: the data model, and the model the
    /// linearizability check uses.
    pub model: String,
    /// Number of clients, named c1, c2, ...
    #[serde(default = "one")]
    pub clients: u64,
    /// Nodes clients contact first (client i starts at nodes[i mod len]); after a
    /// timeout a client tries the next one. Default: every node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<String>>,
    /// Ticks a client waits for an answer before giving up on an attempt.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
    /// Attempts after a timeout, with the same request id (the protocol may
    /// deduplicate). When all time out the operation is indeterminate (`info`).
    #[serde(default)]
    pub retries: u32,
    /// One-way delay between a client and a node, in ticks.
    #[serde(default = "default_client_delay")]
    pub delay: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<GenerateSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub script: Vec<ScriptedOpSpec>,
}

fn one() -> u64 {
    1
}

fn default_timeout() -> u64 {
    100
}

fn default_client_delay() -> u64 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    /// Keys are named k1, k2, ...
    #[serde(default = "one")]
    pub keys: u64,
    /// Fraction of operations that are reads.
    #[serde(default = "half")]
    pub reads: f64,
    /// Register model: fraction of updates that are compare-and-set.
    #[serde(default)]
    pub cas: f64,
    /// Ticks a client thinks between an answer and its next operation [lo, hi].
    #[serde(default = "default_think")]
    pub think: [u64; 2],
    /// Generate operations during [start, stop).
    #[serde(default)]
    pub start: u64,
    pub stop: u64,
}

fn half() -> f64 {
    0.5
}

fn default_think() -> [u64; 2] {
    [1, 20]
}

/// `{"at": T, "client": "c1", "op": {"f": "append", "key": "x", "value": 3}}`,
/// optionally `"node"` to send it somewhere other than the client's current node.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedOpSpec {
    pub at: u64,
    pub client: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    pub op: OpSpec,
}

/// An operation in the history format's field names.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpSpec {
    pub f: String,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
}

/// A validated workload.
#[derive(Clone, Debug)]
pub struct Workload {
    pub model: ModelKind,
    pub clients: Vec<String>,
    /// The rotation of nodes clients use.
    pub nodes: Vec<NodeId>,
    pub timeout: u64,
    pub retries: u32,
    pub delay: u64,
    pub generate: Option<Generate>,
    /// Per client, in time order.
    pub script: Vec<Vec<ScriptedOp>>,
}

#[derive(Clone, Debug)]
pub struct Generate {
    pub keys: Vec<Key>,
    pub read_ppm: u32,
    pub cas_ppm: u32,
    pub think: (u64, u64),
    pub start: Time,
    pub stop: Time,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedOp {
    pub at: Time,
    pub node: Option<NodeId>,
    pub input: Input,
}

impl WorkloadSpec {
    /// Validates against the scenario's nodes; errors name `workload.…` paths.
    pub fn validate(
        &self,
        source: &str,
        node_id: &dyn Fn(&str) -> Option<NodeId>,
        node_count: usize,
    ) -> Result<Workload, InputError> {
        let err = |path: &str, msg: String| InputError::new(source, msg).at(path);
        let model = ModelKind::from_name(&self.model).ok_or_else(|| {
            err(
                "workload.model",
                format!(
                    "unknown model {:?}; expected register, append, set or kv",
                    self.model
                ),
            )
        })?;
        if self.clients == 0 || self.clients > MAX_CLIENTS {
            return Err(err(
                "workload.clients",
                format!(
                    "{} clients; between 1 and {MAX_CLIENTS} are allowed",
                    self.clients
                ),
            ));
        }
        let nodes = match &self.nodes {
            None => (0..node_count as u32).map(NodeId).collect(),
            Some(names) if names.is_empty() => {
                return Err(err("workload.nodes", "name at least one node".into()));
            }
            Some(names) => names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    node_id(n).ok_or_else(|| {
                        err(
                            &format!("workload.nodes[{i}]"),
                            format!("unknown node {n:?}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        for (path, t) in [
            ("workload.timeout", self.timeout),
            ("workload.delay", self.delay),
        ] {
            if t > limits::MAX_DELAY {
                return Err(err(
                    path,
                    format!("{t} ticks is more than the limit of {}", limits::MAX_DELAY),
                ));
            }
        }
        if self.timeout == 0 {
            return Err(err(
                "workload.timeout",
                "a timeout of 0 ticks gives up at once".into(),
            ));
        }
        let generate = match &self.generate {
            None => None,
            Some(g) => Some(g.validate(source, model)?),
        };
        let clients: Vec<String> = (1..=self.clients).map(|i| format!("c{i}")).collect();
        let mut script = vec![Vec::new(); clients.len()];
        if self.script.len() > limits::MAX_SCHEDULED {
            return Err(err(
                "workload.script",
                format!("at most {} scripted operations", limits::MAX_SCHEDULED),
            ));
        }
        let mut values_seen: BTreeMap<i64, usize> = BTreeMap::new();
        for (i, s) in self.script.iter().enumerate() {
            let path = format!("workload.script[{i}]");
            if s.at > limits::MAX_TIME {
                return Err(err(&format!("{path}.at"), "beyond the time limit".into()));
            }
            let client = clients.iter().position(|c| *c == s.client).ok_or_else(|| {
                err(
                    &format!("{path}.client"),
                    format!(
                        "unknown client {:?}; this workload has {}",
                        s.client,
                        clients.join(", ")
                    ),
                )
            })?;
            let node =
                match &s.node {
                    None => None,
                    Some(n) => Some(node_id(n).ok_or_else(|| {
                        err(&format!("{path}.node"), format!("unknown node {n:?}"))
                    })?),
                };
            let input = s.op.to_input(model, source, &format!("{path}.op"))?;
            if let Some(v) = written_value(&input)
                && let Some(other) = values_seen.insert(v, i)
            {
                return Err(err(
                    &format!("{path}.op.value"),
                    format!(
                        "value {v} is also written by workload.script[{other}]; written \
                         values must be unique so a read says which write it saw"
                    ),
                ));
            }
            script[client].push((
                s.at,
                i,
                ScriptedOp {
                    at: Time(s.at),
                    node,
                    input,
                },
            ));
        }
        let script = script
            .into_iter()
            .map(|mut ops| {
                ops.sort_by_key(|(at, i, _)| (*at, *i));
                ops.into_iter().map(|(_, _, op)| op).collect()
            })
            .collect();
        Ok(Workload {
            model,
            clients,
            nodes,
            timeout: self.timeout,
            retries: self.retries,
            delay: self.delay,
            generate,
            script,
        })
    }
}

impl GenerateSpec {
    fn validate(&self, source: &str, model: ModelKind) -> Result<Generate, InputError> {
        let err = |path: &str, msg: String| InputError::new(source, msg).at(path);
        if self.keys == 0 || self.keys > MAX_KEYS {
            return Err(err(
                "workload.generate.keys",
                format!("{} keys; between 1 and {MAX_KEYS} are allowed", self.keys),
            ));
        }
        let ppm = |p: f64, path: &str| -> Result<u32, InputError> {
            if !(0.0..=1.0).contains(&p) {
                return Err(err(
                    path,
                    format!("a fraction must be between 0 and 1, found {p}"),
                ));
            }
            Ok((p * PPM as f64).round() as u32)
        };
        let read_ppm = ppm(self.reads, "workload.generate.reads")?;
        let cas_ppm = ppm(self.cas, "workload.generate.cas")?;
        if cas_ppm > 0 && model != ModelKind::Register {
            return Err(err(
                "workload.generate.cas",
                format!("compare-and-set exists only in the register model, not {model}"),
            ));
        }
        let [lo, hi] = self.think;
        if lo > hi || hi > limits::MAX_DELAY {
            return Err(err(
                "workload.generate.think",
                format!(
                    "[lo, hi] needs lo <= hi <= {}, found [{lo}, {hi}]",
                    limits::MAX_DELAY
                ),
            ));
        }
        if self.stop > limits::MAX_TIME || self.start > self.stop {
            return Err(err(
                "workload.generate",
                format!("needs start <= stop <= {}", limits::MAX_TIME),
            ));
        }
        Ok(Generate {
            keys: (1..=self.keys)
                .map(|k| Key(format!("k{k}").into()))
                .collect(),
            read_ppm,
            cas_ppm,
            think: (lo, hi),
            start: Time(self.start),
            stop: Time(self.stop),
        })
    }
}

impl OpSpec {
    /// The operation in `model`'s terms; errors name `path.f`, `path.value`, ...
    pub fn to_input(
        &self,
        model: ModelKind,
        source: &str,
        path: &str,
    ) -> Result<Input, InputError> {
        let err = |field: &str, msg: String| {
            InputError::new(source, msg).at(if field.is_empty() {
                path.to_string()
            } else {
                format!("{path}.{field}")
            })
        };
        let int = |field: &str| -> Result<i64, InputError> {
            self.value
                .as_ref()
                .and_then(|v| v.as_i64())
                .ok_or_else(|| err(field, "expected an integer \"value\"".into()))
        };
        let elem = || -> Result<u64, InputError> {
            self.value
                .as_ref()
                .and_then(|v| v.as_u64())
                .ok_or_else(|| err("value", "expected a non-negative integer \"value\"".into()))
        };
        let text = || -> Result<String, InputError> {
            self.value
                .as_ref()
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| err("value", "expected a string \"value\"".into()))
        };
        let action = match (model, self.f.as_str()) {
            (ModelKind::Register, "read") => Action::Register(RegisterOp::Read),
            (ModelKind::Register, "write") => Action::Register(RegisterOp::Write(int("value")?)),
            (ModelKind::Register, "cas") => Action::Register(RegisterOp::Cas {
                from: self
                    .from
                    .ok_or_else(|| err("from", "cas needs \"from\"".into()))?,
                to: self
                    .to
                    .ok_or_else(|| err("to", "cas needs \"to\"".into()))?,
            }),
            (ModelKind::Append, "append") => Action::Append(AppendOp::Append(elem()?)),
            (ModelKind::Append, "read") => Action::Append(AppendOp::Read),
            (ModelKind::Set, "add") => Action::Set(SetOp::Add(elem()?)),
            (ModelKind::Set, "read") => Action::Set(SetOp::Read),
            (ModelKind::Kv, "get") => Action::Kv(KvOp::Get),
            (ModelKind::Kv, "put") => Action::Kv(KvOp::Put(text()?)),
            (ModelKind::Kv, "append") => Action::Kv(KvOp::Append(text()?)),
            (model, f) => {
                let expected = match model {
                    ModelKind::Register => "read, write or cas",
                    ModelKind::Append => "append or read",
                    ModelKind::Set => "add or read",
                    ModelKind::Kv => "get, put or append",
                };
                return Err(err(
                    "f",
                    format!("the {model} model has operations {expected}, found {f:?}"),
                ));
            }
        };
        Ok(Input {
            key: Key::new(&self.key),
            action,
        })
    }
}

/// The value a write/append/add introduces, which must be unique.
fn written_value(input: &Input) -> Option<i64> {
    match &input.action {
        Action::Register(RegisterOp::Write(v)) => Some(*v),
        Action::Append(AppendOp::Append(e)) | Action::Set(SetOp::Add(e)) => Some(*e as i64),
        _ => None,
    }
}

/// Draws random operations: reads and updates on random keys, every written value
/// new (a counter above every scripted value), CAS from a value the key has held.
#[derive(Clone, Debug)]
pub struct Generator {
    model: ModelKind,
    spec: Generate,
    next_value: u64,
    /// Register model: values written so far per key, as CAS candidates.
    written: BTreeMap<Key, Vec<i64>>,
}

impl Generator {
    pub fn new(workload: &Workload) -> Option<Generator> {
        let spec = workload.generate.clone()?;
        let highest_scripted = workload
            .script
            .iter()
            .flatten()
            .filter_map(|s| written_value(&s.input))
            .max()
            .unwrap_or(0)
            .max(0) as u64;
        Some(Generator {
            model: workload.model,
            spec,
            next_value: highest_scripted + 1,
            written: BTreeMap::new(),
        })
    }

    pub fn active_at(&self, now: Time) -> bool {
        now >= self.spec.start && now < self.spec.stop
    }

    pub fn start(&self) -> Time {
        self.spec.start
    }

    pub fn think(&self, rng: &mut DetRng) -> u64 {
        rng.between(self.spec.think.0, self.spec.think.1)
    }

    pub fn next(&mut self, rng: &mut DetRng) -> Input {
        let key = self.spec.keys[rng.below(self.spec.keys.len() as u64) as usize].clone();
        let read = rng.chance(self.spec.read_ppm);
        let action = match (self.model, read) {
            (ModelKind::Register, true) => Action::Register(RegisterOp::Read),
            (ModelKind::Append, true) => Action::Append(AppendOp::Read),
            (ModelKind::Set, true) => Action::Set(SetOp::Read),
            (ModelKind::Kv, true) => Action::Kv(KvOp::Get),
            (ModelKind::Register, false) => {
                let held = self.written.get(&key).map(Vec::as_slice).unwrap_or(&[]);
                if !held.is_empty() && rng.chance(self.spec.cas_ppm) {
                    let from = held[rng.below(held.len() as u64) as usize];
                    let to = self.fresh() as i64;
                    self.written.entry(key.clone()).or_default().push(to);
                    Action::Register(RegisterOp::Cas { from, to })
                } else {
                    let v = self.fresh() as i64;
                    self.written.entry(key.clone()).or_default().push(v);
                    Action::Register(RegisterOp::Write(v))
                }
            }
            (ModelKind::Append, false) => Action::Append(AppendOp::Append(self.fresh())),
            (ModelKind::Set, false) => Action::Set(SetOp::Add(self.fresh())),
            (ModelKind::Kv, false) => Action::Kv(KvOp::Append(format!("x{}y", self.fresh()))),
        };
        Input { key, action }
    }

    fn fresh(&mut self) -> u64 {
        let v = self.next_value;
        self.next_value += 1;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> WorkloadSpec {
        serde_json::from_str(json).unwrap()
    }

    fn names(n: &str) -> Option<NodeId> {
        ["N1", "N2"]
            .iter()
            .position(|x| *x == n)
            .map(|i| NodeId(i as u32))
    }

    #[test]
    fn generated_values_are_unique_and_above_the_script() {
        let w = spec(
            r#"{"model": "append", "clients": 2, "generate": {"keys": 3, "stop": 100},
                "script": [{"at": 5, "client": "c2", "op": {"f": "append", "key": "x", "value": 40}}]}"#,
        )
        .validate("t", &names, 2)
        .unwrap();
        let mut g = Generator::new(&w).unwrap();
        let mut rng = DetRng::new(1, 3);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            if let Action::Append(AppendOp::Append(e)) = g.next(&mut rng).action {
                assert!(e > 40);
                assert!(seen.insert(e));
            }
        }
        assert!(seen.len() > 150, "about half are appends: {}", seen.len());
    }

    #[test]
    fn register_cas_compares_against_a_value_the_key_held() {
        let w = spec(r#"{"model": "register", "generate": {"reads": 0, "cas": 0.5, "stop": 10}}"#)
            .validate("t", &names, 2)
            .unwrap();
        let mut g = Generator::new(&w).unwrap();
        let mut rng = DetRng::new(9, 3);
        let mut held = Vec::new();
        let mut cas = 0;
        for _ in 0..200 {
            match g.next(&mut rng).action {
                Action::Register(RegisterOp::Write(v)) => held.push(v),
                Action::Register(RegisterOp::Cas { from, to }) => {
                    assert!(held.contains(&from));
                    held.push(to);
                    cas += 1;
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(cas > 60, "{cas}");
    }

    #[test]
    fn bad_workloads_say_where() {
        let e = spec(r#"{"model": "queue"}"#)
            .validate("t", &names, 2)
            .unwrap_err();
        assert_eq!(e.path, "workload.model");
        let e = spec(r#"{"model": "set", "clients": 0}"#)
            .validate("t", &names, 2)
            .unwrap_err();
        assert_eq!(e.path, "workload.clients");
        let e = spec(r#"{"model": "set", "nodes": ["N3"]}"#)
            .validate("t", &names, 2)
            .unwrap_err();
        assert_eq!(e.path, "workload.nodes[0]");
        let e = spec(r#"{"model": "set", "script": [{"at": 1, "client": "c9", "op": {"f": "read", "key": "k"}}]}"#)
            .validate("t", &names, 2)
            .unwrap_err();
        assert_eq!(e.path, "workload.script[0].client");
        let e = spec(r#"{"model": "set", "script": [{"at": 1, "client": "c1", "op": {"f": "append", "key": "k", "value": 1}}]}"#)
            .validate("t", &names, 2)
            .unwrap_err();
        assert_eq!(e.path, "workload.script[0].op.f");
        let e = spec(
            r#"{"model": "append", "script": [
                {"at": 1, "client": "c1", "op": {"f": "append", "key": "k", "value": 1}},
                {"at": 2, "client": "c1", "op": {"f": "append", "key": "j", "value": 1}}]}"#,
        )
        .validate("t", &names, 2)
        .unwrap_err();
        assert!(e.message.contains("unique"), "{e}");
        let e = spec(r#"{"model": "append", "generate": {"cas": 0.2, "stop": 5}}"#)
            .validate("t", &names, 2)
            .unwrap_err();
        assert_eq!(e.path, "workload.generate.cas");
    }
}
