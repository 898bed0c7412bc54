//! Step mode: a run one event at a time, forwards and back, with the class
//! able to intervene.
//!
//! Each screen shows one step — the engine handling one pending happening —
//! as narrated lines, then the state of every node through its structured
//! view. Going back re-simulates from the nearest snapshot (the world is
//! cloneable and deterministic), so a screen seen again is the same screen.
//!
//! An intervention (crash or restart a node, drop a message in flight,
//! deliver one before the others) is an edit of the scenario — a fault or a
//! message filter — after which the run is simulated again from the start to
//! the same step. So what the class did is always an ordinary scenario: `save`
//! writes it, and `parliament run` replays it to exactly the same events.
//!
//! Commands are read one per line, so a terminal and a pipe drive it alike;
//! the words are the interaction tests' (`deliver`, `drop`, `crash`,
//! `restart`, `pending`, `view`) with one-letter keys besides.

use crate::engine::{PendingView, World};
use crate::ids::MessageId;
use crate::named::{NameRow, Named};
use crate::protocol::Protocol;
use crate::render::RecordSink;
use crate::render::narrate::{Lang, Narrator};
use crate::render::view;
use crate::run::{WorldVisitor, with_world};
use crate::scenario::{
    FaultSpec, FilterActionSpec, FilterSpec, KindNames, MatchSpec, NodeNames, Scenario,
    ScenarioSpec,
};
use crate::time::Time;
use crate::trace::{Record, RecordedEvent, TraceOutput};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The commands of step mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepWord {
    Next,
    Back,
    Node,
    Time,
    Go,
    Pending,
    Deliver,
    Drop,
    Crash,
    Restart,
    Save,
    View,
    Help,
    Quit,
}

impl Named for StepWord {
    const TABLE: &'static [NameRow<StepWord>] = &[
        NameRow {
            value: StepWord::Next,
            name: "next",
            about: "Enter or next: the next step",
        },
        NameRow {
            value: StepWord::Back,
            name: "back",
            about: "b or back: one step back",
        },
        NameRow {
            value: StepWord::Node,
            name: "node",
            about: "n NODE: on to the next step that involves NODE",
        },
        NameRow {
            value: StepWord::Time,
            name: "time",
            about: "t TIME: to the first step at or after virtual time TIME (back or forth)",
        },
        NameRow {
            value: StepWord::Go,
            name: "go",
            about: "g K: to step K (back or forth)",
        },
        NameRow {
            value: StepWord::Pending,
            name: "pending",
            about: "p or pending: the messages in flight and timers armed, with ids",
        },
        NameRow {
            value: StepWord::Deliver,
            name: "deliver",
            about: "d mID or deliver mID: that message arrives before every other in flight",
        },
        NameRow {
            value: StepWord::Drop,
            name: "drop",
            about: "x mID or drop mID: that message is lost",
        },
        NameRow {
            value: StepWord::Crash,
            name: "crash",
            about: "c NODE or crash NODE: the node crashes now",
        },
        NameRow {
            value: StepWord::Restart,
            name: "restart",
            about: "r NODE or restart NODE: the node restarts now from its disk",
        },
        NameRow {
            value: StepWord::Save,
            name: "save",
            about: "s FILE or save FILE: write the run so far, interventions included, \
                    as a scenario file",
        },
        NameRow {
            value: StepWord::View,
            name: "view",
            about: "view: show every node's state again",
        },
        NameRow {
            value: StepWord::Help,
            name: "help",
            about: "h or help: this list",
        },
        NameRow {
            value: StepWord::Quit,
            name: "quit",
            about: "q or quit: leave",
        },
    ];
}

impl StepWord {
    fn from_key(word: &str) -> Option<StepWord> {
        Some(match word {
            "" => StepWord::Next,
            "b" => StepWord::Back,
            "n" => StepWord::Node,
            "t" => StepWord::Time,
            "g" => StepWord::Go,
            "p" => StepWord::Pending,
            "d" => StepWord::Deliver,
            "x" => StepWord::Drop,
            "c" => StepWord::Crash,
            "r" => StepWord::Restart,
            "s" => StepWord::Save,
            "h" | "?" => StepWord::Help,
            "q" => StepWord::Quit,
            other => return StepWord::from_name(other),
        })
    }
}

