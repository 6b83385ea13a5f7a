//! `csv.read` and `csv.write` on their own: messy files, errors by line, staged writes.

use serde_json::json;

use super::{CsvReadConfig, CsvWriteConfig};
use crate::testing::{read_source, records, write_sink};

fn read_config(path: &str) -> CsvReadConfig {
    serde_json::from_value(json!({"path": path})).unwrap()
}

fn read_text(contents: &[u8]) -> crate::testing::SourceResult {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.csv"), contents).unwrap();
    read_source(&read_config("in.csv"), folder.path(), None).unwrap()
}

#[test]
fn messy_csv_reads_as_written() {
    let text = "\u{feff}id,name,note,city\r\n\
                1,\"Lovelace, Ada\",\"said \"\"hi\"\"\",London\r\n\
                2,Zoë,\"two\r\nlines\",\r\n\
                3,,,Köln\r\n";
    let result = read_text(text.as_bytes());
    let rows: Vec<serde_json::Value> = result
        .records
        .into_iter()
        .map(sluice_core::Record::into_value)
        .collect();
    assert_eq!(
        rows,
        vec![
            json!({"id": "1", "name": "Lovelace, Ada", "note": "said \"hi\"", "city": "London"}),
            json!({"id": "2", "name": "Zoë", "note": "two\r\nlines", "city": ""}),
            json!({"id": "3", "name": "", "note": "", "city": "Köln"}),
        ]
    );
    assert!(result.rejected.is_empty());
    assert_eq!(result.output.stats().bytes, text.len() as u64);
}

#[test]
fn a_ragged_row_is_a_record_error_naming_its_line() {
    let result = read_text(b"a,b\n1,2\n3\n4,5,6\n7,8\n");
    assert_eq!(result.records.len(), 2);
    let messages: Vec<&str> = result
        .rejected
        .iter()
        .map(|record| record["_error"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "in.csv line 3: the row has 1 fields but the header has 2",
            "in.csv line 4: the row has 3 fields but the header has 2",
        ]
    );
    assert_eq!(result.rejected[1]["column_3"], json!("6"));
}

#[test]
fn invalid_utf8_is_a_record_error_not_a_crash() {
    let result = read_text(b"a\nok\n\xff\xfe\nfine\n");
    assert_eq!(result.records.len(), 2);
    assert_eq!(result.rejected.len(), 1);
    assert!(
        result.rejected[0]["_error"]
            .as_str()
            .unwrap()
            .contains("line 3: the row is not valid UTF-8")
    );
}

#[test]
fn delimiter_columns_and_duplicate_headers() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.csv"), "x;x;\n1;2;3\n").unwrap();
    let config: CsvReadConfig =
        serde_json::from_value(json!({"path": "in.csv", "delimiter": ";"})).unwrap();
    let result = read_source(&config, folder.path(), None).unwrap();
    assert_eq!(
        result.records[0].to_value(),
        json!({"x": "1", "x_2": "2", "column_3": "3"})
    );

    std::fs::write(folder.path().join("plain.tsv"), "1\t2\n").unwrap();
    let config: CsvReadConfig = serde_json::from_value(
        json!({"path": "plain.tsv", "delimiter": "\\t", "has_header": false, "columns": ["a", "b"]}),
    )
    .unwrap();
    let result = read_source(&config, folder.path(), None).unwrap();
    assert_eq!(result.records[0].to_value(), json!({"a": "1", "b": "2"}));
}

#[test]
fn a_missing_file_says_which_file() {
    let folder = tempfile::tempdir().unwrap();
    let error = read_source(&read_config("nope.csv"), folder.path(), None)
        .err()
        .unwrap();
    assert!(error.starts_with("cannot open the CSV file "), "{error}");
    assert!(error.contains("nope.csv"), "{error}");
}

