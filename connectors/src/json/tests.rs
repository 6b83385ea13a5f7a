//! `json.read` and `json.write` on their own: arrays, record paths, NDJSON, bad lines.

use serde_json::json;

use super::{JsonReadConfig, JsonWriteConfig};
use crate::testing::{read_source, records, write_sink};

fn read(contents: &str, config: serde_json::Value) -> Result<crate::testing::SourceResult, String> {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.json"), contents).unwrap();
    let mut config = config;
    config["path"] = json!("in.json");
    let config: JsonReadConfig = serde_json::from_value(config).unwrap();
    read_source(&config, folder.path(), None)
}

fn values(records: Vec<sluice_core::Record>) -> Vec<serde_json::Value> {
    records
        .into_iter()
        .map(sluice_core::Record::into_value)
        .collect()
}

#[test]
fn reads_a_top_level_array() {
    let result = read(r#" [{"a": 1}, {"a": "two", "b": [1, 2]}] "#, json!({})).unwrap();
    assert_eq!(
        values(result.records),
        vec![json!({"a": 1}), json!({"a": "two", "b": [1, 2]})]
    );
}

#[test]
fn reads_an_array_at_a_record_path_ignoring_the_rest() {
    let text = r#"{"meta": {"page": 1, "items": "no"}, "data": {"items": [{"id": 1}, 5, {"id": 2}], "x": [1]}}"#;
    let result = read(text, json!({"record_path": "data.items"})).unwrap();
    assert_eq!(
        values(result.records),
        vec![json!({"id": 1}), json!({"id": 2})]
    );
    assert_eq!(result.rejected.len(), 1);
    assert_eq!(
        result.rejected[0]["_error"],
        json!("in.json item 1: the item is a number, not an object")
    );
}

#[test]
fn reads_ndjson_and_reports_bad_lines_by_number() {
    let text = "{\"a\": 1}\n\n{\"a\": 2\n{\"a\": 3}\r\n";
    let result = read(text, json!({})).unwrap();
    assert_eq!(
        values(result.records),
        vec![json!({"a": 1}), json!({"a": 3})]
    );
    let message = result.rejected[0]["_error"].as_str().unwrap();
    assert!(
        message.starts_with("in.json line 3: not valid JSON"),
        "{message}"
    );
}

#[test]
fn ndjson_lines_can_hold_their_records_at_a_path() {
    let text =
        "{\"page\": {\"rows\": [{\"a\": 1}, {\"a\": 2}]}}\n{\"page\": {\"rows\": [{\"a\": 3}]}}\n";
    let result = read(
        text,
        json!({"format": "ndjson", "record_path": "page.rows"}),
    )
    .unwrap();
    assert_eq!(
        values(result.records),
        vec![json!({"a": 1}), json!({"a": 2}), json!({"a": 3})]
    );
}

#[test]
fn a_broken_document_is_a_run_error_with_its_position() {
    let error = read("[{\"a\": 1}, {\"a\": ]", json!({})).err().unwrap();
    assert!(
        error.starts_with("in.json is not valid JSON: expected value at line 1 column"),
        "{error}"
    );
    let error = read("{\"a\": 1}", json!({"format": "array"}))
        .err()
        .unwrap();
    assert!(
        error.contains("is not an array of records; set `record_path`"),
        "{error}"
    );
}

#[test]
fn ndjson_and_array_written_read_back_the_same() {
    let folder = tempfile::tempdir().unwrap();
    let input =
        records(json!([{"id": 1, "tags": ["a"], "name": "Zoë"}, {"id": 2, "nested": {"x": null}}]));
    for (format, pretty) in [("ndjson", false), ("array", true), ("array", false)] {
        let config: JsonWriteConfig =
            serde_json::from_value(json!({"path": "out.json", "format": format, "pretty": pretty}))
                .unwrap();
        write_sink(&config, folder.path(), input.clone(), true).unwrap();
        let back = read_source(
            &serde_json::from_value::<JsonReadConfig>(json!({"path": "out.json"})).unwrap(),
            folder.path(),
            None,
        )
        .unwrap();
        assert_eq!(back.records, input, "{format} pretty={pretty}");
    }
}

#[test]
fn an_empty_array_file_is_valid_json() {
    let folder = tempfile::tempdir().unwrap();
    let config: JsonWriteConfig =
        serde_json::from_value(json!({"path": "out.json", "format": "array"})).unwrap();
    write_sink(&config, folder.path(), Vec::new(), true).unwrap();
    let text = std::fs::read_to_string(folder.path().join("out.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!([])
    );
}

#[test]
fn ndjson_append_keeps_what_was_there() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("out.ndjson"), "{\"id\":1}").unwrap();
    let config: JsonWriteConfig =
        serde_json::from_value(json!({"path": "out.ndjson", "append": true})).unwrap();
    write_sink(&config, folder.path(), records(json!([{"id": 2}])), true).unwrap();
    assert_eq!(
        std::fs::read_to_string(folder.path().join("out.ndjson")).unwrap(),
        "{\"id\":1}\n{\"id\":2}\n"
    );
    let config: JsonWriteConfig =
        serde_json::from_value(json!({"path": "out.json", "append": true, "format": "array"}))
            .unwrap();
    let error = write_sink(&config, folder.path(), Vec::new(), true).unwrap_err();
    assert!(
        error.contains("`append` works with the `ndjson` format only"),
        "{error}"
    );
}

#[test]
fn a_record_longer_than_max_record_bytes_stops_the_run() {
    let folder = tempfile::tempdir().unwrap();
    let long = "x".repeat(5_000);
    std::fs::write(
        folder.path().join("lines.ndjson"),
        format!("{{\"a\": 1}}\n{{\"a\": \"{long}\"}}\n"),
    )
    .unwrap();
    std::fs::write(
        folder.path().join("array.json"),
        format!("[{{\"a\": 1}}, {{\"a\": \"{long}\"}}]"),
    )
    .unwrap();
    for (file, expected) in [
        (
            "lines.ndjson",
            "lines.ndjson line 2: the line is longer than 1000 bytes",
        ),
        (
            "array.json",
            "array.json item 1 (from byte 9): the record is longer than 1000 bytes",
        ),
    ] {
        let config: super::JsonReadConfig =
            serde_json::from_value(json!({"path": file, "max_record_bytes": 1000})).unwrap();
        let error = read_source(&config, folder.path(), None).err().unwrap();
        assert!(error.starts_with(expected), "{error}");
        let roomy: super::JsonReadConfig = serde_json::from_value(json!({"path": file})).unwrap();
        assert_eq!(
            read_source(&roomy, folder.path(), None)
                .unwrap()
                .records
                .len(),
            2
        );
    }
}
