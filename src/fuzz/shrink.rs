//! Shrinking: make a failing scenario smaller while the same check still fails.
//!
//! Greedy passes over families of reductions — drop faults, filters, requests,
//! clients, operations (generated ones become a script first, so single ones
//! can go), nodes and roles; shorten the time limit; lower loss and
//! duplication; simplify delays; drop parameters — each tried in turn on the
//! current scenario and kept when validation accepts it and the check is still
//! violated, until a whole pass keeps nothing (a fixpoint) or the run budget is
//! spent. Every step works on the scenario file's own fields and lets
//! validation say what a protocol allows, so nothing here names a protocol.
//! Deterministic: the same scenario, check and budget shrink to the same file.
//! Runs are judged as a sweep judges them (judge.rs).

use super::judge::run_and_judge;
use crate::check::{CheckKind, CheckVerdict};
use crate::history::{Action, AppendOp, Input, KvOp, RegisterOp, SetOp};
use crate::named::Named;
use crate::protocols::ProtocolKind;
use crate::run::simulate;
use crate::scenario::{
    DEFAULT_TIME_LIMIT, DelaySpec, ExpectSpec, FilterActionSpec, InputError, NodeNames, NodesSpec,
    Scenario, ScenarioSpec,
};
use crate::trace::TraceOutput;
use crate::workload::{OpSpec, ScriptedOpSpec};
use serde::{Deserialize, Serialize};

/// How big a scenario is, as the shrink report counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Size {
    pub faults: usize,
    pub filters: usize,
    /// Scripted requests (proposals).
    pub requests: usize,
    /// Operations the workload's clients invoked in the run.
    pub operations: usize,
    pub clients: u64,
    pub nodes: usize,
    pub time_limit: u64,
}

impl Size {
    /// `faults 6 → 2, requests 3 → 2, nodes 4 → 3, time limit 3000 → 400`.
    pub fn change_to(&self, after: &Size) -> String {
        let mut parts = vec![format!("faults {} → {}", self.faults, after.faults)];
        if self.filters > 0 {
            parts.push(format!("filters {} → {}", self.filters, after.filters));
        }
        if self.requests > 0 {
            parts.push(format!("requests {} → {}", self.requests, after.requests));
        }
        if self.clients > 0 {
            parts.push(format!(
                "operations {} → {}",
                self.operations, after.operations
            ));
            parts.push(format!("clients {} → {}", self.clients, after.clients));
        }
        parts.push(format!("nodes {} → {}", self.nodes, after.nodes));
        parts.push(format!(
            "time limit {} → {}",
            self.time_limit, after.time_limit
        ));
        parts.join(", ")
    }
}

/// A shrunk scenario and what it took.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub spec: ScenarioSpec,
    pub before: Size,
    pub after: Size,
    /// Simulation runs spent (candidates refused by validation cost none).
    pub runs: u64,
    /// Stopped at the budget rather than at a fixpoint.
    pub budget_exhausted: bool,
}

#[derive(Debug)]
pub enum ShrinkError {
    Invalid(InputError),
    /// The scenario does not run the check.
    NotRun(CheckKind),
    /// The scenario does not violate the check, so there is nothing to keep.
    Holds(CheckKind),
}

impl std::fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShrinkError::Invalid(e) => write!(f, "{e}"),
            ShrinkError::NotRun(c) => write!(f, "the scenario does not run the {} check", c.name()),
            ShrinkError::Holds(c) => write!(
                f,
                "the scenario does not violate {}: nothing to shrink",
                c.name()
            ),
        }
    }
}

pub const DEFAULT_MAX_RUNS: u64 = 500;

