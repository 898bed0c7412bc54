//! Workload clients: where each attempt of an operation goes. A client starts
//! at its node of the workload's `nodes`, follows redirects, and moves to the
//! next node after a timeout — after a timed-out last attempt too, so the
//! operation it starts next goes elsewhere (docs/scenario-format.md).

use parliament::run::run;
use parliament::scenario::Scenario;
use parliament::trace::{SharedBuffer, TraceOutput};
use serde_json::Value;

/// Primary-backup on N1..N3 with N1 down from the start; c1 (the only
/// client, starting at N1) runs two writes with `retries` attempts after a
/// timeout. Returns, in order, each attempt's request id and the node it was
/// sent to (redirects from a backup to the primary included).
fn attempts(retries: u32) -> Vec<(u64, String)> {
    let text = format!(
        r#"{{
  "name": "clients", "protocol": "primary-backup", "seed": 1,
  "nodes": {{"replicas": 3}},
  "network": {{"delay": {{"fixed": 2}}}},
  "faults": [{{"at": 0, "crash": "N1"}}],
  "workload": {{
    "model": "register", "clients": 1, "nodes": ["N1", "N2", "N3"],
    "timeout": 20, "retries": {retries}, "delay": 1,
    "script": [
      {{"at": 5, "client": "c1", "op": {{"f": "write", "key": "x", "value": 1}}}},
      {{"at": 6, "client": "c1", "op": {{"f": "write", "key": "x", "value": 2}}}}
    ]
  }},
  "limits": {{"time": 200}}
}}"#
    );
    let scenario = Scenario::parse(&text, "clients.json").unwrap();
    let buf = SharedBuffer::new();
    run(
        &scenario,
        TraceOutput::new().to_writer(Box::new(buf.clone())),
    )
    .unwrap();
    buf.text()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["kind"] == "request" && e["client"] == "c1")
        .map(|e| {
            let node = e["node"].as_str().unwrap().to_string();
            (e["request"].as_u64().unwrap(), node)
        })
        .collect()
}

/// The node the first attempt of each operation went to.
fn first_attempts(attempts: &[(u64, String)]) -> Vec<&str> {
    let mut seen = Vec::new();
    let mut firsts = Vec::new();
    for (request, node) in attempts {
        if !seen.contains(request) {
            seen.push(*request);
            firsts.push(node.as_str());
        }
    }
    firsts
}

#[test]
fn a_client_that_gave_up_on_a_node_starts_its_next_operation_at_the_next_one() {
    // The first write is lost at N1 (down) and ends `info`; the second starts
    // at N2, not at N1 again.
    let attempts = attempts(0);
    assert_eq!(first_attempts(&attempts), ["N1", "N2"], "{attempts:?}");
}

#[test]
fn a_retry_goes_to_the_next_node_with_the_same_request() {
    let attempts = attempts(1);
    // The first write's retry (same request id) goes to N2.
    assert_eq!(attempts[0].1, "N1", "{attempts:?}");
    assert_eq!(
        attempts[1],
        (attempts[0].0, "N2".to_string()),
        "{attempts:?}"
    );
}
