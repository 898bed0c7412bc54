//! Every shipped scenario behaves as its `expect` says, and reproduces its golden
//! trace byte for byte.

use parliament::run::run;
use parliament::scenario::Scenario;
use parliament::trace::{SharedBuffer, TraceOutput};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario_files(dir: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    parliament::cli::list::collect_json(&root().join(dir), &mut files).unwrap();
    files.sort();
    assert!(!files.is_empty(), "no scenarios under {dir}");
    files
}

fn golden_path(scenario: &Path) -> PathBuf {
    let protocol_dir = scenario.parent().unwrap().file_name().unwrap();
    let name = scenario.file_stem().unwrap().to_str().unwrap();
    root()
        .join("traces")
        .join(protocol_dir)
        .join(format!("{name}.jsonl"))
}

fn trace_of(scenario: &Scenario) -> String {
    let buf = SharedBuffer::new();
    let out = TraceOutput::new().to_writer(Box::new(buf.clone()));
    run(scenario, out).expect("run");
    buf.text()
}

/// Compares whole files; on a mismatch names the first differing line of each.
fn assert_same_trace(expected: &str, actual: &str, what: &str) {
    if expected == actual {
        return;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let i = (0..e.len().max(a.len()))
        .find(|&i| e.get(i) != a.get(i))
        .unwrap_or(0);
    panic!(
        "{what}: trace differs from the golden file at line {}\n  golden:   {}\n  produced: {}\n\
         (review the change; regenerate with `parliament run SCENARIO --trace traces/...` \
         only if it is intended)",
        i + 1,
        e.get(i).unwrap_or(&"<end>"),
        a.get(i).unwrap_or(&"<end>")
    );
}

#[test]
fn every_scenario_meets_its_expectation() {
    for path in scenario_files("scenarios") {
        let scenario = Scenario::load(&path).unwrap();
        assert!(
            scenario.expect.is_some(),
            "{} should state what it teaches",
            path.display()
        );
        let (report, _) = run(&scenario, TraceOutput::new()).unwrap();
        assert_eq!(
            report.expect_met,
            Some(true),
            "{}: {:?}",
            path.display(),
            report.expect_failures
        );
        assert_eq!(report.exit_code(), 0);
    }
}

#[test]
fn every_scenario_reproduces_its_golden_trace() {
    for path in scenario_files("scenarios") {
        let golden = golden_path(&path);
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        let scenario = Scenario::load(&path).unwrap();
        assert_same_trace(&expected, &trace_of(&scenario), &path.display().to_string());
    }
}

#[test]
fn every_golden_trace_has_a_scenario() {
    let mut traces = Vec::new();
    for entry in std::fs::read_dir(root().join("traces/paxos")).unwrap() {
        traces.push(entry.unwrap().path());
    }
    for t in traces {
        let name = t.file_stem().unwrap().to_str().unwrap();
        assert!(
            root()
                .join("scenarios/paxos")
                .join(format!("{name}.json"))
                .exists(),
            "{} has no scenario",
            t.display()
        );
    }
}

// --- What each story must show, beyond its expect -------------------------

fn facts_of(name: &str) -> (Scenario, parliament::judge::RunReport) {
    // Every fact: the stories read proposals, not only what the checks read.
    let scenario = Scenario::load(&root().join(format!("scenarios/paxos/{name}.json")))
        .unwrap()
        .keeping_every_fact();
    let (report, _) = run(&scenario, TraceOutput::new()).unwrap();
    (scenario, report)
}

fn accepted(
    report: &parliament::judge::RunReport,
    scenario: &Scenario,
) -> Vec<(String, u64, String)> {
    use parliament::fact::Fact;
    report
        .record
        .facts
        .iter()
        .filter_map(|f| match &f.fact {
            Fact::Accepted { ballot, value } => Some((
                scenario.node_name(f.node).to_string(),
                ballot.0,
                value.to_string(),
            )),
            _ => None,
        })
        .collect()
}

fn s(node: &str, ballot: u64, value: &str) -> (String, u64, String) {
    (node.to_string(), ballot, value.to_string())
}

#[test]
fn bribe_story_follows_seed_004_step_by_step() {
    let (scenario, report) = facts_of("bribe-story");
    // Steps 4, 8 and 11: A1 accepts proposal 1, A3 accepts proposal 1 (A2 refuses
    // it, having taken P2's $2), then A1 and A2 accept P2's ballot 2 carrying
    // proposal 1's value.
    assert_eq!(
        accepted(&report, &scenario),
        vec![
            s("A1", 1, "proposal-1"),
            s("A3", 1, "proposal-1"),
            s("A1", 2, "proposal-1"),
            s("A2", 2, "proposal-1"),
        ]
    );
    // Step 10: P2 adopted proposal 1's value.
    let adopted = report.record.facts.iter().any(|f| {
        matches!(&f.fact, parliament::fact::Fact::Proposed { ballot, adopted: true, value }
            if ballot.0 == 2 && value.as_str() == "proposal-1")
            && scenario.node_name(f.node) == "P2"
    });
    assert!(adopted, "P2 must adopt proposal 1's value");
}

#[test]
fn chosen_value_survives_through_the_adopting_proposer() {
    let (scenario, report) = facts_of("chosen-value-survives");
    let acc = accepted(&report, &scenario);
    assert!(acc.contains(&s("A2", 1, "X")) && acc.contains(&s("A3", 2, "X")));
    assert!(acc.iter().all(|(_, _, v)| v == "X"), "{acc:?}");
}

#[test]
fn unchosen_value_is_replaced() {
    let (scenario, report) = facts_of("unchosen-value-replaced");
    let acc = accepted(&report, &scenario);
    assert_eq!(acc[0], s("A1", 1, "X"));
    assert!(acc[1..].iter().all(|(_, _, v)| v == "Y"), "{acc:?}");
}

#[test]
fn duelling_proposers_climb_ballots_like_the_wiki_diagram() {
    let (_, report) = facts_of("duelling-proposers");
    use parliament::fact::Fact;
    let proposed: Vec<u64> = report
        .record
        .facts
        .iter()
        .filter_map(|f| match &f.fact {
            Fact::Proposed { ballot, .. } => Some(ballot.0),
            _ => None,
        })
        .collect();
    // Every round reaches phase 2 and is pre-empted: 1, 2, 3, 4, ...
    assert!(proposed.len() > 40, "{proposed:?}");
    assert!(proposed.iter().enumerate().all(|(i, &b)| b == i as u64 + 1));
    assert_eq!(report.chosen, Some(vec![]));
}

#[test]
fn backoff_ends_the_duel_within_a_few_rounds_on_every_seed() {
    let base =
        Scenario::load(&root().join("scenarios/paxos/duelling-proposers-backoff.json")).unwrap();
    for seed in 0..300 {
        let (report, _) = run(&base.clone().with_seed(seed), TraceOutput::new()).unwrap();
        assert_eq!(report.chosen.as_ref().map(Vec::len), Some(1), "seed {seed}");
        let chosen_ballot = parliament::check::consensus::chosen(&report.record.facts, 2)[0].ballot;
        assert!(
            chosen_ballot.0 <= 8,
            "seed {seed}: chosen only in ballot {chosen_ballot}"
        );
    }
}

#[test]
fn the_complete_example_in_the_scenario_docs_is_valid_and_runs() {
    let doc = std::fs::read_to_string(root().join("docs/scenario-format.md")).unwrap();
    let start = doc.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + doc[start..].find("\n```").unwrap();
    let scenario = Scenario::parse(&doc[start..end], "docs/scenario-format.md").unwrap();
    let (report, _) = run(&scenario, TraceOutput::new()).unwrap();
    assert_eq!(
        report.expect_met,
        Some(true),
        "{:?}",
        report.expect_failures
    );
}

/// Every fact a checker needs is in the trace: judging a golden trace file,
/// without re-running, gives the live run's facts, history, counters, verdicts
/// (with their evidence) and expectation.
#[test]
fn judging_each_golden_trace_file_gives_the_live_verdicts() {
    for path in scenario_files("scenarios") {
        let scenario = Scenario::load(&path).unwrap();
        let (live, _) = run(&scenario, TraceOutput::new()).unwrap();
        let golden = golden_path(&path);
        let read = parliament::recorded::read_trace(&golden).unwrap_or_else(|e| panic!("{e}"));
        let (read_scenario, record) = (read.scenario, read.record);
        let what = path.display().to_string();
        assert_eq!(record.facts, live.record.facts, "{what}: facts");
        assert_eq!(record.history, live.record.history, "{what}: history");
        assert_eq!(record.stats, live.record.stats, "{what}: counters");
        assert_eq!(record.end_time, live.record.end_time, "{what}");
        assert_eq!(record.end_reason, live.record.end_reason, "{what}");
        let judged = parliament::judge::judge(&read_scenario, record, None);
        assert_eq!(judged.checks, live.checks, "{what}: verdicts");
        assert_eq!(judged.chosen, live.chosen, "{what}");
        assert_eq!(judged.expect_met, Some(true), "{what}");
    }
}

/// A run keeps only the facts its checks and outcome read: for every shipped
/// scenario and each of its checks alone, judging only the facts that check
/// declares it reads gives what judging every fact gives (verdict, evidence,
/// chosen values, expectation).
#[test]
fn each_check_reads_only_the_facts_it_declares() {
    let mut dropped_somewhere = false;
    for path in scenario_files("scenarios") {
        let scenario = Scenario::load(&path).unwrap();
        let (every, _) = run(&scenario.clone().keeping_every_fact(), TraceOutput::new()).unwrap();
        let what = path.display().to_string();
        for &check in &scenario.checks {
            let mut alone = scenario.clone();
            alone.checks = vec![check];
            let kept = alone.kept_facts();
            let mut record = every.record.clone();
            record.facts.retain(|f| kept.contains(f.fact.kind()));
            dropped_somewhere |= record.facts.len() < every.record.facts.len();
            let judged = parliament::judge::judge(&alone, record, None);
            let full = parliament::judge::judge(&alone, every.record.clone(), None);
            let what = format!("{what}, {check:?}");
            assert_eq!(judged.checks, full.checks, "{what}");
            assert_eq!(judged.chosen, full.chosen, "{what}");
            assert_eq!(judged.expect_met, full.expect_met, "{what}");
            assert_eq!(judged.expect_failures, full.expect_failures, "{what}");
        }
        // The run itself keeps no more than that.
        let (live, _) = run(&scenario, TraceOutput::new()).unwrap();
        let kept = scenario.kept_facts();
        let wanted: Vec<_> = every
            .record
            .facts
            .iter()
            .filter(|f| kept.contains(f.fact.kind()))
            .collect();
        assert_eq!(
            live.record.facts.iter().collect::<Vec<_>>(),
            wanted,
            "{what}"
        );
    }
    assert!(
        dropped_somewhere,
        "some check reads fewer facts than a run states"
    );
}