/// Shrinks `spec` (from `source`) while `check` is still violated, spending at
/// most `max_runs` simulation runs.
pub fn shrink(
    spec: &ScenarioSpec,
    source: &str,
    check: CheckKind,
    max_runs: u64,
) -> Result<Shrunk, ShrinkError> {
    let original = Scenario::from_spec(spec.clone(), source).map_err(ShrinkError::Invalid)?;
    if !original.checks.contains(&check) {
        return Err(ShrinkError::NotRun(check));
    }
    let written_checks = original.spec.checks.clone();
    // An `expect` survives only when it says exactly what is kept.
    let written_expect = original.spec.expect.clone().filter(|e| {
        *e == ExpectSpec {
            violation: Some(check.name().to_string()),
            ..ExpectSpec::default()
        }
    });
    // Candidates run only the check being kept: the run is the same, the
    // judging cheaper.
    let mut current = original.spec.clone();
    current.checks = vec![check.name().to_string()];
    current.expect = None;
    let trial = Trial { source, check };
    let before = trial
        .size_if_violated(&current)
        .ok_or(ShrinkError::Holds(check))?;
    let mut runs = 1;
    let mut size = before;
    let mut budget_exhausted = false;
    'fixpoint: loop {
        let mut kept_any = false;
        for family in FAMILIES {
            let mut i = 0;
            while let Some(step) = family(&current, i) {
                let Some(candidate) = step else {
                    i += 1;
                    continue;
                };
                if Scenario::from_spec(candidate.clone(), source).is_err() {
                    i += 1;
                    continue;
                }
                if runs >= max_runs {
                    budget_exhausted = true;
                    break 'fixpoint;
                }
                runs += 1;
                match trial.size_if_violated(&candidate) {
                    // Kept: try the same step on the smaller scenario.
                    Some(s) => {
                        current = candidate;
                        size = s;
                        kept_any = true;
                    }
                    None => i += 1,
                }
            }
        }
        if !kept_any {
            break;
        }
    }
    // Write it as the original was written: the same checks.
    let mut written = current.clone();
    written.checks = written_checks;
    written.expect = written_expect;
    if !written.name.is_empty() && !written.name.ends_with("-shrunk") {
        written.name.push_str("-shrunk");
    }
    written.description = format!(
        "{} [shrunk while {} stayed violated]",
        written.description,
        check.name()
    )
    .trim_start()
    .to_string();
    if trial.size_if_violated(&written).is_none() {
        // Cannot happen while checks do not change a run; keep the narrowed
        // list rather than write a file that does not fail.
        written = current;
    }
    Ok(Shrunk {
        spec: written,
        before,
        after: size,
        runs,
        budget_exhausted,
    })
}

struct Trial<'a> {
    source: &'a str,
    check: CheckKind,
}

impl Trial<'_> {
    /// The size of `spec` when it validates and violates the check.
    fn size_if_violated(&self, spec: &ScenarioSpec) -> Option<Size> {
        let scenario = Scenario::from_spec(spec.clone(), self.source).ok()?;
        let judged = run_and_judge(&scenario);
        let violated = judged
            .checks
            .iter()
            .any(|c| c.check == self.check && c.verdict == CheckVerdict::Violated);
        violated.then(|| Size {
            faults: spec.faults.len(),
            filters: spec.filters.len(),
            requests: spec.requests.len(),
            operations: judged.operations,
            clients: spec.workload.as_ref().map_or(0, |w| w.clients),
            nodes: scenario.cluster.len(),
            time_limit: scenario.time_limit.0,
        })
    }
}

/// One family of reductions: its `i`-th candidate for a scenario — `None` when
/// there is no `i`-th, `Some(None)` when the `i`-th does not apply here.
type Family = fn(&ScenarioSpec, usize) -> Option<Option<ScenarioSpec>>;

/// Largest cuts first.
const FAMILIES: &[Family] = &[
    drop_every_fault,
    drop_every_filter,
    drop_faults,
    drop_a_fault,
    drop_a_node,
    drop_a_request,
    fewer_clients,
    fewer_operations,
    script_the_generated_operations,
    drop_scripted_operations,
    drop_a_scripted_operation,
    drop_a_filter,
    shorter_time_limit,
    drop_a_role,
    fewer_keys,
    fewer_retries,
    drop_a_link,
    lower_loss,
    lower_duplication,
    simpler_delay,
    weaker_filter,
    drop_a_param,
];

/// The `i == 0` candidate of a family with one candidate.
fn only(
    i: usize,
    candidate: impl FnOnce() -> Option<ScenarioSpec>,
) -> Option<Option<ScenarioSpec>> {
    (i == 0).then(candidate)
}

