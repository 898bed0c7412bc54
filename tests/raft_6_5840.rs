//! The MIT 6.5840 Raft lab tests (3A elections, 3B agreement, 3C persistence),
//! ported to simulated time: one tick is one millisecond, the election timeout
//! is drawn from [1000, 2000] virtual ms, heartbeats go every 100 ms, and the
//! lab's RPC budgets apply (at most 30 RPCs to elect a leader, at most 42 while
//! about a dozen commands commit in one term, at most 60 per idle second).
//!
//! The lab's tester reacts to the cluster (it disconnects *the current
//! leader*); here a test is a script built step by step: run to a checkpoint,
//! read who leads from the `leading` facts, append the next faults, run again.
//! A run is deterministic, so the longer script replays the same prefix.
//!
//! Each test runs on 100 seeds; `sweep_1000_seeds` (ignored) runs them all on
//! 1,000. Students loop these tests thousands of times in real time; here a
//! seed reproduces any failure (`LAB_SEED=n` runs one seed).

use parliament::check::CheckVerdict;
use parliament::fact::Fact;
use parliament::judge::RunReport;
use parliament::named::Named;
use parliament::run::run;
use parliament::scenario::Scenario;
use parliament::trace::{SharedBuffer, TraceOutput};
use serde_json::{Value, json};

const ELECTION: [u64; 2] = [1000, 2000];
const HEARTBEAT: u64 = 100;
/// The lab: "a leader must be elected within five seconds of a failure".
const ELECT_WITHIN: u64 = 5000;

/// A lab cluster under test: a growing fault script and client operations.
struct Lab {
    seed: u64,
    servers: usize,
    faults: Vec<Value>,
    script: Vec<Value>,
    network: Value,
    /// Which servers are disconnected (the lab's `disconnect`).
    cut_off: Vec<bool>,
    next_value: i64,
    /// `params.snapshot_interval` (0: no snapshots).
    snapshot_interval: u64,
}

/// One finished run of the script so far.
struct Outcome {
    report: RunReport,
    /// (t, server index, term) of every `leading` fact.
    leaders: Vec<(u64, usize, u64)>,
    /// (t, server index, index, command) of every `applied` fact.
    applied: Vec<(u64, usize, u64, String)>,
    /// (t, kind) of every request RPC sent (votes and appends, not replies).
    rpcs: Vec<(u64, String)>,
    /// (t, server index, index) of every `snapshot_installed` fact.
    installs: Vec<(u64, usize, u64)>,
}

fn name(i: usize) -> String {
    format!("S{}", i + 1)
}

impl Lab {
    fn new(servers: usize, seed: u64) -> Lab {
        Lab {
            seed,
            servers,
            faults: Vec::new(),
            script: Vec::new(),
            network: json!({"delay": {"uniform": [1, 27]}}),
            cut_off: vec![false; servers],
            next_value: 100,
            snapshot_interval: 0,
        }
    }

    /// The lab's 3D servers: a snapshot every `interval` applied entries.
    fn with_snapshots(mut self, interval: u64) -> Lab {
        self.snapshot_interval = interval;
        self
    }

    /// The lab's unreliable network: 10% loss and long delays (reordering).
    fn unreliable(mut self) -> Lab {
        self.network = json!({"delay": {"uniform": [1, 120]}, "loss": 0.1});
        self
    }

