//! Running a scenario end to end: pick the protocol, run the world, judge the
//! record with the scenario's checks, and compare the outcome with `expect`.

use crate::check::{CheckResult, Verdict, consensus};
use crate::engine::{RunRecord, World};
use crate::op::Op;
use crate::protocol::Protocol;
use crate::protocols::basic_paxos::BasicPaxos;
use crate::protocols::primary_backup::PrimaryBackup;
use crate::scenario::{ExpectSpec, Scenario};
use crate::time::Time;
use crate::trace::{EndReason, Header, TraceOutput};
use crate::value::Value;
use serde::Serialize;
use std::io;

/// Everything a run produced that a person or a program wants to know.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub scenario: String,
    pub protocol: String,
    pub variant: String,
    pub seed: u64,
    pub record: RunRecord,
    pub checks: Vec<CheckResult>,
    /// Values chosen, in the order they were first chosen (consensus protocols;
    /// `None` for a replicated service).
    pub chosen: Option<Vec<Value>>,
    pub expect: Option<ExpectSpec>,
    /// Whether the outcome matches `expect`, and if not, why.
    pub expect_met: Option<bool>,
    pub expect_failures: Vec<String>,
    pub trace_sha256: Option<String>,
}

impl RunReport {
    /// The exit status `run` promises: with `expect`, 0 when met; without, 0 when
    /// every check holds.
    pub fn exit_code(&self) -> i32 {
        let ok = match self.expect_met {
            Some(met) => met,
            None => self.checks.iter().all(|c| c.verdict == Verdict::Ok),
        };
        if ok { 0 } else { 1 }
    }

    pub fn summary(&self) -> Summary<'_> {
        Summary {
            scenario: &self.scenario,
            protocol: &self.protocol,
            variant: &self.variant,
            seed: self.seed,
            events: self.record.stats.events,
            messages_sent: self.record.stats.messages_sent,
            messages_delivered: self.record.stats.messages_delivered,
            messages_dropped: self.record.stats.messages_dropped,
            messages_duplicated: self.record.stats.messages_duplicated,
            virtual_time: self.record.end_time,
            end: self.record.end_reason.as_str(),
            chosen: self
                .chosen
                .as_ref()
                .map(|c| c.iter().map(|v| v.as_str()).collect()),
            checks: self
                .checks
                .iter()
                .map(|c| (c.name.as_str(), c.verdict.as_str()))
                .collect(),
            evidence: self
                .checks
                .iter()
                .filter(|c| !c.evidence.is_empty())
                .map(|c| (c.name.as_str(), c.evidence.clone()))
                .collect(),
            expect: self.expect.as_ref(),
            expect_met: self.expect_met,
            trace_sha256: self.trace_sha256.as_deref(),
        }
    }
}

/// The machine-readable summary printed by `run --json`.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub scenario: &'a str,
    pub protocol: &'a str,
    pub variant: &'a str,
    pub seed: u64,
    pub events: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    pub messages_duplicated: u64,
    pub virtual_time: Time,
    pub end: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<Vec<&'a str>>,
    pub checks: std::collections::BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub evidence: std::collections::BTreeMap<&'a str, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<&'a ExpectSpec>,
    pub expect_met: Option<bool>,
    pub trace_sha256: Option<&'a str>,
}

/// What a protocol's run yields besides check results.
struct Outcome {
    checks: Vec<CheckResult>,
    chosen: Option<Vec<Value>>,
}

/// Runs `scenario` (with its spec's seed), streaming events into `out`.
/// Returns the report, and `out` so a caller can read a replay comparison.
pub fn run(scenario: &Scenario, mut out: TraceOutput) -> io::Result<(RunReport, TraceOutput)> {
    out.header(&Header::new(&scenario.spec));
    let (record, mut out) = match scenario.spec.protocol.as_str() {
        "basic-paxos" => simulate::<BasicPaxos>(scenario, out)?,
        "primary-backup" => simulate::<PrimaryBackup>(scenario, out)?,
        other => unreachable!("validated protocol {other:?} has no runner"),
    };
    let trace_sha256 = out.finish()?;
    Ok((judge(scenario, record, trace_sha256), out))
}

