//! Judging a generated run with limits that do not depend on the machine.
//!
//! `parliament run` gives the linearizability search 20 seconds of wall-clock
//! time; a sweep cannot, twice over: one hard history would stall thousands of
//! seeds, and a verdict that depends on how busy the machine is would make a
//! sweep's output depend on `--jobs`. Here the search is bounded by the memory
//! its remembered states may take instead (counted, so the same on every
//! machine) and stops at the first key that is not linearizable. Every other
//! check is judged exactly as `run` judges it. A limit can only turn a verdict
//! into `unknown`, never into a violation, so a violation found here is one
//! `parliament run` finds too; an `unknown` here may be decided there.

use crate::check::linearizability::{CheckOptions, Verdict, check_history};
use crate::check::{CheckKind, CheckReport, CheckVerdict};
use crate::history::History;
use crate::judge::judge;
use crate::run::simulate;
use crate::scenario::Scenario;
use crate::trace::TraceOutput;

/// Memory for the linearizability search's remembered states, per run. About
/// 15 ms of search per MiB on a 2020s core. With 16 MiB about 1 seed in
/// 10,000 stays `unknown` (with 2 MiB, before timed-out appends no read
/// shows were left out of the search, 1-4% of Raft seeds did).
pub const LINEARIZABILITY_MEMORY: usize = 16 << 20;

/// What a sweep keeps of a run.
#[derive(Clone, Debug)]
pub struct Judged {
    /// One report per check the scenario runs, in its order.
    pub checks: Vec<CheckReport>,
    /// Operations the workload's clients invoked.
    pub operations: usize,
}

/// Runs `scenario` (trace off) and judges it with the sweep's limits.
pub fn run_and_judge(scenario: &Scenario) -> Judged {
    let (record, _) = simulate(scenario, TraceOutput::new());
    let operations = record.history.as_ref().map_or(0, |h| h.ops.len());
    if !scenario.checks.contains(&CheckKind::Linearizability) {
        let report = judge(scenario, record, None);
        return Judged {
            checks: report.checks,
            operations,
        };
    }
    let linearizability = linearizability(record.history.as_ref());
    let mut others = scenario.clone();
    others.checks.retain(|&c| c != CheckKind::Linearizability);
    others.expect = None;
    let mut judged = judge(&others, record, None).checks.into_iter();
    let checks = scenario
        .checks
        .iter()
        .map(|&c| match c {
            CheckKind::Linearizability => linearizability.clone(),
            _ => judged.next().expect("one report per other check"),
        })
        .collect();
    Judged { checks, operations }
}

fn linearizability(history: Option<&History>) -> CheckReport {
    let report = |verdict, evidence| CheckReport {
        check: CheckKind::Linearizability,
        verdict,
        evidence,
    };
    let Some(history) = history else {
        return report(
            CheckVerdict::Unknown,
            vec!["the run has no client history".into()],
        );
    };
    let options = CheckOptions {
        budget: None,
        memory_limit: LINEARIZABILITY_MEMORY,
        stop_at_first_violation: true,
    };
    let result = match check_history(history, history.kind, true, &options) {
        Ok(result) => result,
        Err(mismatch) => return report(CheckVerdict::Unknown, vec![mismatch.to_string()]),
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
                evidence.push(format!("    {}", history.ops[i]));
            }
        }
        if let Some(why) = &p.unknown_reason {
            evidence.push(format!("{key}: unknown ({why})"));
        }
    }
    let verdict = match result.verdict {
        Verdict::Linearizable => CheckVerdict::Holds,
        Verdict::NotLinearizable => CheckVerdict::Violated,
        Verdict::Unknown => CheckVerdict::Unknown,
    };
    // The violation first: it is the one line a sweep prints.
    if verdict == CheckVerdict::Violated
        && let Some(at) = evidence
            .iter()
            .position(|l| l.contains("operations linearize"))
    {
        evidence.rotate_left(at);
    }
    report(verdict, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::run;

    /// On the project's scenarios the sweep's judging agrees with `run`'s.
    #[test]
    fn verdicts_agree_with_run_on_the_scenarios() {
        let mut files = Vec::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        crate::cli::list::collect_json(&dir, &mut files).unwrap();
        assert!(files.len() > 10);
        for f in files {
            let scenario = Scenario::load(&f).unwrap();
            let (report, _) = run(&scenario, TraceOutput::new()).unwrap();
            let judged = run_and_judge(&scenario);
            let verdicts =
                |c: &[CheckReport]| c.iter().map(|c| (c.check, c.verdict)).collect::<Vec<_>>();
            assert_eq!(
                verdicts(&judged.checks),
                verdicts(&report.checks),
                "{}",
                f.display()
            );
        }
    }
}
