//! Manifests exercising each supported component against local servers that behave as the
//! documented APIs do: cursor, offset, page and link pagination; 429 with `Retry-After` and 5xx
//! bursts; an OAuth2 token that expires (401, refreshed once); incremental windows across runs;
//! substreams and list partitions; record filters and added fields. Every record exactly once,
//! state only after a complete window, and refusals that name the path.

use std::time::Duration;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sluice_core::ComponentError;

use super::test_api::{api, item};
use super::{Delivery, Manifest, ReadSettings};

/// What a read delivered.
#[derive(Default)]
pub(super) struct Collected {
    pub records: Vec<Map<String, Value>>,
    pub refused: Vec<String>,
    pub states: Vec<Value>,
}

impl Delivery for Collected {
    fn record(&mut self, record: Map<String, Value>) -> Result<(), ComponentError> {
        self.records.push(record);
        Ok(())
    }
    fn refuse(&mut self, _found: Value, why: String) -> Result<(), ComponentError> {
        self.refused.push(why);
        Ok(())
    }
    fn checkpoint(&mut self, state: Value) -> Result<(), ComponentError> {
        self.states.push(state);
        Ok(())
    }
    fn should_stop(&self) -> bool {
        false
    }
}

fn settings(config: Value) -> ReadSettings {
    ReadSettings {
        config,
        base_url: None,
        allowed: None,
        secrets: Vec::new(),
        max_response_bytes: 1 << 20,
        timeout: Duration::from_secs(10),
        now: "2024-03-10T12:00:00Z".parse::<DateTime<Utc>>().unwrap(),
        credential: None,
    }
}

pub(super) fn read(
    manifest: &str,
    stream: &str,
    config: Value,
    state: Option<&Value>,
) -> Result<Collected, String> {
    let manifest = Manifest::parse(manifest).map_err(|error| error.to_string())?;
    let mut collected = Collected::default();
    manifest
        .read(stream, &settings(config), state, &mut collected)
        .map_err(|error| error.to_string())?;
    Ok(collected)
}

pub(super) fn ids(collected: &Collected) -> Vec<i64> {
    collected
        .records
        .iter()
        .map(|record| record["id"].as_i64().unwrap())
        .collect()
}

pub(super) fn manifest(streams: &str) -> String {
    format!(
        r#"
version: 6.0.0
type: DeclarativeSource
check:
  type: CheckStream
  stream_names: [items]
definitions:
  requester:
    type: HttpRequester
    url_base: "{{{{ config['base_url'] }}}}"
    http_method: GET
    authenticator:
      type: ApiKeyAuthenticator
      api_token: "{{{{ config['api_key'] }}}}"
      inject_into:
        type: RequestOption
        inject_into: header
        field_name: X-Api-Key
streams:
{streams}
spec:
  type: Spec
  connection_specification:
    type: object
    required: [api_key]
    properties:
      api_key: {{ type: string, airbyte_secret: true }}
      base_url: {{ type: string }}
"#
    )
}

fn config(base: &str) -> Value {
    json!({ "base_url": base, "api_key": "key-123" })
}

