//! Checkers: functions over a history (and trace facts) that judge a run.

pub mod bench;
mod fxhash;
pub mod ghost;
pub mod linearizability;
pub mod models;
