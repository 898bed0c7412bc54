//! Running a scenario: build the world for its protocol, stream the events,
//! and hand the record to [`crate::judge`].

use crate::engine::{RunRecord, World};
use crate::judge::RunReport;
use crate::protocol::Protocol;
use crate::protocols::ConfigVisitor;
use crate::scenario::Scenario;
use crate::trace::{Header, TraceOutput};
use std::io;

/// Runs `scenario` (with its spec's seed), streaming events into `out`, and
/// judges the result. Returns the report, and `out` so a caller can read a
/// replay comparison.
pub fn run(scenario: &Scenario, out: TraceOutput) -> io::Result<(RunReport, TraceOutput)> {
    run_within(scenario, out, None)
}

/// [`run`] as the CLI runs it: with a `memory_budget`, the run stops cleanly
/// (end reason `memory-limit`) once the process would use more than that many
/// bytes (see [`crate::memory`]), and after a Ctrl-C (end reason
/// `interrupted`, see [`crate::interrupt`]).
pub fn run_within(
    scenario: &Scenario,
    out: TraceOutput,
    memory_budget: Option<u64>,
) -> io::Result<(RunReport, TraceOutput)> {
    run_watched(scenario, out, memory_budget, None)
}

/// [`run_within`], telling `progress` how far the run has got every few
/// thousand events (a progress display for long runs).
pub fn run_watched(
    scenario: &Scenario,
    out: TraceOutput,
    memory_budget: Option<u64>,
    progress: Option<crate::engine::ProgressHook>,
) -> io::Result<(RunReport, TraceOutput)> {
    let (record, mut out) = simulate_within(scenario, out, memory_budget, progress);
    let trace_sha256 = out.finish()?;
    let search_memory = memory_budget.map(|b| usize::try_from(b).unwrap_or(usize::MAX));
    Ok((
        crate::judge::judge_within(scenario, record, trace_sha256, search_memory),
        out,
    ))
}

/// Runs `scenario` to its end: the header, then every event, into `out`.
pub fn simulate(scenario: &Scenario, out: TraceOutput) -> (RunRecord, TraceOutput) {
    simulate_within(scenario, out, None, None)
}

fn simulate_within(
    scenario: &Scenario,
    mut out: TraceOutput,
    memory_budget: Option<u64>,
    progress: Option<crate::engine::ProgressHook>,
) -> (RunRecord, TraceOutput) {
    out.header(&Header::new(scenario));
    scenario.config.visit(Simulate {
        scenario,
        out,
        memory_budget,
        progress,
    })
}

struct Simulate<'a> {
    scenario: &'a Scenario,
    out: TraceOutput,
    memory_budget: Option<u64>,
    progress: Option<crate::engine::ProgressHook>,
}

impl ConfigVisitor for Simulate<'_> {
    type Output = (RunRecord, TraceOutput);
    fn visit<P: Protocol>(self, config: &P::Config) -> (RunRecord, TraceOutput) {
        let mut world = World::<P>::new(self.scenario, config, self.out);
        if let Some(hook) = self.progress {
            world = world.with_progress(hook);
        }
        match self.memory_budget {
            Some(bytes) => world.with_memory_budget(bytes).interruptible().run(),
            None => world.run(),
        }
    }
}

/// A world for `scenario` at time 0, for callers that step it themselves
/// (step mode, tests); `visitor` receives it typed by its protocol.
pub fn with_world<V: WorldVisitor>(scenario: &Scenario, out: TraceOutput, visitor: V) -> V::Output {
    struct Build<'a, V> {
        scenario: &'a Scenario,
        out: TraceOutput,
        visitor: V,
    }
    impl<V: WorldVisitor> ConfigVisitor for Build<'_, V> {
        type Output = V::Output;
        fn visit<P: Protocol>(self, config: &P::Config) -> V::Output {
            self.visitor
                .visit(World::<P>::new(self.scenario, config, self.out))
        }
    }
    scenario.config.visit(Build {
        scenario,
        out,
        visitor,
    })
}

/// Something to do with a world of whichever protocol a scenario runs.
pub trait WorldVisitor {
    type Output;
    fn visit<P: Protocol>(self, world: World<'_, P>) -> Self::Output;
}
