//! Step mode driven as a class drives it: commands through a pipe (and, where
//! tmux is installed, keys into a real terminal).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn step(scenario: &str, keys: &str, extra: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_parliament"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("step")
        .arg(scenario)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(keys.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

/// The screens of a session, in order (split at the step headers).
fn screens(text: &str) -> Vec<String> {
    text.split("── step ")
        .skip(1)
        .map(|s| {
            let s = s.split("step> ").next().unwrap_or(s);
            format!("── step {}", s.trim_end())
        })
        .collect()
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn forward_and_back_show_identical_screens() {
    // Six steps forward, then back one at a time to the start.
    let keys = "\n".repeat(6) + &"b\n".repeat(6) + "q\n";
    let s = screens(&step("scenarios/paxos/bribe-story.json", &keys, &[]));
    assert_eq!(s.len(), 13);
    for k in 0..=6 {
        assert_eq!(s[k], s[12 - k], "step {k} forward and back");
    }
    assert!(s[2].contains("A1 receives Prepare(1) from P1"), "{}", s[2]);
    assert!(s[2].contains("promised: 1"), "{}", s[2]);
}

#[test]
fn going_far_and_back_crosses_snapshots() {
    // The duel runs ~600 steps: beyond several snapshots.
    let s = screens(&step(
        "scenarios/paxos/duelling-proposers.json",
        "g 520\ng 300\ng 519\nb\n\n\ng 520\nq\n",
        &[],
    ));
    // Steps 0, 520, 300, 519, 518, 519, 520, 520.
    assert_eq!(s.len(), 8);
    assert_eq!(s[3], s[5]);
    assert_eq!(s[1], s[6]);
    assert_eq!(s[1], s[7]);
    assert!(s[4].starts_with("── step 518 "), "{}", s[4]);
    assert!(s[1].starts_with("── step 520 "), "{}", s[1]);
}

#[test]
fn node_and_time_jumps() {
    let s = screens(&step(
        "scenarios/paxos/bribe-story.json",
        "n A3\nt 50\nt 20\nq\n",
        &[],
    ));
    assert!(s[1].contains("A3"), "{}", s[1]);
    assert!(s[2].contains("t=50"), "{}", s[2]);
    assert!(s[3].contains("t=20"), "{}", s[3]);
}

#[test]
fn interventions_are_saved_as_a_scenario_that_replays_them() {
    let saved = tmp("step-saved.json");
    let _ = std::fs::remove_file(&saved);
    let keys = format!("\n\np\nx m3\nc A3\ng 12\ns {}\nq\n", saved.display());
    let text = step("scenarios/paxos/happy-path.json", &keys, &[]);
    assert!(text.contains("m3 is dropped"), "{text}");
    assert!(text.contains("A3 crashes"), "{text}");
    assert!(text.contains("saved to"), "{text}");
    let live = screens(&text);
    let at_12 = live
        .iter()
        .rev()
        .find(|s| s.starts_with("── step 12 "))
        .unwrap();
    // The saved file, stepped afresh, shows the same step 12.
    let again = screens(&step(saved.to_str().unwrap(), "g 12\nq\n", &[]));
    assert_eq!(&again[1], at_12);
    // And it is an ordinary scenario: run accepts it.
    let o = Command::new(env!("CARGO_BIN_EXE_parliament"))
        .args(["run", saved.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.code().is_some_and(|c| c <= 1));
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(spec["faults"][0]["crash"], "A3");
    assert_eq!(spec["filters"][0]["action"], "drop");
}

#[test]
fn save_never_overwrites_the_scenario_and_bad_commands_say_what_is_expected() {
    let text = step(
        "scenarios/paxos/happy-path.json",
        "s scenarios/paxos/happy-path.json\nzz\nc Q9\nx m999\ng\nq\n",
        &[],
    );
    assert!(text.contains("is the scenario being stepped"), "{text}");
    assert!(text.contains("unknown command \"zz\""), "{text}");
    assert!(text.contains("expected a node: P1"), "{text}");
    assert!(
        text.contains("expected the id of a message in flight"),
        "{text}"
    );
    assert!(text.contains("expected a step number"), "{text}");
}

#[test]
fn step_mode_narrates_in_chinese() {
    let text = step(
        "scenarios/paxos/bribe-story.json",
        "\n\nq\n",
        &["--lang", "zh"],
    );
    assert!(text.contains("收到 P1 的 Prepare(1)"), "{text}");
}

/// In a real terminal, through tmux, where it is installed (CI installs it).
#[test]
fn step_mode_in_a_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux not installed: skipped");
        return;
    }
    let session = format!("parliament-step-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_parliament");
    let dir = env!("CARGO_MANIFEST_DIR");
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().expect("tmux runs");
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "50",
        "-c",
        dir,
        &format!("{bin} step scenarios/paxos/bribe-story.json; sleep 5"),
    ]);
    assert!(started.status.success(), "{started:?}");
    let capture = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let wait_for = |what: &str| {
        for _ in 0..100 {
            if capture().contains(what) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    };
    assert!(wait_for("── step 0"), "{}", capture());
    tmux(&["send-keys", "-t", &session, "Enter"]);
    tmux(&["send-keys", "-t", &session, "Enter"]);
    assert!(wait_for("── step 2"), "{}", capture());
    assert!(
        capture().contains("A1 receives Prepare(1)"),
        "{}",
        capture()
    );
    tmux(&["send-keys", "-t", &session, "b", "Enter"]);
    assert!(wait_for("── step 1"), "{}", capture());
    tmux(&["send-keys", "-t", &session, "q", "Enter"]);
    tmux(&["kill-session", "-t", &session]);
}
