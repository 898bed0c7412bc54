//! Progress of long work on standard error: a bar (with rate and ETA) when
//! standard error is a terminal, a plain line every [`PLAIN_EVERY`] when it is
//! not (a log file, a CI job), and nothing for work that ends within
//! [`SHOW_AFTER`] or when the user asked for quiet (`--quiet`, `--json`).
//! Never on standard output, which carries the results.

use crate::engine::{ProgressHook, RunProgress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Work shorter than this shows no progress at all.
pub const SHOW_AFTER: Duration = Duration::from_secs(2);
/// How often a plain progress line is printed when stderr is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Where progress goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Bar,
    Lines,
    Off,
}

impl Shown {
    /// A bar on a terminal, lines otherwise, nothing when `quiet`.
    pub fn for_stderr(quiet: bool) -> Shown {
        if quiet {
            Shown::Off
        } else if std::io::stderr().is_terminal() {
            Shown::Bar
        } else {
            Shown::Lines
        }
    }
}

// ---------------------------------------------------------------------------
// A run.

/// The progress of one run, fed by the engine every few thousand events.
pub struct RunDisplay {
    shown: Shown,
    start: Instant,
    state: Mutex<RunState>,
}

struct RunState {
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
}

const BAR_STEPS: u64 = 1000;

impl RunDisplay {
    pub fn new(shown: Shown) -> Arc<RunDisplay> {
        Arc::new(RunDisplay {
            shown,
            start: Instant::now(),
            state: Mutex::new(RunState {
                bar: None,
                last_line: None,
            }),
        })
    }

    /// The hook the engine calls; `None` when nothing is shown.
    pub fn hook(self: &Arc<Self>) -> Option<ProgressHook> {
        if self.shown == Shown::Off {
            return None;
        }
        let me = Arc::clone(self);
        Some(Arc::new(move |p| me.update(p)))
    }

    fn update(&self, p: RunProgress) {
        let elapsed = self.start.elapsed();
        if elapsed < SHOW_AFTER {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let rate = p.events as f64 / elapsed.as_secs_f64().max(1e-9);
        match self.shown {
            Shown::Bar => {
                let bar = state.bar.get_or_insert_with(|| {
                    bar_with(BAR_STEPS, "{bar:30} {percent:>3}%  {msg}  ETA {eta}")
                });
                bar.set_position((p.fraction() * BAR_STEPS as f64) as u64);
                bar.set_message(format!(
                    "{} events ({}/s), t={} of {}",
                    p.events,
                    round(rate),
                    p.now,
                    p.time_limit
                ));
            }
            Shown::Lines => {
                if state.last_line.is_none_or(|t| t.elapsed() >= PLAIN_EVERY)
                    && elapsed >= PLAIN_EVERY
                {
                    state.last_line = Some(Instant::now());
                    eprintln!(
                        "run: {:.0} s, {} events ({}/s), virtual time {} of {} ({:.1}% of the run)",
                        elapsed.as_secs_f64(),
                        p.events,
                        round(rate),
                        p.now,
                        p.time_limit,
                        100.0 * p.fraction()
                    );
                }
            }
            Shown::Off => {}
        }
    }

    /// Clears the bar (lines stay: they are a log).
    pub fn finish(&self) {
        if let Ok(state) = self.state.lock()
            && let Some(bar) = &state.bar
        {
            bar.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------
// Stages of a long command (`bench`).

/// Named stages, one after another: a bar counting them with the current
/// stage's name and the time spent, or a plain line every [`PLAIN_EVERY`]
/// saying which stage is running.
pub struct Stages {
    bar: Option<ProgressBar>,
    current: Arc<Mutex<(usize, String)>>,
    total: usize,
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Stages {
    pub fn new(shown: Shown, what: &str, total: usize) -> Stages {
        let current = Arc::new(Mutex::new((0, String::new())));
        let mut stages = Stages {
            bar: None,
            current: Arc::clone(&current),
            total,
            ticker: None,
        };
        match shown {
            Shown::Bar => {
                let bar = bar_with(
                    total as u64,
                    &format!("{what}: {{pos}}/{{len}} {{wide_msg}} {{elapsed}}"),
                );
                bar.enable_steady_tick(Duration::from_millis(500));
                stages.bar = Some(bar);
            }
            Shown::Lines => {
                let (stop, stopped) = mpsc::channel::<()>();
                let what = what.to_string();
                let start = Instant::now();
                let handle = std::thread::spawn(move || {
                    loop {
                        match stopped.recv_timeout(PLAIN_EVERY) {
                            Err(RecvTimeoutError::Timeout) => {}
                            _ => return,
                        }
                        if let Ok(c) = current.lock() {
                            eprintln!(
                                "{what}: {:.0} s, {} ({} of {total})",
                                start.elapsed().as_secs_f64(),
                                c.1,
                                c.0
                            );
                        }
                    }
                });
                stages.ticker = Some((stop, handle));
            }
            Shown::Off => {}
        }
        stages
    }

    /// The next stage begins.
    pub fn start(&self, name: &str) {
        if let Ok(mut c) = self.current.lock() {
            c.0 = (c.0 + 1).min(self.total);
            c.1 = name.to_string();
            if let Some(bar) = &self.bar {
                bar.set_position(c.0.saturating_sub(1) as u64);
                bar.set_message(name.to_string());
            }
        }
    }

    /// Runs `f` (printing results) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    pub fn finish(mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some((stop, handle)) = self.ticker.take() {
            let _ = stop.send(());
            let _ = handle.join();
        }
    }
}

fn bar_with(len: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// A rate to three significant figures, with k/M.
fn round(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Time;

    #[test]
    fn a_run_is_as_far_as_its_nearer_limit() {
        let p = RunProgress {
            events: 500,
            now: Time(10),
            time_limit: Time(100),
            event_limit: 1000,
        };
        assert!((p.fraction() - 0.5).abs() < 1e-9);
        assert_eq!(round(1_234_567.0), "1.23M");
        assert_eq!(round(12_345.0), "12.3k");
        assert!(RunDisplay::new(Shown::Off).hook().is_none());
        assert!(RunDisplay::new(Shown::Lines).hook().is_some());
    }
}
