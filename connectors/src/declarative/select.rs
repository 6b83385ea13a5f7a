//! Records out of a response, as Airbyte's `RecordSelector`: each body (a top-level array is one
//! body per item) through the `DpathExtractor` path (`*` matches every key or item), the
//! `RecordFilter` condition, then the stream's transformations (`AddFields`, `RemoveFields`, key
//! renaming and flattening).

use serde_json::{Map, Value};

use super::interpolate::{Context, Interpolator, literal};
use super::model::{AddedField, Extractor, RecordSelector, Transformation};

/// The records a decoded response holds at the extractor's path (items that are not objects
/// included: the caller refuses them).
pub fn extract(
    selector: &RecordSelector,
    decoded: &Value,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<Vec<Value>, String> {
    let Extractor::DpathExtractor { field_path } = &selector.extractor;
    let path = field_path
        .iter()
        .map(|segment| match interpolator.value(segment, context)? {
            Value::String(text) => Ok(text),
            other => Ok(super::request::text_of(&other)),
        })
        .collect::<Result<Vec<String>, String>>()?;
    let bodies: Vec<&Value> = match decoded {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut records = Vec::new();
    for body in bodies {
        let found = if path.iter().any(|segment| segment == "*") {
            let mut matches = Vec::new();
            values_at(body, &path, &mut matches);
            Value::Array(matches.into_iter().cloned().collect())
        } else {
            get(body, &path)
                .cloned()
                .unwrap_or(Value::Array(Vec::new()))
        };
        match found {
            Value::Array(items) => records.extend(items),
            Value::Null => {}
            Value::Object(fields) if fields.is_empty() => {}
            other => records.push(other),
        }
    }
    Ok(records)
}

/// The value at a path of keys (a number indexes a list).
fn get<'v>(mut value: &'v Value, path: &[String]) -> Option<&'v Value> {
    for segment in path {
        value = match value {
            Value::Object(fields) => fields.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Every value matching a path with `*` segments, in document order.
fn values_at<'v>(value: &'v Value, path: &[String], into: &mut Vec<&'v Value>) {
    let Some((segment, rest)) = path.split_first() else {
        into.push(value);
        return;
    };
    match (segment.as_str(), value) {
        ("*", Value::Object(fields)) => fields
            .values()
            .for_each(|child| values_at(child, rest, into)),
        ("*", Value::Array(items)) => items.iter().for_each(|child| values_at(child, rest, into)),
        (key, Value::Object(fields)) => {
            if let Some(child) = fields.get(key) {
                values_at(child, rest, into);
            }
        }
        (index, Value::Array(items)) => {
            if let Some(child) = index
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index))
            {
                values_at(child, rest, into);
            }
        }
        _ => {}
    }
}

