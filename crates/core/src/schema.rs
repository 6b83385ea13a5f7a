//! The JSON Schema of the whole flow format: the document structure from the Rust types, with
//! each node's `config` tied to its component's schema. Editors and the studio read it.

use serde_json::{Value, json};

use crate::flow::Flow;
use crate::registry::Registry;

/// The JSON Schema of `sluice.flow/1` for the components in `registry`.
pub fn flow_schema(registry: &Registry) -> Value {
    let mut root = serde_json::to_value(schemars::schema_for!(Flow)).expect("schema serializes");
    root["$id"] = json!("https://sluice.dev/schema/sluice.flow-1.schema.json");
    root["properties"]["format"]["const"] = json!(crate::flow::FLOW_FORMAT);

    let mut rules = Vec::new();
    let mut types = Vec::new();
    for descriptor in registry.descriptors() {
        let mut schema = serde_json::to_value((descriptor.schema)()).expect("schema serializes");
        let prefix = format!("{}.", descriptor.component);
        if let Some(Value::Object(definitions)) =
            schema.as_object_mut().and_then(|map| map.remove("$defs"))
        {
            for (name, mut definition) in definitions {
                rewrite_refs(&mut definition, &prefix);
                root["$defs"][format!("{prefix}{name}")] = definition;
            }
        }
        rewrite_refs(&mut schema, &prefix);
        if let Some(map) = schema.as_object_mut() {
            map.remove("$schema");
        }
        let config_name = format!("{}config", prefix);
        root["$defs"][&config_name] = schema;
        types.push(json!({"const": descriptor.component, "description": descriptor.description}));
        rules.push(json!({
            "if": {"properties": {"type": {"const": descriptor.component}}},
            "then": {"properties": {"config": {"$ref": format!("#/$defs/{config_name}")}}}
        }));
    }
    let node = &mut root["$defs"]["Node"];
    node["properties"]["type"]["oneOf"] = Value::Array(types);
    node["allOf"] = Value::Array(rules);
    root
}

/// Points `#/$defs/X` references of a component schema at its prefixed copy in the root.
fn rewrite_refs(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(name) = item.as_str().and_then(|text| text.strip_prefix("#/$defs/"))
                    {
                        *item = json!(format!("#/$defs/{prefix}{name}"));
                    }
                } else {
                    rewrite_refs(item, prefix);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, prefix)),
        _ => {}
    }
}
