//! `parliament bench`: engine and checker throughput, medians of several runs.
//!
//! Checker cases on generated histories each run in a child process (this
//! program, with the hidden `--generated-case`), so the peak resident memory
//! reported for a case is that case's alone.

use crate::bench::{BenchResult, engine};
use crate::check::bench::{self as checker, GENERATED_CASES, GeneratedCase};
use crate::cli::progress::{Shown, Stages};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Suite {
    /// Long simulations with the trace off: events per second.
    Engine,
    /// The linearizability checker on the Porcupine histories, and on
    /// generated register histories of 10^4 operations.
    Checker,
    /// The checker on generated register histories of 10^4, 3·10^4 and 10^5
    /// operations, with and without 2% `info` (about a minute with 5 runs).
    CheckerLarge,
    /// Fuzz sweeps: seeds per second with 1 and 2 jobs.
    Fuzz,
    /// The diagram of a 10^5-event trace, and one step back at step 10^5.
    Classroom,
    /// Costs that must not grow: 10^5 message filters against one, the trace
    /// written to a file against none, judging traces of 10^5 and 10^6 events
    /// (time and peak memory; --judge-events for longer ones).
    Costs,
    /// Engine, checker and fuzz (not checker-large).
    All,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  parliament bench\n  parliament bench --runs 9 --json\n  \
parliament bench --suite checker --data ../shared/data/porcupine-histories\n  \
parliament bench --suite checker-large --runs 3\n\n\
Engine cases run long Basic Paxos simulations with the trace off and report\n\
events per second. Checker cases check the Porcupine histories in process\n\
(parsing excluded), compare every verdict with expected.json and quote the Go\n\
reference checker's stored timings with their date and machine (no ratio is\n\
claimed against figures not measured in the same run); they need the histories (--data), and\n\
exit 2 when asked for explicitly (--suite checker, or --data) and the folder\n\
cannot be read (with the default --suite all they are then skipped with a\n\
notice). Generated cases check single-key register histories of 20 clients,\n\
linearizable by construction, under a 1 GiB memory limit, each in a child\n\
process, and report the checker's peak table bytes and the process's VmHWM.\n\
All figures are wall-clock medians of --runs runs. Exit code 1 if a checker\n\
verdict differs from the expected one, 2 for bad input."
)]
pub struct BenchArgs {
    /// Print one JSON object per case (name, events, seconds, events_per_sec, ...).
    #[arg(long)]
    pub json: bool,
    /// Timed runs per case; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    #[arg(long, value_enum, default_value_t = Suite::All)]
    pub suite: Suite,
    /// The Porcupine histories (default: $PARLIAMENT_PORCUPINE_DATA, or
    /// ../shared/data/porcupine-histories beside the crate).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Also decide every key of kv/c50-bad.txt separately, within this many
    /// seconds (a stretch case; runs once).
    #[arg(long, value_name = "SECS")]
    pub c50: Option<u64>,
    /// Costs suite: also judge a duel trace of this many events (10^7 writes
    /// a temporary trace of about 2.7 GB and takes about half a minute a run).
    #[arg(long, value_name = "EVENTS")]
    pub judge_events: Vec<u64>,
    /// Run one generated checker case in this process and print it as JSON
    /// (what the parent runs in a child process).
    #[arg(long, value_name = "ID", hide = true)]
    pub generated_case: Option<String>,
    /// Judge this trace in this process and print the timing as JSON (what the
    /// costs suite runs in a child process).
    #[arg(long, value_name = "FILE", hide = true)]
    pub judge_trace: Option<PathBuf>,
}

