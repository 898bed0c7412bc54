//! Properties over many seeds and random fault schedules: correct variants never
//! violate agreement or validity; the bug variants are caught.

use parliament::check::CheckVerdict as Verdict;
use parliament::judge::RunReport;
use parliament::named::Named;
use parliament::rng::DetRng;
use parliament::run::run;
use parliament::scenario::Scenario;
use parliament::trace::TraceOutput;
use serde_json::{Value, json};

/// A random Basic Paxos scenario, swarm style: each seed first decides which
/// faults are in play and how hard (loss, duplication, crashes with short or long
/// outages, partitions, slow accepts, how far apart proposers start), then draws
/// a schedule. Varying the mix finds rare combinations that one fixed mix misses.
fn random_scenario(seed: u64, variant: &str) -> Scenario {
    let mut rng = DetRng::new(seed, 77);
    let proposers = 1 + rng.below(3);
    let acceptors = [3, 3, 5, 5, 4][rng.below(5) as usize];
    let names: Vec<String> = (1..=proposers)
        .map(|i| format!("P{i}"))
        .chain((1..=acceptors).map(|i| format!("A{i}")))
        .collect();
    let lo = 1 + rng.below(10);
    let hi = lo + rng.below(40);
    let loss = [0.0, 0.05, 0.3][rng.below(3) as usize];
    let duplicate = [0.0, 0.1, 0.3][rng.below(3) as usize];
    let crashes = rng.below(2) == 0;
    let partitions = rng.below(3) == 0;
    // Faults cluster where the protocol is busy: the first few hundred ticks.
    let horizon = [300, 1500][rng.below(2) as usize];
    let outage = [40, 400][rng.below(2) as usize];
    let spread = [20, 200][rng.below(2) as usize];
    let mut faults = Vec::new();
    let mut down_until = vec![0u64; names.len()];
    for _ in 0..rng.below(12) {
        let t = rng.below(horizon);
        if crashes && rng.below(3) > 0 {
            let who = rng.below(names.len() as u64) as usize;
            // Crashes are drawn in time order per node only: keep the schedule valid.
            if down_until[who] < t {
                let back = t + 1 + rng.below(outage);
                faults.push(json!({"at": t, "crash": names[who]}));
                faults.push(json!({"at": back, "restart": names[who]}));
                down_until[who] = back;
            }
        } else if partitions {
            let split: Vec<&String> = names.iter().filter(|_| rng.below(2) == 0).collect();
            faults.push(json!({"at": t, "partition": [split]}));
            faults.push(json!({"at": t + rng.below(300), "heal": true}));
        }
    }
    let requests: Vec<Value> = (1..=proposers)
        .map(|i| json!({"at": rng.below(spread), "node": format!("P{i}"), "propose": format!("v{i}")}))
        .collect();
    let mut filters = Vec::new();
    if rng.below(2) == 0 {
        filters.push(json!({"match": {"kind": "accept"}, "action": {"delay": rng.below(100)}}));
    }
    let spec = json!({
        "name": format!("random-{seed}"),
        "protocol": "basic-paxos",
        "variant": variant,
        "seed": seed,
        "nodes": {"proposers": proposers, "acceptors": acceptors},
        "params": {"timeout": 40 + rng.below(200), "backoff": 1 + rng.below(100)},
        "network": {"delay": {"uniform": [lo, hi]}, "loss": loss, "duplicate": duplicate},
        "faults": faults,
        "filters": filters,
        "requests": requests,
        "limits": {"time": 6000, "events": 30000}
    });
    Scenario::parse(&spec.to_string(), &format!("random seed {seed}"))
        .expect("generated scenarios are valid")
}

fn verdict(report: &RunReport, check: &str) -> Verdict {
    report
        .checks
        .iter()
        .find(|c| c.check.name() == check)
        .map(|c| c.verdict)
        .expect("check ran")
}

#[test]
fn correct_variants_never_violate_safety() {
    let mut decided = 0;
    for seed in 0..5000 {
        for variant in ["default", "backoff"] {
            let scenario = random_scenario(seed, variant);
            let (report, _) = run(&scenario, TraceOutput::new()).unwrap();
            for check in ["agreement", "validity"] {
                assert_eq!(
                    verdict(&report, check),
                    Verdict::Holds,
                    "seed {seed} variant {variant}: {:?}\nscenario: {}",
                    report.checks,
                    serde_json::to_string(&scenario.spec).unwrap()
                );
            }
            decided += report.chosen.as_ref().is_some_and(|c| !c.is_empty()) as u32;
        }
    }
    // The schedules must not be so hostile that nothing is ever decided.
    assert!(decided > 7000, "only {decided} of 10000 runs chose a value");
}

#[test]
fn bug_variants_are_caught_on_some_seeds() {
    for variant in ["forget-promise", "own-value"] {
        let caught: Vec<u64> = (0..20_000)
            .filter(|&seed| {
                let (report, _) = run(&random_scenario(seed, variant), TraceOutput::new()).unwrap();
                verdict(&report, "agreement") == Verdict::Violated
            })
            .collect();
        eprintln!(
            "{variant}: agreement violated on {} of 20000 seeds, e.g. {:?}",
            caught.len(),
            &caught[..caught.len().min(5)]
        );
        assert!(!caught.is_empty(), "{variant} was never caught");
    }
}
