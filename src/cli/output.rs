//! Standard output as a Unix tool writes it.
//!
//! Every line the CLI prints goes through [`line`] (the [`outln!`] macro): a
//! reader that closed the pipe early (`parliament check … | head -1`,
//! `parliament list | true`) ends the program quietly, as `cat` does, with the
//! status a shell reports for a process stopped by SIGPIPE (141); any other
//! write error (`> /dev/full`) is one line on stderr and exit status 2. The
//! event log of a run writes through [`Stdout`], whose errors come back to the
//! caller so the run can finish its trace file before the program ends.
//!
//! [`install_panic_backstop`] covers printing that does not go through here
//! yet: a `println!` that panics because stdout failed ends the same way.

use std::fmt;
use std::io::{self, Write};

/// The exit status after a reader closed our standard output (128 + SIGPIPE).
pub const CLOSED_PIPE_STATUS: i32 = 141;

/// Prints one line (the text of `args` and a newline) to standard output, or
/// ends the program as the module documentation says.
pub fn line(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        fail(&e);
    }
}

/// Prints text as it is (no newline added).
pub fn text(args: fmt::Arguments<'_>) {
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        fail(&e);
    }
}

/// Flushes standard output at the end of a command.
pub fn flush() {
    if let Err(e) = io::stdout().lock().flush() {
        fail(&e);
    }
}

/// Ends the program after a failed write to standard output.
pub fn fail(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED_PIPE_STATUS);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(2);
}

/// Standard output as a [`Write`] whose errors are returned, for writers that
/// must finish other work (a trace file) before the program ends.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stdout().lock().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stdout().lock().write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stdout().lock().flush()
    }
}

/// Makes a panic caused by a failed `println!` end the program as [`fail`]
/// does, instead of printing a panic message and exiting 101.
pub fn install_panic_backstop() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(cause) = message.strip_prefix("failed printing to stdout: ") {
            if cause.contains("Broken pipe") {
                std::process::exit(CLOSED_PIPE_STATUS);
            }
            eprintln!("error: cannot write to standard output: {cause}");
            std::process::exit(2);
        }
        default(info);
    }));
}

/// `println!` for the CLI: see the module documentation.
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::output::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::cli::output::line(format_args!($($arg)*)) };
}

/// `print!` for the CLI: see the module documentation.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::text(format_args!($($arg)*)) };
}
