//! `parliament check` as a user runs it: exit codes, JSON fields, error messages.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const HEADER_REGISTER: &str = r#"{"format":"parliament-history","version":1,"model":"register"}"#;
const HEADER_APPEND: &str = r#"{"format":"parliament-history","version":1,"model":"append"}"#;

/// A file in a fresh temporary folder, removed with it at exit of the test.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "parliament-check-cli-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        TempFile { path }
    }

    fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn check(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_parliament"))
        .arg("check")
        .args(args)
        .output()
        .expect("run parliament");
    (
        status.code().expect("exit code"),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// Client 0 writes 1 to x; then client 1 reads `read_value` from x.
fn write_then_read(name: &str, read_value: &str) -> TempFile {
    TempFile::new(
        name,
        &format!(
            "{HEADER_REGISTER}\n\
             {{\"event\":\"invoke\",\"id\":1,\"client\":0,\"time\":0,\"f\":\"write\",\"key\":\"x\",\"value\":1}}\n\
             {{\"event\":\"ok\",\"id\":1,\"client\":0,\"time\":2}}\n\
             {{\"event\":\"invoke\",\"id\":2,\"client\":1,\"time\":3,\"f\":\"read\",\"key\":\"x\"}}\n\
             {{\"event\":\"ok\",\"id\":2,\"client\":1,\"time\":4,\"value\":{read_value}}}\n"
        ),
    )
}

fn linearizable() -> TempFile {
    write_then_read("ok.jsonl", "1")
}

fn stale_read() -> TempFile {
    write_then_read("stale.jsonl", "null")
}

#[test]
fn exit_0_for_a_linearizable_history() {
    let f = linearizable();
    let (code, out, _) = check(&[f.arg()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("ok.jsonl: linearizable (jsonl, register model, 2 operations"),
        "{out}"
    );
}

#[test]
fn exit_1_and_an_explanation_for_a_violation() {
    let f = stale_read();
    let (code, out, _) = check(&[f.arg()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not linearizable"), "{out}");
    assert!(out.contains("places 1 of 2 operations"), "{out}");
    assert!(out.contains("r2 c1 read(x) [3, 4] -> nil"), "{out}");
}

#[test]
fn exit_2_for_bad_input_with_file_and_line() {
    let f = TempFile::new(
        "bad.jsonl",
        &format!(
            "{HEADER_REGISTER}\n\
             {{\"event\":\"invoke\",\"id\":1,\"client\":0,\"time\":5,\"f\":\"write\",\"key\":\"x\",\"value\":1}}\n\
             {{\"event\":\"ok\",\"id\":1,\"client\":0,\"time\":4}}\n"
        ),
    );
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:3:", f.arg())), "{err}");
    assert!(err.contains("time goes backwards"), "{err}");

    let f = TempFile::new("orphan.log", "INFO  jepsen.util - 3\t:ok\t:read\t1\n");
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:1:", f.arg())), "{err}");
    assert!(err.contains("no operation open"), "{err}");

    let f = TempFile::new(
        "busy.txt",
        "{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}\n\
         {:process 1, :type :invoke, :f :get, :key \"2\", :value nil}\n",
    );
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(err.contains(":2:") && err.contains("still open"), "{err}");
}

#[test]
fn exit_2_for_unknown_models_and_mismatches() {
    let f = TempFile::new(
        "queue.jsonl",
        "{\"format\":\"parliament-history\",\"version\":1,\"model\":\"queue\"}\n",
    );
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":1: at model: unknown model \"queue\""),
        "{err}"
    );

    let ok = linearizable();
    let (code, _, err) = check(&["--model", "kv", ok.arg()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("model kv cannot check a history of register operations"),
        "{err}"
    );

    let (code, _, err) = check(&["--model", "queue", ok.arg()]);
    assert_eq!(code, 2, "clap rejects it: {err}");

    let (code, _, err) = check(&["/nonexistent/h.jsonl"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the file"), "{err}");
}

#[test]
fn exit_3_when_the_budget_runs_out() {
    // Fourteen concurrent timed-out writes and a read of a value nobody wrote:
    // the search tries many orders of the writes before giving up.
    let mut text = format!("{HEADER_REGISTER}\n");
    for i in 0..14 {
        text.push_str(&format!(
            "{{\"event\":\"invoke\",\"id\":{i},\"client\":{i},\"time\":{i},\"f\":\"write\",\"key\":\"x\",\"value\":{i}}}\n"
        ));
    }
    text.push_str(
        "{\"event\":\"invoke\",\"id\":99,\"client\":99,\"time\":20,\"f\":\"read\",\"key\":\"x\"}\n\
         {\"event\":\"ok\",\"id\":99,\"client\":99,\"time\":21,\"value\":-1}\n",
    );
    let f = TempFile::new("hard.jsonl", &text);
    let (code, out, _) = check(&["--budget", "0", f.arg()]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("unknown") && out.contains("time budget ran out"),
        "{out}"
    );
    let (code, _, _) = check(&[f.arg()]);
    assert_eq!(code, 1, "with time the search decides");
    let (code, _, _) = check(&["--budget", "1e300", f.arg()]);
    assert_eq!(code, 1, "a huge budget is no limit");
    let (code, _, err) = check(&["--budget", "-1", f.arg()]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn json_has_one_object_per_file_with_the_documented_fields() {
    let ok = linearizable();
    let bad = stale_read();
    let (code, out, _) = check(&["--json", ok.arg(), bad.arg()]);
    assert_eq!(code, 1);
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["file"], ok.arg());
    assert_eq!(objects[0]["verdict"], "linearizable");
    assert_eq!(objects[0]["operations"], 2);
    assert!(objects[0]["seconds"].as_f64().is_some());
    assert_eq!(objects[1]["verdict"], "not linearizable");
    let violation = &objects[1]["partitions"][0]["violation"];
    assert_eq!(violation["prefix"], serde_json::json!([1]));
    assert_eq!(violation["stuck"][0]["id"], 2);
    assert_eq!(violation["overdue"], 2);
}

#[test]
fn the_worst_exit_code_wins_across_files() {
    let bad_input = TempFile::new("x.jsonl", "not json\n");
    let violation = stale_read();
    let (code, out, err) = check(&["--json", violation.arg(), bad_input.arg()]);
    assert_eq!(code, 2);
    assert!(
        err.is_empty(),
        "JSON mode reports errors in the objects: {err}"
    );
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["verdict"], "bad input");
    assert!(
        last["error"]
            .as_str()
            .unwrap()
            .contains("x.jsonl:1:2: not valid JSON: expected ident"),
        "{last}"
    );
}

#[test]
fn ghost_option_reports_timing_only_ghosts() {
    let f = TempFile::new(
        "rounds.jsonl",
        &format!(
            "{HEADER_APPEND}\n\
             {{\"event\":\"invoke\",\"id\":1,\"client\":0,\"time\":10,\"f\":\"append\",\"key\":\"l\",\"value\":2}}\n\
             {{\"event\":\"info\",\"id\":1,\"client\":0,\"time\":30}}\n\
             {{\"event\":\"invoke\",\"id\":2,\"client\":1,\"time\":40,\"f\":\"read\",\"key\":\"l\"}}\n\
             {{\"event\":\"ok\",\"id\":2,\"client\":1,\"time\":45,\"value\":[]}}\n\
             {{\"event\":\"invoke\",\"id\":3,\"client\":1,\"time\":60,\"f\":\"read\",\"key\":\"l\"}}\n\
             {{\"event\":\"ok\",\"id\":3,\"client\":1,\"time\":65,\"value\":[2]}}\n"
        ),
    );
    let (code, out, _) = check(&[f.arg()]);
    assert_eq!(code, 0, "linearizable: the append may take effect after R1");
    let (code, out_ghost, _) = check(&["--ghost", f.arg()]);
    assert_eq!(code, 1, "{out_ghost}");
    assert!(!out.contains("ghost"));
    assert!(
        out_ghost.contains("possible ghost (timing only): W r1"),
        "{out_ghost}"
    );
    let (_, json, _) = check(&["--ghost", "--json", f.arg()]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["ghosts"][0]["label"], "possible ghost (timing only)");
    assert_eq!(v["ghosts"][0]["reappearing_read"]["id"], 3);

    let (code, _, err) = check(&["--ghost", linearizable().arg()]);
    assert_eq!(code, 2, "not applicable to a register history: {err}");
}

#[test]
fn help_explains_inference_and_gives_examples() {
    let (code, out, _) = check(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Format inference"));
    assert!(out.contains("Examples:"));
    assert!(out.contains("--no-partition"));
}