/// How a step session is set up.
#[derive(Clone, Debug)]
pub struct StepOptions {
    pub lang: Lang,
    /// Where the scenario came from: `save` refuses to overwrite it.
    pub input: Option<PathBuf>,
}

/// Steps through `scenario`, reading commands from `input` and writing screens
/// to `out`, until `quit` or the end of input. Returns the exit status.
pub fn session(
    scenario: Scenario,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    options: &StepOptions,
) -> io::Result<i32> {
    let mut scenario = scenario;
    let mut at_step = 0;
    let mut note: Option<String> = None;
    loop {
        let outcome = with_world(
            &scenario,
            TraceOutput::new(),
            Typed {
                scenario: &scenario,
                input: &mut *input,
                out: &mut *out,
                options,
                at_step,
                note: note.take(),
            },
        )?;
        match outcome {
            Outcome::Quit => return Ok(0),
            Outcome::Edit { spec, step, said } => {
                match Scenario::from_spec(*spec, &scenario.source) {
                    Ok(edited) => {
                        scenario = edited;
                        note = Some(said);
                    }
                    Err(e) => note = Some(format!("cannot do that: {e}")),
                }
                at_step = step;
            }
        }
    }
}

/// How a typed session ended.
enum Outcome {
    Quit,
    /// The scenario changed: simulate it again from the start to `step`.
    Edit {
        spec: Box<ScenarioSpec>,
        step: u64,
        said: String,
    },
}

struct Typed<'a> {
    scenario: &'a Scenario,
    input: &'a mut dyn BufRead,
    out: &'a mut dyn Write,
    options: &'a StepOptions,
    at_step: u64,
    note: Option<String>,
}

impl WorldVisitor for Typed<'_> {
    type Output = io::Result<Outcome>;
    fn visit<P: Protocol>(self, world: World<'_, P>) -> io::Result<Outcome> {
        let mut stepper = Stepper::new(self.scenario, world, self.options.lang);
        stepper.go(self.at_step);
        if let Some(note) = self.note {
            writeln!(self.out, "» {note}")?;
        }
        stepper.screen(self.out)?;
        let mut line = String::new();
        loop {
            write!(self.out, "step> ")?;
            self.out.flush()?;
            line.clear();
            if self.input.read_line(&mut line)? == 0 {
                writeln!(self.out)?;
                return Ok(Outcome::Quit);
            }
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or("");
            let arg = words.next();
            let Some(word) = StepWord::from_key(first) else {
                writeln!(
                    self.out,
                    "unknown command {first:?}; expected one of {} (h for help)",
                    StepWord::expected()
                )?;
                continue;
            };
            match stepper.command(word, arg, self.scenario, self.options)? {
                Reply::Screen => stepper.screen(self.out)?,
                Reply::Say(text) => writeln!(self.out, "{text}")?,
                Reply::Done(outcome) => return Ok(outcome),
            }
        }
    }
}

/// What a command answers.
enum Reply {
    Screen,
    Say(String),
    Done(Outcome),
}

/// A record and its narration.
type Narrated = (Record, Option<String>);

/// Snapshots are kept every this many steps: going back replays at most this
/// many steps.
const SNAPSHOT_EVERY: u64 = 256;

struct Stepper<'s, P: Protocol> {
    scenario: &'s Scenario,
    world: World<'s, P>,
    /// `snapshots[i]`: the world before step `i * SNAPSHOT_EVERY + 1`.
    snapshots: Vec<World<'s, P>>,
    /// Steps taken.
    step: u64,
    /// The records of the last step, with their narration.
    records: Rc<RefCell<Vec<Narrated>>>,
    narrator: Rc<RefCell<Narrator>>,
    /// When each message seen so far was sent (for drop and deliver).
    sent_at: Rc<RefCell<HashMap<MessageId, Time>>>,
}

