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

/// Fourteen concurrent timed-out writes and an answered CAS from a value
/// nobody wrote: the search tries every subset and order of the writes before
/// it can give up (a CAS is no read, so growth pruning cannot cut it short).
fn hard_history() -> TempFile {
    let mut text = format!("{HEADER_REGISTER}\n");
    for i in 0..14 {
        text.push_str(&format!(
            "{{\"event\":\"invoke\",\"id\":{i},\"client\":{i},\"time\":{i},\"f\":\"write\",\"key\":\"x\",\"value\":{i}}}\n"
        ));
    }
    text.push_str(
        "{\"event\":\"invoke\",\"id\":99,\"client\":99,\"time\":20,\"f\":\"cas\",\"key\":\"x\",\"from\":-1,\"to\":0}\n\
         {\"event\":\"ok\",\"id\":99,\"client\":99,\"time\":21,\"applied\":true}\n",
    );
    TempFile::new("hard.jsonl", &text)
}

#[test]
fn exit_3_when_the_budget_runs_out() {
    let f = hard_history();
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

const HEADER_SET: &str = r#"{"format":"parliament-history","version":1,"model":"set"}"#;

/// One `invoke` + `ok` pair per line of `ops`: (id, client, invoke, complete,
/// invoke fields, ok fields).
fn history_of(header: &str, ops: &[(u64, u32, u64, u64, &str, &str)]) -> String {
    let mut events: Vec<(u64, bool, String)> = Vec::new();
    for &(id, client, invoked, completed, call, answer) in ops {
        events.push((
            invoked,
            false,
            format!(
                "{{\"event\":\"invoke\",\"id\":{id},\"client\":{client},\"time\":{invoked},{call}}}"
            ),
        ));
        events.push((
            completed,
            true,
            format!(
                "{{\"event\":\"ok\",\"id\":{id},\"client\":{client},\"time\":{completed}{answer}}}"
            ),
        ));
    }
    events.sort_by_key(|e| (e.0, e.1));
    let mut text = format!("{header}\n");
    for (_, _, line) in events {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

#[test]
fn empty_histories_are_bad_input_in_every_format() {
    for (name, contents) in [
        ("empty.log", ""),
        ("empty.txt", "\n"),
        ("empty.jsonl", ""),
        ("header-only.jsonl", &format!("{HEADER_REGISTER}\n")),
    ] {
        let f = TempFile::new(name, contents);
        let (code, out, err) = check(&[f.arg()]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains("the history is empty"), "{name}: {err}");
    }
}

#[test]
fn a_set_read_listing_an_element_twice_is_a_verdict() {
    // From Porcupine's set-model tests: a read answering [100, 100, 110].
    let text = history_of(
        HEADER_SET,
        &[
            (1, 0, 0, 1, r#""f":"add","key":"s","value":100"#, ""),
            (2, 0, 2, 3, r#""f":"add","key":"s","value":110"#, ""),
            (
                3,
                1,
                4,
                5,
                r#""f":"read","key":"s""#,
                r#","value":[100,100,110]"#,
            ),
        ],
    );
    let f = TempFile::new("twice.jsonl", &text);
    let (code, out, err) = check(&[f.arg()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("a set never holds an element twice"), "{out}");
    assert!(
        out.contains("r3 c1 read(s) [4, 5] -> [100, 100, 110]"),
        "{out}"
    );
    let (_, json, _) = check(&["--json", f.arg()]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let violation = &v["partitions"][0]["violation"];
    assert_eq!(violation["explanation_kind"], "impossible_result");
    assert_eq!(violation["stuck"][0]["id"], 3);
}

/// The JSON violation of the one key of `text`.
fn violation_of(name: &str, text: &str) -> serde_json::Value {
    let f = TempFile::new(name, text);
    let (code, json, err) = check(&["--json", f.arg()]);
    assert_eq!(code, 1, "{json}{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    v["partitions"][0]["violation"].clone()
}

#[test]
fn json_says_which_form_the_explanation_takes_and_stuck_names_only_what_cannot_go() {
    // Write 1, write 2, then a read of 1 while a write of 5 is in flight: no
    // write left brings back the 1. The write of 5 could go next, so it must
    // not be named among the operations that cannot.
    let text = history_of(
        HEADER_REGISTER,
        &[
            (1, 0, 0, 1, r#""f":"write","key":"x","value":1"#, ""),
            (2, 0, 2, 3, r#""f":"write","key":"x","value":2"#, ""),
            (3, 1, 4, 8, r#""f":"read","key":"x""#, r#","value":1"#),
            (4, 2, 4, 9, r#""f":"write","key":"x","value":5"#, ""),
        ],
    );
    let v = violation_of("unplaceable.jsonl", &text);
    assert_eq!(v["explanation_kind"], "unplaceable_read");
    assert_eq!(v["prefix"], serde_json::json!([1, 2]));
    assert_eq!(v["to_place"], 4);
    assert_eq!(v["state"], "2");
    let stuck: Vec<u64> = v["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    assert_eq!(stuck, vec![3]);
    assert_eq!(v["unreachable_read"], 3);
    let f = TempFile::new("unplaceable.jsonl", &text);
    let (_, out, _) = check(&[f.arg()]);
    assert!(
        out.contains("The search stopped at a read it could not place")
            && out.contains("places 2 of 4 operations")
            && !out.contains("longest"),
        "{out}"
    );

    // A compare that failed although the register held its `from`: the
    // search tried what could follow the longest prefix, and none fits.
    let text = history_of(
        HEADER_REGISTER,
        &[
            (1, 0, 0, 1, r#""f":"write","key":"x","value":1"#, ""),
            (
                2,
                1,
                2,
                3,
                r#""f":"cas","key":"x","from":1,"to":2"#,
                r#","applied":false"#,
            ),
        ],
    );
    let v = violation_of("cas.jsonl", &text);
    assert_eq!(v["explanation_kind"], "longest_prefix");
    assert_eq!(v["prefix"], serde_json::json!([1]));
    assert_eq!(v["stuck"][0]["id"], 2);
    assert_eq!(v["unreachable_read"], serde_json::Value::Null);
    let f = TempFile::new("cas.jsonl", &text);
    let (_, out, _) = check(&[f.arg()]);
    assert!(
        out.contains("The longest linearizable prefix the search found places 1 of 2 operations"),
        "{out}"
    );
}

#[test]
fn max_memory_caps_the_search_and_reads_sizes() {
    let f = hard_history();
    let (code, out, _) = check(&["--max-memory", "1M", f.arg()]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("the memory limit (1 MiB)"), "{out}");
    let (code, out, _) = check(&["--max-memory", "512M", f.arg()]);
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = check(&["--max-memory", "1.5GiB", f.arg()]);
    assert_eq!(code, 1, "{out}");
    for bad in ["2X", "lots", "-1G", ""] {
        let (code, _, err) = check(&[&format!("--max-memory={bad}"), f.arg()]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--max-memory"), "{bad}: {err}");
    }
}

#[test]
fn parse_errors_say_what_is_allowed() {
    // A value of 2^63 does not fit a register.
    let f = write_then_read("big.jsonl", "9223372036854775808");
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":5: at value: expected an integer from -9223372036854775808 to 9223372036854775807, found 9223372036854775808"),
        "{err}"
    );
    // An etcd line with a misspelt event type names it.
    let f = TempFile::new("typo.log", "INFO  jepsen.util - 3\t:invokx\t:read\tnil\n");
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown event type \":invokx\""), "{err}");
    assert!(!err.contains("no operation open"), "{err}");
    // An element appended twice is refused where it is appended again.
    let text = history_of(
        HEADER_APPEND,
        &[
            (1, 0, 0, 1, r#""f":"append","key":"l","value":7"#, ""),
            (2, 0, 2, 3, r#""f":"append","key":"l","value":7"#, ""),
        ],
    );
    let f = TempFile::new("twice.jsonl", &text);
    let (code, _, err) = check(&[f.arg()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":4: at value: append of 7, which r1 already writes"),
        "{err}"
    );
}
