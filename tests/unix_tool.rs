//! parliament behaves like a Unix tool: bounded memory, pipes, `-` for the
//! standard streams, outputs that never destroy inputs, scenario names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn parliament() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parliament"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parliament-unix-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `cmd` with its standard output a pipe whose reader closes it after
/// reading `keep` bytes.
fn with_stdout_closed_early(mut cmd: Command, keep: usize) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = vec![0u8; keep];
    let _ = std::io::Read::read_exact(&mut stdout, &mut buf);
    drop(stdout);
    child.wait_with_output().unwrap()
}

const HAPPY: &str = "scenarios/paxos/happy-path.json";

#[test]
fn a_huge_run_stops_at_its_memory_budget_with_exit_3_and_an_intact_trace() {
    let dir = scratch("budget");
    let mut s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios/primary-backup/async-failover-loses-writes.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // Within the documented limits, and far more than 64 MiB: every read
    // answer holds the whole list, so the history grows quadratically.
    s["limits"] = serde_json::json!({"time": 1_000_000_000_000u64, "events": 10_000_000_000u64});
    s["workload"]["generate"]["stop"] = serde_json::json!(1_000_000_000_000u64);
    let scenario = dir.join("huge.json");
    std::fs::write(&scenario, s.to_string()).unwrap();
    let trace = dir.join("huge.jsonl");
    let start = std::time::Instant::now();
    let o = parliament()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--max-memory", "64M", "--trace"])
        .arg(&trace)
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(start.elapsed().as_secs() < 60);
    assert!(err.contains("past its budget of 64.0 MiB"), "{err}");
    assert!(err.contains("client history"), "{err}");
    assert!(err.contains("events at virtual time"), "{err}");
    assert!(text(&o.stdout).contains("(memory-limit)"));
    // The trace is whole: every line parses, and it ends with its end line.
    let written = std::fs::read_to_string(&trace).unwrap();
    let last = written.lines().last().unwrap();
    let end: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(end["kind"], "end");
    assert_eq!(end["reason"], "memory-limit");
    // ... and judging it says nothing was judged, with the same exit status.
    let j = parliament().arg("judge").arg(&trace).output().unwrap();
    assert_eq!(j.status.code(), Some(3), "{}", text(&j.stderr));
    assert!(text(&j.stdout).contains("nothing is judged"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closed_stdout_ends_every_subcommand_quietly() {
    let dir = scratch("pipe");
    let history = dir.join("h.jsonl");
    let o = parliament()
        .args([
            "run",
            "scenarios/primary-backup/async-failover-loses-writes.json",
            "-q",
        ])
        .arg("--history")
        .arg(&history)
        .output()
        .unwrap();
    assert!(history.exists(), "{}", text(&o.stderr));
    let many: Vec<&Path> = std::iter::repeat_n(history.as_path(), 200).collect();
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["list".into()],
        vec!["protocols".into()],
        vec![
            "run".into(),
            HAPPY.into(),
            "--log-limit".into(),
            "100000".into(),
        ],
        vec!["check".into()]
            .into_iter()
            .chain(many.iter().map(|p| p.as_os_str().to_owned()))
            .collect(),
    ];
    for args in cases {
        let mut c = parliament();
        c.args(&args);
        let o = with_stdout_closed_early(c, 1);
        let err = text(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        assert_ne!(o.status.code(), Some(101), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_disk_on_stdout_is_exit_2_with_one_line() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for args in [
        vec!["run", HAPPY],
        vec!["list"],
        vec!["run", HAPPY, "--json"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = parliament().args(&args).stdout(full).output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("cannot write to standard output"), "{err}");
    }
}

#[test]
fn dash_is_stdin_for_inputs_and_stdout_for_outputs() {
    let dir = scratch("dash");
    // run - reads the scenario from standard input.
    let mut child = parliament()
        .args(["run", "-", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let scenario = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(HAPPY)).unwrap();
    child.stdin.take().unwrap().write_all(&scenario).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("chosen: X"));

    // --trace - writes only the trace on stdout; the verdicts go to stderr.
    let o = parliament()
        .args(["run", HAPPY, "--trace", "-"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let trace = text(&o.stdout);
    for line in trace.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("only trace lines on stdout");
    }
    assert!(text(&o.stderr).contains("chosen: X"));
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("-").exists());

    // ... and replay - / judge - read it back from stdin.
    for cmd in ["replay", "judge"] {
        let mut child = parliament()
            .args([cmd, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(trace.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{cmd}");
    }

    // --history - writes the history; check - reads it.
    let o = parliament()
        .args([
            "run",
            "scenarios/primary-backup/sync-failover-keeps-writes.json",
            "--history",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut child = parliament()
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&o.stdout).unwrap();
    let c = child.wait_with_output().unwrap();
    assert_eq!(c.status.code(), Some(0));
    assert!(text(&c.stdout).contains("linearizable"));

    // Both outputs on stdout, or one with --json, are refused.
    for args in [
        vec!["run", HAPPY, "--trace", "-", "--history", "-"],
        vec!["run", HAPPY, "--trace", "-", "--json"],
    ] {
        let o = parliament().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn endless_inputs_fail_fast_with_a_clear_error() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    for cmd in ["run", "replay", "judge", "check"] {
        let start = std::time::Instant::now();
        let o = parliament().args([cmd, "/dev/zero"]).output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("/dev/zero"), "{cmd}: {err}");
        assert!(
            err.contains("longer than") || err.contains("limited to"),
            "{cmd}: {err}"
        );
        assert!(start.elapsed().as_secs() < 20, "{cmd}");
    }
}

#[test]
fn outputs_never_destroy_inputs_or_each_other() {
    let dir = scratch("clobber");
    let scenario = dir.join("s.json");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(HAPPY), &scenario).unwrap();
    let before = std::fs::read(&scenario).unwrap();
    let same = dir.join("sub/../s.json");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let t = dir.join("t.jsonl");
    let cases: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec!["--trace".as_ref(), scenario.as_os_str()],
        vec!["--trace".as_ref(), same.as_os_str()],
        vec!["--history".as_ref(), scenario.as_os_str()],
        vec![
            "--trace".as_ref(),
            t.as_os_str(),
            "--history".as_ref(),
            t.as_os_str(),
        ],
    ];
    for extra in cases {
        let o = parliament()
            .arg("run")
            .arg(&scenario)
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(text(&o.stderr).contains("--"), "{}", text(&o.stderr));
        assert_eq!(std::fs::read(&scenario).unwrap(), before, "{extra:?}");
        assert!(
            !t.exists(),
            "nothing is written before every output is checked"
        );
    }
    // --history on a scenario without a workload is refused before the run,
    // so the trace file is not even created.
    let o = parliament()
        .arg("run")
        .arg(&scenario)
        .arg("--trace")
        .arg(&t)
        .arg("--history")
        .arg(dir.join("h.jsonl"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!t.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_scenario_name_from_list_runs_its_file() {
    for name in ["amnesia", "paxos/happy-path"] {
        let o = parliament().args(["run", name, "-q"]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("chosen: X"));
    }
    // A name several protocols share is refused with the files it matches.
    let o = parliament()
        .args(["run", "happy-path", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("scenarios/paxos/happy-path.json"));
    // From another directory the bundled scenarios are found.
    let o = parliament()
        .current_dir(std::env::temp_dir())
        .args(["run", "paxos/happy-path", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = parliament()
        .args(["run", "no-such-scenario"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("parliament list"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn list_shows_the_built_in_scenarios_from_any_directory() {
    let dir = scratch("list-elsewhere");
    let o = parliament().current_dir(&dir).arg("list").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let listed = text(&o.stdout);
    // Every shipped scenario, by the name `run` takes, and none invalid.
    let mut files = Vec::new();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    parliament::cli::list::collect_json(&shipped, &mut files).unwrap();
    assert!(!files.is_empty());
    for f in &files {
        let name = f.strip_prefix(&shipped).unwrap().with_extension("");
        let name = name.to_string_lossy().replace('\\', "/");
        assert!(
            listed.contains(&format!("{name} ")),
            "{name} missing:\n{listed}"
        );
    }
    assert!(!listed.contains("INVALID"), "{listed}");
    // And `run` finds a listed name there, with the same verdicts as its file.
    let o = parliament()
        .current_dir(&dir)
        .args(["run", "raft/figure-8", "-q", "--json"])
        .output()
        .unwrap();
    let from_file = parliament()
        .args(["run", "scenarios/raft/figure-8.json", "-q", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        from_file.status.code(),
        "{}",
        text(&o.stderr)
    );
    let checks = |out: &[u8]| {
        let v: serde_json::Value = serde_json::from_slice(out).unwrap();
        (v["checks"].clone(), v["events"].clone())
    };
    assert_eq!(checks(&o.stdout), checks(&from_file.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fuzz_output_failures_end_like_every_other_command() {
    let dir = scratch("fuzz-stdout");
    let out = dir.join("out");
    let args = [
        "fuzz",
        "--protocol",
        "basic-paxos",
        "--variant",
        "forget-promise",
        "--count",
        "200",
        "--jobs",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = parliament().args(args).stdout(full).output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("cannot write to standard output"), "{err}");
    }
    let mut c = parliament();
    c.args(args);
    let o = with_stdout_closed_early(c, 1);
    assert_eq!(o.status.code(), Some(141), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("panicked"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_output_redirected_into_an_input_is_refused() {
    let dir = scratch("stdout-input");
    let scenario = dir.join("s.json");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(HAPPY), &scenario).unwrap();
    let trace = dir.join("t.jsonl");
    let o = parliament()
        .arg("run")
        .arg(&scenario)
        .arg("--trace")
        .arg(&trace)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for (command, input) in [
        ("run", &scenario),
        ("judge", &trace),
        ("replay", &trace),
        ("diagram", &trace),
    ] {
        let before = std::fs::read(input).unwrap();
        // `parliament judge t.jsonl >> t.jsonl`
        let appending = std::fs::OpenOptions::new()
            .append(true)
            .open(input)
            .unwrap();
        let o = parliament()
            .arg(command)
            .arg(input)
            .stdout(appending)
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("standard output is the input"), "{err}");
        assert_eq!(std::fs::read(input).unwrap(), before, "{command}");
    }
    // Into another file it is fine.
    let other = std::fs::File::create(dir.join("out.txt")).unwrap();
    let o = parliament()
        .arg("judge")
        .arg(&trace)
        .stdout(other)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shrink_never_overwrites_a_file() {
    let dir = scratch("shrink-clobber");
    let scenario = dir.join("a.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/paxos/amnesia.json"),
        &scenario,
    )
    .unwrap();
    let original = std::fs::read(&scenario).unwrap();
    let shrink = |extra: &[&std::ffi::OsStr]| {
        parliament()
            .arg("shrink")
            .arg(&scenario)
            .args(["--max-runs", "20"])
            .args(extra)
            .output()
            .unwrap()
    };
    // --out naming the scenario itself, or any existing file: refused at once.
    let same = dir.join("sub/../a.json");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let other = dir.join("other.json");
    std::fs::write(&other, "mine").unwrap();
    for out in [&scenario, &same, &other] {
        let o = shrink(&["--out".as_ref(), out.as_os_str()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        assert!(text(&o.stdout).is_empty());
    }
    assert_eq!(std::fs::read(&scenario).unwrap(), original);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "mine");
    // The default name beside it; a file already there with other contents is
    // kept and the result goes to a fresh name.
    let o = shrink(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let shrunk = dir.join("a-shrunk.json");
    let first = std::fs::read(&shrunk).unwrap();
    std::fs::write(&shrunk, "edited").unwrap();
    let o = shrink(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&shrunk).unwrap(), "edited");
    assert!(
        text(&o.stdout).contains("a-shrunk-2.json"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(std::fs::read(dir.join("a-shrunk-2.json")).unwrap(), first);
    // The same result again finds its file: no third copy.
    let o = shrink(&[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!dir.join("a-shrunk-3.json").exists());
    assert_eq!(std::fs::read(&scenario).unwrap(), original);
    std::fs::remove_dir_all(&dir).unwrap();
}
