//! Benchmark results, shared by the engine and checker benchmarks.

use serde::{Deserialize, Serialize};

/// One benchmark case: the median of several timed runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchResult {
    pub name: String,
    /// Work done per run: engine events, or history events for checker cases.
    pub events: u64,
    /// What `events` counts: "events", or "seeds" for fuzz sweeps.
    pub unit: String,
    /// Median wall-clock seconds per run.
    pub seconds: f64,
    pub events_per_sec: f64,
    /// Every run's seconds, in the order they ran.
    pub samples: Vec<f64>,
    /// Case-specific facts (verdicts, baselines), printed after the numbers.
    pub notes: Vec<String>,
    /// Checker cases on generated histories: the checker's high-water mark of
    /// search-table bytes over the runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_table_bytes: Option<u64>,
    /// Peak resident memory of the process that ran the case (VmHWM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_hwm_bytes: Option<u64>,
}

impl BenchResult {
    pub fn from_samples(name: impl Into<String>, events: u64, mut samples: Vec<f64>) -> Self {
        let ordered = {
            let mut s = samples.clone();
            s.sort_by(f64::total_cmp);
            s
        };
        let seconds = median(&ordered);
        samples.shrink_to_fit();
        BenchResult {
            name: name.into(),
            events,
            unit: "events".into(),
            seconds,
            events_per_sec: if seconds > 0.0 {
                events as f64 / seconds
            } else {
                0.0
            },
            samples,
            notes: Vec::new(),
            peak_table_bytes: None,
            vm_hwm_bytes: None,
        }
    }
}

/// Median of sorted samples (mean of the middle two for an even count).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Engine benchmark cases: long Basic Paxos runs with the trace off.
pub mod classroom;

pub mod engine {
    use super::BenchResult;
    use crate::run::run;
    use crate::scenario::Scenario;
    use crate::trace::TraceOutput;
    use std::time::Instant;