fn with(
    spec: &ScenarioSpec,
    change: impl FnOnce(&mut ScenarioSpec) -> bool,
) -> Option<ScenarioSpec> {
    let mut s = spec.clone();
    change(&mut s).then_some(s)
}

fn drop_every_fault(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    only(i, || {
        with(spec, |s| {
            let had = !s.faults.is_empty();
            s.faults.clear();
            had
        })
    })
}

fn drop_every_filter(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    only(i, || {
        with(spec, |s| {
            let had = !s.filters.is_empty();
            s.filters.clear();
            had
        })
    })
}

/// Fault `i`; a crash goes with the restart that ends it, a pause with its
/// resume.
fn drop_a_fault(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let fault = spec.faults.get(i)?;
    let mut s = spec.clone();
    let ender = |f: &crate::scenario::FaultSpec| {
        if fault.crash.is_some() {
            f.restart.clone()
        } else {
            f.resume.clone()
        }
    };
    if let Some(node) = fault.crash.as_ref().or(fault.pause.as_ref()) {
        let restart = spec
            .faults
            .iter()
            .enumerate()
            .filter(|(j, f)| *j != i && ender(f).as_ref() == Some(node) && f.at >= fault.at)
            .min_by_key(|(j, f)| (f.at, *j))
            .map(|(j, _)| j);
        if let Some(j) = restart {
            s.faults.remove(j.max(i));
            s.faults.remove(j.min(i));
            return Some(Some(s));
        }
    }
    s.faults.remove(i);
    Some(Some(s))
}

fn drop_a_filter(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    spec.filters.get(i)?;
    let mut s = spec.clone();
    s.filters.remove(i);
    Some(Some(s))
}

fn drop_a_request(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    spec.requests.get(i)?;
    let mut s = spec.clone();
    s.requests.remove(i);
    Some(Some(s))
}

fn fewer_clients(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let Some(clients) = spec.workload.as_ref().map(|w| w.clients) else {
        return (i == 0).then_some(None);
    };
    let target = match i {
        0 => clients / 2,
        1 => clients.saturating_sub(1),
        _ => return None,
    };
    Some(with(spec, |s| {
        let w = s.workload.as_mut().expect("checked above");
        if target == 0 || target >= clients {
            return false;
        }
        // Scripted operations of clients that no longer exist go too.
        let names: Vec<String> = (1..=target).map(|k| format!("c{k}")).collect();
        w.script.retain(|op| names.contains(&op.client));
        w.clients = target;
        true
    }))
}

/// Generate operations for a shorter time: half, then a tenth less.
fn fewer_operations(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    if i > 1 {
        return None;
    }
    Some(with(spec, |s| {
        let Some(g) = s.workload.as_mut().and_then(|w| w.generate.as_mut()) else {
            return false;
        };
        let span = g.stop.saturating_sub(g.start);
        let cut = if i == 0 { span / 2 } else { span / 10 };
        if cut == 0 {
            return false;
        }
        g.stop -= cut;
        true
    }))
}

/// Replaces generated operations by a script of the operations the run
/// invoked, at the times it invoked them, so single operations can go.
fn script_the_generated_operations(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    only(i, || {
        spec.workload.as_ref()?.generate.as_ref()?;
        let scenario = Scenario::from_spec(spec.clone(), "shrink").ok()?;
        let (record, _) = simulate(&scenario, TraceOutput::new());
        let history = record.history?;
        let mut s = spec.clone();
        let w = s.workload.as_mut()?;
        w.generate = None;
        w.script = history
            .ops
            .iter()
            .map(|op| ScriptedOpSpec {
                at: op.invoked.0,
                client: format!("c{}", op.client.0),
                node: None,
                op: op_spec(&op.input),
            })
            .collect();
        Some(s)
    })
}