    fn scenario(&self, until: u64, with_history: bool) -> Scenario {
        let checks: Vec<&str> = if with_history {
            vec!["linearizability", "log-safety", "election-safety"]
        } else {
            vec!["log-safety", "election-safety"]
        };
        let mut params = json!({"heartbeat": HEARTBEAT, "election_timeout": ELECTION});
        if self.snapshot_interval > 0 {
            params["snapshot_interval"] = self.snapshot_interval.into();
        }
        let spec = json!({
            "name": "6.5840",
            "protocol": "raft",
            "seed": self.seed,
            "nodes": {"servers": self.servers},
            "params": params,
            "network": self.network,
            "faults": self.faults,
            "workload": {
                "model": "append",
                "clients": 8,
                "timeout": 1000,
                "retries": 20,
                "delay": 1,
                "script": self.script,
            },
            "limits": {"time": until},
            "checks": checks,
        });
        // `LAB_DUMP=file` keeps the last scenario run, to replay with `parliament run`.
        if let Ok(file) = std::env::var("LAB_DUMP") {
            std::fs::write(file, spec.to_string()).unwrap();
        }
        Scenario::parse(&spec.to_string(), "6.5840").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs the script so far up to time `until`.
    fn run(&self, until: u64) -> Outcome {
        self.run_judged(until, false)
    }

    fn run_judged(&self, until: u64, with_history: bool) -> Outcome {
        let scenario = self.scenario(until, with_history);
        let buf = SharedBuffer::new();
        let out = TraceOutput::new().to_writer(Box::new(buf.clone()));
        let (report, _) = run(&scenario, out).unwrap();
        let index = |n: parliament::ids::NodeId| n.index();
        let leaders = report
            .record
            .facts
            .iter()
            .filter_map(|f| match f.fact {
                Fact::Leading { epoch } => Some((f.t.0, index(f.node), epoch)),
                _ => None,
            })
            .collect();
        let applied = report
            .record
            .facts
            .iter()
            .filter_map(|f| match &f.fact {
                Fact::Applied {
                    index: i, command, ..
                } => Some((f.t.0, index(f.node), *i, command.to_string())),
                _ => None,
            })
            .collect();
        let mut rpcs = Vec::new();
        for line in buf.text().lines().skip(1) {
            if !line.contains("\"kind\":\"send\"") {
                continue;
            }
            let v: Value = serde_json::from_str(line).unwrap();
            let kind = v["msg"].as_object().and_then(|m| m.keys().next().cloned());
            if let (Some(t), Some(kind)) = (v["t"].as_u64(), kind)
                && [
                    "request_vote",
                    "pre_vote",
                    "append_entries",
                    "install_snapshot",
                ]
                .contains(&kind.as_str())
            {
                rpcs.push((t, kind));
            }
        }
        let installs = report
            .record
            .facts
            .iter()
            .filter_map(|f| match f.fact {
                Fact::SnapshotInstalled { index: i, .. } => Some((f.t.0, index(f.node), i)),
                _ => None,
            })
            .collect();
        let outcome = Outcome {
            report,
            leaders,
            applied,
            rpcs,
            installs,
        };
        outcome.assert_safe(self.seed);
        outcome
    }

    fn fault(&mut self, fault: Value) {
        self.faults.push(fault);
    }

    /// Every disconnected server alone in its group; the rest together.
    fn repartition(&mut self, at: u64) {
        let groups: Vec<Vec<String>> = (0..self.servers)
            .filter(|&i| self.cut_off[i])
            .map(|i| vec![name(i)])
            .collect();
        if groups.is_empty() {
            self.fault(json!({"at": at, "heal": true}));
        } else {
            self.fault(json!({"at": at, "partition": groups}));
        }
    }

    fn disconnect(&mut self, at: u64, server: usize) {
        self.cut_off[server] = true;
        self.repartition(at);
    }

    fn connect(&mut self, at: u64, server: usize) {
        self.cut_off[server] = false;
        self.repartition(at);
    }

    fn crash(&mut self, at: u64, server: usize) {
        self.fault(json!({"at": at, "crash": name(server)}));
    }

    fn restart(&mut self, at: u64, server: usize) {
        self.fault(json!({"at": at, "restart": name(server)}));
    }

    /// The lab's `Start(cmd)` through a client at `server`: appends a fresh
    /// value to key x at time `at`; returns the value.
    fn start(&mut self, at: u64, client: usize, server: usize) -> i64 {
        self.next_value += 1;
        let value = self.next_value;
        self.script.push(json!({
            "at": at, "client": format!("c{}", client + 1), "node": name(server),
            "op": {"f": "append", "key": "x", "value": value}
        }));
        value
    }
}

impl Outcome {
    fn assert_safe(&self, seed: u64) {
        for c in &self.report.checks {
            assert!(
                c.verdict != CheckVerdict::Violated,
                "seed {seed}: {} violated: {:?}",
                c.check.name(),
                c.evidence
            );
        }
    }

    /// The lab's `checkOneLeader` at time `t`: the leader of the highest term
    /// elected by then among the connected servers; every term has one.
    fn leader_at(&self, t: u64, lab: &Lab) -> Option<(usize, u64)> {
        self.leaders
            .iter()
            .filter(|l| l.0 <= t && !lab.cut_off[l.1])
            .max_by_key(|l| l.2)
            .map(|l| (l.1, l.2))
    }