/// Whether the record passes the selector's filter.
pub fn keep(
    selector: &RecordSelector,
    record: &Value,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<bool, String> {
    let Some(filter) = &selector.record_filter else {
        return Ok(true);
    };
    if filter.condition.as_str().is_some_and(str::is_empty) {
        return Ok(true);
    }
    let mut context = context.clone();
    context.insert("record".into(), record.clone());
    interpolator.condition(&filter.condition, &context)
}

/// The stream's transformations applied to one record, in order.
pub fn transform(
    transformations: &[Transformation],
    record: &mut Map<String, Value>,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<(), String> {
    for transformation in transformations {
        match transformation {
            Transformation::AddFields { fields, condition } => {
                for field in fields {
                    let mut context = context.clone();
                    context.insert("record".into(), Value::Object(record.clone()));
                    if let Some(condition) = condition
                        .as_ref()
                        .filter(|condition| condition.as_str() != Some(""))
                        && !interpolator.condition(condition, &context)?
                    {
                        continue;
                    }
                    let value = added_value(field, interpolator, &context)?;
                    set_path(record, &field.path, value);
                }
            }
            Transformation::KeysToLower {} => rename_keys(record, |key| key.to_lowercase()),
            Transformation::KeysToSnakeCase {} => rename_keys(record, snake_case),
            Transformation::KeysReplace { old, new } => {
                let (old, new) = (
                    interpolator.text(old, context)?,
                    interpolator.text(new, context)?,
                );
                if !old.is_empty() {
                    replace_in_keys(record, &old, &new);
                }
            }
            Transformation::FlattenFields { flatten_lists } => {
                let mut flat = Map::new();
                for (key, value) in std::mem::take(record) {
                    flatten_into(&mut flat, key, value, *flatten_lists);
                }
                *record = flat;
            }
            Transformation::DpathFlattenFields {
                field_path,
                delete_origin_value,
                replace_record,
            } => {
                let path: Vec<String> = field_path
                    .iter()
                    .map(|segment| interpolator.text(segment, context))
                    .collect::<Result<_, _>>()?;
                if let Some(Value::Object(inner)) =
                    get(&Value::Object(record.clone()), &path).cloned()
                {
                    if *replace_record {
                        *record = inner;
                    } else {
                        if *delete_origin_value {
                            remove_path(record, &path);
                        }
                        for (key, value) in inner {
                            record.entry(key).or_insert(value);
                        }
                    }
                }
            }
            Transformation::RemoveFields {
                field_pointers,
                condition,
            } => {
                for pointer in field_pointers {
                    if let Some(condition) = condition
                        .as_ref()
                        .filter(|condition| condition.as_str() != Some(""))
                    {
                        let mut context = context.clone();
                        context.insert(
                            "property".into(),
                            get(&Value::Object(record.clone()), pointer)
                                .cloned()
                                .unwrap_or(Value::Null),
                        );
                        if !interpolator.condition(condition, &context)? {
                            continue;
                        }
                    }
                    remove_path(record, pointer);
                }
            }
        }
    }
    Ok(())
}

/// An added field's value; `value_type` keeps the rendered text when the value is not of it.
fn added_value(
    field: &AddedField,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<Value, String> {
    let value = interpolator.value(&field.value, context)?;
    let Some(kind) = field.value_type.as_deref() else {
        return Ok(value);
    };
    let fits = match kind {
        "string" => value.is_string(),
        "number" => value.is_f64(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if fits {
        return Ok(value);
    }
    Ok(match &field.value {
        Value::String(template) => Value::String(interpolator.text(template, context)?),
        other => literal(&other.to_string()),
    })
}

/// Every key of the record (not nested ones) renamed.
fn rename_keys(record: &mut Map<String, Value>, rename: impl Fn(&str) -> String) {
    *record = std::mem::take(record)
        .into_iter()
        .map(|(key, value)| (rename(&key), value))
        .collect();
}

/// `old` replaced by `new` in every key, nested ones included.
fn replace_in_keys(record: &mut Map<String, Value>, old: &str, new: &str) {
    *record = std::mem::take(record)
        .into_iter()
        .map(|(key, mut value)| {
            if let Value::Object(inner) = &mut value {
                replace_in_keys(inner, old, new);
            }
            (key.replace(old, new), value)
        })
        .collect();
}

/// `firstName`, `First Name`, `first-name` → `first_name`.
fn snake_case(key: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    let joined = words.join("_");
    if joined.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("_{joined}")
    } else {
        joined
    }
}

/// A nested value's leaves as `parent.child` keys (list items as `parent.0` with `flatten_lists`).
fn flatten_into(flat: &mut Map<String, Value>, key: String, value: Value, flatten_lists: bool) {
    match value {
        Value::Object(inner) if !inner.is_empty() => {
            for (child, value) in inner {
                flatten_into(flat, format!("{key}.{child}"), value, flatten_lists);
            }
        }
        Value::Array(items) if flatten_lists && !items.is_empty() => {
            for (index, value) in items.into_iter().enumerate() {
                flatten_into(flat, format!("{key}.{index}"), value, flatten_lists);
            }
        }
        other => {
            flat.insert(key, other);
        }
    }
}

fn set_path(record: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = record;
    for key in parents {
        let entry = at
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        at = entry.as_object_mut().expect("just made an object");
    }
    at.insert(last.clone(), value);
}

/// Removes what a pointer names (`*` matches every key); a missing path is no error.
fn remove_path(record: &mut Map<String, Value>, pointer: &[String]) {
    let Some((first, rest)) = pointer.split_first() else {
        return;
    };
    if rest.is_empty() {
        if first == "*" || first == "**" {
            record.clear();
        } else {
            record.remove(first);
        }
        return;
    }
    let keys: Vec<String> = if first == "*" {
        record.keys().cloned().collect()
    } else {
        vec![first.clone()]
    };
    for key in keys {
        match record.get_mut(&key) {
            Some(Value::Object(inner)) => remove_path(inner, rest),
            Some(Value::Array(items)) => {
                for item in items.iter_mut() {
                    if let Value::Object(inner) = item {
                        remove_path(inner, rest);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn selector(path: &[&str]) -> RecordSelector {
        serde_json::from_value(
            json!({ "extractor": { "type": "DpathExtractor", "field_path": path } }),
        )
        .unwrap()
    }

    fn records(path: &[&str], body: Value) -> Vec<Value> {
        extract(
            &selector(path),
            &body,
            &Interpolator::new(chrono::Utc::now()),
            &Context::new(),
        )
        .unwrap()
    }

    #[test]
    fn the_extractor_follows_paths_wildcards_and_top_level_lists() {
        assert_eq!(
            records(&["data"], json!({ "data": [{ "id": 1 }, { "id": 2 }] })).len(),
            2
        );
        assert_eq!(records(&[], json!([{ "id": 1 }, { "id": 2 }])).len(), 2);
        assert_eq!(
            records(
                &["data"],
                json!([{ "data": [{ "id": 1 }] }, { "data": [{ "id": 2 }] }])
            )
            .len(),
            2
        );
        assert_eq!(
            records(&["user"], json!({ "user": { "id": 1 } })),
            vec![json!({ "id": 1 })]
        );
        assert_eq!(
            records(&["missing"], json!({ "data": [] })),
            Vec::<Value>::new()
        );
        assert_eq!(
            records(
                &["groups", "*", "members"],
                json!({ "groups": { "a": { "members": [1, 2] }, "b": { "members": [3] } } })
            ),
            vec![json!([1, 2]), json!([3])]
        );
        assert_eq!(
            records(&["items", "0"], json!({ "items": [{ "id": 9 }] })),
            vec![json!({ "id": 9 })]
        );
    }

    #[test]
    fn keys_are_renamed_and_nested_values_flattened() {
        assert_eq!(snake_case("firstName"), "first_name");
        assert_eq!(snake_case("First Name"), "first_name");
        assert_eq!(snake_case("created-at"), "created_at");
        assert_eq!(snake_case("2fa"), "_2fa");
        let mut record = json!({ "a": { "b": 1, "c": [2, 3] }, "d": {} })
            .as_object()
            .unwrap()
            .clone();
        let mut flat = Map::new();
        for (key, value) in std::mem::take(&mut record) {
            flatten_into(&mut flat, key, value, true);
        }
        assert_eq!(
            Value::Object(flat),
            json!({ "a.b": 1, "a.c.0": 2, "a.c.1": 3, "d": {} })
        );
        let mut spaced = json!({ "first name": { "inner key": 1 } })
            .as_object()
            .unwrap()
            .clone();
        replace_in_keys(&mut spaced, " ", "_");
        assert_eq!(
            Value::Object(spaced),
            json!({ "first_name": { "inner_key": 1 } })
        );
    }

    #[test]
    fn remove_fields_follows_wildcards_and_ignores_missing_paths() {
        let mut record = json!({ "a": 1, "b": { "c": 2, "d": 3 }, "list": [{ "x": 1, "y": 2 }] })
            .as_object()
            .unwrap()
            .clone();
        remove_path(&mut record, &["b".into(), "c".into()]);
        remove_path(&mut record, &["list".into(), "x".into()]);
        remove_path(&mut record, &["nothing".into(), "here".into()]);
        assert_eq!(
            Value::Object(record),
            json!({ "a": 1, "b": { "d": 3 }, "list": [{ "y": 2 }] })
        );
    }
}