/// An operation in the scenario file's words.
fn op_spec(input: &Input) -> OpSpec {
    let op = |f: &str, value: Option<serde_json::Value>| OpSpec {
        f: f.to_string(),
        key: input.key.0.to_string(),
        value,
        from: None,
        to: None,
    };
    match &input.action {
        Action::Register(RegisterOp::Read) => op("read", None),
        Action::Register(RegisterOp::Write(v)) => op("write", Some((*v).into())),
        Action::Register(RegisterOp::Cas { from, to }) => OpSpec {
            from: Some(*from),
            to: Some(*to),
            ..op("cas", None)
        },
        Action::Kv(KvOp::Get) => op("get", None),
        Action::Kv(KvOp::Put(v)) => op("put", Some(v.clone().into())),
        Action::Kv(KvOp::Append(v)) => op("append", Some(v.clone().into())),
        Action::Append(AppendOp::Append(e)) => op("append", Some((*e).into())),
        Action::Append(AppendOp::Read) => op("read", None),
        Action::Set(SetOp::Add(e)) => op("add", Some((*e).into())),
        Action::Set(SetOp::Read) => op("read", None),
    }
}

/// Scripted operations in chunks: halves, then quarters, ... then pairs.
fn drop_scripted_operations(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let n = spec.workload.as_ref()?.script.len();
    let (start, size) = chunk(n, i)?;
    let mut s = spec.clone();
    s.workload
        .as_mut()
        .expect("checked")
        .script
        .drain(start..start + size);
    Some(Some(s))
}

/// Faults in chunks, as scripted operations.
fn drop_faults(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let (start, size) = chunk(spec.faults.len(), i)?;
    let mut s = spec.clone();
    s.faults.drain(start..start + size);
    Some(Some(s))
}

/// The `i`-th chunk of a list of `n`: chunks of n/2, then n/4, ... down to 2.
fn chunk(n: usize, mut i: usize) -> Option<(usize, usize)> {
    let mut size = n / 2;
    while size >= 2 {
        let chunks = n / size;
        if i < chunks {
            return Some((i * size, size));
        }
        i -= chunks;
        size /= 2;
    }
    None
}

fn drop_a_scripted_operation(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let w = spec.workload.as_ref()?;
    w.script.get(i)?;
    let mut s = spec.clone();
    s.workload.as_mut().expect("checked").script.remove(i);
    Some(Some(s))
}

fn fewer_keys(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    only(i, || {
        with(spec, |s| {
            match s.workload.as_mut().and_then(|w| w.generate.as_mut()) {
                Some(g) if g.keys > 1 => {
                    g.keys -= 1;
                    true
                }
                _ => false,
            }
        })
    })
}

fn fewer_retries(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    only(i, || {
        with(spec, |s| match s.workload.as_mut() {
            Some(w) if w.retries > 0 => {
                w.retries = 0;
                true
            }
            _ => false,
        })
    })
}

/// Half the time limit, then a tenth less.
fn shorter_time_limit(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    if i > 1 {
        return None;
    }
    Some(with(spec, |s| {
        let t = s.limits.time.unwrap_or(DEFAULT_TIME_LIMIT);
        let cut = if i == 0 { t / 2 } else { t / 10 };
        if cut == 0 {
            return false;
        }
        s.limits.time = Some(t - cut);
        // What the shorter run never reaches goes too (a scenario may not
        // schedule anything after its end).
        s.drop_after_the_end();
        true
    }))
}