    /// How many servers applied the append of `value` by time `t`, and at
    /// which index (all at one index: log-safety checks that too). A server
    /// that installed a snapshot covering that index holds it too (the lab's
    /// applyCh delivers the snapshot instead of the entries).
    fn applied_by(&self, value: i64, t: u64) -> usize {
        let needle = format!("append(x, {value})");
        let mut servers: Vec<usize> = self
            .applied
            .iter()
            .filter(|a| a.0 <= t && a.3.ends_with(&needle))
            .map(|a| a.1)
            .collect();
        if let Some(at) = self.index_of(value) {
            servers.extend(
                self.installs
                    .iter()
                    .filter(|i| i.0 <= t && i.2 >= at)
                    .map(|i| i.1),
            );
        }
        servers.sort_unstable();
        servers.dedup();
        servers.len()
    }

    /// The log index at which `value`'s append was applied, if it was.
    fn index_of(&self, value: i64) -> Option<u64> {
        let needle = format!("append(x, {value})");
        self.applied
            .iter()
            .find(|a| a.3.ends_with(&needle))
            .map(|a| a.2)
    }

    fn rpcs_between(&self, from: u64, to: u64) -> usize {
        self.rpcs.iter().filter(|r| r.0 >= from && r.0 < to).count()
    }
}

fn seeds() -> Vec<u64> {
    match std::env::var("LAB_SEED") {
        Ok(s) => vec![s.parse().expect("LAB_SEED is a number")],
        Err(_) => (0..lab_seed_count()).collect(),
    }
}

fn lab_seed_count() -> u64 {
    std::env::var("LAB_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
}

// ---------------------------------------------------------------------------
// 3A: leader election.

fn initial_election(seed: u64) {
    let lab = Lab::new(3, seed);
    let out = lab.run(ELECT_WITHIN + 2000);
    let (_, term) = out
        .leader_at(ELECT_WITHIN, &lab)
        .unwrap_or_else(|| panic!("seed {seed}: no leader within 5 s"));
    // "term should not change if there is no failure".
    let later = out.leader_at(ELECT_WITHIN + 2000, &lab).unwrap();
    assert_eq!(later.1, term, "seed {seed}: term changed without a failure");
    assert_eq!(out.leaders.len(), 1, "seed {seed}: {:?}", out.leaders);
}

#[test]
fn test_initial_election_3a() {
    for seed in seeds() {
        initial_election(seed);
    }
}

fn re_election(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let mut t = ELECT_WITHIN;
    let (leader1, _) = lab.run(t).leader_at(t, &lab).expect("a first leader");
    // The leader leaves: the other two elect a new one.
    lab.disconnect(t, leader1);
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader2, _) = out
        .leader_at(t, &lab)
        .unwrap_or_else(|| panic!("seed {seed}: no new leader"));
    assert_ne!(leader2, leader1);
    // The old leader rejoins: it must not disturb the new one's majority.
    lab.connect(t, leader1);
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader3, _) = out.leader_at(t, &lab).expect("a leader");
    // No quorum: no leader is elected.
    lab.disconnect(t, leader3);
    lab.disconnect(t, (leader3 + 1) % 3);
    let quiet_from = t;
    t += 2 * ELECT_WITHIN;
    let out = lab.run(t);
    let newer = out.leaders.iter().filter(|l| l.0 > quiet_from).count();
    assert_eq!(newer, 0, "seed {seed}: a leader without a majority");
    // A quorum again: a leader.
    lab.connect(t, (leader3 + 1) % 3);
    t += ELECT_WITHIN;
    let out = lab.run(t);
    assert!(
        out.leaders.iter().any(|l| l.0 > quiet_from),
        "seed {seed}: no leader once a majority is back"
    );
    lab.connect(t, leader3);
    t += ELECT_WITHIN;
    lab.run(t);
}

#[test]
fn test_re_election_3a() {
    for seed in seeds() {
        re_election(seed);
    }
}

fn many_elections(seed: u64) {
    let servers = 7;
    let mut lab = Lab::new(servers, seed);
    let mut t = ELECT_WITHIN;
    lab.run(t).leader_at(t, &lab).expect("a first leader");
    let mut rng = parliament::rng::DetRng::new(seed, 99);
    for _ in 0..10 {
        // Disconnect three random servers (a majority of four stays).
        let mut out: Vec<usize> = Vec::new();
        while out.len() < 3 {
            let i = rng.below(servers as u64) as usize;
            if !out.contains(&i) {
                out.push(i);
            }
        }
        for &i in &out {
            lab.disconnect(t, i);
        }
        t += ELECT_WITHIN;
        let run = lab.run(t);
        run.leader_at(t, &lab)
            .unwrap_or_else(|| panic!("seed {seed}: no leader at t={t}"));
        for &i in &out {
            lab.connect(t, i);
        }
    }
    t += ELECT_WITHIN;
    lab.run(t);
}

