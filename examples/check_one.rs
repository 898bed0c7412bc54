use parliament::check::linearizability::{CheckOptions, check_history};
use parliament::history::read_history_file;
use std::time::{Duration, Instant};
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let nopart = args.iter().any(|a| a == "--no-partition");
    args.retain(|a| a != "--no-partition");
    for a in args {
        let (_, h) = read_history_file(std::path::Path::new(&a), None).unwrap();
        let t = Instant::now();
        let o = CheckOptions {
            budget: Some(Duration::from_secs(20)),
            stop_at_first_violation: false,
            ..Default::default()
        };
        let r = check_history(&h, h.kind, !nopart, &o).unwrap();
        let steps: u64 = r.partitions.iter().map(|p| p.steps).sum();
        println!(
            "{:.3} ms {a} {} steps {steps}",
            t.elapsed().as_secs_f64() * 1e3,
            r.verdict
        );
        for p in &r.partitions {
            println!(
                "   {:?} {} ops {} steps {} {:.3} ms",
                p.key,
                p.verdict,
                p.operations,
                p.steps,
                p.elapsed.as_secs_f64() * 1e3
            );
        }
    }
}
