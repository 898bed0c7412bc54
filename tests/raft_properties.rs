//! Property sweeps of Raft over generated scenarios (the fuzz swarm: crashes,
//! partitions, loss, duplication, reordering, disk latency): `default`, with
//! and without PreVote and CheckQuorum, violates no check on any seed; an
//! undecided linearizability search is not a violation.

use parliament::check::CheckVerdict;
use parliament::fuzz::generate::{Target, generate};
use parliament::fuzz::judge::run_and_judge;
use parliament::fuzz::swarm::FaultSet;
use parliament::named::Named;
use parliament::scenario::Scenario;

const SEEDS: u64 = 500;

fn sweep(params: serde_json::Value, seeds: std::ops::Range<u64>) -> (u64, u64) {
    let mut target = Target::new("raft", None, None, FaultSet::all()).unwrap();
    target.params = params.as_object().unwrap().clone();
    let (mut runs, mut undecided) = (0, 0);
    for seed in seeds {
        let spec = generate(&target, seed).spec;
        let scenario = Scenario::from_spec(spec, "sweep").unwrap();
        for c in run_and_judge(&scenario).checks {
            assert!(
                c.verdict != CheckVerdict::Violated,
                "params {params}, seed {seed}: {} violated: {:?}",
                c.check.name(),
                c.evidence
            );
            if c.verdict == CheckVerdict::Unknown {
                undecided += 1;
            }
        }
        runs += 1;
    }
    (runs, undecided)
}

#[test]
fn default_violates_nothing_on_500_seeds() {
    let (runs, undecided) = sweep(serde_json::json!({}), 0..SEEDS);
    eprintln!("raft default: {runs} seeds, {undecided} undecided checks");
}

#[test]
fn prevote_and_check_quorum_violate_nothing_on_500_seeds() {
    for params in [
        serde_json::json!({"prevote": true}),
        serde_json::json!({"check_quorum": true}),
        serde_json::json!({"prevote": true, "check_quorum": true}),
    ] {
        let (runs, undecided) = sweep(params.clone(), 0..SEEDS);
        eprintln!("raft {params}: {runs} seeds, {undecided} undecided checks");
    }
}

#[test]
fn fast_backup_off_violates_nothing_on_500_seeds() {
    sweep(
        serde_json::json!({"fast_backup": false, "batch": 3}),
        0..SEEDS,
    );
}

/// Log compaction under the same faults: snapshots every 2 and every 5
/// applied entries (crashes restart from a snapshot; partitioned followers
/// catch up by InstallSnapshot).
#[test]
fn snapshots_and_read_index_violate_nothing_on_500_seeds() {
    for params in [
        serde_json::json!({"snapshot_interval": 2}),
        serde_json::json!({"snapshot_interval": 5, "prevote": true, "check_quorum": true, "batch": 2}),
        serde_json::json!({"read_index": true}),
        serde_json::json!({"read_index": true, "snapshot_interval": 3}),
    ] {
        let (runs, undecided) = sweep(params.clone(), 0..SEEDS);
        eprintln!("raft {params}: {runs} seeds, {undecided} undecided checks");
    }
    // The sweep does exercise InstallSnapshot, not only local compaction.
    let mut target = Target::new("raft", None, None, FaultSet::all()).unwrap();
    target.params = serde_json::json!({"snapshot_interval": 2})
        .as_object()
        .unwrap()
        .clone();
    let installs: usize = (0..100)
        .map(|seed| {
            let mut scenario = Scenario::from_spec(generate(&target, seed).spec, "sweep").unwrap();
            // Only the facts are read here (the sweep above judged the runs):
            // one cheap check keeps them.
            scenario
                .checks
                .retain(|&c| c == parliament::check::CheckKind::LogSafety);
            let (report, _) =
                parliament::run::run(&scenario, parliament::trace::TraceOutput::new()).unwrap();
            report
                .record
                .facts
                .iter()
                .filter(|f| matches!(f.fact, parliament::fact::Fact::SnapshotInstalled { .. }))
                .count()
        })
        .sum();
    eprintln!("raft snapshot_interval 2: {installs} snapshots installed in 100 seeds");
    assert!(installs > 0);
}

/// 10,000 seeds of each configuration (`-- --ignored`).
#[test]
#[ignore]
fn sweep_10000_seeds() {
    for params in [
        serde_json::json!({}),
        serde_json::json!({"prevote": true, "check_quorum": true}),
        serde_json::json!({"snapshot_interval": 3}),
    ] {
        let (runs, undecided) = sweep(params.clone(), 0..10_000);
        eprintln!("raft {params}: {runs} seeds, {undecided} undecided checks");
    }
}
