//! The pause fault: a paused node handles nothing — messages, timers, requests
//! and disk completions wait — and on resume handles what waited, in arrival
//! order, with all its state; a crash while paused loses what waited.

use parliament::run::run;
use parliament::scenario::Scenario;
use parliament::trace::{SharedBuffer, TraceOutput};
use serde_json::Value;

/// Happy path (P1 proposes X to A1..A3 over 10-tick links) with `faults`.
fn happy_path_with(faults: &str) -> String {
    format!(
        r#"{{
  "name": "pause", "protocol": "basic-paxos", "seed": 1,
  "nodes": [
    {{"name": "P1", "roles": ["proposer"]}},
    {{"name": "A1", "roles": ["acceptor"]}},
    {{"name": "A2", "roles": ["acceptor"]}},
    {{"name": "A3", "roles": ["acceptor"]}},
    {{"name": "L1", "roles": ["learner"]}}
  ],
  "network": {{"delay": {{"fixed": 10}}}},
  "requests": [{{"at": 0, "node": "P1", "propose": "X"}}],
  "faults": [{faults}],
  "limits": {{"time": 1000}}
}}"#
    )
}

/// The trace's events (header dropped) and the run's chosen values.
fn events(text: &str) -> (Vec<Value>, Vec<String>) {
    let scenario = Scenario::parse(text, "pause.json").unwrap();
    let buf = SharedBuffer::new();
    let (report, _) = run(
        &scenario,
        TraceOutput::new().to_writer(Box::new(buf.clone())),
    )
    .unwrap();
    let events = buf
        .text()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let chosen = report
        .chosen
        .unwrap_or_default()
        .iter()
        .map(|v| v.to_string())
        .collect();
    (events, chosen)
}

/// Whether `node` does something in `e` (handles, sends, persists, states).
fn involves(e: &Value, node: &str) -> bool {
    match e["kind"].as_str().unwrap() {
        "pause" | "resume" => false,
        "deliver" => e["to"] == node,
        "send" => e["from"] == node,
        _ => e["node"] == node,
    }
}

fn at(e: &Value) -> u64 {
    e["t"].as_u64().unwrap()
}

#[test]
fn a_paused_node_handles_what_waited_when_it_resumes() {
    // The prepare reaches A1 at t=10, during the pause; a cut from P1 to A1
    // at t=50 comes after it arrived, so it is still handled, at t=100.
    let (events, chosen) = events(&happy_path_with(
        r#"{"at": 5, "pause": "A1"}, {"at": 50, "cut": {"from": "P1", "to": "A1"}},
           {"at": 100, "resume": "A1"}"#,
    ));
    assert!(events.iter().any(|e| e["kind"] == "pause" && at(e) == 5));
    assert!(events.iter().any(|e| e["kind"] == "resume" && at(e) == 100));
    // Nothing happens at A1 while it is paused.
    assert!(
        !events
            .iter()
            .any(|e| involves(e, "A1") && (5..100).contains(&at(e))),
        "A1 acted while paused"
    );
    let prepare = events
        .iter()
        .find(|e| e["kind"] == "deliver" && e["to"] == "A1" && e["mid"] == 0)
        .expect("the prepare reaches A1");
    assert_eq!(at(prepare), 100);
    // With its state: the promise it persists is ballot 1, and it never
    // recovers from disk.
    assert!(events.iter().any(|e| e["kind"] == "persist"
        && e["node"] == "A1"
        && e["write"]["promise"] == 1
        && at(e) == 100));
    assert!(!events.iter().any(|e| e["kind"] == "restart"));
    // Its answer is sent after the cut: dropped. A2 and A3 choose X anyway.
    assert_eq!(chosen, ["X"]);
}

#[test]
fn a_paused_proposer_takes_up_where_it_stopped() {
    // P1 pauses right after sending its prepares; the promises and its retry
    // timer (200 ticks) wait; on resume it goes on to phase 2 and X is chosen.
    let (events, chosen) = events(&happy_path_with(
        r#"{"at": 1, "pause": "P1"}, {"at": 300, "resume": "P1"}"#,
    ));
    assert!(
        !events
            .iter()
            .any(|e| involves(e, "P1") && (1..300).contains(&at(e)))
    );
    let promises: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "deliver" && e["to"] == "P1")
        .collect();
    assert!(promises.len() >= 3 && promises.iter().all(|e| at(e) >= 300));
    assert_eq!(chosen, ["X"]);
}

