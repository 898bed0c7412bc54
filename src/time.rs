//! Virtual time.
//!
//! One tick is one virtual millisecond by convention: scenario files, traces and
//! docs all speak in ticks, and nothing in the simulator ever reads a wall clock.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// A point in virtual time, in ticks since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Time(pub u64);

impl Time {
    pub const ZERO: Time = Time(0);
    pub const MAX: Time = Time(u64::MAX);

    /// `self + ticks`, saturating so that absurd delays cannot wrap around.
    pub fn after(self, ticks: u64) -> Time {
        Time(self.0.saturating_add(ticks))
    }

    pub fn ticks(self) -> u64 {
        self.0
    }
}

impl Add<u64> for Time {
    type Output = Time;
    fn add(self, ticks: u64) -> Time {
        self.after(ticks)
    }
}

impl Sub for Time {
    type Output = u64;
    fn sub(self, earlier: Time) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