#[test]
fn test_many_elections_3a() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        many_elections(seed);
    }
}

// ---------------------------------------------------------------------------
// 3B: log agreement.

/// The lab's `one(cmd, n)`: a command started at `at` is applied by at least
/// `n` servers within 10 s.
fn one(lab: &mut Lab, at: u64, server: usize, n: usize) -> (i64, u64) {
    // The last client is the tester's own; the others carry background load.
    let value = lab.start(at, 7, server);
    let deadline = at + 10_000;
    let out = lab.run(deadline);
    let done = (at..=deadline)
        .step_by(50)
        .find(|&t| out.applied_by(value, t) >= n);
    let done = done.unwrap_or_else(|| {
        panic!(
            "seed {}: {value} applied by {} of {n} servers",
            lab.seed,
            out.applied_by(value, deadline)
        )
    });
    (value, done)
}

fn basic_agree(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let mut t = ELECT_WITHIN;
    let out = lab.run(t);
    let (leader, _) = out.leader_at(t, &lab).expect("a leader");
    for _ in 0..3 {
        let (_, done) = one(&mut lab, t, leader, 3);
        t = done + 10;
    }
}

#[test]
fn test_basic_agree_3b() {
    for seed in seeds() {
        basic_agree(seed);
    }
}

fn fail_agree(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let mut t = ELECT_WITHIN;
    let (leader, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader, 3).1 + 10;
    // One follower away: the other two still agree.
    let follower = (leader + 1) % 3;
    lab.disconnect(t, follower);
    for _ in 0..4 {
        t = one(&mut lab, t, leader, 2).1 + 10;
    }
    // Back: it catches up, and everyone agrees on new commands.
    lab.connect(t, follower);
    for _ in 0..2 {
        t = one(&mut lab, t, leader, 3).1 + 10;
    }
}

#[test]
fn test_fail_agree_3b() {
    for seed in seeds() {
        fail_agree(seed);
    }
}

fn fail_no_agree(seed: u64) {
    let mut lab = Lab::new(5, seed);
    let mut t = ELECT_WITHIN;
    let (leader, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader, 5).1 + 10;
    // Three of five followers away: nothing commits.
    for k in 1..=3 {
        lab.disconnect(t, (leader + k) % 5);
    }
    let value = lab.start(t, 1, leader);
    let out = lab.run(t + 2000);
    assert_eq!(
        out.applied_by(value, t + 2000),
        0,
        "seed {seed}: committed without a majority"
    );
    t += 2000;
    for k in 1..=3 {
        lab.connect(t, (leader + k) % 5);
    }
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader2, _) = out.leader_at(t, &lab).expect("a leader after the heal");
    one(&mut lab, t, leader2, 5);
}

#[test]
fn test_fail_no_agree_3b() {
    for seed in seeds() {
        fail_no_agree(seed);
    }
}

fn concurrent_starts(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let t = ELECT_WITHIN;
    let (leader, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    let values: Vec<i64> = (0..4).map(|c| lab.start(t, c, leader)).collect();
    let out = lab.run(t + 5000);
    for v in values {
        assert_eq!(out.applied_by(v, t + 5000), 3, "seed {seed}: {v}");
    }
}

#[test]
fn test_concurrent_starts_3b() {
    for seed in seeds() {
        concurrent_starts(seed);
    }
}

fn rejoin(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let mut t = ELECT_WITHIN;
    let (leader1, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader1, 3).1 + 10;
    // The leader is cut off and takes commands it cannot commit.
    lab.disconnect(t, leader1);
    for c in 0..3 {
        lab.start(t + 10 * c as u64, c + 1, leader1);
    }
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader2, _) = out.leader_at(t, &lab).expect("a new leader");
    t = one(&mut lab, t, leader2, 2).1 + 10;
    // The new leader goes, the old one returns: the two elect and agree.
    lab.disconnect(t, leader2);
    lab.connect(t, leader1);
    t += 10;
    t = one(&mut lab, t, (leader2 + 1) % 3, 2).1 + 10;
    lab.connect(t, leader2);
    one(&mut lab, t, leader1, 3);
}

#[test]
fn test_rejoin_3b() {
    for seed in seeds() {
        rejoin(seed);
    }
}