    /// (name, scenario JSON). Each is a real scenario, validated like a file.
    pub const CASES: &[(&str, &str)] = &[
        (
            "engine/basic-paxos-duel-2x3",
            r#"{"name": "bench-duel", "protocol": "basic-paxos", "seed": 1,
                "nodes": {"proposers": 2, "acceptors": 3},
                "network": {"delay": {"fixed": 10}},
                "filters": [{"match": {"kind": "accept"}, "action": {"delay": 40}}],
                "requests": [{"at": 0, "node": "P1", "propose": "X"},
                             {"at": 25, "node": "P2", "propose": "Y"}],
                "limits": {"time": 1000000000000, "events": 2000000}}"#,
        ),
        (
            "engine/basic-paxos-lossy-5x5",
            r#"{"name": "bench-lossy", "protocol": "basic-paxos", "seed": 1,
                "nodes": {"proposers": 5, "acceptors": 5},
                "network": {"delay": {"uniform": [5, 15]}, "loss": 0.05, "duplicate": 0.02},
                "filters": [{"match": {"kind": "accept"}, "action": {"delay": 40}}],
                "requests": [{"at": 0, "node": "P1", "propose": "A"},
                             {"at": 7, "node": "P2", "propose": "B"},
                             {"at": 13, "node": "P3", "propose": "C"},
                             {"at": 21, "node": "P4", "propose": "D"},
                             {"at": 29, "node": "P5", "propose": "E"}],
                "limits": {"time": 1000000000000, "events": 2000000}}"#,
        ),
    ];

    /// A replicated service under a client workload: 5 replicas, 20 clients,
    /// no faults. (name, model, events). Timed without the checks (they are the
    /// checker suite's business): ns/event of the long run should stay within
    /// 1.5x of the short one's.
    pub const REPLICATED: &[(&str, &str, u64)] = &[
        ("engine/primary-backup-append-5x20-1e5", "append", 100_000),
        ("engine/primary-backup-append-5x20-2e6", "append", 2_000_000),
        (
            "engine/primary-backup-register-5x20-1e5",
            "register",
            100_000,
        ),
        (
            "engine/primary-backup-register-5x20-2e6",
            "register",
            2_000_000,
        ),
    ];

    /// Multi-Paxos (seed 002) under the same steady load: 5 replicas, 20
    /// clients, no faults, simulated without the checks; the full check of
    /// the history it produced (every check of the protocol) is timed once
    /// and printed as a note. (name, events).
    pub const MULTI_PAXOS: &[(&str, u64)] = &[
        ("engine/multi-paxos-append-5x20-1e5", 100_000),
        ("engine/multi-paxos-append-5x20-2e6", 2_000_000),
    ];

    fn multi_paxos_scenario(events: u64) -> String {
        format!(
            r#"{{"name": "bench-multi-paxos", "protocol": "multi-paxos", "variant": "default",
                "seed": 1, "nodes": {{"replicas": 5}},
                "network": {{"delay": {{"uniform": [1, 5]}}}},
                "workload": {{"model": "append", "clients": 20, "timeout": 200, "retries": 3,
                              "generate": {{"keys": 100, "reads": 0.5, "think": [0, 5],
                                           "stop": 1000000000000}}}},
                "limits": {{"time": 1000000000000, "events": {events}}}}}"#
        )
    }

    fn multi_paxos_cases(runs: usize) -> Vec<BenchResult> {
        let mut results = Vec::new();
        for &(name, events) in MULTI_PAXOS {
            let text = multi_paxos_scenario(events);
            let scenario = Scenario::parse(&text, name).expect("bench scenarios are valid");
            let mut samples = Vec::with_capacity(runs);
            let mut last = None;
            for _ in 0..runs.max(1) {
                let start = Instant::now();
                let (record, _) = crate::run::simulate(&scenario, TraceOutput::new());
                samples.push(start.elapsed().as_secs_f64());
                last = Some(record);
            }
            let record = last.expect("at least one run");
            let done = record.stats.events;
            let operations = record.history.as_ref().map_or(0, |h| h.ops.len());
            let start = Instant::now();
            let report = crate::judge::judge(&scenario, record, None);
            let check_seconds = start.elapsed().as_secs_f64();
            let mut result = BenchResult::from_samples(name, done, samples);
            result.notes.push(format!(
                "{:.0} ns/event",
                result.seconds * 1e9 / done.max(1) as f64
            ));
            let verdicts: Vec<String> = report
                .checks
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        crate::named::Named::name(c.check),
                        c.verdict.as_str()
                    )
                })
                .collect();
            result.notes.push(format!(
                "full check of {operations} operations: {check_seconds:.2} s ({})",
                verdicts.join(", ")
            ));
            results.push(result);
        }
        results
    }

    fn replicated_scenario(model: &str, events: u64) -> String {
        format!(
            r#"{{"name": "bench-replicated", "protocol": "primary-backup", "variant": "sync",
                "seed": 1, "nodes": {{"replicas": 5}},
                "network": {{"delay": {{"uniform": [1, 5]}}}},
                "workload": {{"model": "{model}", "clients": 20, "timeout": 200, "retries": 3,
                              "generate": {{"keys": 100, "reads": 0.5, "think": [0, 5],
                                           "stop": 1000000000000}}}},
                "limits": {{"time": 1000000000000, "events": {events}}}}}"#
        )
    }

    /// Raft, 5 servers, 20 clients, no faults: (name, events). The run is
    /// timed without checks; then its history and facts are judged once by
    /// every check Raft lists, and that time is a note.
    pub const RAFT: &[(&str, u64)] = &[("engine/raft-append-5x20-1e6", 1_000_000)];

    fn raft_scenario(events: u64) -> String {
        format!(
            r#"{{"name": "bench-raft", "protocol": "raft", "seed": 1, "nodes": {{"servers": 5}},
                "network": {{"delay": {{"uniform": [1, 5]}}}},
                "workload": {{"model": "append", "clients": 20, "timeout": 200, "retries": 3,
                              "generate": {{"keys": 100, "reads": 0.5, "think": [0, 5],
                                           "stop": 1000000000000}}}},
                "limits": {{"time": 1000000000000, "events": {events}}}}}"#
        )
    }

    fn raft_cases(runs: usize) -> Vec<BenchResult> {
        RAFT.iter()
            .map(|&(name, events)| {
                let text = raft_scenario(events);
                let scenario = Scenario::parse(&text, name).expect("bench scenarios are valid");
                let mut samples = Vec::with_capacity(runs);
                let mut last = None;
                for _ in 0..runs.max(1) {
                    let start = Instant::now();
                    let (record, _) = crate::run::simulate(&scenario, TraceOutput::new());
                    samples.push(start.elapsed().as_secs_f64());
                    last = Some(record);
                }
                let record = last.expect("at least one run");
                let done = record.stats.events;
                let mut result = BenchResult::from_samples(name, done, samples);
                result.notes.push(format!(
                    "{:.0} ns/event",
                    result.seconds * 1e9 / done.max(1) as f64
                ));
                let start = Instant::now();
                let report = crate::judge::judge(&scenario, record, None);
                let verdicts: Vec<String> = report
                    .checks
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}",
                            crate::named::Named::name(c.check),
                            c.verdict.as_str()
                        )
                    })
                    .collect();
                result.notes.push(format!(
                    "full check of the history: {:.2} s ({})",
                    start.elapsed().as_secs_f64(),
                    verdicts.join(", ")
                ));
                result
            })
            .collect()
    }

    /// 2PC with 5 participants under random transfers: (name, transfers).
    pub const COMMIT: &[(&str, usize)] = &[("engine/2pc-5-participants-random-transfers", 5_000)];

    /// A 2PC scenario: one coordinator, 5 participants with one account each,
    /// `transfers` random transfers every 3 ticks (overlapping: some meet a
    /// lock and are voted No), 5% random No votes.
    pub fn commit_scenario(transfers: usize) -> String {
        let mut rng = crate::rng::DetRng::new(1, 0);
        let requests: Vec<String> = (0..transfers)
            .map(|i| {
                let from = rng.between(1, 5);
                let to = (from + rng.between(0, 3)) % 5 + 1;
                format!(
                    r#"{{"at": {}, "node": "C1", "transfer": {{"tx": "t{}", "from": "P{from}", "to": "P{to}", "amount": {}}}}}"#,
                    i * 3,
                    i + 1,
                    rng.between(1, 30)
                )
            })
            .collect();
        format!(
            r#"{{"name": "bench-2pc", "protocol": "2pc", "seed": 1,
                "nodes": {{"coordinators": 1, "participants": 5}},
                "network": {{"delay": {{"uniform": [1, 5]}}}},
                "params": {{"no_probability": 0.05}},
                "requests": [{}],
                "limits": {{"time": 1000000000000}}}}"#,
            requests.join(",\n")
        )
    }

    fn commit_cases(runs: usize) -> Vec<BenchResult> {
        let mut results = Vec::new();
        for &(name, transfers) in COMMIT {
            let text = commit_scenario(transfers);
            let scenario = Scenario::parse(&text, name).expect("bench scenarios are valid");
            let mut samples = Vec::with_capacity(runs);
            let mut report_samples = Vec::with_capacity(runs);
            let mut judge_samples = Vec::with_capacity(runs);
            let mut events = 0;
            let mut committed = 0;
            for _ in 0..runs.max(1) {
                let start = Instant::now();
                let (record, _) = crate::run::simulate(&scenario, TraceOutput::new());
                samples.push(start.elapsed().as_secs_f64());
                events = record.stats.events;
                let start = Instant::now();
                let name = |n: crate::ids::NodeId| scenario.node_name(n).to_string();
                let blocking =
                    crate::check::commit::blocking(&record.facts, record.end_time, &name);
                report_samples.push(start.elapsed().as_secs_f64());
                assert!(!blocking.evidence.is_empty());
                committed = crate::check::commit::decisions(&record.facts)
                    .values()
                    .filter(|d| **d == crate::check::commit::TxDecision::Commit)
                    .count();
                // The whole verdict: atomicity, conservation and the blocking report.
                let start = Instant::now();
                let report = crate::judge::judge(&scenario, record, None);
                judge_samples.push(start.elapsed().as_secs_f64());
                assert!(
                    report
                        .checks
                        .iter()
                        .all(|c| c.verdict != crate::check::CheckVerdict::Violated),
                    "2PC under random transfers keeps atomicity and conservation"
                );
            }
            let mut result = BenchResult::from_samples(name, events, samples);
            report_samples.sort_by(f64::total_cmp);
            judge_samples.sort_by(f64::total_cmp);
            result.notes.push(format!(
                "{transfers} transfers, {committed} committed; {:.0} transactions/s of \
                 simulated work (checks off); blocking report {:.2} ms; judging all three \
                 checks {:.2} ms ({:.1}% of the run)",
                transfers as f64 / result.seconds.max(1e-9),
                super::median(&report_samples) * 1e3,
                super::median(&judge_samples) * 1e3,
                super::median(&judge_samples) / result.seconds.max(1e-9) * 100.0
            ));
            results.push(result);
        }
        results
    }

    pub fn cases(runs: usize) -> Vec<BenchResult> {
        let mut results = basic_cases(runs);
        results.push(bare_heap_loop(runs, &results[0]));
        results.extend(commit_cases(runs));
        for &(name, model, events) in REPLICATED {
            let text = replicated_scenario(model, events);
            let scenario = Scenario::parse(&text, name).expect("bench scenarios are valid");
            let mut samples = Vec::with_capacity(runs);
            let mut done = 0;
            for _ in 0..runs.max(1) {
                let start = Instant::now();
                let (record, _) = crate::run::simulate(&scenario, TraceOutput::new());
                samples.push(start.elapsed().as_secs_f64());
                done = record.stats.events;
            }
            let mut result = BenchResult::from_samples(name, done, samples);
            result.notes.push(format!(
                "{:.0} ns/event",
                result.seconds * 1e9 / done.max(1) as f64
            ));
            results.push(result);
        }
        results.extend(multi_paxos_cases(runs));
        results.extend(raft_cases(runs));
        results
    }

    /// Events of the bare heap loop (as many as the duel's).
    const BARE_EVENTS: u64 = 2_000_000;
    /// Events pending in the bare heap loop at any time (about the duel's).
    const BARE_PENDING: u64 = 8;

    /// The least an event loop can do, timed like an engine case: the
    /// engine's own queue, each event popped and one successor pushed at a
    /// random delay, nothing handled. `duel` (the first engine case) is
    /// timed in the same run; the note gives its events/s over this loop's,
    /// the share of a bare loop's speed the engine keeps.
    fn bare_heap_loop(runs: usize, duel: &BenchResult) -> BenchResult {
        use crate::engine::EventQueue;
        use crate::rng::DetRng;
        let mut samples = Vec::with_capacity(runs);
        let mut checksum = 0u64;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let mut rng = DetRng::new(1, 0);
            let mut queue: EventQueue<u64> = EventQueue::default();
            for k in 0..BARE_PENDING {
                queue.push(crate::time::Time(rng.between(1, 20)), k);
            }
            for _ in 0..BARE_EVENTS {
                let (at, k) = queue.pop().expect("one pushed per pop");
                checksum = checksum.wrapping_add(at.0 ^ k);
                queue.push(at.after(rng.between(1, 20)), k);
            }
            samples.push(start.elapsed().as_secs_f64());
        }
        let mut result = BenchResult::from_samples("engine/bare-heap-loop", BARE_EVENTS, samples);
        result.notes.push(format!(
            "{}: {:.3} of the bare loop's events/s (checksum {checksum:x})",
            duel.name,
            duel.events_per_sec / result.events_per_sec.max(1e-9)
        ));
        result
    }

    fn basic_cases(runs: usize) -> Vec<BenchResult> {
        CASES
            .iter()
            .map(|(name, json)| {
                let scenario = Scenario::parse(json, name).expect("bench scenarios are valid");
                let mut samples = Vec::with_capacity(runs);
                let mut events = 0;
                for _ in 0..runs.max(1) {
                    let start = Instant::now();
                    let (report, _) = run(&scenario, TraceOutput::new()).expect("no trace I/O");
                    samples.push(start.elapsed().as_secs_f64());
                    events = report.record.stats.events;
                }
                BenchResult::from_samples(*name, events, samples)
            })
            .collect()
    }
}