#[test]
fn written_csv_reads_back_the_same() {
    let folder = tempfile::tempdir().unwrap();
    let config: CsvWriteConfig = serde_json::from_value(json!({"path": "out/people.csv"})).unwrap();
    let input = records(json!([
        {"id": 1, "name": "Lovelace, Ada", "note": "said \"hi\"\nbye", "vip": true, "extra": null},
        {"id": 2, "name": "Zoë", "note": "", "vip": false},
    ]));
    let rejected = write_sink(&config, folder.path(), input, true).unwrap();
    assert!(rejected.is_empty());
    let back = read_source(&read_config("out/people.csv"), folder.path(), None).unwrap();
    assert_eq!(
        back.records
            .into_iter()
            .map(sluice_core::Record::into_value)
            .collect::<Vec<_>>(),
        vec![
            json!({"id": "1", "name": "Lovelace, Ada", "note": "said \"hi\"\nbye", "vip": "true", "extra": ""}),
            json!({"id": "2", "name": "Zoë", "note": "", "vip": "false", "extra": ""}),
        ]
    );
}

#[test]
fn an_aborted_write_leaves_the_old_file_and_no_temp_file() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("out.csv"), "a\nold\n").unwrap();
    let config: CsvWriteConfig = serde_json::from_value(json!({"path": "out.csv"})).unwrap();
    write_sink(
        &config,
        folder.path(),
        records(json!([{"a": "new"}])),
        false,
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(folder.path().join("out.csv")).unwrap(),
        "a\nold\n"
    );
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
}

#[test]
fn append_keeps_the_existing_columns_and_header() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("out.csv"), "b,a\n1,2").unwrap();
    let config: CsvWriteConfig =
        serde_json::from_value(json!({"path": "out.csv", "append": true})).unwrap();
    let rejected = write_sink(
        &config,
        folder.path(),
        records(json!([{"a": "4", "b": "3"}, {"c": "x"}])),
        true,
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(folder.path().join("out.csv")).unwrap(),
        "b,a\n1,2\n3,4\n"
    );
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0]["_error"]
            .as_str()
            .unwrap()
            .starts_with("field `c` is not one of the CSV columns (b, a)")
    );
}

#[test]
fn configs_round_trip() {
    let config: CsvReadConfig =
        serde_json::from_value(json!({"path": "a.csv", "delimiter": ";", "trim": true})).unwrap();
    let again: CsvReadConfig =
        serde_json::from_value(serde_json::to_value(&config).unwrap()).unwrap();
    assert_eq!(config, again);
    let config: CsvWriteConfig =
        serde_json::from_value(json!({"path": "a.csv", "columns": ["x"], "append": true})).unwrap();
    let again: CsvWriteConfig =
        serde_json::from_value(serde_json::to_value(&config).unwrap()).unwrap();
    assert_eq!(config, again);
}

#[test]
fn a_quote_left_open_in_the_last_column_stops_the_run_naming_its_line() {
    let folder = tempfile::tempdir().unwrap();
    let text = "id,name,note\n1,Smith,\"urgent\n2,Jones,ok\n3,Brown,ok\n";
    std::fs::write(folder.path().join("in.csv"), text).unwrap();
    let error = read_source(&read_config("in.csv"), folder.path(), None)
        .err()
        .unwrap();
    assert!(
        error.starts_with("in.csv line 2: a quoted field opened on this row is never closed"),
        "{error}"
    );
    // Also when the rest of the file is not UTF-8, or values are trimmed.
    for (text, trim) in [
        (
            &b"id,name,note\n1,Smith,\"urgent\n2,J\xffnes,ok\n"[..],
            false,
        ),
        (&b"id,name,note\n1,Smith,\"urgent\n2,Jones,ok\n\n"[..], true),
        (&b"id,name,note\n1,Smith,\"  \n"[..], true),
    ] {
        std::fs::write(folder.path().join("in.csv"), text).unwrap();
        let config: CsvReadConfig =
            serde_json::from_value(json!({"path": "in.csv", "trim": trim})).unwrap();
        let error = read_source(&config, folder.path(), None).err().unwrap();
        assert!(
            error.starts_with("in.csv line 2: a quoted field"),
            "{error}"
        );
    }
    // Closed quotes read as rows: with no final line break, with blank lines at the end, and with
    // delimiters and quotes of any kind.
    for (text, delimiter, quote) in [
        (
            "id,name,note\n1,Smith,\"urgent\"\n2,Jones,ok\n3,Brown,ok",
            ",",
            "\"",
        ),
        (
            "id,name,note\n1,Smith,\"urgent\"\n2,Jones,ok\n3,Brown,ok\n\n\r\n\n",
            ",",
            "\"",
        ),
        (
            "id:name:note\n1:Smith:'urgent'\n2:Jones:ok\n3:Brown:ok\n",
            ":",
            "'",
        ),
    ] {
        std::fs::write(folder.path().join("in.csv"), text).unwrap();
        let config: CsvReadConfig = serde_json::from_value(
            json!({"path": "in.csv", "delimiter": delimiter, "quote": quote}),
        )
        .unwrap();
        let result = read_source(&config, folder.path(), None).unwrap();
        assert_eq!(result.records.len(), 3, "{text:?}");
        assert!(result.rejected.is_empty(), "{text:?}");
        assert_eq!(result.records[0].to_value()["note"], "urgent");
        assert_eq!(result.records[2].to_value()["note"], "ok");
    }
}