fn backup(seed: u64) {
    let mut lab = Lab::new(5, seed);
    let mut t = ELECT_WITHIN;
    let (leader1, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader1, 5).1 + 10;
    // Leader and one follower in a minority; many uncommittable commands.
    let other = (leader1 + 1) % 5;
    for k in 2..=4 {
        lab.disconnect(t, (leader1 + k) % 5);
    }
    let base = t;
    for k in 0..25 {
        lab.start(base + 40 * k, (k % 4) as usize, leader1);
    }
    t = base + 2000;
    // The majority side gets a leader and commits many commands.
    lab.disconnect(t, leader1);
    lab.disconnect(t, other);
    for k in 2..=4 {
        lab.connect(t, (leader1 + k) % 5);
    }
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader2, _) = out.leader_at(t, &lab).expect("a majority leader");
    for _ in 0..5 {
        t = one(&mut lab, t, leader2, 3).1 + 10;
    }
    // Everyone back: one command reaches all five — the old minority's
    // divergent suffix is repaired.
    for i in 0..5 {
        lab.connect(t, i);
    }
    one(&mut lab, t, leader2, 5);
}

#[test]
fn test_backup_3b() {
    for seed in seeds() {
        backup(seed);
    }
}

fn count(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let mut t = ELECT_WITHIN;
    let out = lab.run(t);
    let (leader, _) = out.leader_at(t, &lab).expect("a leader");
    let elected_at = out.leaders[0].0;
    let election = out.rpcs_between(0, elected_at + 1);
    assert!(
        (1..=30).contains(&election),
        "seed {seed}: {election} RPCs to elect a leader"
    );
    // About a dozen commands in one term.
    let from = t;
    let mut last = t;
    for _ in 0..10 {
        last = one(&mut lab, last, leader, 3).1;
    }
    let out = lab.run(last + 1);
    assert_eq!(out.leaders.len(), 1, "seed {seed}: the term changed");
    let agreement = out.rpcs_between(from, last + 1);
    let budget = (10 + 1 + 3) * 3;
    // The lab counts RPCs while commands commit; idle heartbeats between
    // them count here too, so allow those on top (2 followers × 10/s).
    let heartbeats = ((last - from) / HEARTBEAT + 1) as usize * 2;
    assert!(
        agreement <= budget + heartbeats,
        "seed {seed}: {agreement} RPCs for 10 commands in {} ms",
        last - from
    );
    // One idle second.
    t = last + 1;
    let out = lab.run(t + 1000);
    let idle = out.rpcs_between(t, t + 1000);
    assert!(idle <= 60, "seed {seed}: {idle} RPCs in an idle second");
}

#[test]
fn test_count_3b() {
    for seed in seeds() {
        count(seed);
    }
}

// ---------------------------------------------------------------------------
// 3C: persistence.

fn persist1(seed: u64) {
    let mut lab = Lab::new(3, seed);
    let mut t = ELECT_WITHIN;
    let (leader, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader, 3).1 + 10;
    // Everyone crashes and restarts.
    for i in 0..3 {
        lab.crash(t, i);
        lab.restart(t + 10, i);
    }
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader, _) = out.leader_at(t, &lab).expect("a leader after restarts");
    t = one(&mut lab, t, leader, 3).1 + 10;
    // The leader crashes and restarts.
    lab.crash(t, leader);
    lab.restart(t + 10, leader);
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader2, _) = out.leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader2, 3).1 + 10;
    // A follower crashes; two agree; it restarts and catches up.
    let f = (leader2 + 1) % 3;
    lab.crash(t, f);
    t = one(&mut lab, t + 10, leader2, 2).1 + 10;
    lab.restart(t, f);
    one(&mut lab, t, leader2, 3);
}

#[test]
fn test_persist1_3c() {
    for seed in seeds() {
        persist1(seed);
    }
}

