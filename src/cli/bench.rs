//! `parliament bench`: engine (and checker) throughput, medians of several runs.

use crate::bench::{BenchResult, engine};
use clap::Args;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  parliament bench\n  parliament bench --runs 9 --json\n\n\
Engine cases run long Basic Paxos simulations with the trace off and report\n\
events per second (median of --runs runs, wall-clock, on this machine)."
)]
pub struct BenchArgs {
    /// Print one JSON object per case (name, events, seconds, events_per_sec, ...).
    #[arg(long)]
    pub json: bool,
    /// Timed runs per case; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

pub fn bench_command(args: &BenchArgs) -> i32 {
    let results: Vec<BenchResult> = engine::cases(args.runs);
    for r in &results {
        if args.json {
            println!("{}", serde_json::to_string(r).expect("results serialise"));
        } else {
            println!(
                "{:<36} {:>10} events  {:>9.4} s  {:>12.0} events/s  (median of {})",
                r.name,
                r.events,
                r.seconds,
                r.events_per_sec,
                r.samples.len()
            );
            for note in &r.notes {
                println!("    {note}");
            }
        }
    }
    0
}
