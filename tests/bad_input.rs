//! Bad input gets a clear error naming the file, the JSON path and (where the
//! parser knows it) the line and column: never a panic, never a huge allocation.

use parliament::error::InputError;
use parliament::scenario::Scenario;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

fn base() -> Value {
    json!({
        "protocol": "basic-paxos",
        "nodes": {"proposers": 2, "acceptors": 3},
        "requests": [{"at": 0, "node": "P1", "propose": "X"}]
    })
}

fn parse(v: &Value) -> Result<Scenario, InputError> {
    Scenario::parse(&serde_json::to_string_pretty(v).unwrap(), "test.json")
}

/// The error for `v`, which must mention `path` and every one of `words`.
fn error_of(v: &Value, path: &str, words: &[&str]) -> InputError {
    let e = parse(v).err().unwrap_or_else(|| panic!("accepted: {v}"));
    assert_eq!(e.path, path, "{e}");
    let text = e.to_string();
    assert!(text.starts_with("test.json"), "{text}");
    for w in words {
        assert!(text.contains(w), "{text:?} should mention {w:?}");
    }
    e
}

fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = value;
    v
}

fn insert(mut v: Value, key: &str, value: Value) -> Value {
    v.as_object_mut().unwrap().insert(key.to_string(), value);
    v
}

#[test]
fn the_base_scenario_is_valid() {
    parse(&base()).unwrap();
}

#[test]
fn empty_and_malformed_files() {
    let e = Scenario::parse("", "empty.json").unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = Scenario::parse("  \n ", "blank.json").unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = Scenario::parse(
        "{\"protocol\": \"basic-paxos\",\n \"nodes\": [}",
        "bad.json",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.column.is_some(), "{e}");
    let e = Scenario::parse("[1, 2]", "array.json").unwrap_err();
    assert!(e.to_string().contains("expected a JSON object"), "{e}");
    let e = Scenario::parse("{} trailing", "trailing.json").unwrap_err();
    assert_eq!(e.line, Some(1), "{e}");
    let e = Scenario::parse(&format!("{} x", base()), "t.json").unwrap_err();
    assert!(e.to_string().contains("trailing"), "{e}");
}

#[test]
fn unknown_names() {
    error_of(
        &with(base(), "/protocol", json!("raft2")),
        "protocol",
        &["unknown protocol", "basic-paxos"],
    );
    error_of(
        &insert(base(), "variant", json!("fast")),
        "variant",
        &["unknown variant", "backoff"],
    );
    error_of(
        &with(base(), "/requests/0/node", json!("P9")),
        "requests[0].node",
        &["unknown node \"P9\"", "A1"],
    );
    error_of(
        &insert(base(), "faults", json!([{"at": 5, "crash": "A7"}])),
        "faults[0].crash",
        &["A7"],
    );
    error_of(
        &insert(base(), "checks", json!(["agreement", "liveness"])),
        "checks[1]",
        &["unknown check", "validity"],
    );
    error_of(
        &insert(
            base(),
            "filters",
            json!([{"match": {"kind": "prepar"}, "action": "drop"}]),
        ),
        "filters[0].match.kind",
        &["unknown message kind", "prepare"],
    );
    error_of(
        &insert(
            base(),
            "filters",
            json!([{"match": {"to": ["A1", "B2"]}, "action": "drop"}]),
        ),
        "filters[0].match.to[1]",
        &["B2"],
    );
    error_of(
        &insert(
            base(),
            "network",
            json!({"links": [{"from": "P1", "to": "Z", "loss": 0.5}]}),
        ),
        "network.links[0].to",
        &["unknown node \"Z\""],
    );
    let v = with(
        base(),
        "/nodes",
        json!([{"name": "P1", "roles": ["proposer"]}, {"name": "A1", "roles": ["acceptor", "leader"]}]),
    );
    error_of(&v, "nodes[1].roles[1]", &["unknown role \"leader\""]);
}

#[test]
fn unknown_fields_are_typos_not_silence() {
    let e = error_of(
        &insert(base(), "fualts", json!([])),
        "fualts",
        &["unknown field `fualts`", "faults"],
    );
    assert!(e.line.is_some());
    error_of(
        &insert(base(), "faults", json!([{"at": 5, "crsh": "A1"}])),
        "faults[0].crsh",
        &["unknown field `crsh`"],
    );
}

