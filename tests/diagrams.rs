//! Message-sequence diagrams, as a class sees them: golden pictures of the
//! seeds' stories at a fixed width, reviewed when they change
//! (`PARLIAMENT_REWRITE=1 cargo test --test diagrams` rewrites them), and the
//! promises every diagram keeps whatever the scenario.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn parliament(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parliament"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The diagram of a recorded run of `scenario`, drawn by `parliament diagram`.
fn diagram_of(scenario: &str, name: &str, extra: &[&str]) -> String {
    let trace = tmp(&format!("diagram-{name}.jsonl"));
    let o = parliament(&[
        "run",
        scenario,
        "--trace",
        trace.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let mut args = vec!["diagram", trace.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = parliament(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

fn golden(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/diagrams")
        .join(format!("{name}.txt"));
    if std::env::var_os("PARLIAMENT_REWRITE").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (PARLIAMENT_REWRITE=1 writes it)", path.display()));
    if want != text {
        let line = want
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(text.lines().count()));
        panic!(
            "{name}: the diagram changed at line {}:\n  golden: {:?}\n  now:    {:?}\n\
             (review, then PARLIAMENT_REWRITE=1 to accept)",
            line + 1,
            want.lines().nth(line),
            text.lines().nth(line)
        );
    }
}

/// Display width, counting East Asian wide characters as two.
fn width(line: &str) -> usize {
    line.chars()
        .map(|c| {
            let c = c as u32;
            if (0x2E80..=0xA4CF).contains(&c) || (0xFF00..=0xFF60).contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn the_bribe_story() {
    golden(
        "bribe-story-100",
        &diagram_of(
            "scenarios/paxos/bribe-story.json",
            "bribe",
            &["--width", "100"],
        ),
    );
}

#[test]
fn duelling_proposers_collapse_their_rounds() {
    let d = diagram_of(
        "scenarios/paxos/duelling-proposers.json",
        "duel",
        &["--width", "100"],
    );
    assert!(d.contains("more rounds like the one above"), "{d}");
    // The run has 596 events; the picture stays short enough to read.
    assert!(d.lines().count() < 200, "{} lines", d.lines().count());
    golden("duelling-proposers-100", &d);
    let full = diagram_of(
        "scenarios/paxos/duelling-proposers.json",
        "duel-full",
        &["--width", "100", "--no-collapse"],
    );
    assert!(!full.contains("more rounds"));
    assert!(full.lines().count() > d.lines().count() * 2);
}

#[test]
fn a_primary_backup_failover() {
    golden(
        "async-failover-loses-writes-120",
        &diagram_of(
            "scenarios/primary-backup/async-failover-loses-writes.json",
            "failover",
            &["--width", "120", "--to", "400"],
        ),
    );
}

#[test]
fn run_diagram_draws_what_diagram_draws_from_the_trace() {
    let from_trace = diagram_of(
        "scenarios/paxos/amnesia.json",
        "amnesia",
        &["--width", "90"],
    );
    let o = parliament(&[
        "run",
        "scenarios/paxos/amnesia.json",
        "--diagram",
        "--width",
        "90",
    ]);
    let live = stdout(&o);
    assert!(live.contains(&from_trace), "{live}\n---\n{from_trace}");
    assert!(
        live.contains("check agreement"),
        "verdicts follow the picture"
    );
}

#[test]
fn every_line_fits_the_width_and_nothing_is_coloured_off_a_terminal() {
    for (scenario, w) in [
        ("scenarios/paxos/bribe-story.json", 60),
        ("scenarios/paxos/lossy-duplicating-network.json", 80),
        ("scenarios/primary-backup/split-brain.json", 72),
    ] {
        let d = diagram_of(scenario, "fit", &["--width", &w.to_string()]);
        for line in d.lines() {
            assert!(
                width(line) <= w,
                "{scenario}: {} > {w}: {line}",
                width(line)
            );
            assert!(!line.contains('\x1b'), "{scenario}: colour in a pipe");
        }
    }
}

#[test]
fn what_a_diagram_marks() {
    let d = diagram_of(
        "scenarios/paxos/bribe-story.json",
        "marks",
        &["--width", "100"],
    );
    // The instant a quorum accepts, before any node learns it.
    let chosen = d
        .lines()
        .position(|l| l.contains("◆ CHOSEN proposal-1"))
        .unwrap();
    let learned = d
        .lines()
        .position(|l| l.contains("learned proposal-1"))
        .unwrap();
    assert!(chosen < learned);
    // Messages dropped by the scenario's filters, with why.
    assert!(d.contains("✗filter"), "{d}");
    let lossy = diagram_of(
        "scenarios/paxos/lossy-duplicating-network.json",
        "lossy",
        &["--width", "100", "--no-collapse"],
    );
    assert!(lossy.contains("✗lost"), "{lossy}");
    assert!(lossy.contains("(dup)"), "{lossy}");
    let restart = diagram_of(
        "scenarios/paxos/amnesia.json",
        "amnesia2",
        &["--width", "100"],
    );
    assert!(restart.contains("!! A"), "{restart}");
    assert!(restart.contains("restarts"), "{restart}");
}

#[test]
fn filters_narrow_the_picture() {
    let d = diagram_of(
        "scenarios/paxos/bribe-story.json",
        "narrow",
        &["--nodes", "P1,A1", "--kinds", "prepare", "--width", "60"],
    );
    let header = d.lines().next().unwrap();
    assert!(header.contains("P1") && header.contains("A1") && !header.contains("A2"));
    assert!(d.contains("Prepare(1)"));
    assert!(!d.contains("Promise("), "{d}");
    let window = diagram_of(
        "scenarios/paxos/bribe-story.json",
        "window",
        &["--from", "40", "--to", "50", "--width", "100"],
    );
    assert!(!window.contains("Prepare(1)"), "{window}");
    assert!(window.contains("Prepare(2)"), "{window}");
}

#[test]
fn unknown_names_are_refused_with_what_was_expected() {
    let trace = tmp("diagram-refuse.jsonl");
    parliament(&[
        "run",
        "scenarios/paxos/happy-path.json",
        "--trace",
        trace.to_str().unwrap(),
        "--quiet",
    ]);
    for (flag, value, expected) in [("--nodes", "P9", "P1"), ("--kinds", "prepar", "prepare")] {
        let o = parliament(&["diagram", trace.to_str().unwrap(), flag, value]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(value) && err.contains(expected), "{err}");
    }
}

// ---------------------------------------------------------------------------
// Narration.

#[test]
fn the_bribe_story_narrated_in_english_and_chinese() {
    for lang in ["en", "zh"] {
        let d = diagram_of(
            "scenarios/paxos/bribe-story.json",
            &format!("bribe-{lang}"),
            &["--width", "100", "--narrate", "--lang", lang],
        );
        golden(&format!("bribe-story-100-narrated-{lang}"), &d);
    }
}

#[test]
fn a_failover_narrated_in_chinese() {
    golden(
        "async-failover-loses-writes-120-narrated-zh",
        &diagram_of(
            "scenarios/primary-backup/async-failover-loses-writes.json",
            "failover-zh",
            &[
                "--width",
                "120",
                "--from",
                "190",
                "--to",
                "330",
                "--narrate",
                "--lang",
                "zh",
            ],
        ),
    );
}

/// `run --narrate` says one sentence per event, in the language asked for;
/// every kind of line the scenarios produce is worded, with no placeholder
/// left unfilled.
#[test]
fn run_narrates_every_event_of_every_scenario_in_both_languages() {
    let mut files = Vec::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    parliament::cli::list::collect_json(&dir, &mut files).unwrap();
    for f in files {
        for lang in ["en", "zh"] {
            let o = parliament(&["run", f.to_str().unwrap(), "--narrate", "--lang", lang]);
            let text = stdout(&o);
            let narration: Vec<&str> = text.lines().skip(3).take_while(|l| !l.is_empty()).collect();
            assert!(!narration.is_empty(), "{}: {text}", f.display());
            for line in &narration {
                assert!(!unfilled(line), "{} {lang}: unfilled: {line}", f.display());
                if lang == "zh" {
                    assert!(
                        line.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
                        "{} zh: not Chinese: {line}",
                        f.display()
                    );
                }
            }
        }
    }
}

/// Whether a line still holds a `{placeholder}` (lower-case word in braces).
fn unfilled(line: &str) -> bool {
    line.split('{').skip(1).any(|rest| {
        rest.split_once('}').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    })
}

#[test]
fn replay_narrates_the_recorded_run() {
    let trace = tmp("narrate-replay.jsonl");
    parliament(&[
        "run",
        "scenarios/paxos/amnesia.json",
        "--trace",
        trace.to_str().unwrap(),
        "--quiet",
    ]);
    let o = parliament(&["replay", trace.to_str().unwrap(), "--narrate"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("A2 crashes"), "{text}");
    assert!(text.contains("identical"), "{text}");
    let o = parliament(&[
        "replay",
        trace.to_str().unwrap(),
        "--narrate",
        "--lang",
        "fr",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("en"));
}
