//! Progress on stderr: a bar when stderr is a terminal (seeds done/total,
//! seeds/s, violations so far, ETA), plain lines every few seconds otherwise.
//! Never on stdout, which carries the report.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often plain progress lines are printed.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

pub struct Progress {
    total: u64,
    start: Instant,
    mode: Mode,
}

enum Mode {
    Bar(ProgressBar),
    Lines { last: Instant },
    Off,
}

impl Progress {
    /// A bar on a terminal, lines otherwise.
    pub fn for_stderr(total: u64) -> Progress {
        let mode = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} seeds  {msg}  ETA {eta}")
                    .expect("a valid template"),
            );
            bar.set_message("0 seeds/s  0 violating");
            Mode::Bar(bar)
        } else {
            Mode::Lines {
                last: Instant::now(),
            }
        };
        Progress {
            total,
            start: Instant::now(),
            mode,
        }
    }

    /// No progress at all (benchmarks, tests).
    pub fn off() -> Progress {
        Progress {
            total: 0,
            start: Instant::now(),
            mode: Mode::Off,
        }
    }

    pub fn update(&mut self, done: u64, violating: u64) {
        match &mut self.mode {
            Mode::Bar(bar) => {
                let rate = done as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
                bar.set_position(done);
                bar.set_message(format!("{rate:.0} seeds/s  {violating} violating"));
            }
            Mode::Lines { last } => {
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    eprintln!("{}", self.line(done, violating));
                }
            }
            Mode::Off => {}
        }
    }

    pub fn finish(&mut self, done: u64, violating: u64) {
        match &self.mode {
            Mode::Bar(bar) => bar.finish_and_clear(),
            Mode::Lines { .. } => {}
            Mode::Off => return,
        }
        let secs = self.start.elapsed().as_secs_f64();
        eprintln!(
            "fuzz: {done} seeds in {secs:.1} s ({:.0} seeds/s), {violating} violating",
            done as f64 / secs.max(1e-9)
        );
    }

    fn line(&self, done: u64, violating: u64) -> String {
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 {
            (self.total.saturating_sub(done)) as f64 / rate
        } else {
            0.0
        };
        format!(
            "fuzz: {done}/{} seeds, {rate:.0} seeds/s, {violating} violating so far, ETA {eta:.0} s",
            self.total
        )
    }
}
