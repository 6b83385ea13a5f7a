use serde_json::json;

use super::*;
use crate::testing::read_source;

#[test]
fn sends_its_records_in_order() {
    let config: RecordsConfig =
        serde_json::from_value(json!({"records": [{"id": 1, "name": "Ada"}, {"id": 2}]})).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let result = read_source(&config, folder.path(), None).unwrap();
    let sent: Vec<serde_json::Value> = result
        .records
        .iter()
        .map(|record| record.to_value())
        .collect();
    assert_eq!(sent, [json!({"id": 1, "name": "Ada"}), json!({"id": 2})]);
}

#[test]
fn too_many_records_are_refused_with_what_to_do() {
    let config = RecordsConfig {
        records: vec![serde_json::Map::new(); MAX_RECORDS + 1],
    };
    let folder = tempfile::tempdir().unwrap();
    let Err(error) = read_source(&config, folder.path(), None) else {
        panic!("too many records were read");
    };
    assert!(
        error.contains("at most 10000") && error.contains("file"),
        "{error}"
    );
}
