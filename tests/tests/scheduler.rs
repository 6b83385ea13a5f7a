//! The scheduler by a controllable clock: many flows fired on time, pausing and resuming, and a
//! catch-up run after the machine slept.

use serde_json::json;
use sluice_tests::{flow_json, temporary_installation};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_fires_many_flows_by_a_controllable_clock_and_can_be_paused() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("in.csv"), "id\n1\n").unwrap();
    let t0: chrono::DateTime<chrono::Utc> = "2026-11-26T09:59:30Z".parse().unwrap();
    let mut ids = Vec::new();
    for (index, cron) in ["0 0 10 * * *", "0 */30 * * * *", "0 0 12 * * *"]
        .iter()
        .enumerate()
    {
        let mut flow = flow_json(
            json!([
                {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
                {"id": "save", "type": "json.write", "config": {"path": format!("out{index}.ndjson")}}
            ]),
            json!([{"from": "read", "to": "save"}]),
        );
        flow["id"] = json!(format!("01930000-0000-7000-8000-00000000c00{index}"));
        flow["name"] = json!(format!("scheduled {index}"));
        let flow = sluice.parse_flow(&flow.to_string(), "test").unwrap();
        sluice.import_flow(flow.clone(), data.path(), true).unwrap();
        sluice.approve_flow(&flow.id).unwrap();
        sluice
            .set_flow_schedule(
                &flow.id,
                Some(sluice_core::flow::Schedule {
                    cron: cron.to_string(),
                    timezone: "UTC".into(),
                    enabled: true,
                    missed: None,
                }),
            )
            .unwrap();
        ids.push(flow.id);
    }
    // First look: nothing is owed from before; the earliest next fire is 10:00.
    assert_eq!(
        sluice.scheduler_pass(t0, None).unwrap(),
        Some("2026-11-26T10:00:00Z".parse().unwrap())
    );
    assert!(sluice.runs(None, 10).unwrap().is_empty());

    // 10:00:01: the first two flows are due, the third (12:00) is not.
    let next = sluice
        .scheduler_pass("2026-11-26T10:00:01Z".parse().unwrap(), None)
        .unwrap();
    assert_eq!(next, Some("2026-11-26T10:30:00Z".parse().unwrap()));
    wait_for_runs(&sluice, 2).await;
    let mut fired: Vec<String> = sluice
        .runs(None, 10)
        .unwrap()
        .into_iter()
        .map(|run| run.flow_id)
        .collect();
    fired.sort();
    assert_eq!(fired, [ids[0].clone(), ids[1].clone()]);
    let state = sluice.store().schedule_state(&ids[1]).unwrap().unwrap();
    assert_eq!(
        state.last_fire_at.as_deref(),
        Some("2026-11-26T10:00:00.000Z")
    );
    assert_eq!(
        state.next_fire_at.as_deref(),
        Some("2026-11-26T10:30:00.000Z")
    );

    // Paused: 12:00 passes without a run; resuming does not make it up.
    sluice.set_schedules_paused(true).unwrap();
    assert_eq!(
        sluice
            .scheduler_pass("2026-11-26T12:00:01Z".parse().unwrap(), None)
            .unwrap(),
        None
    );
    sluice.set_schedules_paused(false).unwrap();
    sluice
        .scheduler_pass("2026-11-26T12:00:02Z".parse().unwrap(), None)
        .unwrap();
    // Nothing starts: given the time a run would take to be recorded, still two.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wait_for_runs(&sluice, 2).await;

    // Asleep from 12:00 to 15:10: the half-hourly flow catches up once, with its trigger saying
    // so; the daily ones owe nothing (their fires were before the resume).
    sluice
        .scheduler_pass("2026-11-26T15:10:00Z".parse().unwrap(), None)
        .unwrap();
    wait_for_runs(&sluice, 3).await;
    let runs = sluice.runs(None, 10).unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].flow_id, ids[1]);
    assert_eq!(runs[0].trigger, "catch_up");
    let state = sluice.store().schedule_state(&ids[1]).unwrap().unwrap();
    assert_eq!(
        state.last_fire_at.as_deref(),
        Some("2026-11-26T15:00:00.000Z")
    );
}

/// Waits until `expected` runs are recorded and none is running (a run the scheduler starts is
/// recorded a moment after the pass returns).
async fn wait_for_runs(sluice: &sluice_runtime::Sluice, expected: usize) {
    let mut runs = Vec::new();
    for _ in 0..1000 {
        runs = sluice.runs(None, 100).unwrap();
        if runs.len() >= expected
            && runs
                .iter()
                .all(|run| run.status != sluice_store::RunStatus::Running)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(runs.len(), expected, "runs: {runs:?}");
    assert!(
        runs.iter()
            .all(|run| run.status != sluice_store::RunStatus::Running),
        "runs did not finish: {runs:?}"
    );
}
