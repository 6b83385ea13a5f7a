//! A bounded fuzz run inside `make test`: mutated flow files, CSV and JSON files, expressions
//! and webhook bodies, from small seeds and a fixed random sequence. Nothing may panic or hang;
//! bad input gets an error. The same targets, coverage-guided, are the cargo-fuzz targets in
//! `fuzz/` (`make fuzz`); these runs are deterministic, so a failure here reproduces at once.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::json;
use sluice_core::Flow;
use sluice_core::expression::{Expressions, RecordScope};
use sluice_core::validate::validate;
use sluice_runtime::{PreviewRequest, RunTarget};

/// Inputs made from `seeds`: bytes flipped, dropped, repeated and spliced, and tokens that
/// parsers care about inserted.
struct Mutations {
    state: u64,
    seeds: Vec<Vec<u8>>,
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"|",
    b"not ",
    b"(",
    b")",
    b"{{",
    b"}}",
    b"\xff",
    b"\xc3",
    b"\0",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"null",
    b"\"\"",
    b";",
    b"\t",
    b"'",
    b"~",
    b"..",
    b"/",
    b"%",
];

impl Mutations {
    fn new(seeds: &[&str]) -> Mutations {
        Mutations {
            state: 0x9E37_79B9_7F4A_7C15,
            seeds: seeds.iter().map(|seed| seed.as_bytes().to_vec()).collect(),
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    fn next_input(&mut self) -> Vec<u8> {
        let seed = self.below(self.seeds.len());
        let mut input = self.seeds[seed].clone();
        for _ in 0..1 + self.below(6) {
            let at = self.below(input.len() + 1);
            match self.below(6) {
                0 if !input.is_empty() => {
                    let at = at.min(input.len() - 1);
                    input[at] ^= 1 << self.below(8);
                }
                1 => {
                    let end = (at + self.below(8)).min(input.len());
                    input.drain(at..end);
                }
                2 => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    input.splice(at..at, token.iter().copied());
                }
                3 => {
                    let token = TOKENS[self.below(TOKENS.len())].repeat(1 + self.below(300));
                    input.splice(at..at, token);
                }
                4 => {
                    let other = self.below(self.seeds.len());
                    let other = self.seeds[other].clone();
                    let from = self.below(other.len());
                    input.splice(at..at, other[from..].iter().copied());
                }
                _ => input.truncate(at),
            }
        }
        input
    }
}

/// Runs `target` on `count` inputs (times `SLUICE_FUZZ_SCALE`: `make soak` runs 100 times as
/// many); a panic fails with the input that caused it.
fn fuzz(seeds: &[&str], count: usize, mut target: impl FnMut(&[u8])) {
    let scale: usize = std::env::var("SLUICE_FUZZ_SCALE")
        .ok()
        .and_then(|scale| scale.parse().ok())
        .unwrap_or(1);
    let count = count * scale;
    let mut mutations = Mutations::new(seeds);
    for seed in seeds {
        target(seed.as_bytes());
    }
    for _ in 0..count {
        let input = mutations.next_input();
        let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
        assert!(
            outcome.is_ok(),
            "panicked on {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}

#[test]
fn flow_files_parse_and_validate_without_panicking() {
    let registry = sluice_connectors::registry();
    let example = std::fs::read_to_string(
        sluice_tests::repository_root().join("examples/customers-to-sqlite/flow.sluice.json"),
    )
    .unwrap();
    let routed = sluice_tests::flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "split", "type": "route", "config": {"routes": [{"port": "big", "when": "amount | float > 10"}]}},
            {"id": "a", "type": "json.write", "config": {"path": "a.ndjson"}},
            {"id": "b", "type": "sqlite.write", "config": {"path": "b.db", "table": "t", "mode": "upsert", "key": ["id"]}}
        ]),
        json!([{"from": "read", "to": "split"}, {"from": "split", "from_port": "big", "to": "a"},
               {"from": "split", "from_port": "else", "to": "b"}]),
    )
    .to_string();
    let mut valid = 0;
    fuzz(&[&example, &routed], 10_000, |input| {
        let Ok(text) = std::str::from_utf8(input) else {
            return;
        };
        if let Ok(flow) = Flow::from_json(text)
            && validate(&flow, &registry).is_ok()
        {
            valid += 1;
        }
    });
    assert!(valid > 0, "some mutations stay valid flows");
}

