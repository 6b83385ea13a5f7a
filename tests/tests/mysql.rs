//! MySQL/MariaDB through the runtime, against the throwaway servers `tests/mariadb.sh` and
//! `tests/postgres.sh` start (as `make test` does): a stored `mysql` credential (its password a
//! secret), a flow reading a MariaDB table incrementally into PostgreSQL, a wrong password, and
//! that the passwords reach nowhere.

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use serde_json::json;
use sluice_runtime::{CredentialInput, RunStatus, RunTarget, Trigger};

/// A test server's setting `key`, from `variable` ("host=… port=… user=…").
fn setting(variable: &str, key: &str) -> String {
    let settings = std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run the tests through tests/mariadb.sh and tests/postgres.sh (make test does)")
    });
    settings
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_string()
}

/// Runs SQL statements on the MariaDB test server, in a thread of its own (the synchronous
/// client must not block a thread that drives async tasks).
fn mariadb(statements: &[&str]) {
    let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
    std::thread::spawn(move || {
        let options = mysql::OptsBuilder::new()
            .ip_or_hostname(Some(setting("SLUICE_TEST_MYSQL", "host")))
            .tcp_port(setting("SLUICE_TEST_MYSQL", "port").parse().unwrap())
            .user(Some(setting("SLUICE_TEST_MYSQL", "user")))
            .pass(Some(setting("SLUICE_TEST_MYSQL", "password")))
            .db_name(Some(setting("SLUICE_TEST_MYSQL", "dbname")))
            .prefer_socket(false);
        let mut connection = mysql::Conn::new(options).unwrap();
        for statement in statements {
            connection.query_drop(statement).unwrap();
        }
    })
    .join()
    .expect("MariaDB setup");
}

/// The rows of a query on the PostgreSQL test server, each column as text.
fn postgres(sql: &str) -> Vec<Vec<String>> {
    let (settings, sql) = (
        std::env::var("SLUICE_TEST_POSTGRES").unwrap(),
        sql.to_string(),
    );
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&settings, postgres::NoTls).unwrap();
        (client.simple_query(&sql).unwrap().iter())
            .filter_map(|message| match message {
                postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|index| row.get(index).unwrap_or("null").to_string())
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    })
    .join()
    .expect("query")
}

fn credential(name: &str, kind: &str, variable: &str, password: &str) -> CredentialInput {
    let fields = json!({
        "host": setting(variable, "host"), "port": setting(variable, "port"),
        "database": setting(variable, "dbname"), "user": setting(variable, "user"), "tls": "disable"
    });
    CredentialInput {
        name: name.into(),
        kind: kind.into(),
        fields: fields.as_object().unwrap().clone(),
        secrets: BTreeMap::from([("password".to_string(), password.to_string())]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mariadb_table_reaches_postgres_incrementally_and_the_passwords_reach_nowhere() {
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    mariadb(&[
        "DROP TABLE IF EXISTS runtime_orders",
        "CREATE TABLE runtime_orders (id int PRIMARY KEY, total decimal(10, 2), placed datetime)",
        "INSERT INTO runtime_orders VALUES (1, 12.50, '2026-12-01 09:00'), (2, 7.25, '2026-12-01 10:00')",
    ]);
    postgres("DROP TABLE IF EXISTS runtime_orders_copy");
    let data = tempfile::tempdir().unwrap();
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "orders", "type": "mysql.read", "credential": "shop",
             "config": {"table": "runtime_orders", "cursor": "placed"}},
            {"id": "save", "type": "postgres.write", "credential": "warehouse",
             "config": {"table": "runtime_orders_copy", "mode": "upsert", "key": ["id"]}}
        ]),
        json!([{"from": "orders", "to": "save"}]),
    );
    let file = data.path().join("orders.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = sluice_tests::store_own_flow(&sluice, &file);
    let postgres_password = setting("SLUICE_TEST_POSTGRES", "password");
    sluice
        .save_credential(
            credential(
                "warehouse",
                "postgres",
                "SLUICE_TEST_POSTGRES",
                &postgres_password,
            ),
            None,
        )
        .unwrap();
    let run = || sluice.run(RunTarget::Stored(flow_id.clone()), Trigger::Manual);

    // A wrong password: the run fails saying so, and writes nothing.
    let wrong_password = "not-the-r1ght-password";
    sluice
        .save_credential(
            credential("shop", "mysql", "SLUICE_TEST_MYSQL", wrong_password),
            None,
        )
        .unwrap();
    let failed = run().await.unwrap();
    assert_eq!(failed.report.status, RunStatus::Failed);
    let failure = failed.report.failure.as_ref().unwrap().to_string();
    assert!(
        failure.contains("refused the password of user sluice"),
        "{failure}"
    );
    let exists = "SELECT count(*) FROM pg_tables WHERE tablename = 'runtime_orders_copy'";
    assert_eq!(postgres(exists), [["0"]]);

    let password = setting("SLUICE_TEST_MYSQL", "password");
    sluice
        .save_credential(
            credential("shop", "mysql", "SLUICE_TEST_MYSQL", &password),
            Some("shop"),
        )
        .unwrap();
    let tester = sluice.clone();
    let tested = std::thread::spawn(move || tester.test_credential("shop"))
        .join()
        .unwrap()
        .unwrap();
    assert!(tested.contains("the credential works"), "{tested}");
    let first = run().await.unwrap();
    assert_eq!(
        first.report.status,
        RunStatus::Succeeded,
        "{:?}",
        first.report.failure
    );
    mariadb(&[
        "INSERT INTO runtime_orders VALUES (3, 99.99, '2026-12-01 10:00'), (4, 1.00, '2026-12-02 08:00')",
        "UPDATE runtime_orders SET total = 13.00 WHERE id = 1",
    ]);
    let second = run().await.unwrap();
    assert_eq!(second.report.status, RunStatus::Succeeded);
    assert_eq!(
        second.report.nodes[0].stats.records_out, 2,
        "only the new rows are read (the updated one kept its cursor value)"
    );
    assert_eq!(
        postgres("SELECT id, total, placed FROM runtime_orders_copy ORDER BY id"),
        [
            ["1", "12.50", "2026-12-01 09:00:00+00"],
            ["2", "7.25", "2026-12-01 10:00:00+00"],
            ["3", "99.99", "2026-12-01 10:00:00+00"],
            ["4", "1.00", "2026-12-02 08:00:00+00"],
        ]
    );

    let mut places = sluice_tests::everything_kept(&sluice, home.path(), &flow_id);
    places.push(("failure".into(), failure));
    for (place, text) in &places {
        for secret in [
            password.as_str(),
            wrong_password,
            postgres_password.as_str(),
        ] {
            assert!(!text.contains(secret), "a password is in {place}");
        }
    }
}