/// Fuzz sweep cases: seeds per second of a standard sweep (primary-backup, 5
/// nodes, swarm faults, every check), with 1 and 2 jobs.
pub mod fuzz {
    use super::BenchResult;
    use crate::fuzz::generate::{Target, generate};
    use crate::fuzz::judge::run_and_judge;
    use crate::fuzz::progress::Progress;
    use crate::fuzz::swarm::FaultSet;
    use crate::fuzz::sweep::{SeedRange, SweepPlan, sweep};
    use crate::scenario::Scenario;
    use std::time::Instant;

    /// (variant, seeds per run).
    pub const CASES: &[(&str, u64)] = &[("sync", 2000), ("async", 500)];

    pub fn cases(runs: usize) -> Vec<BenchResult> {
        let mut results = Vec::new();
        for &(variant, seeds) in CASES {
            let target = Target::new("primary-backup", Some(variant), Some(5), FaultSet::all())
                .expect("a known protocol and variant");
            let operations = mean_operations(&target, 200);
            let mut single = None;
            for jobs in [1, 2] {
                let plan = SweepPlan {
                    target: target.clone(),
                    seeds: SeedRange {
                        start: 0,
                        end: seeds,
                    },
                    shard: None,
                    jobs,
                    stop_after: None,
                    out_dir: None,
                    shrink_runs: None,
                };
                let mut samples = Vec::with_capacity(runs);
                let mut violating = 0;
                for _ in 0..runs.max(1) {
                    let start = Instant::now();
                    let summary = sweep(&plan, &mut Progress::off(), |_| {});
                    samples.push(start.elapsed().as_secs_f64());
                    violating = summary.violating_seeds;
                }
                let mut r = BenchResult::from_samples(
                    format!("fuzz/primary-backup-{variant}-5-nodes-jobs-{jobs}"),
                    seeds,
                    samples,
                );
                r.unit = "seeds".into();
                r.notes.push(format!(
                    "{operations:.0} client operations per seed on average; {violating} of \
                     {seeds} seeds violate a check"
                ));
                match single {
                    None => single = Some(r.events_per_sec),
                    Some(one) => r.notes.push(format!(
                        "speedup over 1 job: {:.2}x",
                        r.events_per_sec / one
                    )),
                }
                results.push(r);
            }
        }
        results
    }

