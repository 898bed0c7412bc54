//! The binary as a user meets it: exit codes, --json, replay, determinism across
//! processes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parliament"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn parliament(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(name)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(o).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn run_exits_as_expect_says_for_every_scenario() {
    let mut files = Vec::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    parliament::cli::list::collect_json(&dir, &mut files).unwrap();
    for f in files {
        let o = parliament(&["run", f.to_str().unwrap(), "--quiet"]);
        assert_eq!(code(&o), 0, "{}: {}", f.display(), stdout(&o));
    }
}

#[test]
fn run_json_summary_has_the_promised_fields() {
    let o = parliament(&["run", "scenarios/paxos/amnesia.json", "--json"]);
    assert_eq!(code(&o), 0, "the violation it teaches happened");
    let v = json(&o);
    for field in [
        "scenario",
        "protocol",
        "variant",
        "seed",
        "events",
        "messages_sent",
        "messages_delivered",
        "virtual_time",
        "checks",
        "expect_met",
        "trace_sha256",
    ] {
        assert!(v.get(field).is_some(), "missing {field}: {v}");
    }
    assert_eq!(v["checks"]["agreement"], "violated");
    assert_eq!(v["checks"]["validity"], "ok");
    assert_eq!(v["variant"], "forget-promise");
    assert_eq!(v["expect_met"], true);
    assert_eq!(v["trace_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn a_violation_without_expect_exits_1_and_an_unmet_expect_exits_1() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/paxos/amnesia.json"),
    )
    .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("expect");
    let no_expect = tmp("amnesia-no-expect.json");
    std::fs::write(&no_expect, v.to_string()).unwrap();
    let o = parliament(&["run", no_expect.to_str().unwrap(), "--quiet"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("agreement        violated"),
        "{}",
        stdout(&o)
    );

    v["expect"] = serde_json::json!({"chosen": "X"});
    let wrong = tmp("amnesia-wrong-expect.json");
    std::fs::write(&wrong, v.to_string()).unwrap();
    let o = parliament(&["run", wrong.to_str().unwrap(), "--quiet"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("NOT met"), "{}", stdout(&o));
}

#[test]
fn same_seed_same_trace_across_processes_and_in_process() {
    let scenario = "scenarios/paxos/lossy-duplicating-network.json";
    let a = json(&parliament(&["run", scenario, "--json"]));
    let b = json(&parliament(&["run", scenario, "--json"]));
    assert_eq!(a["trace_sha256"], b["trace_sha256"]);

    // The file written with --trace hashes to the same value.
    let path = tmp("lossy.jsonl");
    let o = parliament(&["run", scenario, "--json", "--trace", path.to_str().unwrap()]);
    let c = json(&o);
    assert_eq!(a["trace_sha256"], c["trace_sha256"]);
    use sha2::Digest;
    let bytes = std::fs::read(&path).unwrap();
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(a["trace_sha256"].as_str().unwrap(), digest);

    // In-process runs agree with the separate processes.
    let s = parliament::scenario::Scenario::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(scenario),
    )
    .unwrap();
    for _ in 0..2 {
        let out = parliament::trace::TraceOutput::new().hashed();
        let (report, _) = parliament::run::run(&s, out).unwrap();
        assert_eq!(
            report.trace_sha256.as_deref(),
            a["trace_sha256"].as_str(),
            "in-process"
        );
    }

    // Another seed gives another run.
    let d = json(&parliament(&["run", scenario, "--json", "--seed", "8"]));
    assert_ne!(a["trace_sha256"], d["trace_sha256"]);
    assert_eq!(d["seed"], 8);
}

#[test]
fn replay_of_every_golden_trace_is_identical() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("traces");
    let mut traces = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        for entry in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            traces.push(entry.unwrap().path());
        }
    }
    traces.sort();
    let mut n = 0;
    for path in traces {
        let o = parliament(&["replay", path.to_str().unwrap()]);
        assert_eq!(
            code(&o),
            0,
            "{}: {}{}",
            path.display(),
            stdout(&o),
            stderr(&o)
        );
        assert!(stdout(&o).contains("identical"));
        n += 1;
    }
    assert!(n >= 10);
}