#[test]
fn negative_and_wrongly_typed_numbers() {
    let e = error_of(
        &insert(
            base(),
            "faults",
            json!([{"at": 1, "crash": "A1"}, {"at": 2, "restart": "A1"}, {"at": -5, "crash": "A2"}]),
        ),
        "faults[2].at",
        &["-5", "u64"],
    );
    assert!(e.line.is_some() && e.column.is_some(), "{e}");
    error_of(
        &with(base(), "/requests/0/at", json!("soon")),
        "requests[0].at",
        &["\"soon\""],
    );
    error_of(&insert(base(), "seed", json!(-1)), "seed", &["-1"]);
    error_of(
        &insert(base(), "network", json!({"loss": 1.5})),
        "network.loss",
        &["between 0 and 1", "1.5"],
    );
    error_of(
        &insert(base(), "network", json!({"duplicate": -0.1})),
        "network.duplicate",
        &["between 0 and 1"],
    );
    error_of(
        &insert(base(), "network", json!({"delay": {"uniform": [20, 5]}})),
        "network.delay",
        &["lo <= hi"],
    );
    error_of(
        &insert(base(), "network", json!({"delay": {"fixd": 5}})),
        "network.delay",
        &["unknown variant `fixd`"],
    );
    error_of(
        &insert(base(), "params", json!({"timeout": -3})),
        "params.timeout",
        &["-3"],
    );
    error_of(
        &insert(base(), "params", json!({"timeut": 3})),
        "params.timeut",
        &["unknown field `timeut`", "timeout"],
    );
}

#[test]
fn absurd_sizes_are_refused_with_a_limit() {
    let e = error_of(
        &with(base(), "/nodes", json!({"acceptors": 1_000_000_000u64})),
        "nodes",
        &["1000000000", "limit of 128"],
    );
    assert!(e.message.contains("nodes"));
    error_of(
        &with(base(), "/nodes", json!({"acceptors": u64::MAX})),
        "nodes",
        &["limit"],
    );
    error_of(
        &insert(base(), "limits", json!({"time": 1u64 << 62})),
        "limits.time",
        &["beyond the limit"],
    );
    error_of(
        &insert(base(), "limits", json!({"events": u64::MAX})),
        "limits.events",
        &["limit"],
    );
    error_of(
        &insert(base(), "network", json!({"delay": {"fixed": 1u64 << 40}})),
        "network.delay",
        &["limit"],
    );
    error_of(
        &insert(
            base(),
            "filters",
            json!([{"action": {"delay": 1u64 << 40}}]),
        ),
        "filters[0].action.delay",
        &["limit"],
    );
    let many: Vec<Value> = (0..100_001)
        .map(|i| json!({"at": i, "heal": true}))
        .collect();
    error_of(
        &insert(base(), "faults", json!(many)),
        "faults",
        &["at most 100000"],
    );
    error_of(
        &with(base(), "/nodes", json!([])),
        "nodes",
        &["at least one node"],
    );
}

#[test]
fn inconsistent_fault_schedules() {
    error_of(
        &insert(base(), "faults", json!([{"at": 10, "restart": "A1"}])),
        "faults[0].restart",
        &["\"A1\" is up at time 10", "only a crashed node"],
    );
    // Faults are checked in time order, not file order.
    error_of(
        &insert(
            base(),
            "faults",
            json!([{"at": 30, "restart": "A1"}, {"at": 40, "crash": "A1"}]),
        ),
        "faults[0].restart",
        &["is up at time 30"],
    );
    error_of(
        &insert(
            base(),
            "faults",
            json!([{"at": 10, "crash": "A1"}, {"at": 20, "crash": "A1"}]),
        ),
        "faults[1].crash",
        &["already down"],
    );
    error_of(
        &insert(
            base(),
            "faults",
            json!([{"at": 10, "partition": [["A1", "A2"], ["A3", "Q"]]}]),
        ),
        "faults[0].partition[1][1]",
        &["unknown node \"Q\""],
    );
    error_of(
        &insert(
            base(),
            "faults",
            json!([{"at": 10, "partition": [["A1", "A2"], ["A2"]]}]),
        ),
        "faults[0].partition[1][0]",
        &["in two groups"],
    );
    error_of(
        &insert(
            base(),
            "faults",
            json!([{"at": 10, "crash": "A1", "heal": true}]),
        ),
        "faults[0]",
        &["exactly one of"],
    );
    error_of(
        &insert(base(), "faults", json!([{"at": 10}])),
        "faults[0]",
        &["found 0"],
    );
    error_of(
        &insert(base(), "faults", json!([{"at": 10, "heal": false}])),
        "faults[0].heal",
        &["true"],
    );
    error_of(
        &insert(
            base(),
            "filters",
            json!([{"during": [50, 10], "action": "drop"}]),
        ),
        "filters[0].during",
        &["start < end"],
    );
}

#[test]
fn nothing_is_scheduled_after_the_run_ends() {
    let limited = insert(base(), "limits", json!({"time": 100}));
    error_of(
        &insert(
            limited.clone(),
            "faults",
            json!([{"at": 101, "crash": "A1"}]),
        ),
        "faults[0].at",
        &["after the run ends", "limits.time is 100"],
    );
    error_of(
        &with(limited.clone(), "/requests/0/at", json!(500)),
        "requests[0].at",
        &["after the run ends"],
    );
    error_of(
        &insert(
            limited.clone(),
            "filters",
            json!([{"during": [200, 300], "action": "drop"}]),
        ),
        "filters[0].during",
        &["after the run ends"],
    );
    // Without limits.time the default limit applies, and says so.
    error_of(
        &insert(base(), "faults", json!([{"at": 100_001, "crash": "A1"}])),
        "faults[0].at",
        &["the default"],
    );
    // At the very end is still within the run.
    parse(&insert(
        limited,
        "faults",
        json!([{"at": 100, "crash": "A1"}]),
    ))
    .unwrap();
    // Scripted operations of a workload too.
    let pb = json!({
        "protocol": "primary-backup",
        "nodes": {"replicas": 2},
        "limits": {"time": 50},
        "workload": {"model": "register", "clients": 1,
                     "script": [{"at": 60, "client": "c1", "op": {"f": "read", "key": "x"}}]}
    });
    error_of(&pb, "workload.script[0].at", &["after the run ends"]);
}