fn simulate<P: Protocol>(
    scenario: &Scenario,
    out: TraceOutput,
) -> io::Result<(RunRecord, TraceOutput)> {
    let config = P::configure(scenario).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(World::<P>::new(scenario, &config, out).run())
}

/// Judges what a run recorded — live, or read back from a trace — with the
/// scenario's checks, and compares the outcome with its `expect`.
pub fn judge(scenario: &Scenario, record: RunRecord, trace_sha256: Option<String>) -> RunReport {
    let outcome = match scenario.spec.protocol.as_str() {
        "basic-paxos" => judge_basic_paxos(scenario, &record),
        "primary-backup" => judge_replicated(scenario, &record),
        other => unreachable!("validated protocol {other:?} has no judge"),
    };
    let (expect_met, expect_failures) = match &scenario.expect {
        Some(e) => {
            let failures = unmet(e, &record, &outcome);
            (Some(failures.is_empty()), failures)
        }
        None => (None, Vec::new()),
    };
    RunReport {
        scenario: if scenario.spec.name.is_empty() {
            scenario.source.clone()
        } else {
            scenario.spec.name.clone()
        },
        protocol: scenario.spec.protocol.clone(),
        variant: scenario.spec.variant.clone(),
        seed: scenario.spec.seed,
        record,
        checks: outcome.checks,
        chosen: outcome.chosen,
        expect: scenario.expect.clone(),
        expect_met,
        expect_failures,
        trace_sha256,
    }
}

fn judge_basic_paxos(scenario: &Scenario, record: &RunRecord) -> Outcome {
    let config = BasicPaxos::configure(scenario).expect("validated scenario");
    let majority = config.acceptors.len() / 2 + 1;
    let name = |n: crate::ids::NodeId| scenario.node_name(n).to_string();
    let proposed: Vec<Value> = scenario
        .requests
        .iter()
        .filter_map(|r| match &r.op {
            Op::Propose(v) => Some(v.clone()),
            Op::Data(_) => None,
        })
        .collect();
    let checks = scenario
        .checks
        .iter()
        .map(|c| match c.as_str() {
            "agreement" => consensus::agreement(&record.facts, majority, &name),
            "validity" => consensus::validity(&record.facts, majority, &proposed, &name),
            other => unreachable!("validated check {other:?}"),
        })
        .collect();
    let chosen = consensus::chosen_values(&consensus::chosen(&record.facts, majority));
    Outcome {
        checks,
        chosen: Some(chosen),
    }
}

/// The ways an outcome fails to match `expect` (empty: it matches).
fn unmet(expect: &ExpectSpec, record: &RunRecord, outcome: &Outcome) -> Vec<String> {
    let mut failures = Vec::new();
    let all_ok = || outcome.checks.iter().all(|c| c.verdict == Verdict::Ok);
    let chosen: Vec<&str> = outcome
        .chosen
        .iter()
        .flatten()
        .map(|v| v.as_str())
        .collect();
    if let Some(v) = &expect.chosen {
        if chosen != [v.as_str()] {
            failures.push(format!(
                "expected exactly {v:?} to be chosen, but chosen: {chosen:?}"
            ));
        }
        if !all_ok() {
            failures.push("expected every check to hold".to_string());
        }
    }
    for name in expect.holds.iter().flatten() {
        let held = outcome
            .checks
            .iter()
            .any(|c| &c.name == name && c.verdict == Verdict::Ok);
        if !held {
            failures.push(format!("expected {name} to hold, but it did not"));
        }
    }
    if let Some(name) = &expect.violation {
        let violated = outcome
            .checks
            .iter()
            .any(|c| &c.name == name && c.verdict == Verdict::Violated);
        if !violated {
            failures.push(format!("expected {name} to be violated, but it held"));
        }
    }
    match expect.livelock {
        Some(true) => {
            if !chosen.is_empty() {
                failures.push(format!("expected a livelock, but chosen: {chosen:?}"));
            }
            if record.end_reason == EndReason::Quiescent {
                failures.push(
                    "expected a livelock, but the run went quiet before its limit".to_string(),
                );
            }
            if !all_ok() {
                failures.push("expected every check to hold".to_string());
            }
        }
        Some(false) if chosen.is_empty() => {
            failures.push("expected progress, but nothing was chosen".to_string());
        }
        Some(false) => {}
        None => {}
    }
    failures
}

