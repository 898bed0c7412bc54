//! What each Multi-Paxos story must show beyond its `expect`: the three rounds
//! of the ghost reappearance with and without StartWorking on one schedule, the
//! hole that stalls application until a new leader fills it with a NOP, the
//! duel that slows but never breaks the log, and acknowledged writes that
//! survive crashes and partitions.

use parliament::check::{CheckKind, CheckVerdict};
use parliament::fact::Fact;
use parliament::history::{Action, AppendOp, Completion, Output};
use parliament::judge::RunReport;
use parliament::run::run;
use parliament::scenario::Scenario;
use parliament::trace::TraceOutput;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/multi-paxos/{name}.json"))
}

/// Runs a shipped scenario, optionally with another variant.
fn run_story(name: &str, variant: Option<&str>) -> (Scenario, RunReport) {
    let text = std::fs::read_to_string(path(name)).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    if let Some(v) = variant {
        spec["variant"] = v.into();
    }
    // Every fact: the stories read leadership, commits and promises, not
    // only what the checks read.
    let scenario = Scenario::parse(&spec.to_string(), name)
        .unwrap()
        .keeping_every_fact();
    let (report, _) = run(&scenario, TraceOutput::new()).unwrap();
    (scenario, report)
}

fn verdict(report: &RunReport, check: CheckKind) -> CheckVerdict {
    report
        .checks
        .iter()
        .find(|c| c.check == check)
        .map(|c| c.verdict)
        .unwrap_or_else(|| panic!("{check:?} did not run"))
}

/// (node, epoch) of every `leading` fact, in order.
fn reigns(scenario: &Scenario, report: &RunReport) -> Vec<(String, u64, u64)> {
    report
        .record
        .facts
        .iter()
        .filter_map(|f| match f.fact {
            Fact::Leading { epoch } => Some((scenario.node_name(f.node).to_string(), epoch, f.t.0)),
            _ => None,
        })
        .collect()
}

/// The elements the ghost check reports as reappearing writes.
fn ghost_elements(report: &RunReport) -> Vec<u64> {
    let ghost = report
        .checks
        .iter()
        .find(|c| c.check == CheckKind::Ghost)
        .unwrap();
    ghost
        .evidence
        .iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("ghost: W ")?;
            let value = rest.split("append(x, ").nth(1)?.split(')').next()?;
            value.parse().ok()
        })
        .collect()
}