#[test]
fn cursor_offset_page_and_link_pagination_deliver_every_record_once() {
    let (base, api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: by_cursor
    primary_key: id
    retriever:
      type: SimpleRetriever
      requester:
        $ref: "#/definitions/requester"
        path: /cursor
      record_selector:
        type: RecordSelector
        extractor: { type: DpathExtractor, field_path: [members] }
      paginator:
        type: DefaultPaginator
        page_size_option: { type: RequestOption, inject_into: request_parameter, field_name: limit }
        page_token_option: { type: RequestOption, inject_into: request_parameter, field_name: cursor }
        pagination_strategy:
          type: CursorPagination
          page_size: 7
          cursor_value: "{{ response.response_metadata.next_cursor }}"
          stop_condition: "{{ not response.response_metadata.next_cursor }}"
  - type: DeclarativeStream
    $parameters: { name: by_offset, path: offset }
    retriever:
      type: SimpleRetriever
      requester: "#/definitions/requester"
      record_selector: { extractor: { field_path: [results] } }
      paginator:
        type: DefaultPaginator
        page_size_option: { inject_into: request_parameter, field_name: limit }
        page_token_option: { type: RequestOption, inject_into: request_parameter, field_name: offset }
        pagination_strategy: { type: OffsetIncrement, page_size: 10 }
  - type: DeclarativeStream
    name: by_page
    retriever:
      requester: { $ref: "#/definitions/requester", path: "/pages" }
      record_selector: { extractor: { field_path: [] } }
      paginator:
        type: DefaultPaginator
        page_size_option: { inject_into: request_parameter, field_name: per_page }
        page_token_option: { type: RequestOption, inject_into: request_parameter, field_name: page }
        pagination_strategy: { type: PageIncrement, page_size: 10, start_from_page: 1, inject_on_first_request: true }
  - type: DeclarativeStream
    name: by_link
    retriever:
      requester: { $ref: "#/definitions/requester", path: "/linked" }
      record_selector: { extractor: { field_path: [] } }
      paginator:
        type: DefaultPaginator
        page_token_option: { type: RequestPath }
        pagination_strategy:
          type: CursorPagination
          cursor_value: "{{ headers['link']['next']['url'] }}"
          stop_condition: "{{ 'next' not in headers['link'] }}"
"##;
    let manifest = manifest(streams);
    let all: Vec<i64> = (1..=25).collect();
    for stream in ["by_cursor", "by_offset", "by_page", "by_link"] {
        let collected = read(&manifest, stream, config(&base), None).unwrap();
        assert_eq!(ids(&collected), all, "{stream}");
    }
    let requests = api.requests.lock().unwrap().clone();
    let of = |path: &str| {
        requests
            .iter()
            .filter(|(seen, _)| seen == path)
            .map(|(_, query)| query.clone())
            .collect::<Vec<_>>()
    };
    // Cursor: 7 per page, the token injected from the second page on, the size on every page.
    let cursor = of("/cursor");
    assert_eq!(cursor.len(), 4);
    assert!(!cursor[0].contains_key("cursor") && cursor.iter().all(|query| query["limit"] == "7"));
    assert_eq!(cursor[1]["cursor"], "7");
    // Offset: 0 is not sent on the first page (inject_on_first_request is false); the short third page ends it.
    let offset = of("/offset");
    assert_eq!(
        offset
            .iter()
            .map(|query| query.get("offset").cloned().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["", "10", "20"]
    );
    // Pages start at 1 and are sent from the first request.
    assert_eq!(
        of("/pages")
            .iter()
            .map(|query| query["page"].clone())
            .collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    assert_eq!(of("/linked").len(), 3);
}

#[test]
fn retries_follow_retry_after_and_the_manifests_filters() {
    let (base, api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: flaky
    retriever:
      requester:
        $ref: "#/definitions/requester"
        path: /flaky
        error_handler:
          type: DefaultErrorHandler
          max_retries: 3
          backoff_strategies: [{ type: ConstantBackoffStrategy, backoff_time_in_seconds: 0.05 }]
      record_selector: { extractor: { field_path: [data] } }
  - type: DeclarativeStream
    name: patient
    retriever:
      requester: { $ref: "#/definitions/requester", path: /flaky }
      record_selector: { extractor: { field_path: [data] } }
  - type: DeclarativeStream
    name: ignored
    retriever:
      requester:
        $ref: "#/definitions/requester"
        path: /missing
        error_handler:
          response_filters: [{ type: HttpResponseFilter, action: IGNORE, http_codes: [404] }]
      record_selector: { extractor: { field_path: [data] } }
  - type: DeclarativeStream
    name: failing
    retriever:
      requester:
        $ref: "#/definitions/requester"
        path: /missing
        error_handler:
          type: CompositeErrorHandler
          error_handlers:
            - response_filters:
                - action: FAIL
                  error_message_contains: "no such"
                  error_message: "the account {{ config['base_url'] }} has no such list: {{ response.message }}"
      record_selector: { extractor: { field_path: [data] } }
"##;
    let manifest = manifest(streams);
    api.failures
        .lock()
        .unwrap()
        .extend([StatusCode::SERVICE_UNAVAILABLE, StatusCode::BAD_GATEWAY]);
    assert_eq!(
        read(&manifest, "flaky", config(&base), None)
            .unwrap()
            .records
            .len(),
        10
    );
    // Without a strategy, a 429's Retry-After (1 s) is waited for.
    api.failures
        .lock()
        .unwrap()
        .push(StatusCode::TOO_MANY_REQUESTS);
    let started = std::time::Instant::now();
    assert_eq!(
        read(&manifest, "patient", config(&base), None)
            .unwrap()
            .records
            .len(),
        10
    );
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    // More failures than retries: the read fails and says how it ended.
    api.failures
        .lock()
        .unwrap()
        .extend([StatusCode::SERVICE_UNAVAILABLE; 5]);
    let error = read(&manifest, "flaky", config(&base), None).err().unwrap();
    assert!(
        error.contains("503") && error.contains("after 4 attempts"),
        "{error}"
    );
    api.failures.lock().unwrap().clear();
    assert!(
        read(&manifest, "ignored", config(&base), None)
            .unwrap()
            .records
            .is_empty()
    );
    let error = read(&manifest, "failing", config(&base), None)
        .err()
        .unwrap();
    assert!(error.contains("has no such list: no such thing"), "{error}");
    assert!(!error.contains("key-123"));
}

#[test]
fn incremental_windows_resume_from_the_committed_state_without_losing_or_repeating() {
    let (base, api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: updated
    primary_key: id
    retriever:
      requester: { $ref: "#/definitions/requester", path: /updated }
      record_selector: { extractor: { field_path: [data] } }
    incremental_sync:
      type: DatetimeBasedCursor
      cursor_field: updated_at
      datetime_format: "%Y-%m-%dT%H:%M:%SZ"
      start_datetime: { datetime: "{{ config['start_date'] }}", datetime_format: "%Y-%m-%d" }
      step: P3D
      cursor_granularity: PT1S
      start_time_option: { type: RequestOption, inject_into: request_parameter, field_name: start }
      end_time_option: { type: RequestOption, inject_into: request_parameter, field_name: end }
"##;
    let manifest = manifest(streams);
    let mut config = config(&base);
    config["start_date"] = json!("2024-03-01");
    let first = read(&manifest, "updated", config.clone(), None).unwrap();
    let mut delivered = ids(&first);
    delivered.sort();
    assert_eq!(delivered, (1..=25).collect::<Vec<_>>());
    // One window per three days from March 1st to the read's now (March 10th, noon); a state after each.
    let windows: Vec<(String, String)> = api
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|(_, query)| (query["start"].clone(), query["end"].clone()))
        .collect();
    assert_eq!(
        windows[0],
        ("2024-03-01T00:00:00Z".into(), "2024-03-03T23:59:59Z".into())
    );
    assert_eq!(
        windows.last().unwrap(),
        &(
            "2024-03-10T00:00:00Z".to_string(),
            "2024-03-10T12:00:00Z".to_string()
        )
    );
    assert_eq!(first.states.len(), windows.len());
    let state = first.states.last().unwrap().clone();
    assert_eq!(state["updated_at"], "2024-03-09T10:00:00Z");
    // New items: one at the very time the state holds, one later; the next run delivers just those.
    api.items.lock().unwrap().extend([
        item(26, "2024-03-09T10:00:00Z"),
        item(27, "2024-03-10T11:00:00Z"),
    ]);
    api.requests.lock().unwrap().clear();
    let second = read(&manifest, "updated", config.clone(), Some(&state)).unwrap();
    assert_eq!(ids(&second), vec![26, 27]);
    assert_eq!(
        api.requests.lock().unwrap()[0].1["start"],
        "2024-03-09T10:00:00Z"
    );
    // And a third run with nothing new delivers nothing (and moves no state).
    let third = read(&manifest, "updated", config, second.states.last()).unwrap();
    assert!(third.records.is_empty() && third.states.is_empty());
}

#[test]
fn substreams_and_list_partitions_make_one_request_per_partition() {
    let (base, api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: projects
    retriever:
      requester: { $ref: "#/definitions/requester", path: /projects }
      record_selector: { extractor: { field_path: [projects] } }
  - type: DeclarativeStream
    name: issues
    retriever:
      requester:
        $ref: "#/definitions/requester"
        path: "/projects/{{ stream_partition.project_id }}/issues"
      record_selector:
        extractor: { field_path: [] }
        record_filter: { condition: "{{ record['id'] != 2 or record['project'] == 'beta' }}" }
      partition_router:
        - type: SubstreamPartitionRouter
          parent_stream_configs:
            - type: ParentStreamConfig
              stream: "#/streams/0"
              parent_key: id
              partition_field: project_id
        - type: ListPartitionRouter
          values: ["open", "closed"]
          cursor_field: state
          request_option: { type: RequestOption, inject_into: request_parameter, field_name: state }
    transformations:
      - type: AddFields
        fields:
          - path: [key]
            value: "{{ stream_partition.project_id }}-{{ record['id'] }}-{{ stream_slice.state }}"
          - path: [meta, number]
            value: "{{ record['id'] * 10 }}"
      - type: RemoveFields
        field_pointers: [["project"]]
"##;
    let collected = read(&manifest(streams), "issues", config(&base), None).unwrap();
    let keys: Vec<&str> = collected
        .records
        .iter()
        .map(|record| record["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "alpha-1-open",
            "alpha-1-closed",
            "beta-1-open",
            "beta-2-open",
            "beta-1-closed",
            "beta-2-closed"
        ]
    );
    assert_eq!(collected.records[0]["meta"], json!({ "number": 10 }));
    assert!(
        collected
            .records
            .iter()
            .all(|record| !record.contains_key("project"))
    );
    let requests = api.requests.lock().unwrap();
    assert_eq!(
        requests
            .iter()
            .filter(|(path, _)| path == "/projects")
            .count(),
        1
    );
    assert_eq!(
        requests
            .iter()
            .filter(|(path, _)| path.ends_with("/issues"))
            .count(),
        4
    );
}

#[test]
fn records_that_are_not_objects_are_refused_and_secrets_stay_out_of_messages() {
    let (base, _api) = api();
    let streams = r##"
  - type: DeclarativeStream
    name: names
    retriever:
      requester: { $ref: "#/definitions/requester", path: /cursor, request_parameters: { limit: "30" } }
      record_selector: { extractor: { field_path: [members, "*", name] } }
"##;
    let collected = read(&manifest(streams), "names", config(&base), None).unwrap();
    assert!(collected.records.is_empty());
    assert_eq!(collected.refused.len(), 25);
    let streams = r##"
  - type: DeclarativeStream
    name: leaky
    retriever:
      requester: { $ref: "#/definitions/requester", path: "/missing?key={{ config['api_key'] }}" }
      record_selector: { extractor: { field_path: [] } }
"##;
    let manifest = Manifest::parse(&manifest(streams)).unwrap();
    let mut settings = settings(config(&base));
    settings.secrets = vec!["key-123".into()];
    let error = manifest
        .read("leaky", &settings, None, &mut Collected::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("404") && !error.contains("key-123"),
        "{error}"
    );
}