#[test]
fn a_crash_while_paused_loses_what_waited() {
    let (events, _) = events(&happy_path_with(
        r#"{"at": 5, "pause": "A1"}, {"at": 50, "crash": "A1"}, {"at": 60, "restart": "A1"}"#,
    ));
    let prepare = events
        .iter()
        .find(|e| e["to"] == "A1" && e["mid"] == 0 && e["kind"] != "send")
        .unwrap();
    assert_eq!(prepare["kind"], "drop");
    assert_eq!(prepare["reason"], "crashed");
    assert_eq!(at(prepare), 50);
    assert!(
        !events
            .iter()
            .any(|e| e["kind"] == "persist" && e["node"] == "A1")
    );
}

#[test]
fn the_schedule_of_pauses_is_checked() {
    for (faults, message) in [
        (
            r#"{"at": 5, "resume": "A1"}"#,
            "node \"A1\" is up at time 5: only a paused node can resume",
        ),
        (
            r#"{"at": 5, "pause": "A1"}, {"at": 6, "pause": "A1"}"#,
            "node \"A1\" is paused at time 6: only a running node can pause",
        ),
        (
            r#"{"at": 5, "crash": "A1"}, {"at": 6, "pause": "A1"}"#,
            "node \"A1\" is down at time 6: only a running node can pause",
        ),
        (
            r#"{"at": 5, "pause": "A1"}, {"at": 6, "restart": "A1"}"#,
            "node \"A1\" is paused at time 6: only a crashed node can restart",
        ),
        (
            r#"{"at": 5, "pause": "A1", "crash": "A1"}"#,
            "exactly one of",
        ),
        (r#"{"at": 5, "pause": "Z9"}"#, "Z9"),
    ] {
        let e = Scenario::parse(&happy_path_with(faults), "pause.json")
            .err()
            .unwrap_or_else(|| panic!("{faults} accepted"))
            .to_string();
        assert!(e.contains(message), "{faults}: {e}");
        assert!(e.contains("faults["), "{faults}: {e}");
    }
    // A pause that never ends, and a crash of a paused node, are valid.
    Scenario::parse(&happy_path_with(r#"{"at": 5, "pause": "A1"}"#), "p").unwrap();
    Scenario::parse(
        &happy_path_with(r#"{"at": 5, "pause": "A1"}, {"at": 6, "crash": "A1"}"#),
        "p",
    )
    .unwrap();
}

#[test]
fn a_trace_with_pauses_replays() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pause-replay");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("pause.json");
    std::fs::write(
        &file,
        happy_path_with(r#"{"at": 5, "pause": "A1"}, {"at": 100, "resume": "A1"}"#),
    )
    .unwrap();
    let trace = dir.join("pause.jsonl");
    let bin = env!("CARGO_BIN_EXE_parliament");
    let run = std::process::Command::new(bin)
        .args([
            "run",
            file.to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).contains("A1   ⏸ pauses"));
    let replay = std::process::Command::new(bin)
        .args(["replay", trace.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
}

/// A write issued before the pause that completes at the instant of the
/// resume comes after the writes that waited (found by parliament fuzz,
/// primary-backup sync seed 2702: the log's appends landed out of order).
#[test]
fn writes_that_waited_land_before_one_completing_at_the_resume() {
    let text = r#"{"name": "pause-disk", "protocol": "primary-backup", "variant": "sync", "seed": 2702,
      "nodes": [{"name": "N1"}, {"name": "N2"}, {"name": "N3"}, {"name": "N4"}],
      "network": {"delay": {"fixed": 2}},
      "disk": {"nodes": [{"node": "N4", "latency": {"uniform": [20, 50]}},
                         {"node": "N1", "latency": {"uniform": [20, 50]}}]},
      "faults": [{"at": 19, "pause": "N1"}, {"at": 37, "resume": "N1"}],
      "workload": {"model": "set", "clients": 5, "timeout": 32, "retries": 0, "delay": 2,
                   "script": [{"at": 3, "client": "c5", "op": {"f": "add", "key": "k2", "value": 1}}]},
      "limits": {"time": 60}}"#;
    let (events, _) = events(text);
    let writes: Vec<String> = events
        .iter()
        .filter(|e| e["kind"] == "persist" && e["node"] == "N1")
        .map(|e| e["write"].to_string())
        .collect();
    // Issued in this order at t=0 (boot: the view, the no-op) and t=5 (the
    // client's add); the add's write is due exactly at the resume.
    assert!(writes.len() >= 3, "{writes:?}");
    assert!(writes[0].contains("view"), "{writes:?}");
    assert!(writes[1].contains("nop"), "{writes:?}");
    assert!(writes[2].contains("add"), "{writes:?}");
}
