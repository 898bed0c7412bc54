//! Message-sequence diagrams: one column per node and per client, time going
//! down, one row per thing worth drawing.
//!
//! ```text
//!          P1          A1          A2          A3
//!      0   │──Prepare(1)▶│           │           │
//!     10   │◀Promise(1,null)─────────│           │
//! ```
//!
//! A diagram is built from trace records alone (a live run's records are its
//! trace lines, read back), so `run --diagram` and `parliament diagram TRACE`
//! draw the same picture. Rows are laid out on a grid of character cells that
//! fits the requested width; a run of repeated rounds (a livelock's fiftieth
//! duel, heartbeats while nothing happens) collapses into one marked row that
//! says how many were left out.

use crate::fact::Fact;
use crate::ids::{MessageId, RequestId};
use crate::named::Named;
use crate::net::DropReason;
use crate::payload::Payload;
use crate::render::log::describe_fact;
use crate::render::narrate::Narrator;
use crate::scenario::Scenario;
use crate::time::Time;
use crate::trace::{Record, RecordedEvent};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

/// What to draw and how wide.
#[derive(Clone, Debug)]
pub struct DiagramOptions {
    /// Total width in terminal columns.
    pub width: usize,
    /// Only these nodes and clients get a column (all when `None`).
    pub columns: Option<Vec<String>>,
    pub from: Option<Time>,
    pub to: Option<Time>,
    /// Only messages of these kinds are drawn (all when `None`).
    pub kinds: Option<Vec<String>>,
    /// ANSI colour (only on a terminal, never with NO_COLOR).
    pub colour: bool,
    /// Collapse runs of repeated rounds.
    pub collapse: bool,
}

impl Default for DiagramOptions {
    fn default() -> Self {
        DiagramOptions {
            width: 100,
            columns: None,
            from: None,
            to: None,
            kinds: None,
            colour: false,
            collapse: true,
        }
    }
}

/// How a cell is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Dim,
    Message,
    Dropped,
    Fact,
    Chosen,
    Failure,
    Network,
}

impl Style {
    fn ansi(self) -> &'static str {
        match self {
            Style::Plain => "\x1b[0m",
            Style::Dim => "\x1b[2m",
            Style::Message => "\x1b[36m",
            Style::Dropped => "\x1b[31m",
            Style::Fact => "\x1b[32m",
            Style::Chosen => "\x1b[1;33m",
            Style::Failure => "\x1b[1;31m",
            Style::Network => "\x1b[35m",
        }
    }
}

/// What a row shows.
#[derive(Clone, Debug, PartialEq)]
enum Drawing {
    /// A message from one column to another, delivered or dropped.
    Arrow {
        from: usize,
        to: usize,
        label: String,
        dropped: Option<DropReason>,
    },
    /// Something at one column (a fact, a timer, a crash).
    Mark {
        col: usize,
        text: String,
        style: Style,
    },
    /// Something about the whole system (a partition, a value chosen).
    Banner { text: String, style: Style },
}

#[derive(Clone, Debug)]
struct Row {
    t: Time,
    drawing: Drawing,
    /// The narration of the event that drew it.
    narration: Option<String>,
    /// The row with every number blanked: rows of two rounds of a livelock
    /// have the same shape.
    shape: u64,
}

/// A message in flight, remembered from its `send` line.
struct Sent {
    from: String,
    to: String,
    label: String,
    kind: Option<String>,
    copy: bool,
}

/// Builds a diagram from trace records, one at a time.
pub struct Diagram {
    options: DiagramOptions,
    columns: Vec<String>,
    column_of: BTreeMap<String, usize>,
    in_flight: HashMap<MessageId, Sent>,
    client_of: HashMap<RequestId, String>,
    /// Who leads now, by the last `leading` fact (cleared when it crashes).
    leader: Option<String>,
    /// For single-value consensus: acceptances per (ballot, value), to mark the
    /// instant a value is chosen even before any node learns it.
    chosen_quorum: Option<usize>,
    acceptances: BTreeMap<(u64, String), BTreeSet<String>>,
    chosen: BTreeSet<String>,
    rows: Vec<Row>,
    narrator: Option<Narrator>,
}