/// How long the linearizability search may take on a simulated history before
/// it answers "unknown".
pub const LINEARIZABILITY_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Judges a replicated service by what its clients saw.
fn judge_replicated(scenario: &Scenario, record: &RunRecord) -> Outcome {
    let checks = scenario
        .checks
        .iter()
        .map(|c| match c.as_str() {
            "linearizability" => linearizability(record),
            "ghost" => ghost(record),
            other => unreachable!("validated check {other:?}"),
        })
        .collect();
    Outcome {
        checks,
        chosen: None,
    }
}

fn linearizability(record: &RunRecord) -> CheckResult {
    use crate::check::linearizability::{CheckOptions, Verdict as Lin, check_history};
    let history = record
        .history
        .as_ref()
        .expect("the linearizability check runs only with a workload (validated)");
    let options = CheckOptions {
        budget: Some(LINEARIZABILITY_BUDGET),
        ..CheckOptions::default()
    };
    let result = check_history(history, history.kind, true, &options)
        .expect("a simulated history has the workload's model");
    let verdict = match result.verdict {
        Lin::Linearizable => Verdict::Ok,
        Lin::NotLinearizable => Verdict::Violated,
        Lin::Unknown => Verdict::Unknown,
    };
    let mut evidence = Vec::new();
    for p in &result.partitions {
        let key = p
            .key
            .as_ref()
            .map_or("all keys".to_string(), |k| format!("key {k}"));
        if let Some(v) = &p.violation {
            evidence.push(format!(
                "{key}: {} operations linearize, reaching state {}; then none of these can \
                 take effect:",
                v.prefix.len(),
                v.state
            ));
            for &i in &v.stuck {
                let mark = if Some(i) == v.overdue {
                    "  (had to take effect by its completion)"
                } else {
                    ""
                };
                evidence.push(format!("    {}{mark}", history.ops[i]));
            }
        }
        if let Some(why) = &p.unknown_reason {
            evidence.push(format!("{key}: unknown ({why})"));
        }
    }
    CheckResult {
        name: "linearizability".into(),
        verdict,
        evidence,
    }
}

/// The ghost reappearance, judged with the epochs the protocol recorded: the
/// epoch of each write's first store (by any node) and of each read's serving.
fn ghost(record: &RunRecord) -> CheckResult {
    use crate::check::ghost::{EpochFacts, find_ghosts};
    use crate::fact::Fact;
    let mut epochs = EpochFacts::default();
    for f in &record.facts {
        match &f.fact {
            Fact::Stored { request, epoch } => {
                epochs.stored.entry(*request).or_insert(*epoch);
            }
            Fact::Served { request, epoch } => {
                epochs.served.insert(*request, *epoch);
            }
            _ => {}
        }
    }
    let history = record
        .history
        .as_ref()
        .expect("the ghost check runs only with a workload (validated)");
    match find_ghosts(history, &epochs) {
        Ok(ghosts) => CheckResult {
            name: "ghost".into(),
            verdict: if ghosts.is_empty() {
                Verdict::Ok
            } else {
                Verdict::Violated
            },
            evidence: ghosts
                .iter()
                .flat_map(|g| {
                    g.describe(history)
                        .lines()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect(),
        },
        Err(not_applicable) => unreachable!("validated: {not_applicable}"),
    }
}
