//! Manifests Sluice refuses: unsupported components named with their path, YAML that does not
//! parse with its line, references that go nowhere or in circles, and hostile manifests (alias
//! bombs, multiplying references and parameters, deep nesting) refused quickly.

use std::time::Duration;

use super::Manifest;
use super::tests::manifest;

#[test]
fn unsupported_components_are_refused_with_their_path_and_bad_yaml_with_its_line() {
    let custom = manifest(
        r##"
  - type: DeclarativeStream
    name: items
    retriever:
      requester: "#/definitions/requester"
      record_selector:
        extractor:
          type: CustomRecordExtractor
          class_name: source_x.components.Extractor
"##,
    );
    let error = Manifest::parse(&custom).unwrap_err().to_string();
    assert_eq!(
        error,
        "streams[0].retriever.record_selector.extractor: the component CustomRecordExtractor is not supported: it runs Python code from the connector's package, which Sluice does not run"
    );
    let async_retriever = custom
        .replace("type: CustomRecordExtractor", "type: DpathExtractor")
        .replace("retriever:\n", "retriever:\n      type: AsyncRetriever\n");
    assert!(
        Manifest::parse(&async_retriever)
            .unwrap_err()
            .to_string()
            .starts_with("streams[0].retriever: the component AsyncRetriever is not supported")
    );
    // What only the definitions hold is never run, so it is not refused.
    let unused = manifest("  - $ref: \"#/definitions/stream\"\n").replace(
        "definitions:\n",
        "definitions:\n  unused: { type: CustomTransformation, class_name: x.Y }\n  stream:\n    name: items\n    retriever:\n      requester: \"#/definitions/requester\"\n      record_selector: { extractor: { field_path: [] } }\n",
    );
    assert_eq!(Manifest::parse(&unused).unwrap().stream_names(), ["items"]);
    let error = Manifest::parse("version: 1\nstreams:\n  - name: [unclosed\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("line 3"), "{error}");
    let error = Manifest::parse(&manifest("  - $ref: \"#/definitions/nowhere\"\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("points at nothing"), "{error}");
    let cycle = "version: 1\ndefinitions:\n  a: { $ref: \"#/definitions/b\" }\n  b: { $ref: \"#/definitions/a\" }\nstreams: [\"#/definitions/a\"]\n";
    assert!(
        Manifest::parse(cycle)
            .unwrap_err()
            .to_string()
            .contains("refers to itself")
    );
}

#[test]
fn hostile_manifests_are_refused_quickly() {
    // YAML aliases that multiply (a "billion laughs").
    let mut laughs =
        String::from("version: 1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let previous = level - 1;
        laughs.push_str(&format!("a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"));
    }
    laughs.push_str("streams: []\n");
    let started = std::time::Instant::now();
    assert!(Manifest::parse(&laughs).is_err());
    // References that multiply: each definition refers to the one before it twice.
    let mut references = String::from("version: 1\ndefinitions:\n  d0: { x: 1 }\n");
    for level in 1..40 {
        references.push_str(&format!("  d{level}: {{ a: {{ $ref: \"#/definitions/d{}\" }}, b: {{ $ref: \"#/definitions/d{}\" }} }}\n", level - 1, level - 1));
    }
    references.push_str("streams: [\"#/definitions/d39\"]\n");
    let error = Manifest::parse(&references).unwrap_err().to_string();
    assert!(error.contains("grows past"), "{error}");
    // Parameters whose values are components: each is copied into every component below.
    let parameters: Vec<String> = (0..14)
        .map(|index| format!("p{index}: {{ type: NoAuth }}"))
        .collect();
    let multiplying = format!(
        "version: 1\nstreams:\n  - name: s\n    $parameters: {{ {} }}\n    retriever: {{ requester: {{ url_base: 'https://x.example' }}, record_selector: {{ extractor: {{ field_path: [] }} }} }}\n",
        parameters.join(", ")
    );
    let error = Manifest::parse(&multiplying).unwrap_err().to_string();
    assert!(error.contains("$parameters"), "{error}");
    // Nesting thousands deep.
    let deep = format!(
        "version: 1\nstreams: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(Manifest::parse(&deep).is_err());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