#[test]
fn ghost_reappearance_is_seed_002s_three_rounds() {
    let (scenario, report) = run_story("ghost-reappearance", None);
    assert_eq!(scenario.variant, "no-start-working");
    // A leads, B leads, A leads again: three reigns with growing epochs.
    let r: Vec<(String, u64)> = reigns(&scenario, &report)
        .into_iter()
        .map(|(n, e, _)| (n, e))
        .collect();
    assert_eq!(
        r,
        vec![("N1".into(), 1), ("N2".into(), 2), ("N1".into(), 4)]
    );
    // Entries 7-10 of round 1 come back; 6 was overwritten by round 2's read.
    assert_eq!(ghost_elements(&report), vec![7, 8, 9, 10]);
    assert_eq!(
        verdict(&report, CheckKind::Linearizability),
        CheckVerdict::Holds
    );
    // The seed's slots: B's max log id was 5, its entries 6 and 20 were chosen.
    let committed_by_b: Vec<u64> = report
        .record
        .facts
        .iter()
        .filter(|f| scenario.node_name(f.node) == "N2")
        .filter_map(|f| match &f.fact {
            Fact::Committed {
                index, epoch: 2, ..
            } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(committed_by_b, vec![6, 20]);
}

#[test]
fn start_working_removes_the_ghost_on_the_same_schedule() {
    for file in ["ghost-reappearance", "ghost-reappearance-start-working"] {
        let (_, report) = run_story(file, Some("default"));
        assert_eq!(verdict(&report, CheckKind::Ghost), CheckVerdict::Holds);
        assert_eq!(
            verdict(&report, CheckKind::Linearizability),
            CheckVerdict::Holds
        );
        // A's old entries of epoch 1 are chosen in round 3, and skipped: no
        // client's write of round 1 after the fifth takes effect.
        let effective: Vec<u64> = report
            .record
            .facts
            .iter()
            .filter_map(|f| match &f.fact {
                Fact::Applied {
                    request: Some(r),
                    epoch: 1,
                    ..
                } => Some(r.0),
                _ => None,
            })
            .collect();
        assert!(effective.iter().all(|&r| r <= 5), "{effective:?}");
        let skipped_old = report.record.facts.iter().any(|f| {
            matches!(&f.fact, Fact::Applied { epoch: 1, request: None, command, .. }
                if command.to_string().contains("append(x, 8)"))
        });
        assert!(
            skipped_old,
            "entry 8 of round 1 is chosen again and skipped"
        );
    }
}

#[test]
fn log_hole_stalls_application_until_a_nop_fills_it() {
    let (scenario, report) = run_story("log-hole", None);
    let at = |node: &str, pred: &dyn Fn(&Fact) -> bool| -> Option<u64> {
        report
            .record
            .facts
            .iter()
            .find(|f| scenario.node_name(f.node) == node && pred(&f.fact))
            .map(|f| f.t.0)
    };
    let committed_4 = at("N3", &|f| matches!(f, Fact::Committed { index: 4, .. })).unwrap();
    let applied_4 = at("N3", &|f| matches!(f, Fact::Applied { index: 4, .. })).unwrap();
    let new_leader = at("N2", &|f| matches!(f, Fact::Leading { .. })).unwrap();
    assert!(committed_4 < new_leader && new_leader < applied_4);
    // The hole is filled with a NOP of the new leader's epoch.
    let filled = report.record.facts.iter().any(
        |f| matches!(&f.fact, Fact::Committed { index: 3, epoch: 2, command } if command == "nop"),
    );
    assert!(filled);
    let history = report.record.history.as_ref().unwrap();
    let last_read = history
        .ops
        .iter()
        .rev()
        .find_map(|op| op.output().cloned())
        .unwrap();
    assert_eq!(last_read, Output::List(vec![1, 3]));
}

#[test]
fn duelling_leaders_are_safe_but_slow_and_one_wins() {
    let (scenario, report) = run_story("duelling-leaders", None);
    let reigns = reigns(&scenario, &report);
    let during: Vec<&(String, u64, u64)> = reigns
        .iter()
        .filter(|(_, _, t)| (100..900).contains(t))
        .collect();
    assert!(during.len() >= 3, "{reigns:?}");
    assert!(during.iter().any(|(n, _, _)| n == "N1") && during.iter().any(|(n, _, _)| n == "N2"));
    // One wins: nothing changes hands once the cut has healed for a while.
    assert!(reigns.iter().all(|(_, _, t)| *t < 1000), "{reigns:?}");
    let history = report.record.history.as_ref().unwrap();
    let ok_in = |from: u64, to: u64| {
        history
            .ops
            .iter()
            .filter(|op| matches!(op.completion, Completion::Ok { at, .. } if (from..to).contains(&at.0)))
            .count()
    };
    let (duel, after) = (ok_in(100, 900), ok_in(900, 1700));
    assert!(duel * 4 < after * 3, "duel {duel} vs after {after}");
}

/// Every acknowledged append is in the last read of its key.
fn acknowledged_writes_survive(name: &str) {
    let (_, report) = run_story(name, None);
    let history = report.record.history.as_ref().unwrap();
    let mut last_read: BTreeMap<String, (u64, Vec<u64>)> = BTreeMap::new();
    for op in &history.ops {
        if let (
            Action::Append(AppendOp::Read),
            Completion::Ok {
                at,
                output: Output::List(xs),
            },
        ) = (&op.input.action, &op.completion)
        {
            let e = last_read.entry(op.input.key.0.to_string()).or_default();
            if at.0 >= e.0 {
                *e = (at.0, xs.clone());
            }
        }
    }
    let mut acknowledged = 0;
    for op in &history.ops {
        if let (Action::Append(AppendOp::Append(x)), Completion::Ok { .. }) =
            (&op.input.action, &op.completion)
        {
            acknowledged += 1;
            let (_, seen) = &last_read[&*op.input.key.0];
            assert!(seen.contains(x), "{name}: acknowledged {x} lost");
        }
    }
    assert!(acknowledged > 20, "{name}: only {acknowledged} writes");
    for check in [
        CheckKind::Linearizability,
        CheckKind::Ghost,
        CheckKind::LogSafety,
    ] {
        assert_eq!(
            verdict(&report, check),
            CheckVerdict::Holds,
            "{name} {check:?}"
        );
    }
}

#[test]
fn leader_crash_under_load_keeps_every_acknowledged_write() {
    acknowledged_writes_survive("leader-crash-under-load");
}

#[test]
fn minority_partition_heals_without_losing_a_write() {
    acknowledged_writes_survive("minority-partition-heals");
}

#[test]
fn small_quorum_loses_a_write_that_a_majority_keeps() {
    let (_, bug) = run_story("small-quorum", None);
    assert_eq!(
        verdict(&bug, CheckKind::Linearizability),
        CheckVerdict::Violated
    );
    let (_, fixed) = run_story("small-quorum", Some("default"));
    for check in [CheckKind::Linearizability, CheckKind::LogSafety] {
        assert_eq!(verdict(&fixed, check), CheckVerdict::Holds, "{check:?}");
    }
}

#[test]
fn leaderless_runs_both_phases_for_every_request() {
    // The same load with and without a leader: leaderless runs phase 1 for
    // every batch of requests, the leader once per reign.
    let promises = |report: &RunReport| {
        report
            .record
            .facts
            .iter()
            .filter(|f| matches!(f.fact, Fact::Promised { .. }))
            .count()
    };
    let per_ok = |report: &RunReport| {
        let ok = report
            .record
            .history
            .as_ref()
            .unwrap()
            .ops
            .iter()
            .filter(|op| op.output().is_some())
            .count();
        report.record.stats.messages_sent as f64 / ok as f64
    };
    let (_, led) = run_story("leader-crash-under-load", None);
    let (_, leaderless) = run_story("leader-crash-under-load", Some("leaderless"));
    assert!(promises(&leaderless) > 10 * promises(&led));
    assert!(per_ok(&leaderless) > per_ok(&led));
    for check in [CheckKind::Linearizability, CheckKind::LogSafety] {
        assert_eq!(
            verdict(&leaderless, check),
            CheckVerdict::Holds,
            "{check:?}"
        );
    }
}