impl<'s, P: Protocol> Stepper<'s, P> {
    fn new(scenario: &'s Scenario, world: World<'s, P>, lang: Lang) -> Stepper<'s, P> {
        let records = Rc::new(RefCell::new(Vec::new()));
        let sent_at = Rc::new(RefCell::new(HashMap::new()));
        let mut stepper = Stepper {
            scenario,
            snapshots: vec![world.clone()],
            world,
            step: 0,
            records,
            narrator: Rc::new(RefCell::new(Narrator::new(scenario, lang).remembering())),
            sent_at,
        };
        stepper.attach();
        stepper
    }

    /// Attaches an output that collects the records of each step.
    fn attach(&mut self) {
        let records = self.records.clone();
        let sent_at = self.sent_at.clone();
        let narrator = self.narrator.clone();
        let sink = RecordSink::new(Box::new(move |rec| {
            if let RecordedEvent::Send { mid, .. } = &rec.event {
                sent_at.borrow_mut().insert(*mid, rec.t);
            }
            let sentence = narrator.borrow_mut().narrate(rec);
            records.borrow_mut().push((rec.clone(), sentence));
            Ok(())
        }))
        .without_header();
        let world = std::mem::replace(&mut self.world, self.snapshots[0].clone());
        self.world = world.with_output(TraceOutput::new().to_writer(Box::new(sink)));
    }

    /// One step forward; false when the run had already ended.
    fn advance(&mut self) -> bool {
        if self.world.ended().is_some() {
            return false;
        }
        self.records.borrow_mut().clear();
        self.world.step();
        self.step += 1;
        if self.step.is_multiple_of(SNAPSHOT_EVERY)
            && self.snapshots.len() as u64 == self.step / SNAPSHOT_EVERY
        {
            self.snapshots.push(self.world.clone());
        }
        true
    }

    /// To step `k`, forwards or back (stops early at the end of the run).
    fn go(&mut self, k: u64) {
        if k < self.step || (k == self.step && k > 0 && self.records.borrow().is_empty()) {
            let at = (k.saturating_sub(1) / SNAPSHOT_EVERY).min(self.snapshots.len() as u64 - 1);
            self.world = self.snapshots[at as usize].clone();
            self.step = at * SNAPSHOT_EVERY;
            self.attach();
        }
        while self.step < k && self.advance() {}
        if k == 0 {
            self.records.borrow_mut().clear();
        }
    }

    fn name(&self, i: usize) -> &str {
        &self.scenario.cluster.nodes[i].name
    }

    fn screen(&self, out: &mut dyn Write) -> io::Result<()> {
        let ended = match self.world.ended() {
            Some(reason) if self.records.borrow().is_empty() => {
                format!(" · the run has ended ({})", reason.as_str())
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "── step {} · t={}{ended} ──",
            self.step,
            self.world.now()
        )?;
        for (rec, sentence) in self.records.borrow().iter() {
            if let Some(sentence) = sentence {
                writeln!(out, "{:>8}  {sentence}", rec.t.to_string())?;
            }
        }
        self.nodes(out)
    }

    fn nodes(&self, out: &mut dyn Write) -> io::Result<()> {
        for (i, v) in self.world.views().iter().enumerate() {
            match v {
                Some(v) => {
                    for line in view::lines(self.name(i), v, |n| self.name(n.index())) {
                        writeln!(out, "  {line}")?;
                    }
                }
                None => writeln!(out, "  {} — down", self.name(i))?,
            }
        }
        Ok(())
    }

    fn node_arg(&self, arg: Option<&str>) -> Result<String, String> {
        let names: Vec<&str> = (0..self.scenario.cluster.len())
            .map(|i| self.name(i))
            .collect();
        match arg {
            Some(a) if names.contains(&a) => Ok(a.to_string()),
            _ => Err(format!("expected a node: {}", names.join(", "))),
        }
    }

    fn message_arg(&self, arg: Option<&str>) -> Result<PendingView, String> {
        let id = arg
            .map(|a| a.trim_start_matches('m'))
            .and_then(|a| a.parse::<u64>().ok());
        let pending = self.world.pending();
        let found = pending
            .into_iter()
            .find(|p| matches!(p, PendingView::Message { mid, .. } if Some(mid.0) == id));
        found.ok_or_else(|| "expected the id of a message in flight, as p lists them (m12)".into())
    }

    fn command(
        &mut self,
        word: StepWord,
        arg: Option<&str>,
        scenario: &Scenario,
        options: &StepOptions,
    ) -> io::Result<Reply> {
        let number = |what: &str| -> Result<u64, String> {
            arg.and_then(|a| a.parse().ok())
                .ok_or_else(|| format!("expected {what}"))
        };
        let reply = match word {
            StepWord::Next => {
                if self.advance() {
                    Reply::Screen
                } else {
                    Reply::Say("the run has ended: b goes back, q quits".into())
                }
            }
            StepWord::Back => {
                if self.step == 0 {
                    Reply::Say("this is the start".into())
                } else {
                    self.go(self.step - 1);
                    Reply::Screen
                }
            }
            StepWord::Go => match number("a step number") {
                Ok(k) => {
                    self.go(k);
                    Reply::Screen
                }
                Err(e) => Reply::Say(e),
            },
            StepWord::Time => match number("a virtual time") {
                Ok(t) => {
                    if Time(t) <= self.world.now() {
                        self.go(0);
                    }
                    while self.world.now() < Time(t) && self.advance() {}
                    Reply::Screen
                }
                Err(e) => Reply::Say(e),
            },
            StepWord::Node => match self.node_arg(arg) {
                Ok(node) => {
                    while self.advance() {
                        if self
                            .records
                            .borrow()
                            .iter()
                            .any(|(r, _)| involves(r, &node))
                        {
                            break;
                        }
                    }
                    Reply::Screen
                }
                Err(e) => Reply::Say(e),
            },
            StepWord::Pending => Reply::Say(self.pending_text()),
            StepWord::View => Reply::Screen,
            StepWord::Help => Reply::Say(
                StepWord::TABLE
                    .iter()
                    .map(|r| format!("  {}", r.about))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            StepWord::Quit => Reply::Done(Outcome::Quit),
            StepWord::Crash | StepWord::Restart => match self.node_arg(arg) {
                Ok(node) => {
                    let mut spec = scenario.spec.clone();
                    let at = self.world.now().0;
                    let crash = word == StepWord::Crash;
                    spec.faults.push(FaultSpec {
                        at,
                        crash: crash.then(|| node.clone()),
                        restart: (!crash).then(|| node.clone()),
                        partition: None,
                        cut: None,
                        heal: None,
                        pause: None,
                        resume: None,
                    });
                    let did = if crash { "crashes" } else { "restarts" };
                    Reply::Done(Outcome::Edit {
                        spec: Box::new(spec),
                        step: self.step,
                        said: format!("{node} {did} at t={at} (a fault added to the scenario)"),
                    })
                }
                Err(e) => Reply::Say(e),
            },
            StepWord::Drop | StepWord::Deliver => match self.message_arg(arg) {
                Ok(PendingView::Message {
                    mid,
                    from,
                    to,
                    kind,
                    at,
                    ..
                }) => {
                    let mut spec = scenario.spec.clone();
                    let filters = if word == StepWord::Drop {
                        let sent = self
                            .sent_at
                            .borrow()
                            .get(&mid)
                            .copied()
                            .unwrap_or(Time::ZERO);
                        vec![self.filter(
                            sent,
                            from.index(),
                            to.index(),
                            kind,
                            FilterActionSpec::Drop,
                        )]
                    } else {
                        // Hold back every other message that would arrive first.
                        self.world
                            .pending()
                            .into_iter()
                            .filter_map(|p| match p {
                                PendingView::Message {
                                    mid: other,
                                    from,
                                    to,
                                    kind,
                                    at: other_at,
                                    ..
                                } if other != mid && other_at <= at => {
                                    let sent = self.sent_at.borrow().get(&other).copied()?;
                                    Some(self.filter(
                                        sent,
                                        from.index(),
                                        to.index(),
                                        kind,
                                        FilterActionSpec::HoldUntil(at.0 + 1),
                                    ))
                                }
                                _ => None,
                            })
                            .collect()
                    };
                    // Interventions come first: they decide over older filters.
                    for (i, f) in filters.into_iter().enumerate() {
                        spec.filters.insert(i, f);
                    }
                    let said = if word == StepWord::Drop {
                        format!("{mid} is dropped (a filter added to the scenario)")
                    } else {
                        format!("{mid} arrives before the others (filters added to the scenario)")
                    };
                    Reply::Done(Outcome::Edit {
                        spec: Box::new(spec),
                        step: self.step,
                        said,
                    })
                }
                Ok(PendingView::Timer { .. }) => Reply::Say("that is a timer".into()),
                Err(e) => Reply::Say(e),
            },
            StepWord::Save => match arg {
                None => Reply::Say("expected a file name".into()),
                Some(file) => Reply::Say(save(&scenario.spec, Path::new(file), options)),
            },
        };
        Ok(reply)
    }

    fn filter(
        &self,
        sent: Time,
        from: usize,
        to: usize,
        kind: &str,
        action: FilterActionSpec,
    ) -> FilterSpec {
        FilterSpec {
            during: Some([sent.0, sent.0 + 1]),
            matches: MatchSpec {
                from: Some(NodeNames::One(self.name(from).to_string())),
                to: Some(NodeNames::One(self.name(to).to_string())),
                kind: Some(KindNames::One(kind.to_string())),
            },
            action,
        }
    }

    fn pending_text(&self) -> String {
        let pending = self.world.pending();
        if pending.is_empty() {
            return "nothing is pending".into();
        }
        pending
            .iter()
            .map(|p| match p {
                PendingView::Message {
                    at,
                    mid,
                    from,
                    to,
                    label,
                    ..
                } => format!(
                    "  {mid:<5} {} → {}  {label}  (arrives t={at})",
                    self.name(from.index()),
                    self.name(to.index())
                ),
                PendingView::Timer { at, node, timer } => {
                    format!(
                        "  timer {} {timer}  (fires t={at})",
                        self.name(node.index())
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Whether a record is about `node`.
fn involves(rec: &Record, node: &str) -> bool {
    match &rec.event {
        RecordedEvent::Deliver { to, .. } => to == node,
        RecordedEvent::Drop { to, from, .. } => to == node || from == node,
        RecordedEvent::Request { node: n, .. }
        | RecordedEvent::Timer { node: n, .. }
        | RecordedEvent::Persist { node: n, .. }
        | RecordedEvent::Fact { node: n, .. }
        | RecordedEvent::Reply { node: n, .. }
        | RecordedEvent::Crash { node: n }
        | RecordedEvent::Restart { node: n }
        | RecordedEvent::Pause { node: n }
        | RecordedEvent::Resume { node: n } => n == node,
        RecordedEvent::Send { from, .. } => from == node,
        RecordedEvent::Partition { .. }
        | RecordedEvent::Cut { .. }
        | RecordedEvent::Heal
        | RecordedEvent::Invoke { .. }
        | RecordedEvent::Complete { .. }
        | RecordedEvent::Duplicate { .. }
        | RecordedEvent::End { .. } => false,
    }
}

/// Writes the scenario as run so far; never over the scenario it came from.
fn save(spec: &ScenarioSpec, path: &Path, options: &StepOptions) -> String {
    if let Some(input) = &options.input {
        let same = match (std::fs::canonicalize(input), std::fs::canonicalize(path)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return format!(
                "{} is the scenario being stepped: save to another file",
                path.display()
            );
        }
    }
    let text = match serde_json::to_string_pretty(spec) {
        Ok(t) => t,
        Err(e) => return format!("cannot save: {e}"),
    };
    match std::fs::write(path, text + "\n") {
        Ok(()) => format!(
            "saved to {}: parliament run {} replays these events",
            path.display(),
            path.display()
        ),
        Err(e) => format!("cannot save to {}: {e}", path.display()),
    }
}

/// Seconds each of `runs` single steps back took, at step `at` of `scenario`
/// (for `parliament bench`).
pub fn time_step_back(scenario: &Scenario, at: u64, runs: usize) -> Vec<f64> {
    struct Timing<'a> {
        scenario: &'a Scenario,
        at: u64,
        runs: usize,
    }
    impl WorldVisitor for Timing<'_> {
        type Output = Vec<f64>;
        fn visit<P: Protocol>(self, world: World<'_, P>) -> Vec<f64> {
            let mut stepper = Stepper::new(self.scenario, world, Lang::En);
            stepper.go(self.at);
            let end = stepper.step;
            (0..self.runs)
                .map(|_| {
                    let start = std::time::Instant::now();
                    stepper.go(end - 1);
                    let took = start.elapsed().as_secs_f64();
                    stepper.go(end);
                    took
                })
                .collect()
        }
    }
    with_world(scenario, TraceOutput::new(), Timing { scenario, at, runs })
}