    /// Mean client operations per seed over the first `seeds` seeds.
    fn mean_operations(target: &Target, seeds: u64) -> f64 {
        let total: usize = (0..seeds)
            .map(|seed| {
                let spec = generate(target, seed).spec;
                Scenario::from_spec(spec, "bench").map_or(0, |s| run_and_judge(&s).operations)
            })
            .sum();
        total as f64 / seeds as f64
    }
}

/// Costs that must not grow where they need not: a scenario's filter count,
/// writing the trace to a file, judging a long trace.
pub mod costs {
    use super::BenchResult;
    use crate::scenario::Scenario;
    use crate::trace::TraceOutput;
    use std::io::BufWriter;
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    /// Events of the filter and trace cases (the engine suite's duel).
    const EVENTS: u64 = 2_000_000;
    /// Filters of the many-filters case (the most a scenario may have).
    pub const FILTERS: usize = 99_999;

    /// The engine suite's duel, with `extra` filters before its own.
    fn duel(extra: &[serde_json::Value], events: u64) -> Scenario {
        let mut filters = extra.to_vec();
        filters.push(serde_json::json!({"match": {"kind": "accept"}, "action": {"delay": 40}}));
        let spec = serde_json::json!({
            "name": "bench-duel", "protocol": "basic-paxos", "seed": 1,
            "nodes": {"proposers": 2, "acceptors": 3},
            "network": {"delay": {"fixed": 10}},
            "filters": filters,
            "requests": [{"at": 0, "node": "P1", "propose": "X"},
                         {"at": 25, "node": "P2", "propose": "Y"}],
            "limits": {"time": 1_000_000_000_000u64, "events": events}
        });
        Scenario::parse(&spec.to_string(), "bench").expect("bench scenarios are valid")
    }

