//! Every registered component: its config reads, writes back and reads again to the same thing,
//! and what it writes back (its defaults included) is what people see — snapshotted.

use serde_json::json;

/// A typical config for every node type. A new component must be added here.
fn sample_config(component: &str) -> serde_json::Value {
    match component {
        "filter" => json!({"when": "status == 'active'"}),
        "map" => {
            json!({"set": {"full_name": "first_name ~ ' ' ~ last_name"}, "rename": {"a": "b"}, "drop": ["c"]})
        }
        "select" => json!({"fields": ["id", "email"]}),
        "cast" => json!({"fields": {"id": "integer", "amount": "number", "at": "datetime"}}),
        "dedupe" => json!({"key": ["email"]}),
        "limit" => json!({"count": 10}),
        "aggregate" => json!({"group_by": ["country"], "compute": [
            {"name": "orders", "function": "count"},
            {"name": "total", "function": "sum", "field": "amount"}]}),
        "join" => json!({"kind": "left", "on": [{"left": "customer_id", "right": "id"}]}),
        "lookup" => {
            json!({"key": "customer_id", "table_key": "id", "fields": ["name"], "missing": "drop"})
        }
        "union" => json!({"source_field": "source"}),
        "code" => json!({"code": "record.total = record.price * record.quantity\nreturn record"}),
        "sql" => json!({"query": "SELECT country, COUNT(*) AS n FROM read GROUP BY country"}),
        "sort" => {
            json!({"by": [{"field": "country"}, {"field": "amount", "order": "desc", "nulls": "first"}]})
        }
        "records" => json!({"records": [{"id": 1, "name": "Ada"}]}),
        "route" => json!({"routes": [{"port": "eu", "when": "country in ['DE', 'FR']"}]}),
        "csv.read" => json!({"path": "in.csv"}),
        "csv.write" => json!({"path": "out.csv"}),
        "json.read" => json!({"path": "in.json", "record_path": "data.items"}),
        "json.write" => json!({"path": "out.ndjson"}),
        "sqlite.read" => json!({"path": "in.db", "table": "orders", "cursor": "id"}),
        "postgres.read" => json!({
            "table": "orders", "schema": "shop", "columns": ["id", "total"],
            "where": "status = 'paid'", "cursor": "id"
        }),
        "mysql.read" => json!({
            "table": "orders", "columns": ["id", "total"], "where": "status = 'paid'", "cursor": "id"
        }),
        "mysql.write" => json!({"table": "orders", "mode": "upsert", "key": ["id"]}),
        "postgres.write" => json!({
            "table": "orders", "schema": "shop", "mode": "upsert", "key": ["id"]
        }),
        "sqlite.write" => {
            json!({"path": "out.db", "table": "orders", "mode": "upsert", "key": ["id"]})
        }
        "http.read" => json!({
            "url": "https://api.example.com/orders",
            "records": "$.data[*]",
            "pagination": {"type": "cursor", "cursor": "$.meta.next", "param": "cursor"},
            "incremental": {"cursor_field": "updated_at", "param": "updated_after"}
        }),
        "http.request" => json!({
            "url": "https://api.example.com/customers/{{ id }}",
            "response_field": "customer",
            "concurrency": 2
        }),
        "webhook" => json!({"idle_seconds": 5, "max_body_bytes": 65536}),
        "app.airtable" => {
            json!({"stream": "records", "settings": {"base_id": "appX", "table": "tblY"}})
        }
        "app.gitlab" => json!({"stream": "issues", "settings": {"project": "ada/engine"}}),
        "app.googlesheets" => json!({"stream": "rows", "settings": {"spreadsheet_id": "1abc"}}),
        "app.intercom" => json!({"stream": "contacts"}),
        "app.jira" => {
            json!({"stream": "issues", "settings": {"subdomain": "ada", "email": "ada@example.org"}})
        }
        "app.mailchimp" => json!({"stream": "members", "settings": {"data_center": "us21"}}),
        "app.pipedrive" => json!({"stream": "deals", "settings": {"company_domain": "ada"}}),
        "app.salesforce" => json!({"stream": "accounts", "settings": {"my_domain": "ada"}}),
        "app.shopify" => json!({"stream": "orders", "settings": {"shop": "ada"}}),
        "app.zendesk" => {
            json!({"stream": "tickets", "settings": {"subdomain": "ada", "email": "ada@example.org"}})
        }
        "app.github" => {
            json!({"stream": "issues", "settings": {"owner": "ada", "repository": "engine"}})
        }
        "app.hubspot" => json!({"stream": "deals", "settings": {"properties": "dealname,amount"}}),
        "app.notion" => json!({"stream": "pages"}),
        "app.slack" => json!({"stream": "messages"}),
        "app.stripe" => {
            json!({"stream": "charges", "settings": {"start_date": "2024-01-01T00:00:00Z"}})
        }
        other => panic!("add a sample config for `{other}` to tests/tests/components.rs"),
    }
}

#[test]
fn every_config_round_trips_with_its_defaults() {
    let registry = sluice_connectors::registry();
    let mut normalized = serde_json::Map::new();
    for descriptor in registry.descriptors() {
        let config = sample_config(&descriptor.component);
        let once = (descriptor.normalize)(config)
            .unwrap_or_else(|error| panic!("{}: {error:?}", descriptor.component));
        let twice = (descriptor.normalize)(once.clone()).unwrap();
        assert_eq!(once, twice, "{}", descriptor.component);
        (descriptor.parse)(once.clone()).unwrap();
        normalized.insert(descriptor.component.to_string(), once);
    }
    insta::assert_json_snapshot!("normalized_configs", normalized);
}

#[test]
fn every_component_documents_every_config_field() {
    let registry = sluice_connectors::registry();
    for descriptor in registry.descriptors() {
        let schema = serde_json::to_value((descriptor.schema)()).unwrap();
        assert!(
            schema.get("description").is_some(),
            "{} has no description",
            descriptor.component
        );
        for (field, property) in schema["properties"].as_object().unwrap() {
            assert!(
                property.get("description").is_some(),
                "{}: field `{field}` has no doc comment (the studio shows it as help)",
                descriptor.component
            );
        }
    }
}

#[test]
fn the_port_rule_the_canvas_reads_gives_the_ports_the_runtime_uses() {
    let registry = sluice_connectors::registry();
    for descriptor in registry.descriptors() {
        let config = sample_config(&descriptor.component);
        let component = (descriptor.parse)(config.clone()).unwrap();
        let expected = match component.kind() {
            sluice_core::ComponentKind::Sink => Vec::new(),
            _ => component.config().output_ports(),
        };
        assert_eq!(
            descriptor.ports.ports_of(&config),
            expected,
            "{}",
            descriptor.component
        );
        let inputs = match &component {
            sluice_core::component::Component::Source(_) => Vec::new(),
            sluice_core::component::Component::Transform(config) => config.input_ports(),
            sluice_core::component::Component::Sink(_) => vec!["in".to_string()],
        };
        assert_eq!(descriptor.inputs, inputs, "{}", descriptor.component);
    }
}
