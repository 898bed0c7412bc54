//! Classroom benchmarks: drawing a long trace, and stepping back in a long run.

use crate::bench::BenchResult;
use crate::render::diagram::{self, Diagram, DiagramOptions};
use crate::scenario::Scenario;
use crate::trace::TraceOutput;
use std::time::Instant;

/// Events in the long run both cases use.
pub const EVENTS: u64 = 100_000;

/// The duelling proposers, run until `EVENTS` events: a livelock, so the
/// diagram's collapsing has real work to do.
fn long_duel() -> Scenario {
    let text = include_str!("../../scenarios/paxos/duelling-proposers.json");
    let mut scenario = Scenario::parse(text, "duelling-proposers.json").expect("bundled scenario");
    scenario.spec.limits.time = Some(1_000_000_000);
    scenario.spec.limits.events = Some(EVENTS);
    Scenario::from_spec(scenario.spec, "duelling-proposers.json").expect("valid limits")
}

pub fn cases(runs: usize) -> Vec<BenchResult> {
    let scenario = long_duel();
    let buffer = crate::trace::SharedBuffer::new();
    let (_, mut out) = crate::run::simulate(
        &scenario,
        TraceOutput::new().to_writer(Box::new(buffer.clone())),
    );
    let _ = out.finish();
    let trace = buffer.contents();
    let mut results = Vec::new();

    // Reading the trace, building the diagram, writing it out.
    let mut samples = Vec::new();
    let mut rows = 0;
    let mut lines_out = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let reader: Box<dyn std::io::BufRead> = Box::new(std::io::Cursor::new(trace.clone()));
        let mut lines = crate::trace::TraceLines::new(reader);
        let _header = lines.next_line().expect("in memory");
        let mut d = Diagram::new(&scenario, DiagramOptions::default()).expect("default options");
        diagram::read_into(&mut d, &mut lines, "bench").expect("our own trace");
        let mut text = Vec::new();
        d.write(&mut text).expect("in memory");
        samples.push(start.elapsed().as_secs_f64());
        rows = d.rows();
        lines_out = text.iter().filter(|&&b| b == b'\n').count();
    }
    let mut r = BenchResult::from_samples(
        format!("classroom/diagram-of-{EVENTS}-event-trace"),
        EVENTS,
        samples,
    );
    r.notes.push(format!(
        "{} MB of trace; {rows} rows drawn, {lines_out} lines after collapsing; target < 2 s",
        trace.len() / 1_000_000
    ));
    results.push(r);

    // One step back at the end of the run.
    let samples = crate::step::time_step_back(&scenario, EVENTS, runs.max(1));
    let mut r =
        BenchResult::from_samples(format!("classroom/step-back-at-step-{EVENTS}"), 1, samples);
    r.unit = "steps".into();
    r.notes
        .push("re-simulates from the nearest snapshot; target < 100 ms".into());
    results.push(r);
    results
}
