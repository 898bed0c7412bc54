//! Run the checker benchmark cases and print them:
//! `cargo run --release --example checker_bench -- [RUNS] [--c50]`.

use parliament::check::bench::{c50_bad_every_key, checker_cases, porcupine_data_dir};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = args
        .iter()
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(5);
    let dir = porcupine_data_dir();
    let mut results = checker_cases(&dir, runs);
    if args.iter().any(|a| a == "--c50") {
        results.extend(c50_bad_every_key(&dir, Duration::from_secs(60)));
    }
    for r in results {
        println!(
            "{:<50} {:>10.2} ms  (events {}, runs {})",
            r.name,
            r.seconds * 1e3,
            r.events,
            r.samples.len()
        );
        for n in &r.notes {
            println!("    {n}");
        }
    }
}