impl Diagram {
    /// A diagram of a run of `scenario`: a column per node, then per client.
    pub fn new(scenario: &Scenario, options: DiagramOptions) -> Result<Diagram, String> {
        let mut all: Vec<String> = scenario
            .cluster
            .nodes
            .iter()
            .map(|n| n.name.clone())
            .collect();
        if let Some(w) = &scenario.workload {
            all.extend(w.clients.iter().cloned());
        }
        let columns = match &options.columns {
            None => all,
            Some(wanted) => {
                for name in wanted {
                    if !all.contains(name) {
                        return Err(format!(
                            "no node or client named {name:?}; expected one of {}",
                            all.join(", ")
                        ));
                    }
                }
                all.into_iter().filter(|n| wanted.contains(n)).collect()
            }
        };
        if let Some(kinds) = &options.kinds {
            let known = scenario.protocol.info().message_kinds;
            for kind in kinds {
                if !known.iter().any(|k| k == kind) {
                    return Err(format!(
                        "{} has no message kind {kind:?}; expected one of {}",
                        scenario.protocol.name(),
                        known.join(", ")
                    ));
                }
            }
        }
        let column_of = columns
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Ok(Diagram {
            options,
            columns,
            column_of,
            in_flight: HashMap::new(),
            client_of: HashMap::new(),
            leader: None,
            chosen_quorum: scenario.config.chosen_quorum(),
            acceptances: BTreeMap::new(),
            chosen: BTreeSet::new(),
            rows: Vec::new(),
            narrator: None,
        })
    }

    /// Narrates every row, in `lang`.
    pub fn narrated(mut self, narrator: Narrator) -> Diagram {
        self.narrator = Some(narrator);
        self
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.column_of.get(name).copied()
    }

    fn in_window(&self, t: Time) -> bool {
        self.options.from.is_none_or(|from| t >= from) && self.options.to.is_none_or(|to| t <= to)
    }

    fn kind_shown(&self, kind: Option<&str>) -> bool {
        match (&self.options.kinds, kind) {
            (None, _) => true,
            (Some(kinds), Some(kind)) => kinds.iter().any(|k| k == kind),
            (Some(_), None) => false,
        }
    }

    fn push(&mut self, t: Time, drawing: Drawing) {
        if self.in_window(t) {
            let shape = shape_of(&drawing);
            self.rows.push(Row {
                t,
                drawing,
                narration: None,
                shape,
            });
        }
    }

    fn mark(&mut self, t: Time, node: &str, text: String, style: Style) {
        if let Some(col) = self.col(node) {
            self.push(t, Drawing::Mark { col, text, style });
        }
    }

    fn arrow(&mut self, t: Time, from: &str, to: &str, label: String, dropped: Option<DropReason>) {
        match (self.col(from), self.col(to)) {
            (Some(a), Some(b)) if a != b => self.push(
                t,
                Drawing::Arrow {
                    from: a,
                    to: b,
                    label,
                    dropped,
                },
            ),
            (Some(a), Some(_)) => {
                let text = match dropped {
                    None => format!("↺ {label}"),
                    Some(why) => format!("↺ {label} ✗ {}", drop_word(why)),
                };
                let style = if dropped.is_some() {
                    Style::Dropped
                } else {
                    Style::Message
                };
                self.push(
                    t,
                    Drawing::Mark {
                        col: a,
                        text,
                        style,
                    },
                );
            }
            _ => {}
        }
    }

    /// Takes in one trace record.
    pub fn record(&mut self, rec: &Record) {
        let sentence = self.narrator.as_mut().and_then(|n| n.narrate(rec));
        let before = self.rows.len();
        self.draw(rec);
        // The sentence goes under the first row the event drew.
        if let Some(row) = self.rows.get_mut(before) {
            row.narration = sentence;
        }
    }