fn persist2(seed: u64) {
    let servers = 5;
    let mut lab = Lab::new(servers, seed);
    let mut t = ELECT_WITHIN;
    lab.run(t);
    t = one(&mut lab, t, 0, servers).1 + 10;
    for _ in 0..3 {
        let (leader1, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
        let s = |k: usize| (leader1 + k) % servers;
        // Two followers away; the other three agree.
        lab.disconnect(t, s(1));
        lab.disconnect(t, s(2));
        t = one(&mut lab, t, leader1, servers - 2).1 + 10;
        // Those three go; the two come back after a crash and a restart,
        // with one more restarted: a majority that must not lose the entry.
        lab.disconnect(t, s(0));
        lab.disconnect(t, s(3));
        lab.disconnect(t, s(4));
        for k in [1, 2] {
            lab.crash(t, s(k));
            lab.restart(t + 10, s(k));
            lab.connect(t + 10, s(k));
        }
        t += 1000;
        lab.crash(t, s(3));
        lab.restart(t + 10, s(3));
        lab.connect(t + 10, s(3));
        t = one(&mut lab, t + 10, s(1), servers - 2).1 + 10;
        lab.connect(t, s(4));
        lab.connect(t, s(0));
    }
    one(&mut lab, t, 0, servers);
}

#[test]
fn test_persist2_3c() {
    for seed in seeds() {
        persist2(seed);
    }
}

fn persist3(seed: u64) {
    let servers = 3;
    let mut lab = Lab::new(servers, seed);
    let mut t = ELECT_WITHIN;
    let (leader, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader, 3).1 + 10;
    let s = |k: usize| (leader + k) % servers;
    lab.disconnect(t, s(2));
    t = one(&mut lab, t, leader, 2).1 + 10;
    // Both that agreed crash; the one that missed the entry returns; one
    // restarts: the entry must survive on its disk.
    lab.crash(t, s(0));
    lab.crash(t, s(1));
    lab.connect(t, s(2));
    lab.restart(t + 10, s(0));
    t = one(&mut lab, t + 10, s(2), 2).1 + 10;
    lab.restart(t, s(1));
    one(&mut lab, t, s(2), servers);
}

#[test]
fn test_persist3_3c() {
    for seed in seeds() {
        persist3(seed);
    }
}

/// The lab's Figure 8 test: servers crash at random, mostly leaders, and
/// restart; commands go to whoever leads; at the end everyone is up and one
/// more command reaches all. Safety is checked throughout.
fn figure_8_random(seed: u64, unreliable: bool) {
    let servers = 5;
    let mut lab = Lab::new(servers, seed);
    if unreliable {
        lab = lab.unreliable();
    }
    let mut rng = parliament::rng::DetRng::new(seed, 77);
    let mut up = vec![true; servers];
    let mut t = ELECT_WITHIN;
    let mut out = lab.run(t);
    for _ in 0..12 {
        if let Some((leader, _)) = out.leader_at(t, &lab)
            && up[leader]
        {
            lab.start(t, 0, leader);
        }
        // Short or long pauses, then crash the leader (if any) at random.
        t += if rng.chance(100_000) {
            rng.between(0, 1000)
        } else {
            rng.between(0, 13)
        } + 1;
        if let Some((leader, _)) = out.leader_at(t, &lab)
            && up[leader]
            && rng.chance(500_000)
        {
            lab.crash(t, leader);
            up[leader] = false;
        }
        let alive = up.iter().filter(|&&u| u).count();
        if alive < 3 {
            let down: Vec<usize> = (0..servers).filter(|&i| !up[i]).collect();
            let s = down[rng.below(down.len() as u64) as usize];
            lab.restart(t + 1, s);
            up[s] = true;
        }
        t += 300;
        out = lab.run(t);
    }
    for (i, u) in up.iter().enumerate() {
        if !u {
            lab.restart(t, i);
        }
    }
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader, _) = out.leader_at(t, &lab).expect("a leader at the end");
    one(&mut lab, t, leader, servers);
}

#[test]
fn test_figure_8_3c() {
    for seed in seeds().into_iter().take(lab_seed_count().min(50) as usize) {
        figure_8_random(seed, false);
    }
}

#[test]
fn test_figure_8_unreliable_3c() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        figure_8_random(seed, true);
    }
}

fn unreliable_agree(seed: u64) {
    let mut lab = Lab::new(5, seed).unreliable();
    let mut t = ELECT_WITHIN;
    lab.run(t);
    for k in 0..10 {
        for c in 0..4 {
            lab.start(t + 5 * c, c as usize, (k + c as usize) % 5);
        }
        t += 400;
    }
    t += 10_000;
    let out = lab.run_judged(t, true);
    let leader = out.leader_at(t, &lab).expect("a leader").0;
    one(&mut lab, t, leader, 5);
}

#[test]
fn test_unreliable_agree_3c() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        unreliable_agree(seed);
    }
}

// ---------------------------------------------------------------------------
// 3D: log compaction. The lab's servers snapshot every 10 applied entries.

const SNAPSHOT_INTERVAL: u64 = 10;

