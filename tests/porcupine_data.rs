//! Every Porcupine test history gets the verdict expected.json gives it.
//!
//! The histories live outside the repository (../shared/data/porcupine-histories,
//! or $PARLIAMENT_PORCUPINE_DATA). When they are missing the tests fail if `CI`
//! is set, and otherwise print a notice and pass without checking.

use parliament::check::bench::{DATA_ENV, DataFile, load_expected, porcupine_data_dir};
use parliament::check::linearizability::{CheckOptions, Verdict, check_history};
use parliament::check::models::{KvModel, Model, RegisterModel};
use parliament::history::{Format, History, ModelKind, read_history_file};
use std::path::PathBuf;

fn data_dir() -> Option<PathBuf> {
    let dir = porcupine_data_dir();
    if dir.join("expected.json").is_file() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the Porcupine histories are missing at {} (set {DATA_ENV} to their folder)",
            dir.display()
        );
    }
    eprintln!(
        "notice: Porcupine histories not found at {}; skipping (set {DATA_ENV})",
        dir.display()
    );
    None
}

fn files() -> Option<Vec<DataFile>> {
    let dir = data_dir()?;
    Some(load_expected(&dir).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn every_history_gets_its_expected_verdict_per_key() {
    let Some(files) = files() else { return };
    assert!(files.len() >= 100, "only {} histories listed", files.len());
    let options = CheckOptions {
        stop_at_first_violation: true,
        ..CheckOptions::default()
    };
    let mut wrong = Vec::new();
    for f in &files {
        let got = check_history(&f.history, f.history.kind, true, &options)
            .unwrap()
            .verdict;
        if got != f.expected {
            wrong.push(format!("{}: got {got}, expected {}", f.name, f.expected));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn kv_c01_and_c10_get_the_same_verdicts_unpartitioned() {
    let Some(files) = files() else { return };
    let options = CheckOptions::default();
    let small: Vec<&DataFile> = files
        .iter()
        .filter(|f| f.name.starts_with("kv/c01") || f.name.starts_with("kv/c10"))
        .collect();
    assert_eq!(small.len(), 4);
    for f in small {
        let r = check_history(&f.history, ModelKind::Kv, false, &options).unwrap();
        assert_eq!(r.verdict, f.expected, "{}", f.name);
        assert_eq!(r.partitions.len(), 1, "one partition holds every key");
    }
}

/// Replay a violation's prefix with the model: each step must be legal, and
/// none of the stuck operations may apply to the state after it.
fn assert_explanation_holds<M: Model>(model: &M, history: &History, name: &str) {
    let options = CheckOptions::default(); // decide and explain every key
    let r = parliament::check::linearizability::check(model, history, &options);
    assert_eq!(r.unchecked, 0);
    for p in r
        .partitions
        .iter()
        .filter(|p| p.verdict == Verdict::NotLinearizable)
    {
        let v = p.violation.as_ref().expect("a violation is explained");
        let mut state = model.init();
        for &i in &v.prefix {
            let op = &history.ops[i];
            state = model
                .step(&state, &op.input, op.output())
                .unwrap_or_else(|| panic!("{name}: prefix step {op} is illegal"));
        }
        assert_eq!(model.describe(&state), v.state, "{name}");
        assert!(!v.stuck.is_empty(), "{name}: no stuck operation");
        assert!(v.overdue.is_some_and(|o| v.stuck.contains(&o)), "{name}");
        if let Some(read) = v.unreachable_read {
            // The read saw a state that cannot follow this one: at least it
            // does not fit here.
            let op = &history.ops[read];
            assert!(op.input.action.is_read(), "{name}: {op}");
            assert!(
                model.step(&state, &op.input, op.output()).is_none(),
                "{name}: {op}"
            );
            continue;
        }
        for &i in &v.stuck {
            let op = &history.ops[i];
            assert!(
                model.step(&state, &op.input, op.output()).is_none(),
                "{name}: stuck op {op} applies to {}",
                v.state
            );
        }
    }
}

#[test]
fn violation_explanations_replay_correctly() {
    let Some(dir) = data_dir() else { return };
    let Some(files) = files() else { return };
    let mut explained = 0;
    for f in files
        .iter()
        .filter(|f| f.expected == Verdict::NotLinearizable)
    {
        // c50-bad has keys too hard to decide quickly; the others are small.
        if f.name.contains("c50") {
            continue;
        }
        match f.history.kind {
            ModelKind::Register => assert_explanation_holds(&RegisterModel, &f.history, &f.name),
            ModelKind::Kv => assert_explanation_holds(&KvModel, &f.history, &f.name),
            other => panic!("unexpected {other} history"),
        }
        explained += 1;
    }
    assert!(explained > 50);
    // The empty etcd log (no verdict in expected.json) parses as an empty history.
    let (_, empty) = read_history_file(&dir.join("jepsen/etcd_095.log"), None).unwrap();
    assert!(empty.ops.is_empty());
    let (format, _) = read_history_file(&dir.join("kv/c01-ok.txt"), None).unwrap();
    assert_eq!(format, Format::PorcupineKv);
}