    fn draw(&mut self, rec: &Record) {
        let t = rec.t;
        match &rec.event {
            RecordedEvent::Send { mid, from, to, msg } => {
                let (label, kind) = (msg.label(), msg.kind().map(str::to_string));
                self.in_flight.insert(
                    *mid,
                    Sent {
                        from: from.clone(),
                        to: to.clone(),
                        label,
                        kind,
                        copy: false,
                    },
                );
            }
            RecordedEvent::Duplicate { mid, copy } => {
                if let Some(sent) = self.in_flight.get(mid) {
                    let dup = Sent {
                        from: sent.from.clone(),
                        to: sent.to.clone(),
                        label: sent.label.clone(),
                        kind: sent.kind.clone(),
                        copy: true,
                    };
                    self.in_flight.insert(*copy, dup);
                }
            }
            RecordedEvent::Deliver { mid, .. } | RecordedEvent::Drop { mid, .. } => {
                let Some(sent) = self.in_flight.remove(mid) else {
                    return;
                };
                if !self.kind_shown(sent.kind.as_deref()) {
                    return;
                }
                let dropped = match &rec.event {
                    RecordedEvent::Drop { reason, .. } => Some(*reason),
                    _ => None,
                };
                let label = if sent.copy {
                    format!("{} (dup)", sent.label)
                } else {
                    sent.label
                };
                self.arrow(t, &sent.from, &sent.to, label, dropped);
            }
            RecordedEvent::Request {
                node,
                client,
                request,
                op,
                node_down,
            } => {
                let what = op_words(op);
                let dropped = node_down.then_some(DropReason::Crashed);
                match client {
                    Some(c) => {
                        self.client_of.insert(*request, c.clone());
                        self.arrow(t, c, node, format!("{request} {what}"), dropped);
                    }
                    None => {
                        let text = match dropped {
                            None => format!("⇐ {request} {what}"),
                            Some(_) => format!("⇐ {request} {what} ✗ down"),
                        };
                        self.mark(t, node, text, Style::Message);
                    }
                }
            }
            RecordedEvent::Reply {
                node,
                request,
                reply,
            } => {
                let what = reply_words(reply);
                match self.client_of.get(request).cloned() {
                    Some(c) => self.arrow(t, node, &c, format!("{request} {what}"), None),
                    None => self.mark(t, node, format!("⇒ {request} {what}"), Style::Message),
                }
            }
            RecordedEvent::Complete {
                client,
                request,
                outcome: crate::trace::CompletionWord::Info,
                ..
            } => self.mark(t, client, format!("{request} gives up (info)"), Style::Dim),
            RecordedEvent::Invoke { .. } | RecordedEvent::Complete { .. } => {}
            RecordedEvent::Timer { node, timer } => {
                self.mark(t, node, format!("⏰ {}", timer.label()), Style::Dim);
            }
            RecordedEvent::Persist { .. } => {}
            RecordedEvent::Fact { node, fact } => self.fact(t, node, fact),
            RecordedEvent::Crash { node } => {
                let text = if self.leader.as_deref() == Some(node.as_str()) {
                    self.leader = None;
                    format!("!! LEADER {node} FAILS")
                } else {
                    format!("!! {node} FAILS")
                };
                self.mark(t, node, text, Style::Failure);
            }
            RecordedEvent::Restart { node } => {
                self.mark(t, node, format!("↻ {node} restarts"), Style::Failure)
            }
            RecordedEvent::Pause { node } => {
                self.mark(t, node, format!("‖ {node} pauses"), Style::Failure)
            }
            RecordedEvent::Resume { node } => {
                self.mark(t, node, format!("▷ {node} resumes"), Style::Failure)
            }
            RecordedEvent::Partition { groups } => {
                let g: Vec<String> = groups.iter().map(|g| g.join(" ")).collect();
                let text = format!("partition {{{}}}", g.join("} | {"));
                self.push(
                    t,
                    Drawing::Banner {
                        text,
                        style: Style::Network,
                    },
                );
            }
            RecordedEvent::Cut { from, to } => {
                let text = format!("cut {} ↛ {}", from.join(" "), to.join(" "));
                self.push(
                    t,
                    Drawing::Banner {
                        text,
                        style: Style::Network,
                    },
                );
            }
            RecordedEvent::Heal => self.push(
                t,
                Drawing::Banner {
                    text: "network healed".to_string(),
                    style: Style::Network,
                },
            ),
            RecordedEvent::End { reason, events } => self.push(
                t,
                Drawing::Banner {
                    text: format!("end ({}, {events} events)", reason.as_str()),
                    style: Style::Dim,
                },
            ),
        }
    }

