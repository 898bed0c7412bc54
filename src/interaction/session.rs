//! A session: command lines run one after another against one cluster,
//! `boot` included. The script runner plays files through it; step mode can
//! feed it what a person types.

use super::command::{BootSpec, Command};
use super::error::CommandError;
use super::harness::{self, Drive};
use crate::error::InputError;
use crate::scenario::{Scenario, ScenarioSpec};

/// Where `boot` errors say they come from.
const BOOT_SOURCE: &str = "boot";

#[derive(Default)]
pub struct Session {
    cluster: Option<Box<dyn Drive>>,
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// Runs one command line and returns what it prints: its lines, `ok` when
    /// it printed nothing, or one `error: ...` line.
    pub fn run_line(&mut self, line: &str) -> Vec<String> {
        match self.run(line) {
            Ok(lines) if lines.is_empty() => vec!["ok".to_string()],
            Ok(lines) => lines,
            Err(e) => vec![format!("error: {e}")],
        }
    }

    fn run(&mut self, line: &str) -> Result<Vec<String>, CommandError> {
        let command = Command::parse(line).map_err(|e| CommandError::Parse(e.0))?;
        match &command {
            Command::Boot(spec) => {
                let scenario = boot_scenario(spec).map_err(CommandError::Boot)?;
                let (cluster, lines) = harness::boot(&scenario, spec.model);
                self.cluster = Some(cluster);
                Ok(lines)
            }
            _ => match self.cluster.as_mut() {
                Some(cluster) => cluster.run(&command),
                None => Err(CommandError::NotBooted),
            },
        }
    }
}

/// The scenario a boot line stands for: its protocol, variant, seed, nodes
/// and params, validated (and the protocol configured) exactly as a scenario
/// file's are.
pub fn boot_scenario(spec: &BootSpec) -> Result<Scenario, InputError> {
    let scenario = ScenarioSpec {
        seed: spec.seed,
        params: spec.params.clone(),
        ..ScenarioSpec::bare(&spec.protocol, spec.variant.clone(), spec.nodes.clone())
    };
    Scenario::from_spec(scenario, BOOT_SOURCE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::named::Named;
    use crate::protocols::ProtocolKind;

    /// The harness knows no protocol: every one in the registry boots from a
    /// header with default roles, settles, and shows its views.
    #[test]
    fn every_protocol_boots_settles_and_shows_its_nodes() {
        for row in ProtocolKind::TABLE {
            let mut session = Session::new();
            let boot = session.run_line(&format!("boot protocol={} nodes=N1,N2,N3", row.name));
            assert!(!boot[0].starts_with("error"), "{}: {boot:?}", row.name);
            let settled = session.run_line("stabilize");
            assert!(
                !settled[0].starts_with("error"),
                "{}: {settled:?}",
                row.name
            );
            let views = session.run_line("view");
            for node in ["N1 (", "N2 (", "N3 ("] {
                assert!(views.iter().any(|l| l.starts_with(node)), "{views:?}");
            }
        }
    }

    /// A transaction after boot is planned as a scenario's request would be:
    /// refused in the scenario's words, and a refusal leaves nothing behind.
    #[test]
    fn a_transaction_is_planned_like_a_scenario_request() {
        let mut session = Session::new();
        session.run_line("boot protocol=2pc nodes=C1:coordinator,P1,P2");
        let no_account = session.run_line("transaction C1 t1 5 from P1 to Z");
        assert!(
            no_account[0].starts_with("error: cannot run the transaction: ")
                && no_account[0].contains("no account \"Z\""),
            "{no_account:?}"
        );
        let not_coordinator = session.run_line("transaction P1 t1 5 from P1 to P2");
        assert!(
            not_coordinator[0].contains("is not a coordinator"),
            "{not_coordinator:?}"
        );
        let first = session.run_line("transaction C1 t1 5 from P1 to P2");
        assert_eq!(first[0], "C1   request r1: transfer t1: 5 from P1 to P2");
        assert!(
            first.iter().any(|l| l.contains("prepare(t1: P1-5)")),
            "{first:?}"
        );
        let second = session.run_line("transaction C1 t2 7 from P2 to P1");
        assert!(
            second.iter().any(|l| l.contains("prepare(t2: P2-7)")),
            "{second:?}"
        );
        let twice = session.run_line("transaction C1 t2 7 from P2 to P1");
        assert!(
            twice[0].starts_with("error: cannot run the transaction"),
            "{twice:?}"
        );

        session.run_line("boot protocol=basic-paxos nodes=P1:proposer,A1:acceptor");
        let consensus = session.run_line("transaction P1 t1 5 from P1 to A1");
        assert!(
            consensus[0].starts_with("error: cannot run the transaction"),
            "{consensus:?}"
        );
    }

    #[test]
    fn refusals_are_printed_not_raised() {
        let mut session = Session::new();
        assert_eq!(
            session.run_line("view"),
            ["error: no cluster yet: start with boot"]
        );
        let boot = session.run_line("boot protocol=basic-paxos nodes=P1:proposer,A1:speaker");
        assert!(
            boot[0].starts_with("error: cannot boot: boot: at nodes[1].roles[0]: unknown role")
        );
        session.run_line("boot protocol=basic-paxos nodes=P1:proposer,A1:acceptor");
        assert_eq!(
            session.run_line("fire P1 retry"),
            ["error: P1 has no timer \"retry\" armed (none is)"]
        );
        assert_eq!(
            session.run_line("deliver"),
            ["no message in flight matches"]
        );
        assert_eq!(session.run_line("crash A1"), ["A1   ☠ crashes"]);
        assert_eq!(session.run_line("crash A1"), ["error: A1 is down"]);
        assert_eq!(
            session.run_line("deliver X9→A1"),
            ["error: no node \"X9\"; nodes are P1, A1"]
        );
        assert_eq!(
            session.run_line("deliver ping"),
            ["error: no message kind \"ping\"; kinds are prepare, promise, accept, accepted, nack"]
        );
    }
}
