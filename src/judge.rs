//! Judging a run: the scenario's checks over what the run recorded (live, or
//! read back from a trace), the outcome compared with `expect`, and the report
//! `run`, `judge` and `replay` print.

use crate::check::{CheckKind, CheckReport, CheckVerdict, commit, consensus};
use crate::engine::RunRecord;
use crate::named::Named;
use crate::op::Op;
use crate::scenario::{ExpectSpec, Scenario};
use crate::time::Time;
use crate::trace::EndReason;
use crate::value::Value;
use serde::Serialize;

/// Everything a run produced that a person or a program wants to know.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub scenario: String,
    pub protocol: String,
    pub variant: String,
    pub seed: u64,
    pub record: RunRecord,
    pub checks: Vec<CheckReport>,
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
    /// A run stopped at its memory budget is judged by nothing: 3, as an
    /// unknown verdict of `check` is; one stopped by Ctrl-C, 130.
    pub fn exit_code(&self) -> i32 {
        match self.record.end_reason {
            EndReason::MemoryLimit => return 3,
            EndReason::Interrupted => return 130,
            EndReason::Quiescent | EndReason::TimeLimit | EndReason::EventLimit => {}
        }
        let ok = match self.expect_met {
            Some(met) => met,
            None => self.checks.iter().all(|c| c.verdict == CheckVerdict::Holds),
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
                .map(|c| (c.check.name(), c.verdict.as_str()))
                .collect(),
            evidence: self
                .checks
                .iter()
                .filter(|c| !c.evidence.is_empty())
                .map(|c| (c.check.name(), c.evidence.clone()))
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

/// What judging yields besides the report's run facts.
struct Judgement {
    checks: Vec<CheckReport>,
    chosen: Option<Vec<Value>>,
}

/// Judges what a run recorded — live, or read back from a trace — with the
/// scenario's checks, and compares the outcome with its `expect`.
pub fn judge(scenario: &Scenario, record: RunRecord, trace_sha256: Option<String>) -> RunReport {
    judge_within(scenario, record, trace_sha256, None)
}

/// `judge`, with the linearizability search held to `search_memory` bytes
/// (`run --max-memory`) instead of the checker's default (4 GiB).
pub fn judge_within(
    scenario: &Scenario,
    record: RunRecord,
    trace_sha256: Option<String>,
    search_memory: Option<usize>,
) -> RunReport {
    let quorum = scenario.config.chosen_quorum();
    let judgement = Judgement {
        checks: scenario
            .checks
            .iter()
            .map(|&check| run_check(check, scenario, &record, quorum, search_memory))
            .collect(),
        chosen: quorum.map(|q| consensus::chosen_values(&consensus::chosen(&record.facts, q))),
    };
    let stopped_early = matches!(
        record.end_reason,
        EndReason::MemoryLimit | EndReason::Interrupted
    );
    let (expect_met, expect_failures) = match &scenario.expect {
        // A run that stopped before its end neither meets nor misses it.
        Some(_) if stopped_early => (None, Vec::new()),
        Some(e) => {
            let failures = unmet(e, &record, &judgement);
            (Some(failures.is_empty()), failures)
        }
        None => (None, Vec::new()),
    };
    RunReport {
        scenario: scenario.title().to_string(),
        protocol: scenario.protocol.name().to_string(),
        variant: scenario.variant.to_string(),
        seed: scenario.spec.seed,
        record,
        checks: judgement.checks,
        chosen: judgement.chosen,
        expect: scenario.expect.clone(),
        expect_met,
        expect_failures,
        trace_sha256,
    }
}

fn run_check(
    check: CheckKind,
    scenario: &Scenario,
    record: &RunRecord,
    quorum: Option<usize>,
    search_memory: Option<usize>,
) -> CheckReport {
    let name = |n: crate::ids::NodeId| scenario.node_name(n).to_string();
    let proposed = || -> Vec<Value> {
        scenario
            .requests
            .iter()
            .filter_map(|r| match &r.op {
                Op::Propose(v) => Some(v.clone()),
                Op::Data(_) | Op::Transfer(_) => None,
            })
            .collect()
    };
    let unknown = |why: &str| CheckReport {
        check,
        verdict: CheckVerdict::Unknown,
        evidence: vec![why.to_string()],
    };
    match record.end_reason {
        EndReason::MemoryLimit => {
            return unknown(
                "the run stopped at its memory budget before its end: nothing is judged",
            );
        }
        EndReason::Interrupted => {
            return unknown("the run was interrupted before its end: nothing is judged");
        }
        EndReason::Quiescent | EndReason::TimeLimit | EndReason::EventLimit => {}
    }
    match check {
        CheckKind::Agreement => match quorum {
            Some(q) => consensus::agreement(&record.facts, q, &name),
            None => unknown("this protocol has no notion of a chosen value"),
        },
        CheckKind::Validity => match quorum {
            Some(q) => consensus::validity(&record.facts, q, &proposed(), &name),
            None => unknown("this protocol has no notion of a chosen value"),
        },
        CheckKind::Linearizability => match &record.history {
            Some(history) => linearizability(history, search_memory),
            None => unknown("the run has no client history"),
        },
        CheckKind::LogSafety => log_safety(record, &name),
        CheckKind::ElectionSafety => crate::check::election::election_safety(&record.facts, &name),
        CheckKind::LogMatching => crate::check::logs::log_matching(&record.facts, &name),
        CheckKind::LeaderCompleteness => {
            crate::check::logs::leader_completeness(&record.facts, &name)
        }
        CheckKind::Ghost => match &record.history {
            Some(history) => ghost(record, history),
            None => unknown("the run has no client history"),
        },
        CheckKind::Atomicity => commit::atomicity(&record.facts, &name),
        CheckKind::Conservation => commit::conservation(&record.facts, &name),
        CheckKind::Blocking => commit::blocking(&record.facts, record.end_time, &name),
    }
}

/// The ways an outcome fails to match `expect` (empty: it matches).
fn unmet(expect: &ExpectSpec, record: &RunRecord, outcome: &Judgement) -> Vec<String> {
    let mut failures = Vec::new();
    let all_ok = || {
        outcome
            .checks
            .iter()
            .all(|c| c.verdict == CheckVerdict::Holds)
    };
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
            .any(|c| c.check.name() == name && c.verdict == CheckVerdict::Holds);
        if !held {
            failures.push(format!("expected {name} to hold, but it did not"));
        }
    }
    if let Some(name) = &expect.violation {
        let violated = outcome
            .checks
            .iter()
            .any(|c| c.check.name() == name && c.verdict == CheckVerdict::Violated);
        if !violated {
            failures.push(format!("expected {name} to be violated, but it held"));
        }
    }
    if let Some(wanted) = &expect.decision {
        let decided = commit::decisions(&record.facts);
        for (tx, outcome) in wanted {
            let got = decided
                .get(&crate::bank::TxName(tx.clone()))
                .copied()
                .unwrap_or(commit::TxDecision::Undecided);
            if got.name() != outcome {
                failures.push(format!(
                    "expected {tx} to end {outcome:?}, but it ended {:?}",
                    got.name()
                ));
            }
        }
    }
    if let Some(wanted) = expect.blocked {
        let blocked = commit::any_blocked(&record.facts);
        if blocked != wanted {
            failures.push(if wanted {
                "expected a participant to block, but none did".to_string()
            } else {
                "expected no participant to block, but one did".to_string()
            });
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

/// The log-safety check over the `committed` and `applied` facts.
fn log_safety(record: &RunRecord, name: &dyn Fn(crate::ids::NodeId) -> String) -> CheckReport {
    use crate::check::log_safety::{LogObservation, Observed, log_safety};
    use crate::fact::Fact;
    use crate::replication::log::{Epoch, LogIndex};
    // A snapshot's observation carries no command (it is never compared).
    let snapshot = crate::fact::CommandText::from("snapshot");
    let observations: Vec<LogObservation<&crate::fact::CommandText>> = record
        .facts
        .iter()
        .filter_map(|f| {
            let (what, index, epoch, command) = match &f.fact {
                Fact::Committed {
                    index,
                    epoch,
                    command,
                } => (Observed::Committed, index, epoch, command),
                Fact::Applied {
                    index,
                    epoch,
                    command,
                    ..
                } => (Observed::Applied, index, epoch, command),
                Fact::SnapshotInstalled { index, epoch } => {
                    (Observed::Installed, index, epoch, &snapshot)
                }
                _ => return None,
            };
            Some(LogObservation {
                at: f.t,
                node: f.node,
                what,
                index: LogIndex(*index),
                epoch: Epoch(*epoch),
                command,
            })
        })
        .collect();
    log_safety(&observations, name)
}

fn linearizability(history: &crate::history::History, memory: Option<usize>) -> CheckReport {
    use crate::check::linearizability::{CheckOptions, Verdict as Lin, check_history};
    let default = CheckOptions::default();
    let options = CheckOptions {
        budget: Some(LINEARIZABILITY_BUDGET),
        memory_limit: memory.unwrap_or(default.memory_limit),
        ..default
    };
    let result = match check_history(history, history.kind, true, &options) {
        Ok(result) => result,
        Err(mismatch) => {
            return CheckReport {
                check: CheckKind::Linearizability,
                verdict: CheckVerdict::Unknown,
                evidence: vec![mismatch.to_string()],
            };
        }
    };
    let verdict = match result.verdict {
        Lin::Linearizable => CheckVerdict::Holds,
        Lin::NotLinearizable => CheckVerdict::Violated,
        Lin::Unknown => CheckVerdict::Unknown,
    };
    let mut evidence = Vec::new();
    for p in &result.partitions {
        let key = p
            .key
            .as_ref()
            .map_or("all keys".to_string(), |k| format!("key {:?}", k.0));
        if p.violation.is_some() {
            // The same explanation `parliament check` prints.
            let text = crate::render::linearizability::explain(&key, p, history);
            evidence.extend(
                text.lines()
                    .map(|l| l.strip_prefix("  ").unwrap_or(l).to_string()),
            );
        }
        if let Some(why) = &p.unknown_reason {
            evidence.push(format!("{key}: unknown ({why})"));
        }
    }
    CheckReport {
        check: CheckKind::Linearizability,
        verdict,
        evidence,
    }
}

/// The ghost reappearance, judged with the epochs the protocol recorded: the
/// epoch of each write's first store (by any node) and of each read's serving.
fn ghost(record: &RunRecord, history: &crate::history::History) -> CheckReport {
    use crate::check::ghost::{EpochFacts, find_ghosts};
    use crate::fact::Fact;
    // A write's epoch is that of the copy that took effect, where the protocol
    // says which (a client's retry stored anew in a later reign is not the old
    // copy coming back); otherwise that of its first store.
    let mut epochs = EpochFacts::default();
    for f in &record.facts {
        if let Fact::Applied {
            request: Some(request),
            epoch,
            ..
        } = &f.fact
        {
            epochs.stored.entry(*request).or_insert(*epoch);
        }
    }
    for f in &record.facts {
        match &f.fact {
            Fact::Stored { request, epoch } => {
                epochs.stored.entry(*request).or_insert(*epoch);
            }
            Fact::Served { request, epoch } => {
                // The first answer is the one the client took (a late second
                // one, from a primary that queued the read, arrives after).
                epochs.served.entry(*request).or_insert(*epoch);
            }
            _ => {}
        }
    }
    match find_ghosts(history, &epochs) {
        Ok(ghosts) => CheckReport::from_evidence(
            CheckKind::Ghost,
            ghosts
                .iter()
                .flat_map(|g| {
                    g.describe(history)
                        .lines()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect(),
        ),
        Err(not_applicable) => CheckReport {
            check: CheckKind::Ghost,
            verdict: CheckVerdict::Unknown,
            evidence: vec![not_applicable.to_string()],
        },
    }
}