    fn fact(&mut self, t: Time, node: &str, fact: &Fact) {
        let style = match fact {
            Fact::Learned { .. } | Fact::Committed { .. } | Fact::Leading { .. } => Style::Chosen,
            _ => Style::Fact,
        };
        if let Fact::Leading { .. } = fact {
            self.leader = Some(node.to_string());
        }
        self.mark(t, node, format!("★ {}", describe_fact(fact)), style);
        // The instant a value is chosen is when a quorum has accepted it in
        // one ballot — whether or not any node knows it yet.
        if let (Fact::Accepted { ballot, value }, Some(quorum)) = (fact, self.chosen_quorum) {
            let value = value.to_string();
            let key = (ballot.0, value.clone());
            let by = self.acceptances.entry(key).or_default();
            by.insert(node.to_string());
            if by.len() == quorum && self.chosen.insert(value.clone()) {
                let by: Vec<&str> = by.iter().map(String::as_str).collect();
                let text = format!(
                    "◆ CHOSEN {value} in ballot {ballot}: accepted by {}",
                    by.join(", ")
                );
                self.push(
                    t,
                    Drawing::Banner {
                        text,
                        style: Style::Chosen,
                    },
                );
            }
        }
    }

    /// Writes the diagram.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let grid = Grid::new(self.options.width, self.columns.len());
        let colour = self.options.colour;
        writeln!(out, "{}", grid.header(&self.columns))?;
        let mut last_t: Option<Time> = None;
        let mut i = 0;
        while i < self.rows.len() {
            if self.options.collapse
                && let Some((period, repeats)) = repetition(&self.rows, i)
            {
                // Show the first round, one line for the rounds left out, and
                // the last round.
                let first = &self.rows[i..i + period];
                for row in first {
                    grid.write_row(out, row, &mut last_t, colour)?;
                }
                let skipped_from = self.rows[i + period].t;
                let last_start = i + period * (repeats - 1);
                let skipped_to = self.rows[last_start - 1].t;
                let note = format!(
                    "⋮ {} more round{} like the one above ({} rows each), t={}–{}",
                    repeats - 2,
                    if repeats - 2 == 1 { "" } else { "s" },
                    period,
                    skipped_from,
                    skipped_to
                );
                grid.write_plain(out, &note, Style::Dim, colour)?;
                last_t = None;
                for row in &self.rows[last_start..last_start + period] {
                    grid.write_row(out, row, &mut last_t, colour)?;
                }
                i = last_start + period;
                continue;
            }
            grid.write_row(out, &self.rows[i], &mut last_t, colour)?;
            i += 1;
        }
        Ok(())
    }

    /// How many rows there are before collapsing.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }
}

