//! `parliament bench` as a user runs it: missing data is an error, and the
//! generated checker cases report verdicts and memory.

use std::process::Command;

fn bench(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parliament"))
        .arg("bench")
        .args(args)
        .output()
        .expect("run parliament");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn missing_porcupine_data_is_exit_2_when_asked_for() {
    let (code, out, err) = bench(&[
        "--suite",
        "checker",
        "--data",
        "/nonexistent",
        "--runs",
        "1",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("cannot read the Porcupine histories in /nonexistent"),
        "{err}"
    );
    assert!(err.contains("--data"), "{err}");
    assert!(out.is_empty(), "nothing runs: {out}");
    let (code, _, err) = bench(&["--suite", "engine", "--c50", "1", "--data", "/nonexistent"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn judge_events_outside_the_costs_suite_is_a_usage_error() {
    for suite in ["engine", "all"] {
        let (code, out, err) = bench(&["--suite", suite, "--judge-events", "1000", "--runs", "1"]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("--suite costs"), "{err}");
        assert!(out.is_empty(), "nothing runs: {out}");
    }
}

#[test]
fn a_generated_case_reports_its_verdict_and_memory() {
    let (code, out, err) = bench(&["--generated-case", "register-1e4", "--runs", "1"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["name"], "check: generated register, 10000 ops");
    assert_eq!(v["events"], 20_000);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("verdict: linearizable (as constructed)"),
        "{notes}"
    );
    assert!(notes.contains("search tables"), "{notes}");
    let peak = v["peak_table_bytes"].as_u64().unwrap();
    assert!(peak > 0 && peak < 64 << 20, "{peak}");
    if cfg!(target_os = "linux") {
        assert!(v["vm_hwm_bytes"].as_u64().unwrap() >= peak);
    }
    let (code, _, err) = bench(&["--generated-case", "register-9e9"]);
    assert_eq!(code, 2);
    assert!(err.contains("register-1e4-info"), "{err}");
}