/// The lab's `snapcommon`: rounds of more than a snapshot's worth of commands
/// while a victim (a follower, every third round the leader) is disconnected
/// and/or crashed; back, it must catch up — by InstallSnapshot when the
/// others compacted past its log.
fn snap_common(seed: u64, disconnect: bool, reliable: bool, crash: bool) {
    const ITERS: usize = 4;
    let servers = 3;
    let mut lab = Lab::new(servers, seed).with_snapshots(SNAPSHOT_INTERVAL);
    if !reliable {
        lab = lab.unreliable();
    }
    let mut t = ELECT_WITHIN;
    let (mut leader, _) = lab.run(t).leader_at(t, &lab).expect("a leader");
    t = one(&mut lab, t, leader, servers).1 + 10;
    for i in 0..ITERS {
        let (victim, sender) = if i % 3 == 1 {
            (leader, (leader + 1) % servers)
        } else {
            ((leader + 1) % servers, leader)
        };
        if disconnect {
            lab.disconnect(t, victim);
            t = one(&mut lab, t, sender, servers - 1).1 + 10;
        }
        if crash {
            lab.crash(t, victim);
            t = one(&mut lab, t, sender, servers - 1).1 + 10;
        }
        // More than a snapshot's worth of commands.
        for k in 0..=SNAPSHOT_INTERVAL {
            lab.start(t + 3 * k, (k % 6) as usize, sender);
        }
        t = one(&mut lab, t + 40, sender, servers - 1).1 + 10;
        if disconnect || crash {
            if disconnect {
                lab.connect(t, victim);
            }
            if crash {
                lab.restart(t, victim);
            }
            t = one(&mut lab, t, sender, servers).1 + 10;
            let out = lab.run(t);
            leader = out.leader_at(t, &lab).expect("a leader").0;
        } else {
            t = one(&mut lab, t, sender, servers).1 + 10;
        }
    }
    let out = lab.run_judged(t, true);
    if disconnect && !crash {
        // The victim was behind the others' snapshots: it installed one.
        assert!(
            !out.installs.is_empty(),
            "seed {seed}: no snapshot installed"
        );
    }
}

#[test]
fn test_snapshot_basic_3d() {
    for seed in seeds() {
        snap_common(seed, false, true, false);
    }
}

#[test]
fn test_snapshot_install_3d() {
    for seed in seeds() {
        snap_common(seed, true, true, false);
    }
}

#[test]
fn test_snapshot_install_unreliable_3d() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        snap_common(seed, true, false, false);
    }
}

#[test]
fn test_snapshot_install_crash_3d() {
    for seed in seeds() {
        snap_common(seed, false, true, true);
    }
}

#[test]
fn test_snapshot_install_uncrash_3d() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        snap_common(seed, true, false, true);
    }
}

/// The lab's TestSnapshotAllCrash3D: after enough commands for a snapshot,
/// every server crashes and restarts; the next command lands after all the
/// earlier ones (nothing applied is forgotten).
fn snapshot_all_crash(seed: u64) {
    let servers = 3;
    let mut lab = Lab::new(servers, seed).with_snapshots(SNAPSHOT_INTERVAL);
    let mut rng = parliament::rng::DetRng::new(seed, 55);
    let mut t = ELECT_WITHIN;
    lab.run(t);
    t = one(&mut lab, t, 0, servers).1 + 10;
    for _ in 0..3 {
        let n = SNAPSHOT_INTERVAL / 2 + rng.below(SNAPSHOT_INTERVAL);
        for k in 0..n {
            lab.start(t + 3 * k, (k % 6) as usize, (k % 3) as usize);
        }
        let (before, done) = one(&mut lab, t + 40, 0, servers);
        t = done + 10;
        let index0 = lab.run(t).index_of(before).expect("applied");
        for i in 0..servers {
            lab.crash(t, i);
            lab.restart(t + 10, i);
        }
        let (after, done) = one(&mut lab, t + 20, 0, servers);
        t = done + 10;
        let index1 = lab.run(t).index_of(after).expect("applied");
        assert!(
            index1 > index0,
            "seed {seed}: #{index1} after a restart, before #{index0}"
        );
    }
}

#[test]
fn test_snapshot_all_crash_3d() {
    for seed in seeds() {
        snapshot_all_crash(seed);
    }
}