#[test]
fn a_row_longer_than_max_row_bytes_stops_the_run() {
    let folder = tempfile::tempdir().unwrap();
    let mut text = b"id,note\n1,\"".to_vec();
    text.extend(std::iter::repeat_n(b'x', 300_000));
    text.extend(b"\"\n2,ok\n");
    std::fs::write(folder.path().join("in.csv"), &text).unwrap();
    let config: CsvReadConfig =
        serde_json::from_value(json!({"path": "in.csv", "max_row_bytes": 1000})).unwrap();
    let error = read_source(&config, folder.path(), None).err().unwrap();
    assert!(
        error.starts_with("in.csv line 2: the row is longer than 1000 bytes (`max_row_bytes`)"),
        "{error}"
    );
    let roomy: CsvReadConfig =
        serde_json::from_value(json!({"path": "in.csv", "max_row_bytes": 1_000_000})).unwrap();
    let result = read_source(&roomy, folder.path(), None).unwrap();
    assert_eq!(result.records.len(), 2);
}

#[test]
fn a_header_repeating_one_name_many_times_is_renamed_in_one_pass() {
    let columns = 100_000;
    let mut text = vec!["a"; columns].join(",");
    text.push('\n');
    text.push_str(&vec!["1"; columns].join(","));
    text.push('\n');
    let result = read_text(text.as_bytes());
    let record = &result.records[0];
    assert_eq!(record.len(), columns);
    assert!(record.get("a").is_some());
    assert!(record.get(&format!("a_{columns}")).is_some());
}

#[cfg(unix)]
#[test]
fn replacing_a_private_file_keeps_it_private() {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("out.csv");
    std::fs::write(&target, "a\nold\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    for append in [false, true] {
        let config: CsvWriteConfig =
            serde_json::from_value(json!({"path": "out.csv", "append": append})).unwrap();
        write_sink(&config, folder.path(), records(json!([{"a": "new"}])), true).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "append {append}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "a\nnew\nnew\n");
}

#[test]
fn staging_left_by_a_stopped_run_is_published_or_discarded_by_the_next_process() {
    use sluice_core::component::SinkConfig;
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("out.csv");
    std::fs::write(&target, "a\nold\n").unwrap();
    let config: CsvWriteConfig = serde_json::from_value(json!({"path": "out.csv"})).unwrap();
    let kind = crate::file::staging_kind();
    for publish in [true, false] {
        let staging = crate::testing::with_context(folder.path(), None, None, |context| {
            let mut output =
                sluice_core::engine::Output::for_test(&[], sluice_core::OnError::Route);
            let staging = config.staging(context).unwrap();
            let mut sink = config.build(context, &staging).unwrap();
            sink.write(records(json!([{"a": "new"}])), &mut output)
                .unwrap();
            sink.prepare(&mut output).unwrap();
            // The process stops here: neither commit nor abort runs.
            drop(sink);
            staging
        });
        assert_eq!(staging.kind, "file");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a\nold\n");
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 2);
        // Twice: the second finds the work done.
        for _ in 0..2 {
            if publish {
                assert_eq!(
                    (kind.publish)(&staging.detail, &sluice_core::commit::NoCredentials),
                    Ok(0)
                );
            } else {
                assert_eq!(
                    (kind.discard)(&staging.detail, &sluice_core::commit::NoCredentials),
                    Ok(())
                );
            }
        }
        let expected = if publish { "a\nnew\n" } else { "a\nold\n" };
        assert_eq!(std::fs::read_to_string(&target).unwrap(), expected);
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
        std::fs::write(&target, "a\nold\n").unwrap();
    }
}