/// The longest block of rows repeated in a row starting at `start`: its period
/// and how many times it occurs, when collapsing it saves rows (at least three
/// rounds: the first and last are kept).
fn repetition(rows: &[Row], start: usize) -> Option<(usize, usize)> {
    const MAX_PERIOD: usize = 64;
    const MIN_REPEATS: usize = 4;
    let mut best: Option<(usize, usize)> = None;
    for period in 1..=MAX_PERIOD {
        if start + period * MIN_REPEATS > rows.len() {
            break;
        }
        let mut repeats = 1;
        while start + period * (repeats + 1) <= rows.len()
            && (0..period)
                .all(|k| rows[start + k].shape == rows[start + period * repeats + k].shape)
        {
            repeats += 1;
        }
        if repeats >= MIN_REPEATS {
            let saved = period * (repeats - 2);
            if best.is_none_or(|(p, r)| saved > p * (r - 2)) {
                best = Some((period, repeats));
            }
        }
    }
    best
}

fn shape_of(drawing: &Drawing) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::check::fxhash::FxHasher::default();
    let blank = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    match drawing {
        Drawing::Arrow {
            from,
            to,
            label,
            dropped,
        } => {
            0u8.hash(&mut h);
            (from, to, blank(label), dropped.map(drop_word)).hash(&mut h);
        }
        Drawing::Mark { col, text, .. } => {
            1u8.hash(&mut h);
            (col, blank(text)).hash(&mut h);
        }
        Drawing::Banner { text, .. } => {
            2u8.hash(&mut h);
            blank(text).hash(&mut h);
        }
    }
    h.finish()
}

fn drop_word(reason: DropReason) -> &'static str {
    match reason {
        DropReason::Loss => "lost",
        DropReason::Partition => "partition",
        DropReason::Filter => "filter",
        DropReason::Crashed => "down",
    }
}

/// A client operation in a few words: `propose v`, `put x 1`, `read x`.
pub fn op_words(op: &serde_json::Value) -> String {
    let Ok(payload) = serde_json::from_value::<Payload>(op.clone()) else {
        return op.to_string();
    };
    match payload {
        // The history's operation fields: {"f": "append", "key": "k", "value": 1}.
        Payload::Fields(fields) if fields.iter().any(|(k, _)| k == "f") => fields
            .iter()
            .map(|(_, v)| arg_words(v))
            .collect::<Vec<_>>()
            .join(" "),
        Payload::Fields(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k} {}", arg_words(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.label(),
    }
}

/// A reply in a few words: `ok`, `ok [1,2]`, `chosen v`, `fail: why`.
pub fn reply_words(reply: &serde_json::Value) -> String {
    let Ok(Payload::Fields(fields)) = serde_json::from_value::<Payload>(reply.clone()) else {
        return reply.to_string();
    };
    let mut words = Vec::new();
    for (k, v) in &fields {
        match (k.as_str(), v) {
            ("ok", Payload::String(s)) if s == "ok" => words.push("ok".to_string()),
            ("fail", v) => words.push(format!("fail: {}", arg_words(v))),
            ("redirect", v) => words.push(format!("(try {})", arg_words(v))),
            (k, v) => words.push(format!("{k} {}", arg_words(v))),
        }
    }
    words.join(" ")
}

fn arg_words(v: &Payload) -> String {
    match v {
        Payload::String(s) | Payload::Number(s) => s.clone(),
        Payload::Null => "null".to_string(),
        other => other.label(),
    }
}

// ---------------------------------------------------------------------------
// Layout.

/// Character columns: a time margin, then one lane per diagram column.
struct Grid {
    margin: usize,
    lane: usize,
    width: usize,
}

/// How many terminal columns a character takes (East Asian wide characters
/// take two).
fn char_width(c: char) -> usize {
    let c = c as u32;
    let wide = (0x1100..=0x115F).contains(&c)
        || (0x2E80..=0xA4CF).contains(&c)
        || (0xAC00..=0xD7A3).contains(&c)
        || (0xF900..=0xFAFF).contains(&c)
        || (0xFE30..=0xFE4F).contains(&c)
        || (0xFF00..=0xFF60).contains(&c)
        || (0xFFE0..=0xFFE6).contains(&c)
        || (0x1F300..=0x1FAFF).contains(&c)
        || (0x20000..=0x3FFFD).contains(&c);
    if wide { 2 } else { 1 }
}

fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` cut to at most `max` columns, ending in `…` when cut.
fn fit(s: &str, max: usize) -> String {
    if text_width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        if w + char_width(c) + 1 > max {
            break;
        }
        w += char_width(c);
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `text` in pieces of at most `width` columns, broken at spaces where there
/// are any (Chinese has none: it breaks anywhere).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut w = 0;
    // Where the line could break at a space, and how wide it is up to there.
    let mut last_space: Option<(usize, usize)> = None;
    for c in text.chars() {
        let cw = char_width(c);
        if w + cw > width && !line.is_empty() {
            match last_space {
                // Break at a space only when it keeps at least half the line.
                Some((at, at_w)) if at > 0 && at_w * 2 >= width => {
                    let rest = line.split_off(at);
                    lines.push(line.trim_end().to_string());
                    line = rest.trim_start().to_string();
                }
                _ => lines.push(std::mem::take(&mut line)),
            }
            w = text_width(&line);
            last_space = None;
        }
        if c == ' ' {
            last_space = Some((line.len(), w));
        }
        line.push(c);
        w += cw;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One row of cells: a character (or `None` for the second half of a wide
/// one) and its style.
struct Line {
    cells: Vec<(Option<char>, Style)>,
}

impl Line {
    fn new(width: usize) -> Line {
        Line {
            cells: vec![(Some(' '), Style::Plain); width],
        }
    }

    fn put(&mut self, x: usize, c: char, style: Style) {
        if x < self.cells.len() {
            self.cells[x] = (Some(c), style);
        }
    }

    /// Writes `s` from column `x`, wide characters taking two cells.
    fn text(&mut self, x: usize, s: &str, style: Style) {
        let mut at = x;
        for c in s.chars() {
            let w = char_width(c);
            if at + w > self.cells.len() {
                break;
            }
            self.cells[at] = (Some(c), style);
            if w == 2 {
                self.cells[at + 1] = (None, style);
            }
            at += w;
        }
    }

    fn render(&self, colour: bool) -> String {
        let mut out = String::new();
        let mut current = Style::Plain;
        for &(c, style) in &self.cells {
            let Some(c) = c else { continue };
            if colour && style != current {
                out.push_str(style.ansi());
                current = style;
            }
            out.push(c);
        }
        if colour && current != Style::Plain {
            out.push_str(Style::Plain.ansi());
        }
        out.trim_end().to_string()
    }
}

impl Grid {
    const MARGIN: usize = 8;
    const MIN_LANE: usize = 6;

    fn new(width: usize, columns: usize) -> Grid {
        let columns = columns.max(1);
        let lane = (width.saturating_sub(Self::MARGIN) / columns).max(Self::MIN_LANE);
        Grid {
            margin: Self::MARGIN,
            lane,
            width: (Self::MARGIN + lane * columns).max(width),
        }
    }

    fn centre(&self, col: usize) -> usize {
        self.margin + self.lane * col + self.lane / 2
    }

    fn header(&self, names: &[String]) -> String {
        let mut line = Line::new(self.width);
        for (i, name) in names.iter().enumerate() {
            let name = fit(name, self.lane - 1);
            let w = text_width(&name);
            let x = self.centre(i).saturating_sub(w / 2);
            line.text(x, &name, Style::Plain);
        }
        line.render(false)
    }

    fn lifelines(&self, columns: usize) -> Line {
        let mut line = Line::new(self.width);
        for i in 0..columns {
            line.put(self.centre(i), '│', Style::Dim);
        }
        line
    }

    fn columns(&self) -> usize {
        (self.width - self.margin) / self.lane
    }

    fn write_plain(
        &self,
        out: &mut dyn Write,
        text: &str,
        style: Style,
        colour: bool,
    ) -> io::Result<()> {
        let mut line = Line::new(self.width);
        line.text(self.margin, &fit(text, self.width - self.margin), style);
        writeln!(out, "{}", line.render(colour))
    }

    fn write_row(
        &self,
        out: &mut dyn Write,
        row: &Row,
        last_t: &mut Option<Time>,
        colour: bool,
    ) -> io::Result<()> {
        let mut line = self.lifelines(self.columns());
        if *last_t != Some(row.t) {
            let t = row.t.to_string();
            let t = fit(&t, self.margin - 2);
            line.text(self.margin - 2 - text_width(&t), &t, Style::Plain);
            *last_t = Some(row.t);
        }
        match &row.drawing {
            Drawing::Arrow {
                from,
                to,
                label,
                dropped,
            } => self.arrow(&mut line, *from, *to, label, *dropped),
            Drawing::Mark { col, text, style } => {
                let room = self.width - self.margin;
                let text = fit(text, room);
                let w = text_width(&text);
                let x = self.centre(*col).min(self.width - w);
                line.text(x, &text, *style);
            }
            Drawing::Banner { text, style } => {
                let room = self.width - self.margin;
                let text = fit(&format!(" {text} "), room);
                let w = text_width(&text);
                for x in self.margin..self.width {
                    line.put(x, '┄', *style);
                }
                line.text(self.margin + (room - w) / 2, &text, *style);
            }
        }
        writeln!(out, "{}", line.render(colour))?;
        if let Some(sentence) = &row.narration {
            let indent = self.margin + 2;
            let pieces = wrap(sentence, self.width.saturating_sub(indent + 2).max(20));
            for (i, piece) in pieces.iter().enumerate() {
                let mut line = Line::new(self.width);
                let lead = if i == 0 { "↳" } else { " " };
                line.text(indent, &format!("{lead} {piece}"), Style::Dim);
                writeln!(out, "{}", line.render(colour))?;
            }
        }
        Ok(())
    }

    fn arrow(
        &self,
        line: &mut Line,
        from: usize,
        to: usize,
        label: &str,
        dropped: Option<DropReason>,
    ) {
        let (a, b) = (self.centre(from), self.centre(to));
        let (left, right) = (a.min(b), a.max(b));
        let style = if dropped.is_some() {
            Style::Dropped
        } else {
            Style::Message
        };
        for x in left + 1..right {
            line.put(x, '─', style);
        }
        let label = match dropped {
            None => label.to_string(),
            Some(why) => format!("{label} ✗{}", drop_word(why)),
        };
        match dropped {
            // A dropped message never reaches its destination: it stops short.
            Some(_) if a < b => line.put(right - 1, '✗', style),
            Some(_) => line.put(left + 1, '✗', style),
            None if a < b => line.put(right - 1, '▶', style),
            None => line.put(left + 1, '◀', style),
        }
        let inner = right - left - 1;
        let w = text_width(&label);
        if w + 2 <= inner.saturating_sub(1) {
            // On the arrow, centred.
            line.text(left + 1 + (inner - w) / 2, &label, style);
        } else if right + 2 + w <= self.width {
            // Right of it.
            line.text(right + 2, &label, style);
        } else if w + 2 <= left.saturating_sub(self.margin) {
            // Left of it.
            line.text(left - 1 - w, &label, style);
        } else {
            let room = inner.saturating_sub(3);
            line.text(left + 2, &fit(&label, room), style);
        }
    }
}

// ---------------------------------------------------------------------------
// Feeding a diagram from a trace file.

/// Draws a recorded trace: reads its lines after the header into `diagram`.
pub fn read_into(
    diagram: &mut Diagram,
    lines: &mut crate::trace::TraceLines,
    source: &str,
) -> Result<(), crate::error::InputError> {
    use crate::error::InputError;
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(
                    InputError::new(source, format!("cannot read: {e}")).at_line(lines.line_no + 1)
                );
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let rec: Record = serde_json::from_str(&line).map_err(|e| {
            InputError::new(
                source,
                format!("not a trace line this parliament knows: {e}"),
            )
            .at_line(lines.line_no)
        })?;
        diagram.record(&rec);
    }
}