/// Node `i` and every mention of it.
fn drop_a_node(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let NodesSpec::List(nodes) = &spec.nodes else {
        return None;
    };
    let name = nodes.get(i)?.name.clone();
    if nodes.len() == 1 {
        return Some(None);
    }
    let mut s = spec.clone();
    if let NodesSpec::List(nodes) = &mut s.nodes {
        nodes.remove(i);
    }
    let is = |n: &String| *n == name;
    // Names without it; `None` when none is left.
    let without = |names: &NodeNames| -> Option<NodeNames> {
        match names {
            NodeNames::One(n) if is(n) => None,
            NodeNames::One(n) => Some(NodeNames::One(n.clone())),
            NodeNames::Many(list) => {
                let rest: Vec<String> = list.iter().filter(|n| !is(n)).cloned().collect();
                (!rest.is_empty()).then_some(NodeNames::Many(rest))
            }
        }
    };
    s.faults.retain_mut(|f| {
        if [&f.crash, &f.restart, &f.pause, &f.resume]
            .iter()
            .any(|n| n.as_ref().is_some_and(is))
        {
            return false;
        }
        if let Some(groups) = &mut f.partition {
            for g in groups.iter_mut() {
                g.retain(|n| !is(n));
            }
            groups.retain(|g| !g.is_empty());
            return !groups.is_empty();
        }
        if let Some(cut) = &mut f.cut {
            match (without(&cut.from), without(&cut.to)) {
                (Some(from), Some(to)) => {
                    cut.from = from;
                    cut.to = to;
                }
                _ => return false,
            }
        }
        true
    });
    s.network
        .links
        .retain_mut(|l| match (without(&l.from), without(&l.to)) {
            (Some(from), Some(to)) => {
                l.from = from;
                l.to = to;
                true
            }
            _ => false,
        });
    s.filters.retain_mut(|f| {
        for names in [&mut f.matches.from, &mut f.matches.to]
            .into_iter()
            .flatten()
        {
            match without(names) {
                Some(rest) => *names = rest,
                // It matched only the dropped node: it matches nothing now.
                None => return false,
            }
        }
        true
    });
    s.requests.retain(|r| !is(&r.node));
    if let Some(w) = &mut s.workload {
        if let Some(list) = &mut w.nodes {
            list.retain(|n| !is(n));
            if list.is_empty() {
                w.nodes = None;
            }
        }
        for op in &mut w.script {
            if op.node.as_ref().is_some_and(is) {
                op.node = None;
            }
        }
    }
    Some(Some(s))
}

/// One role less for one node: candidate `i` is node `i / roles`, role
/// `i % roles` of the protocol's role table.
fn drop_a_role(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let NodesSpec::List(nodes) = &spec.nodes else {
        return None;
    };
    let info = ProtocolKind::from_name(&spec.protocol)?.info();
    let roles = info.roles.len();
    let node = nodes.get(i / roles)?;
    let role = info.roles[i % roles].0;
    let current: Vec<String> = if node.roles.is_empty() {
        info.default_roles
            .iter()
            .map(|&row| info.roles[row].0.to_string())
            .collect()
    } else {
        node.roles.clone()
    };
    if current.len() < 2 || !current.iter().any(|r| r == role) {
        return Some(None);
    }
    let mut s = spec.clone();
    if let NodesSpec::List(nodes) = &mut s.nodes {
        nodes[i / roles].roles = current.into_iter().filter(|r| r != role).collect();
    }
    Some(Some(s))
}

fn drop_a_link(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    spec.network.links.get(i)?;
    let mut s = spec.clone();
    s.network.links.remove(i);
    Some(Some(s))
}

/// No loss, then half the loss (in whole parts per million).
fn lower_loss(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    lower(spec, i, |s| &mut s.network.loss)
}

fn lower_duplication(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    lower(spec, i, |s| &mut s.network.duplicate)
}

fn lower(
    spec: &ScenarioSpec,
    i: usize,
    field: fn(&mut ScenarioSpec) -> &mut f64,
) -> Option<Option<ScenarioSpec>> {
    if i > 1 {
        return None;
    }
    Some(with(spec, |s| {
        let p = field(s);
        let ppm = (*p * 1e6).round() as u64;
        let lower = if i == 0 { 0 } else { ppm / 2 };
        if lower >= ppm {
            return false;
        }
        *p = lower as f64 / 1e6;
        true
    }))
}

/// A uniform delay made fixed at its low end, its high end, or narrowed.
fn simpler_delay(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    if i > 2 {
        return None;
    }
    Some(with(spec, |s| match s.network.delay {
        Some(DelaySpec::Uniform([lo, hi])) => {
            s.network.delay = Some(match i {
                0 => DelaySpec::Fixed(lo),
                1 => DelaySpec::Fixed(hi),
                _ if hi - lo >= 2 => DelaySpec::Uniform([lo, lo + (hi - lo) / 2]),
                _ => return false,
            });
            true
        }
        _ => false,
    }))
}

/// Candidate `2k` halves filter k's extra delay; `2k + 1` halves its window.
fn weaker_filter(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let k = i / 2;
    spec.filters.get(k)?;
    Some(with(spec, |s| {
        let f = &mut s.filters[k];
        if i.is_multiple_of(2) {
            match &mut f.action {
                FilterActionSpec::Delay(d) if *d > 1 => {
                    *d /= 2;
                    true
                }
                _ => false,
            }
        } else {
            match &mut f.during {
                Some([start, end]) if *end - *start >= 2 => {
                    *end = *start + (*end - *start) / 2;
                    true
                }
                _ => false,
            }
        }
    }))
}