    /// Filters that change nothing, so both runs do the same work: half match
    /// prepares in short windows and delay them by 0, half (whole-run) match
    /// a kind that proposers never send.
    fn idle_filters() -> Vec<serde_json::Value> {
        (0..FILTERS)
            .map(|k| {
                if k % 2 == 0 {
                    let start = (k as u64) * 60;
                    serde_json::json!({"during": [start, start + 30],
                        "match": {"from": format!("P{}", 1 + k % 4 / 2), "to": format!("A{}", 1 + k % 3),
                                  "kind": "prepare"},
                        "action": {"delay": 0}})
                } else {
                    serde_json::json!({"match": {"from": format!("P{}", 1 + k % 4 / 2), "kind": "promise"},
                                       "action": "drop"})
                }
            })
            .collect()
    }

    /// Runs `scenario` `runs` times, each with a fresh output from `out`
    /// (made before the clock starts: creating a file, or truncating the
    /// previous run's, is not the run's cost).
    fn timed(scenario: &Scenario, runs: usize, out: impl Fn() -> TraceOutput) -> (Vec<f64>, u64) {
        let mut samples = Vec::with_capacity(runs);
        let mut events = 0;
        for _ in 0..runs.max(1) {
            let out = out();
            let start = Instant::now();
            let (record, mut out) = crate::run::simulate(scenario, out);
            out.finish().expect("trace written");
            samples.push(start.elapsed().as_secs_f64());
            events = record.stats.events;
        }
        (samples, events)
    }

