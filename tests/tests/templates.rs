//! The template gallery: every template makes a flow that runs as it comes and writes its
//! output, each copy with its own folder, id and name.

use sluice_runtime::{RunStatus, RunTarget, Trigger};
use sluice_tests::temporary_installation;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_template_makes_a_flow_that_runs_as_it_comes() {
    let (home, sluice) = temporary_installation();
    let templates = sluice.templates();
    assert!(templates.len() >= 8, "{} templates", templates.len());
    for template in &templates {
        assert!(
            !template.description.is_empty(),
            "{} says what it does",
            template.id
        );
        let created = sluice.create_from_template(&template.id).unwrap();
        assert!(
            sluice.validate_flow(&created.flow).is_empty(),
            "{}",
            template.id
        );
        let outcome = sluice
            .run(RunTarget::Stored(created.flow.id.clone()), Trigger::Manual)
            .await
            .unwrap();
        assert_eq!(
            outcome.report.status,
            RunStatus::Succeeded,
            "{}: {:?}",
            template.id,
            outcome.report.failure
        );
        let written: u64 = (outcome.report.nodes.iter())
            .filter(|node| !created.flow.edges.iter().any(|edge| edge.from == node.node))
            .map(|node| node.stats.records_in)
            .sum();
        assert!(written > 0, "{} wrote nothing", template.id);
        assert!(
            created
                .base_dir
                .starts_with(home.path().join("files/templates"))
        );
    }

    // A second copy: its own folder, a new id and a name no other flow has.
    let first = &templates[0];
    let again = sluice.create_from_template(&first.id).unwrap();
    assert_eq!(again.flow.name, format!("{} 2", first.name));
    assert!(again.base_dir.ends_with(format!("{}-2", first.id)));
    assert!(sluice.create_from_template("no-such-template").is_err());
}