pub fn bench_command(args: &BenchArgs) -> i32 {
    if let Some(path) = &args.judge_trace {
        return match crate::bench::costs::judge_trace(path, args.runs) {
            Ok(result) => {
                crate::outln!(
                    "{}",
                    serde_json::to_string(&result).expect("results serialise")
                );
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        };
    }
    if let Some(id) = &args.generated_case {
        let Some(case) = GeneratedCase::find(id) else {
            let ids: Vec<&str> = GENERATED_CASES.iter().map(|c| c.id).collect();
            eprintln!(
                "error: unknown generated case {id:?}; expected one of: {}",
                ids.join(", ")
            );
            return 2;
        };
        let result = checker::generated_case(case, args.runs);
        crate::outln!(
            "{}",
            serde_json::to_string(&result).expect("results serialise")
        );
        return 0;
    }
    if !args.judge_events.is_empty() && args.suite != Suite::Costs {
        eprintln!(
            "error: --judge-events belongs to the costs suite; add --suite costs \
             (this run is --suite {})",
            args.suite
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
        return 2;
    }
    let porcupine = matches!(args.suite, Suite::Checker | Suite::All);
    let data = args
        .data
        .clone()
        .unwrap_or_else(checker::porcupine_data_dir);
    // Read the histories before anything runs, so bad data fails at once.
    let files = if porcupine || args.c50.is_some() {
        match checker::load_expected(&data) {
            Ok(files) => Some(files),
            Err(e) if args.data.is_some() || args.suite == Suite::Checker || args.c50.is_some() => {
                eprintln!(
                    "error: cannot read the Porcupine histories in {}: {e}\n  \
                     give --data DIR (the folder with expected.json) or set {}",
                    data.display(),
                    checker::DATA_ENV
                );
                return 2;
            }
            Err(e) => {
                eprintln!(
                    "notice: Porcupine checker cases skipped ({e}); give --data DIR or set {}",
                    checker::DATA_ENV
                );
                None
            }
        }
    } else {
        None
    };
    let generated: &[GeneratedCase] = match args.suite {
        Suite::Engine | Suite::Fuzz | Suite::Classroom | Suite::Costs => &[],
        Suite::Checker | Suite::All => &GENERATED_CASES[..2],
        Suite::CheckerLarge => &GENERATED_CASES,
    };
    let engine_on = matches!(args.suite, Suite::Engine | Suite::All);
    let porcupine_on = porcupine && files.is_some();
    let fuzz_on = matches!(args.suite, Suite::Fuzz | Suite::All);
    let classroom_on = matches!(args.suite, Suite::Classroom | Suite::All);
    let costs_on = args.suite == Suite::Costs;
    let stage_count = [engine_on, porcupine_on, fuzz_on, classroom_on, costs_on]
        .iter()
        .filter(|&&on| on)
        .count()
        + generated.len()
        + usize::from(args.c50.is_some());
    // Progress on stderr: a bar on a terminal, a line now and then otherwise,
    // none with --json.
    let stages = Stages::new(Shown::for_stderr(args.json), "bench", stage_count);
    let mut results: Vec<BenchResult> = Vec::new();
    let mut report = |batch: Vec<BenchResult>| {
        stages.suspend(|| {
            for r in &batch {
                print_result(r, args.json);
            }
        });
        results.extend(batch);
    };
    if engine_on {
        stages.start("engine cases");
        report(engine::cases(args.runs));
    }
    if porcupine_on && let Some(files) = &files {
        stages.start("checker on the Porcupine histories");
        report(checker::checker_cases(&data, files, args.runs));
    }
    for &case in generated {
        stages.start(&format!("checker on {}", case.id));
        report(vec![generated_in_child(case, args.runs)]);
    }
    if fuzz_on {
        stages.start("fuzz sweeps");
        report(crate::bench::fuzz::cases(args.runs));
    }
    if classroom_on {
        stages.start("classroom cases");
        report(crate::bench::classroom::cases(args.runs));
    }
    if costs_on {
        stages.start("costs");
        report(crate::bench::costs::cases(args.runs, &args.judge_events));
    }
    if let Some(secs) = args.c50 {
        stages.start("c50-bad, every key");
        match checker::c50_bad_every_key(&data, Duration::from_secs(secs)) {
            Ok(r) => report(vec![r]),
            Err(e) => {
                stages.finish();
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    stages.finish();
    let mismatch = results
        .iter()
        .any(|r| r.notes.iter().any(|n| n.contains("MISMATCH")));
    if mismatch { 1 } else { 0 }
}

/// Run a generated case in a child process (its VmHWM is the case's alone);
/// in this process if no child can be started, saying so in the notes.
fn generated_in_child(case: GeneratedCase, runs: usize) -> BenchResult {
    let child = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .args(["bench", "--generated-case", case.id, "--runs"])
            .arg(runs.to_string())
            .output()
    });
    let problem = match child {
        Ok(out) if out.status.success() => {
            match serde_json::from_slice::<BenchResult>(&out.stdout) {
                Ok(result) => return result,
                Err(e) => format!("unreadable output ({e})"),
            }
        }
        Ok(out) => format!(
            "it failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("it could not start ({e})"),
    };
    let mut result = checker::generated_case(case, runs);
    result.notes.push(format!(
        "ran in this process, so VmHWM includes earlier cases: the child process {problem}"
    ));
    result
}

fn print_result(r: &BenchResult, json: bool) {
    if json {
        crate::outln!("{}", serde_json::to_string(r).expect("results serialise"));
        return;
    }
    crate::outln!(
        "{:<48} {:>9} {} {:>10.4} s {:>12.0} {}/s  (median of {})",
        r.name,
        r.events,
        r.unit,
        r.seconds,
        r.events_per_sec,
        r.unit,
        r.samples.len()
    );
    for note in &r.notes {
        crate::outln!("    {note}");
    }
}