    /// The costs cases; `judge_events`: longer traces to judge besides
    /// [`JUDGE_EVENTS`].
    pub fn cases(runs: usize, judge_events: &[u64]) -> Vec<BenchResult> {
        let mut results = Vec::new();
        // Filters: the same run with 1 and with 10^5 filters.
        let plain = duel(&[], EVENTS);
        let (samples, events) = timed(&plain, runs, TraceOutput::new);
        let base = BenchResult::from_samples("costs/duel-1-filter", events, samples);
        let parse_start = Instant::now();
        let filtered = duel(&idle_filters(), EVENTS);
        let parse = parse_start.elapsed().as_secs_f64();
        let (samples, events) = timed(&filtered, runs, TraceOutput::new);
        let mut many = BenchResult::from_samples(
            format!("costs/duel-{}-filters", FILTERS + 1),
            events,
            samples,
        );
        many.notes.push(format!(
            "{:.2}x the 1-filter run (target ≤ 2x); building the scenario took {parse:.2} s",
            many.seconds / base.seconds
        ));
        // Trace to a file.
        let path = std::env::temp_dir().join(format!(
            "parliament-bench-trace-{}.jsonl",
            std::process::id()
        ));
        let cpu_before = process_cpu_seconds();
        let (samples, events) = timed(&plain, runs, || {
            let _ = std::fs::remove_file(&path);
            let f = std::fs::File::create(&path).expect("a temporary trace file");
            TraceOutput::new().to_file(Box::new(BufWriter::with_capacity(1 << 16, f)))
        });
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        let mut traced = BenchResult::from_samples("costs/duel-trace-to-file", events, samples);
        traced.notes.push(format!(
            "{:.2}x the trace-off run (target ≤ 3x); {} of trace",
            traced.seconds / base.seconds,
            crate::memory::human_bytes(bytes)
        ));
        // The file is written on a thread of its own: the wall time above is
        // what a user waits, the CPU time what the machine spends.
        if let (Some(before), Some(after)) = (cpu_before, process_cpu_seconds()) {
            traced.notes.push(format!(
                "CPU {:.2} s per run, both threads, user and system (the run's wall time {:.2} s)",
                (after - before) / runs.max(1) as f64,
                traced.seconds
            ));
        }
        let _ = std::fs::remove_file(&path);
        results.extend([base, many, traced]);
        // Judging long traces: peak memory should not follow their length.
        for &events in JUDGE_EVENTS.iter().chain(judge_events) {
            results.push(judge_case(events, runs));
        }
        results
    }

