//! What the typed registry promises: every protocol runs its default variant
//! when a scenario names none, and a world cloned mid-run goes on exactly as
//! the original does.

use parliament::engine::World;
use parliament::named::Named;
use parliament::protocol::Protocol;
use parliament::protocols::ProtocolKind;
use parliament::run::{WorldVisitor, with_world};
use parliament::scenario::Scenario;
use parliament::trace::{SharedBuffer, TraceOutput};

/// A minimal valid scenario for each protocol, without "variant".
fn without_variant(kind: ProtocolKind) -> serde_json::Value {
    match kind {
        ProtocolKind::BasicPaxos => serde_json::json!({
            "protocol": kind.name(),
            "nodes": {"proposers": 1, "acceptors": 3},
            "requests": [{"at": 0, "node": "P1", "propose": "X"}]
        }),
        ProtocolKind::PrimaryBackup => serde_json::json!({
            "protocol": kind.name(),
            "nodes": {"replicas": 3},
            "workload": {
                "model": "append", "clients": 2,
                "generate": {"stop": 300}
            },
            "limits": {"time": 600}
        }),
        ProtocolKind::MultiPaxos => serde_json::json!({
            "protocol": kind.name(),
            "nodes": {"replicas": 3},
            "workload": {
                "model": "append", "clients": 2,
                "generate": {"stop": 300}
            },
            "limits": {"time": 600}
        }),
        ProtocolKind::Raft => serde_json::json!({
            "protocol": kind.name(),
            "nodes": {"servers": 3},
            "workload": {
                "model": "append", "clients": 2,
                "generate": {"stop": 300}
            },
            "limits": {"time": 600}
        }),
        ProtocolKind::TwoPc | ProtocolKind::ThreePc | ProtocolKind::PaxosCommit => {
            serde_json::json!({
                "protocol": kind.name(),
                "nodes": {"coordinators": 1, "participants": 3},
                "requests": [
                    {"at": 0, "node": "C1", "transfer": {"tx": "t1", "from": "P1", "to": ["P2", "P3"], "amount": 10}},
                    {"at": 5, "node": "C1", "transfer": {"tx": "t2", "from": "P3", "to": "P1", "amount": 5}}
                ]
            })
        }
    }
}

#[test]
fn a_scenario_without_variant_runs_the_default_of_every_protocol() {
    for row in ProtocolKind::TABLE {
        let text = without_variant(row.value).to_string();
        let scenario = Scenario::parse(&text, row.name).unwrap_or_else(|e| panic!("{e}"));
        let default = row.value.info().variants[0].0;
        assert_eq!(scenario.variant, default, "{}", row.name);
        // The trace header names the variant that ran.
        let buf = SharedBuffer::new();
        let out = TraceOutput::new().to_writer(Box::new(buf.clone()));
        let (report, _) = parliament::run::run(&scenario, out).unwrap();
        assert_eq!(report.variant, default);
        let header: serde_json::Value =
            serde_json::from_str(buf.text().lines().next().unwrap()).unwrap();
        assert_eq!(header["variant"], default, "{}", row.name);
        assert_eq!(header["scenario"]["variant"], default, "{}", row.name);
        assert!(report.record.stats.events > 0);
    }
}

#[test]
fn an_unknown_variant_names_the_protocols_own() {
    let mut spec = without_variant(ProtocolKind::PrimaryBackup);
    spec["variant"] = "default".into();
    let e = Scenario::parse(&spec.to_string(), "s.json").unwrap_err();
    assert_eq!(e.path, "variant");
    assert!(e.message.contains("sync, async"), "{e}");
}

/// Runs `steps` events, clones the world, then runs the original and the
/// clone to the end, each into its own buffer.
struct CloneMidRun {
    steps: usize,
}

impl WorldVisitor for CloneMidRun {
    type Output = (String, String);
    fn visit<P: Protocol>(self, mut world: World<'_, P>) -> (String, String) {
        for _ in 0..self.steps {
            assert!(world.step().is_none(), "the run ended too early");
        }
        let (a, b) = (SharedBuffer::new(), SharedBuffer::new());
        let copy = world
            .clone()
            .with_output(TraceOutput::new().to_writer(Box::new(b.clone())));
        let original = world.with_output(TraceOutput::new().to_writer(Box::new(a.clone())));
        let (ra, _) = original.finish();
        let (rb, _) = copy.finish();
        assert_eq!(ra.stats, rb.stats);
        assert_eq!(ra.facts, rb.facts);
        assert_eq!(ra.history, rb.history);
        (a.text(), b.text())
    }
}

#[test]
fn a_world_cloned_mid_run_runs_on_identically() {
    for file in [
        "scenarios/paxos/lossy-duplicating-network.json",
        "scenarios/primary-backup/async-failover-loses-writes.json",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let scenario = Scenario::load(&path).unwrap();
        // The first steps are traced too (into a buffer nobody reads): trace
        // lines are numbered as they are written.
        let first = TraceOutput::new().to_writer(Box::new(SharedBuffer::new()));
        let (a, b) = with_world(&scenario, first, CloneMidRun { steps: 40 });
        assert!(
            a.lines().count() > 20,
            "{file}: too short to prove anything"
        );
        assert_eq!(a, b, "{file}");
        // And the rest is the rest of the whole run's trace: same numbering.
        let whole = SharedBuffer::new();
        let out = TraceOutput::new().to_writer(Box::new(whole.clone()));
        parliament::run::run(&scenario, out).unwrap();
        assert!(whole.text().ends_with(&a), "{file}");
    }
}