#[test]
fn replay_reports_the_first_divergence() {
    let golden = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("traces/paxos/happy-path.jsonl"),
    )
    .unwrap();
    let mut lines: Vec<String> = golden.lines().map(str::to_string).collect();
    lines[7] = lines[7].replace("\"t\":10", "\"t\":11");
    let tampered = tmp("tampered.jsonl");
    std::fs::write(&tampered, lines.join("\n") + "\n").unwrap();
    let o = parliament(&["replay", tampered.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("DIVERGED at line 8"), "{out}");
    assert!(out.contains("recorded: {\"t\":11"), "{out}");
    assert!(out.contains("produced: {\"t\":10"), "{out}");

    // A truncated trace diverges where it ends.
    let short = tmp("short.jsonl");
    std::fs::write(&short, lines[..5].join("\n") + "\n").unwrap();
    let o = parliament(&["replay", short.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("recorded: <end of trace>"),
        "{}",
        stdout(&o)
    );

    // A different seed in the header replays a different run.
    let reseeded = tmp("reseeded.jsonl");
    let mut header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    header["seed"] = serde_json::json!(99);
    header["scenario"]["seed"] = serde_json::json!(99);
    header["scenario"]["network"] = serde_json::json!({"delay": {"uniform": [1, 30]}});
    let mut l2 = lines.clone();
    l2[0] = header.to_string();
    std::fs::write(&reseeded, l2.join("\n") + "\n").unwrap();
    let o = parliament(&["replay", reseeded.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("DIVERGED"), "{}", stdout(&o));

    // A header whose own seed disagrees with its scenario's is refused, by
    // replay and judge alike, rather than half believed.
    header["seed"] = serde_json::json!(7);
    l2[0] = header.to_string();
    std::fs::write(&reseeded, l2.join("\n") + "\n").unwrap();
    for command in ["replay", "judge"] {
        let o = parliament(&[command, reseeded.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{command}");
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(
            err.contains(":1: at seed") && err.contains("seed 7") && err.contains("99"),
            "{command}: {err}"
        );
    }
}

#[test]
fn list_and_protocols_describe_what_is_there() {
    let o = parliament(&["list"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("scenarios/paxos/bribe-story.json"), "{out}");
    assert!(out.contains("Seed 004"), "{out}");
    let o = parliament(&["protocols"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    for v in ["basic-paxos", "backoff", "forget-promise", "own-value"] {
        assert!(out.contains(v), "{out}");
    }
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in [
        "run",
        "replay",
        "judge",
        "list",
        "protocols",
        "bench",
        "check",
    ] {
        let o = parliament(&[sub, "--help"]);
        assert_eq!(code(&o), 0, "{sub}");
        assert!(
            stdout(&o).contains("Example"),
            "{sub} --help:\n{}",
            stdout(&o)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&parliament(&["run"])), 2);
    assert_eq!(code(&parliament(&["frobnicate"])), 2);
    assert_eq!(code(&parliament(&["run", "x.json", "--seed", "-1"])), 2);
}

#[test]
fn trace_file_is_streamed_and_complete() {
    let path = tmp("duel.jsonl");
    let o = parliament(&[
        "run",
        "scenarios/paxos/duelling-proposers.json",
        "--quiet",
        "--trace",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.contains("\"kind\":\"end\""), "{last}");
    assert!(last.contains("\"reason\":\"time-limit\""), "{last}");
}

#[test]
fn judge_reads_a_trace_without_rerunning_it() {
    let o = parliament(&["judge", "traces/primary-backup/split-brain.jsonl", "--json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    assert_eq!(v["checks"]["linearizability"], "violated");
    assert_eq!(v["checks"]["log-safety"], "violated");
    assert_eq!(v["checks"]["ghost"], "ok");
    // The hash is the file's: the same as the run that wrote it.
    let r = json(&parliament(&[
        "run",
        "scenarios/primary-backup/split-brain.json",
        "--json",
    ]));
    assert_eq!(v["trace_sha256"], r["trace_sha256"]);

    // A trace cut short (no end line) is refused: its verdicts would be about an
    // unfinished run.
    let golden = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("traces/paxos/amnesia.jsonl"),
    )
    .unwrap();
    let lines: Vec<&str> = golden.lines().collect();
    let cut = tmp("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let o = parliament(&["judge", cut.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no end line"), "{}", stderr(&o));

    // A mangled fact line is reported with its line number.
    let mut bad: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let i = bad
        .iter()
        .position(|l| l.contains("\"kind\":\"fact\""))
        .unwrap();
    bad[i] = bad[i].replace("\"fact\":\"promised\"", "\"fact\":\"bribed\"");
    let mangled = tmp("mangled.jsonl");
    std::fs::write(&mangled, bad.join("\n") + "\n").unwrap();
    let o = parliament(&["judge", mangled.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&format!(":{}:", i + 1)),
        "{}",
        stderr(&o)
    );
}

/// `judge` refuses a trace no run could have written, naming the line, as
/// `replay` does.
#[test]
fn judge_refuses_traces_a_run_cannot_have_written() {
    let golden = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/paxos/happy-path.jsonl"),
    )
    .unwrap();
    let lines: Vec<String> = golden.lines().map(str::to_string).collect();
    let n = lines.len();
    let mut cases: Vec<(&str, Vec<String>, usize)> = Vec::new();
    let mut swapped = lines.clone();
    swapped.swap(3, 4);
    cases.push(("out of sequence", swapped, 4));
    let mut repeated = lines.clone();
    repeated.insert(4, lines[3].clone());
    cases.push(("repeated", repeated, 5));
    let mut unknown = lines.clone();
    unknown[2] = unknown[2].replacen("\"kind\":\"", "\"kind\":\"x", 1);
    cases.push(("unknown kind", unknown, 3));
    let mut after_end = lines.clone();
    after_end.push(lines[n - 2].clone());
    cases.push(("after the end", after_end, n + 1));
    for (what, text, line) in cases {
        let path = tmp(&format!("judge-{}.jsonl", what.replace(' ', "-")));
        std::fs::write(&path, text.join("\n") + "\n").unwrap();
        let o = parliament(&["judge", path.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{what}: {}", stdout(&o));
        let at = format!("{}:{line}", path.display());
        assert!(
            stderr(&o).contains(&at),
            "{what}: expected {at} in {}",
            stderr(&o)
        );
    }
    // The untouched trace is judged.
    let o = parliament(&["judge", "traces/paxos/happy-path.jsonl"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// `run`, `judge` and `check` explain one linearizability violation in the same
/// words, naming the read the search could not place.
#[test]
fn run_judge_and_check_give_the_same_explanation() {
    let scenario = "scenarios/primary-backup/async-failover-loses-writes.json";
    let history = tmp("afl-history.jsonl");
    let trace = tmp("afl-trace.jsonl");
    let run = parliament(&[
        "run",
        scenario,
        "--quiet",
        "--history",
        history.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let judged = parliament(&["judge", trace.to_str().unwrap()]);
    let checked = parliament(&["check", history.to_str().unwrap()]);
    assert_eq!(code(&checked), 1, "{}", stderr(&checked));
    let trimmed =
        |o: &Output| -> Vec<String> { stdout(o).lines().map(|l| l.trim().to_string()).collect() };
    // The explanation of the first key, as `check` prints it.
    let explanation: Vec<String> = trimmed(&checked)
        .into_iter()
        .skip(1)
        .take_while(|l| !l.contains("not checked"))
        .collect();
    assert!(
        explanation.iter().any(|l| l.starts_with("r48 c3 read(k1)")),
        "the unplaceable read is named: {explanation:#?}"
    );
    for (what, out) in [("run", trimmed(&run)), ("judge", trimmed(&judged))] {
        let at = out
            .iter()
            .position(|l| *l == explanation[0])
            .unwrap_or_else(|| panic!("{what}: no {:?} in {out:#?}", explanation[0]));
        assert_eq!(out[at..at + explanation.len()], explanation[..], "{what}");
    }
}