    /// User and system CPU seconds of this process so far, all threads (on
    /// Linux, from `/proc/self/stat`, whose clock ticks are 1/100 s).
    fn process_cpu_seconds() -> Option<f64> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name (which may hold spaces), from field 3.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        let user: f64 = fields.get(11)?.parse().ok()?;
        let system: f64 = fields.get(12)?.parse().ok()?;
        Some((user + system) / 100.0)
    }

    /// Trace lengths of the judge cases.
    pub const JUDGE_EVENTS: &[u64] = &[100_000, 1_000_000];

    /// Writes a duel trace of `events` events, then judges it in a child
    /// process (its VmHWM is the judging's alone).
    fn judge_case(events: u64, runs: usize) -> BenchResult {
        let path = std::env::temp_dir().join(format!(
            "parliament-bench-judge-{}-{events}.jsonl",
            std::process::id()
        ));
        let scenario = duel(&[], events);
        let f = std::fs::File::create(&path).expect("a temporary trace file");
        let (_, mut out) = crate::run::simulate(
            &scenario,
            TraceOutput::new().to_file(Box::new(BufWriter::with_capacity(1 << 16, f))),
        );
        out.finish().expect("trace written");
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        let name = format!("costs/judge-duel-trace-{events}-events");
        let child = std::env::current_exe().and_then(|exe| {
            std::process::Command::new(exe)
                .args(["bench", "--runs", &runs.to_string(), "--judge-trace"])
                .arg(&path)
                .output()
        });
        let _ = std::fs::remove_file(&path);
        let mut result = match child {
            Ok(o) if o.status.success() => serde_json::from_slice::<BenchResult>(&o.stdout)
                .unwrap_or_else(|e| failed(&name, format!("unreadable output: {e}"))),
            Ok(o) => failed(&name, String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => failed(&name, e.to_string()),
        };
        result.name = name;
        result
            .notes
            .push(format!("trace of {}", crate::memory::human_bytes(bytes)));
        result
    }

    fn failed(name: &str, why: String) -> BenchResult {
        let mut r = BenchResult::from_samples(name, 0, Vec::new());
        r.notes.push(format!("FAILED: {why}"));
        r
    }

    /// Judges the trace at `path` `runs` times in this process (what the
    /// parent runs in a child): seconds, and this process's VmHWM.
    pub fn judge_trace(path: &Path, runs: usize) -> Result<BenchResult, crate::error::InputError> {
        let mut samples = Vec::with_capacity(runs);
        let mut events = 0;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let read = crate::recorded::read_trace(path)?;
            let report = crate::judge::judge(&read.scenario, read.record, Some(read.sha256));
            samples.push(start.elapsed().as_secs_f64());
            events = report.record.stats.events;
        }
        let mut r =
            BenchResult::from_samples(PathBuf::from(path).display().to_string(), events, samples);
        r.vm_hwm_bytes = crate::check::bench::process_peak_rss();
        if let Some(peak) = r.vm_hwm_bytes {
            r.notes.push(format!(
                "peak memory (VmHWM) {} (target < 200 MiB at 10^7 events)",
                crate::memory::human_bytes(peak)
            ));
        }
        Ok(r)
    }
}
