//! Renderers: everything that turns a run's events into something a person
//! reads. They read events and facts only; none reaches back into the engine.

pub mod diagram;
pub mod linearizability;
pub mod log;
pub mod view;