fn drop_a_param(spec: &ScenarioSpec, i: usize) -> Option<Option<ScenarioSpec>> {
    let key = spec.params.keys().nth(i)?.clone();
    let mut s = spec.clone();
    s.params.remove(&key);
    Some(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::run;

    fn scenario(text: &str) -> ScenarioSpec {
        Scenario::parse(text, "test").unwrap().spec
    }

    const AMNESIA: &str = include_str!("../../scenarios/paxos/amnesia.json");

    #[test]
    fn a_failing_scenario_shrinks_and_still_fails() {
        let spec = scenario(AMNESIA);
        let shrunk = shrink(&spec, "amnesia", CheckKind::Agreement, 300).unwrap();
        let again = Scenario::from_spec(shrunk.spec.clone(), "shrunk").unwrap();
        let (report, _) = run(&again, TraceOutput::new()).unwrap();
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.check == CheckKind::Agreement && c.verdict == CheckVerdict::Violated)
        );
        assert!(shrunk.after.time_limit <= shrunk.before.time_limit);
        assert!(shrunk.after.nodes <= shrunk.before.nodes);
        // Deterministic.
        let twice = shrink(&spec, "amnesia", CheckKind::Agreement, 300).unwrap();
        assert_eq!(
            serde_json::to_string(&shrunk.spec).unwrap(),
            serde_json::to_string(&twice.spec).unwrap()
        );
    }

    #[test]
    fn a_scenario_that_holds_is_not_shrunk() {
        let spec = scenario(include_str!("../../scenarios/paxos/happy-path.json"));
        assert!(matches!(
            shrink(&spec, "happy", CheckKind::Agreement, 10),
            Err(ShrinkError::Holds(CheckKind::Agreement))
        ));
        assert!(matches!(
            shrink(&spec, "happy", CheckKind::Linearizability, 10),
            Err(ShrinkError::NotRun(_))
        ));
    }

    #[test]
    fn the_budget_bounds_the_runs() {
        let mut spec = scenario(AMNESIA);
        spec.expect = None;
        let shrunk = shrink(&spec, "amnesia", CheckKind::Agreement, 3).unwrap();
        assert!(shrunk.runs <= 3 && shrunk.budget_exhausted);
    }

    #[test]
    fn chunks_halve_down_to_pairs() {
        let all: Vec<(usize, usize)> = (0..).map_while(|i| chunk(8, i)).collect();
        assert_eq!(all, [(0, 4), (4, 4), (0, 2), (2, 2), (4, 2), (6, 2)]);
        assert_eq!(chunk(3, 0), None);
    }

    #[test]
    fn a_scripted_workload_runs_as_the_generated_one_did() {
        let spec = scenario(include_str!(
            "../../scenarios/primary-backup/async-failover-loses-writes.json"
        ));
        let scripted = script_the_generated_operations(&spec, 0).unwrap().unwrap();
        let history = |s: &ScenarioSpec| {
            let scenario = Scenario::from_spec(s.clone(), "t").unwrap();
            let (record, _) = simulate(&scenario, TraceOutput::new());
            let h = record.history.unwrap();
            h.ops
                .iter()
                .map(|op| (op.invoked, op.client, op.input.clone()))
                .collect::<Vec<_>>()
        };
        assert!(scripted.workload.as_ref().unwrap().generate.is_none());
        assert_eq!(history(&scripted), history(&spec));
    }

    #[test]
    fn dropping_a_node_drops_every_mention_of_it() {
        let spec = scenario(include_str!("../../scenarios/paxos/acceptor-restart.json"));
        let NodesSpec::List(nodes) = &spec.nodes else {
            panic!()
        };
        let a2 = nodes.iter().position(|n| n.name == "A2").unwrap();
        let s = drop_a_node(&spec, a2).unwrap().unwrap();
        let text = serde_json::to_string(&s).unwrap();
        assert!(!text.contains("\"A2\""), "{text}");
        Scenario::from_spec(s, "dropped").unwrap();
    }
}
