//! Reading a manifest as Airbyte does: YAML to JSON (refused with line and column), `$ref`
//! resolved, each component's omitted `type` inferred from where it sits, `$parameters` handed
//! down from parent to child, and every component checked against what Sluice runs (refused with
//! its name and path, never skipped).

use serde_json::{Map, Value};

use super::supported::{DEFAULT_TYPES, SUPPORTED};

/// The largest manifest read (Airbyte's biggest are under 1 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;
/// The most JSON nodes a manifest may grow to once its references are resolved: references to
/// references can multiply a small file into a huge one.
const MAX_RESOLVED_NODES: usize = 1_000_000;
/// The most values handing `$parameters` down may copy (Airbyte's largest manifests need a
/// tenth of it).
const MAX_PROPAGATED_VALUES: usize = 250_000;
/// The deepest nesting followed (references included).
const MAX_DEPTH: usize = 96;

/// Why a manifest cannot be used, with where in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", where_.as_ref().map(|where_| format!("{where_}: ")).unwrap_or_default())]
pub struct ManifestError {
    /// Where: `line 4, column 7`, or a path such as `streams[0].retriever.paginator`.
    pub where_: Option<String>,
    pub message: String,
}

impl ManifestError {
    pub fn at(path: &str, message: impl Into<String>) -> Self {
        ManifestError {
            where_: (!path.is_empty()).then(|| path.to_string()),
            message: message.into(),
        }
    }
}

/// The manifest's YAML as JSON, refused with the line and column where it does not parse.
pub fn parse_yaml(text: &str) -> Result<Value, ManifestError> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::at(
            "",
            format!(
                "the manifest is {} bytes, more than the {MAX_MANIFEST_BYTES} Sluice reads",
                text.len()
            ),
        ));
    }
    let value: Value = serde_saphyr::from_str(text).map_err(|error| ManifestError {
        where_: None,
        message: format!(
            "the manifest is not valid YAML: {}",
            first_line(&error.to_string())
        ),
    })?;
    if !value.is_object() {
        return Err(ManifestError::at(
            "",
            "the manifest is not a YAML mapping (it should start with `version:` and `type: DeclarativeSource`)",
        ));
    }
    Ok(value)
}

/// The parser's message without the source excerpt it draws under it.
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let line = line.split(" --> ").next().unwrap_or(line);
    line.trim_start_matches("error: ").to_string()
}

/// The manifest with every `$ref` (`{"$ref": "#/definitions/x"}`, merged under the keys beside
/// it) and `*ref(definitions.x)` string replaced by what it points at.
pub fn resolve_references(root: &Value) -> Result<Value, ManifestError> {
    let mut resolver = Resolver {
        root,
        nodes: 0,
        stack: Vec::new(),
    };
    resolver.resolve(root, "", 0)
}

struct Resolver<'a> {
    root: &'a Value,
    nodes: usize,
    /// The references being resolved, to refuse a cycle.
    stack: Vec<String>,
}

