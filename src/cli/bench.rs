//! `parliament bench`: engine and checker throughput, medians of several runs.

use crate::bench::{BenchResult, engine};
use crate::check::bench as checker;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Suite {
    /// Long simulations with the trace off: events per second.
    Engine,
    /// The linearizability checker on the Porcupine histories.
    Checker,
    /// Fuzz sweeps: seeds per second with 1 and 2 jobs.
    Fuzz,
    /// Both.
    All,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  parliament bench\n  parliament bench --runs 9 --json\n  \
parliament bench --suite checker --data ../shared/data/porcupine-histories\n\n\
Engine cases run long Basic Paxos simulations with the trace off and report\n\
events per second. Checker cases check the Porcupine histories in process\n\
(parsing excluded), compare every verdict with expected.json and quote the Go\n\
reference checker's time on this machine. All figures are wall-clock medians\n\
of --runs runs."
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
}

pub fn bench_command(args: &BenchArgs) -> i32 {
    let mut results: Vec<BenchResult> = Vec::new();
    if matches!(args.suite, Suite::Engine | Suite::All) {
        results.extend(engine::cases(args.runs));
    }
    let data = args
        .data
        .clone()
        .unwrap_or_else(checker::porcupine_data_dir);
    if matches!(args.suite, Suite::Checker | Suite::All) {
        results.extend(checker::checker_cases(&data, args.runs));
    }
    if matches!(args.suite, Suite::Fuzz | Suite::All) {
        results.extend(crate::bench::fuzz::cases(args.runs));
    }
    if let Some(secs) = args.c50
        && let Some(r) = checker::c50_bad_every_key(&data, Duration::from_secs(secs))
    {
        results.push(r);
    }
    for r in &results {
        if args.json {
            println!("{}", serde_json::to_string(r).expect("results serialise"));
        } else {
            println!(
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
                println!("    {note}");
            }
        }
    }
    0
}