#[test]
fn expressions_compile_and_evaluate_without_panicking() {
    let expressions = Expressions::for_validation();
    let record: sluice_core::Record = json!({"status": "active", "amount": "12.5", "n": 3, "c": {"name": "Ada", "list": [1, "x"]}})
        .as_object()
        .unwrap()
        .clone()
        .into();
    fuzz(
        &[
            "status == 'active' and n > 2",
            "(amount | float * 100) | round | int",
            "c.name ~ ' ' ~ c.list[1] | upper",
            "amount | parse_datetime | format_datetime('%Y')",
            "[1, 2, 3] | map('string') | join(',')",
            "n if n > 1 else 'none' | default('x')",
        ],
        20_000,
        |input| {
            let Ok(source) = std::str::from_utf8(input) else {
                return;
            };
            if let Ok(compiled) = expressions.compile(source) {
                let scope = RecordScope::enter(record.clone());
                let _ = compiled.evaluate(&scope);
                let _ = compiled.is_true(&scope);
            }
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_json_files_are_read_without_panicking() {
    let (_home, sluice) = sluice_tests::temporary_installation();
    let data = tempfile::tempdir().unwrap();
    let csv = "id,name,amount\n1,Ada,\"1,5\"\n2,\"Grace \"\"G\"\" Hopper\",7\n";
    let ndjson = "{\"id\": 1, \"tags\": [1, {\"a\": null}]}\n{\"id\": 2, \"name\": \"Zoë\"}\n";
    let array = "[{\"id\": 1}, {\"id\": 2, \"n\": 1.5e3}]";
    for (seeds, node) in [
        (
            vec![csv],
            json!({"id": "read", "type": "csv.read", "config": {"path": "input"}}),
        ),
        (
            vec![ndjson, array],
            json!({"id": "read", "type": "json.read", "config": {"path": "input"}}),
        ),
    ] {
        let flow = sluice_tests::flow_json(
            json!([node, {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}]),
            json!([{"from": "read", "to": "save"}]),
        );
        let file = data.path().join("flow.sluice.json");
        std::fs::write(&file, flow.to_string()).unwrap();
        let loaded = sluice.load_flow_file(&file).unwrap();
        let mut inputs = Vec::new();
        fuzz(&seeds, 1_000, |input| inputs.push(input.to_vec()));
        for input in inputs {
            std::fs::write(data.path().join("input"), &input).unwrap();
            let target = RunTarget::Loaded(Box::new(loaded.clone()));
            let report = sluice
                .preview(
                    target,
                    PreviewRequest {
                        limit: 50,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            if let Some(failure) = &report.failure {
                assert!(!failure.message.is_empty());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_bodies_are_taken_or_refused_without_panicking() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.05, "max_body_bytes": 4096}},
            {"id": "save", "type": "json.write", "config": {"path": "events.ndjson", "append": true}}
        ]),
        json!([{"from": "hook", "to": "save"}]),
    );
    let hook = sluice_tests::store_webhook_flow(&sluice, data.path(), &flow);
    let target = sluice.check_webhook(&hook.flow_id, &hook.token).unwrap();
    let mut statuses = std::collections::BTreeSet::new();
    fuzz(
        &[r#"{"n": 1, "tags": ["a"]}"#, r#"[{"n": 1}, {"n": 2}]"#],
        5_000,
        |input| match sluice.accept_webhook_body(&target, input, None) {
            Ok(_) => {
                statuses.insert(202);
            }
            Err(refused) => {
                assert!(!refused.message.is_empty());
                statuses.insert(refused.status);
            }
        },
    );
    assert!(
        statuses.contains(&202) && statuses.contains(&400),
        "{statuses:?}"
    );
}

#[test]
fn connector_manifests_parse_or_are_refused_without_panicking() {
    use sluice_connectors::declarative::Manifest;
    let root = sluice_tests::repository_root();
    let demo =
        std::fs::read_to_string(root.join("examples/demo-orders-connector/manifest.yaml")).unwrap();
    let github =
        std::fs::read_to_string(root.join("connectors/src/declarative/library/github.yaml"))
            .unwrap();
    let mut accepted = 0;
    fuzz(&[&demo, &github], 3_000, |input| {
        let Ok(text) = std::str::from_utf8(input) else {
            return;
        };
        if Manifest::parse(text).is_ok() {
            accepted += 1;
        }
    });
    assert!(accepted > 0, "some mutations stay manifests");
}