impl Resolver<'_> {
    fn resolve(&mut self, node: &Value, path: &str, depth: usize) -> Result<Value, ManifestError> {
        self.nodes += 1;
        if self.nodes > MAX_RESOLVED_NODES {
            return Err(ManifestError::at(
                path,
                format!(
                    "the manifest grows past {MAX_RESOLVED_NODES} values once its references are resolved; it is refused"
                ),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(ManifestError::at(
                path,
                format!("the manifest nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        match node {
            Value::Object(fields) => {
                let mut resolved = match fields.get("$ref") {
                    Some(Value::String(reference)) => match self.follow(reference, path, depth)? {
                        Value::Object(target) => target,
                        other if fields.len() == 1 => return Ok(other),
                        _ => {
                            return Err(ManifestError::at(
                                path,
                                format!(
                                    "`$ref: {reference}` points at something that is not a mapping, so the keys beside it cannot be merged into it"
                                ),
                            ));
                        }
                    },
                    Some(_) => {
                        return Err(ManifestError::at(
                            path,
                            "`$ref` must be text such as \"#/definitions/requester\"",
                        ));
                    }
                    None => Map::new(),
                };
                for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != "$ref") {
                    let child = self.resolve(value, &join(path, key), depth + 1)?;
                    resolved.insert(key.clone(), child);
                }
                Ok(Value::Object(resolved))
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| self.resolve(item, &format!("{path}[{index}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            // Airbyte reads any text starting with `#/` as a reference (and the older `*ref(a.b)`).
            Value::String(text) if text.starts_with("#/") => self.follow(text, path, depth),
            Value::String(text) => match text
                .strip_prefix("*ref(")
                .and_then(|rest| rest.strip_suffix(')'))
            {
                Some(dotted) => {
                    self.follow(&format!("#/{}", dotted.replace('.', "/")), path, depth)
                }
                None => Ok(node.clone()),
            },
            _ => Ok(node.clone()),
        }
    }

    /// The resolved value a reference points at.
    fn follow(
        &mut self,
        reference: &str,
        path: &str,
        depth: usize,
    ) -> Result<Value, ManifestError> {
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            ManifestError::at(path, format!("`$ref: {reference}` is not a reference inside the manifest (it should start with #/); references to other files are not supported"))
        })?;
        if self.stack.iter().any(|open| open == reference) {
            return Err(ManifestError::at(
                path,
                format!(
                    "`$ref: {reference}` refers to itself through {}",
                    self.stack.join(" → ")
                ),
            ));
        }
        let mut target = self.root;
        for segment in pointer.split('/').filter(|segment| !segment.is_empty()) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            target = match target {
                Value::Object(fields) => fields.get(&segment),
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|index| items.get(index)),
                _ => None,
            }
            .ok_or_else(|| ManifestError::at(path, format!("`$ref: {reference}` points at nothing: the manifest has no `{segment}` there")))?;
        }
        self.stack.push(reference.to_string());
        let resolved = self.resolve(target, path, depth + 1);
        self.stack.pop();
        resolved
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Infers omitted component types and hands `$parameters` down, as Airbyte's
/// `ManifestComponentTransformer`: a component's parameters are its parent's overridden by its
/// own; each parameter also fills the component's field of the same name when that field is
/// missing or empty; refuses a component type Sluice does not run.
pub fn propagate(
    component: Value,
    parent_field: &str,
    parent_parameters: &Map<String, Value>,
    path: &str,
) -> Result<Value, ManifestError> {
    Propagation {
        budget: MAX_PROPAGATED_VALUES,
    }
    .component(component, parent_field, parent_parameters, path)
}

/// One propagation over a manifest, with how many more values it may make: parameters whose
/// values are components are copied into every component below, which can multiply.
struct Propagation {
    budget: usize,
}

impl Propagation {
    fn component(
        &mut self,
        component: Value,
        parent_field: &str,
        parent_parameters: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, ManifestError> {
        let Value::Object(mut fields) = component else {
            return Ok(component);
        };
        if !fields.contains_key("type")
            && let Some((_, found)) = DEFAULT_TYPES
                .iter()
                .find(|(field, _)| *field == parent_field)
        {
            fields.insert("type".into(), Value::String((*found).into()));
        }
        let kind = match fields.get("type") {
            Some(Value::String(kind)) if looks_like_component(kind) => kind.clone(),
            // A JSON schema is left as it is.
            Some(_) => return Ok(Value::Object(fields)),
            // A plain mapping (request parameters, a map of authenticators): unchanged, but the
            // components inside it are still typed and given parameters.
            None => return self.inside(fields, parent_parameters, path),
        };
        check_supported(&kind, path)?;
        let mut parameters = parent_parameters.clone();
        if let Some(Value::Object(own)) = fields.remove("$parameters") {
            parameters.extend(own);
        }
        let cost = 1 + parameters.values().map(size).sum::<usize>();
        self.budget = self.budget.checked_sub(cost).ok_or_else(|| {
        ManifestError::at(path, format!("the manifest grows past {MAX_PROPAGATED_VALUES} values once its $parameters are handed down; it is refused"))
    })?;
        for (key, value) in &parameters {
            if fields.get(key).is_none_or(is_falsy) {
                fields.insert(key.clone(), value.clone());
            }
        }
        if is_schema_holder(&kind) {
            if !parameters.is_empty() {
                fields.insert("$parameters".into(), Value::Object(parameters));
            }
            return Ok(Value::Object(fields));
        }
        let names: Vec<String> = fields.keys().cloned().collect();
        for name in names {
            if matches!(fields.get(&name), Some(Value::Object(_) | Value::Array(_))) {
                // A parameter named like the field is not handed down into it (Airbyte: no cycles).
                let mut handed = parameters.clone();
                handed.remove(&name);
                let field_id = format!("{kind}.{name}");
                let child_path = join(path, &name);
                let value = fields.remove(&name).expect("the field is there");
                let value = match value {
                    Value::Array(items) => Value::Array(
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(index, item)| {
                                self.component(
                                    item,
                                    &field_id,
                                    &handed,
                                    &format!("{child_path}[{index}]"),
                                )
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    other => self.component(other, &field_id, &handed, &child_path)?,
                };
                fields.insert(name, value);
            }
        }
        if !parameters.is_empty() {
            fields.insert("$parameters".into(), Value::Object(parameters));
        }
        Ok(Value::Object(fields))
    }

    /// The values of a mapping that is not a component, each propagated on its own.
    fn inside(
        &mut self,
        fields: Map<String, Value>,
        parameters: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, ManifestError> {
        let mut propagated = Map::new();
        for (key, value) in fields {
            let child_path = join(path, &key);
            let value = match value {
                Value::Object(_) => self.component(value, "", parameters, &child_path)?,
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(index, item)| {
                            self.component(item, "", parameters, &format!("{child_path}[{index}]"))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                other => other,
            };
            propagated.insert(key, value);
        }
        Ok(Value::Object(propagated))
    }
}

/// How many JSON values `value` holds.
fn size(value: &Value) -> usize {
    match value {
        Value::Object(fields) => 1 + fields.values().map(size).sum::<usize>(),
        Value::Array(items) => 1 + items.iter().map(size).sum::<usize>(),
        _ => 1,
    }
}

/// Components whose mappings are JSON schemas or free data, not components.
fn is_schema_holder(kind: &str) -> bool {
    matches!(kind, "InlineSchemaLoader" | "Spec")
}

/// Python's falsiness: what `field or parameter` replaces.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
    }
}

/// Refuses a component Sluice does not run, naming it and saying why when it can.
fn check_supported(kind: &str, path: &str) -> Result<(), ManifestError> {
    if SUPPORTED.contains(&kind) {
        return Ok(());
    }
    let why = if kind.starts_with("Custom") {
        "it runs Python code from the connector's package, which Sluice does not run"
    } else {
        "Sluice does not run this component yet"
    };
    Err(ManifestError::at(
        path,
        format!("the component {kind} is not supported: {why}"),
    ))
}

/// JSON schema types (`string`, `array`) are lower case; Airbyte's components are CamelCase.
fn looks_like_component(kind: &str) -> bool {
    kind.chars().next().is_some_and(char::is_uppercase)
}

/// A manifest read, resolved and checked: its components typed.
pub fn load(text: &str) -> Result<super::model::Source, ManifestError> {
    let raw = parse_yaml(text)?;
    let mut resolved = resolve_references(&raw)?;
    let root = resolved
        .as_object_mut()
        .expect("parse_yaml gives a mapping");
    // What references point into is not itself run.
    for key in ["definitions", "schemas", "metadata"] {
        root.remove(key);
    }
    if root
        .get("dynamic_streams")
        .is_some_and(|streams| !is_falsy(streams))
    {
        return Err(ManifestError::at(
            "dynamic_streams",
            "dynamic streams (streams made from an API's answer at run time) are not supported",
        ));
    }
    match root.get("type") {
        None => {
            root.insert("type".into(), Value::String("DeclarativeSource".into()));
        }
        Some(Value::String(kind)) if kind == "DeclarativeSource" => {}
        Some(other) => {
            return Err(ManifestError::at(
                "type",
                format!("the manifest's type is {other}, not DeclarativeSource"),
            ));
        }
    }
    if !root.get("streams").is_some_and(Value::is_array) {
        return Err(ManifestError::at(
            "streams",
            "the manifest has no list of streams",
        ));
    }
    let propagated = propagate(resolved, "", &Map::new(), "")?;
    serde_path_to_error::deserialize(propagated).map_err(|error| {
        let path = error.path().to_string();
        ManifestError::at(
            if path == "." { "" } else { &path },
            error.inner().to_string(),
        )
    })
}