/// The lab's TestSnapshotInit3D: a snapshot must be read back on restart
/// (a server that applied from index 1 over a compacted log would diverge).
fn snapshot_init(seed: u64) {
    let servers = 3;
    let mut lab = Lab::new(servers, seed).with_snapshots(SNAPSHOT_INTERVAL);
    let mut t = ELECT_WITHIN;
    lab.run(t);
    t = one(&mut lab, t, 0, servers).1 + 10;
    for k in 0..=SNAPSHOT_INTERVAL {
        lab.start(t + 3 * k, (k % 6) as usize, 0);
    }
    t = one(&mut lab, t + 40, 0, servers).1 + 10;
    for round in 0..2 {
        for i in 0..servers {
            lab.crash(t, i);
            lab.restart(t + 10, i);
        }
        t = one(&mut lab, t + 20, round % servers, servers).1 + 10;
    }
    lab.run_judged(t, true);
}

#[test]
fn test_snapshot_init_3d() {
    for seed in seeds() {
        snapshot_init(seed);
    }
}

/// The lab's `internalChurn` (TestReliableChurn3C, TestUnreliableChurn3C):
/// three clients keep starting commands on random servers while, every 700
/// ms, a server may be cut off (20%), one brought back and reconnected (50%)
/// and one crashed (20%), twenty times over; then every server is up and
/// connected again, one more command commits on all of them, and every
/// command that any server applied is applied by every server (the lab checks
/// that each command a client saw commit is in the final log; here
/// linearizability checks what the clients saw).
fn churn(seed: u64, unreliable: bool) {
    let servers = 5;
    let mut lab = Lab::new(servers, seed);
    if unreliable {
        lab = lab.unreliable();
    }
    let mut rng = parliament::rng::DetRng::new(seed, 78);
    let mut up = vec![true; servers];
    let mut t = ELECT_WITHIN;
    let mut started = Vec::new();
    for _ in 0..20 {
        for client in 0..3 {
            let server = rng.below(servers as u64) as usize;
            started.push(lab.start(t + rng.below(100), client, server));
        }
        if rng.chance(200_000) {
            let i = rng.below(servers as u64) as usize;
            if !lab.cut_off[i] {
                lab.disconnect(t, i);
            }
        }
        let mut back = None;
        if rng.chance(500_000) {
            let i = rng.below(servers as u64) as usize;
            if !up[i] {
                lab.restart(t, i);
                up[i] = true;
                back = Some(i);
            }
            if lab.cut_off[i] {
                lab.connect(t, i);
            }
        }
        if rng.chance(200_000) {
            let i = rng.below(servers as u64) as usize;
            if up[i] && back != Some(i) {
                lab.crash(t, i);
                up[i] = false;
            }
        }
        t += 700;
    }
    t += 1000;
    for (i, u) in up.iter_mut().enumerate() {
        if !*u {
            lab.restart(t, i);
            *u = true;
        }
        if lab.cut_off[i] {
            lab.connect(t, i);
        }
    }
    t += ELECT_WITHIN;
    let out = lab.run(t);
    let (leader, _) = out.leader_at(t, &lab).expect("a leader after the churn");
    one(&mut lab, t, leader, servers);
    let end = t + 10_000;
    let out = lab.run_judged(end, true);
    out.assert_safe(seed);
    for &value in &started {
        let n = out.applied_by(value, end);
        assert!(
            n == 0 || n == servers,
            "seed {seed}: {value} applied by {n} of {servers} servers"
        );
    }
}

#[test]
fn test_reliable_churn_3c() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        churn(seed, false);
    }
}

#[test]
fn test_unreliable_churn_3c() {
    for seed in seeds().into_iter().take(lab_seed_count().min(30) as usize) {
        churn(seed, true);
    }
}

/// Every test above on 1,000 seeds (`cargo test --release --test
/// raft_6_5840 -- --ignored`, with `LAB_SEEDS=1000`).
#[test]
#[ignore]
fn sweep_1000_seeds() {
    for seed in 0..1000 {
        initial_election(seed);
        re_election(seed);
        basic_agree(seed);
        fail_agree(seed);
        fail_no_agree(seed);
        concurrent_starts(seed);
        rejoin(seed);
        backup(seed);
        count(seed);
        persist1(seed);
        persist2(seed);
        persist3(seed);
        figure_8_random(seed, false);
        snap_common(seed, false, true, false);
        snap_common(seed, true, true, false);
        snap_common(seed, false, true, true);
        snapshot_all_crash(seed);
        snapshot_init(seed);
        if seed < 300 {
            churn(seed, false);
            churn(seed, true);
            many_elections(seed);
            figure_8_random(seed, true);
            unreliable_agree(seed);
            snap_common(seed, true, false, false);
            snap_common(seed, true, false, true);
        }
    }
}