#[test]
fn protocol_rules_on_roles_requests_and_expectations() {
    error_of(
        &with(base(), "/requests/0/node", json!("A1")),
        "requests[0].node",
        &["not a proposer"],
    );
    error_of(
        &with(base(), "/requests/0", json!({"at": 0, "node": "P1"})),
        "requests[0]",
        &["propose"],
    );
    error_of(
        &with(base(), "/nodes", json!({"proposers": 2})),
        "nodes",
        &["at least one acceptor"],
    );
    let v = with(
        base(),
        "/nodes",
        json!([{"name": "A", "roles": ["acceptor"]}, {"name": "A"}]),
    );
    error_of(&v, "nodes[1].name", &["used twice"]);
    error_of(
        &insert(base(), "expect", json!({"violation": "linearizability"})),
        "expect.violation",
        &["not among the checks"],
    );
    error_of(
        &insert(base(), "expect", json!({})),
        "expect",
        &["at least one"],
    );
    error_of(
        &insert(base(), "expect", json!({"chosen": "X", "livelock": true})),
        "expect",
        &["contradict"],
    );
    error_of(
        &with(base(), "/nodes", json!({"acceptors": "three"})),
        "nodes",
        &["list of nodes", "role counts"],
    );
}

#[test]
fn the_binary_exits_2_with_the_file_and_path_on_stderr() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("bad-restart.json");
    std::fs::write(
        &path,
        insert(base(), "faults", json!([{"at": 3, "restart": "A2"}])).to_string(),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_parliament"))
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad-restart.json"), "{err}");
    assert!(err.contains("faults[0].restart"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let missing = Command::new(env!("CARGO_BIN_EXE_parliament"))
        .args(["run", "no/such/file.json"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.json"));

    for (name, text) in [
        ("empty.jsonl", ""),
        ("junk.jsonl", "not json\n"),
        ("obj.jsonl", "{\"a\":1}\n"),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_parliament"))
            .args(["replay", p.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(name) && !err.contains("panicked"), "{err}");
    }
}

/// Random bytes and random mutations of valid scenarios never panic the parser.
#[test]
fn random_mutations_never_panic() {
    use parliament::rng::DetRng;
    let mut rng = DetRng::new(2026, 1);
    let seeds: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/paxos"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
    let alphabet = b"{}[]\":,-0123456789.eE \n\"abcxyzAPnulltruefalse\\";
    for i in 0..4000 {
        let text = if i % 4 == 0 {
            let len = rng.below(200) as usize;
            (0..len)
                .map(|_| rng.below(256) as u8 as char)
                .collect::<String>()
        } else {
            let mut bytes = seeds[rng.below(seeds.len() as u64) as usize]
                .clone()
                .into_bytes();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len() as u64) as usize;
                match rng.below(3) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, alphabet[rng.below(alphabet.len() as u64) as usize]),
                    _ => bytes[at] = alphabet[rng.below(alphabet.len() as u64) as usize],
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        };
        if let Ok(s) = Scenario::parse(&text, "fuzz.json") {
            // Whatever parses must also run without panicking (briefly).
            let mut s = s;
            s.event_limit = s.event_limit.min(2_000);
            let _ = parliament::run::run(&s, parliament::trace::TraceOutput::new());
        }
    }
}

/// Mistakes in nested specs name the key and say what was expected, never the
/// parser's bare "expected value" or "trailing characters".
#[test]
fn nested_mistakes_name_the_key_and_what_was_expected() {
    let b = base();
    let e = error_of(
        &insert(
            b.clone(),
            "network",
            json!({"delay": {"uniform": [1, 2, 3]}}),
        ),
        "network.delay.uniform",
        &["exactly 2"],
    );
    assert!(!e.to_string().contains("trailing"), "{e}");
    let e = error_of(
        &insert(
            b.clone(),
            "filters",
            json!([{"during": [1, 2, 3], "action": "drop"}]),
        ),
        "filters[0].during",
        &["exactly 2"],
    );
    assert!(!e.to_string().contains("trailing"), "{e}");
    error_of(
        &insert(b.clone(), "network", json!({"delay": {"fixd": 5}})),
        "network.delay",
        &["fixd", "fixed", "uniform"],
    );
    error_of(
        &insert(
            b.clone(),
            "filters",
            json!([{"match": {"kind": "accept"}, "action": {"delya": 4}}]),
        ),
        "filters[0].action",
        &["delya", "drop", "delay", "hold_until"],
    );
}
