//! The component registry: every node type Sluice knows, with its config schema, help text and
//! parser. Core registers the transforms; the connectors crate adds sources and sinks.

use std::borrow::Cow;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::component::{Component, ComponentKind, SinkConfig, SourceConfig, TransformConfig};

/// A problem with one node's config, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The field, as a path into the config (`set.full_name`), when one can be named.
    pub field: Option<String>,
    pub message: String,
}

/// Makes a node type's config JSON Schema.
pub type SchemaFn = Arc<dyn Fn() -> schemars::Schema + Send + Sync>;
/// Reads a node type's config.
pub type ParseFn = Arc<dyn Fn(serde_json::Value) -> Result<Component, ConfigError> + Send + Sync>;
/// Reads a config and writes it back with every default filled in.
pub type NormalizeFn =
    Arc<dyn Fn(serde_json::Value) -> Result<serde_json::Value, ConfigError> + Send + Sync>;

/// One node type: what the palette shows and how its config is read. Built-in types are known
/// at compile time; others (a connector manifest's) are registered when Sluice starts or imports them.
#[derive(Clone)]
pub struct ComponentDescriptor {
    /// The node type as written in flows, e.g. `csv.read`.
    pub component: Cow<'static, str>,
    pub kind: ComponentKind,
    /// A short name for the palette.
    pub title: Cow<'static, str>,
    /// The palette group, e.g. `Files`, `Databases`, `Transform`, `Apps`.
    pub category: Cow<'static, str>,
    /// One sentence on what it does.
    pub description: Cow<'static, str>,
    /// The JSON Schema of the config.
    pub schema: SchemaFn,
    /// Reads a config.
    pub parse: ParseFn,
    /// Reads a config and writes it back with every default filled in (what the studio shows).
    pub normalize: NormalizeFn,
    /// The credential types its node's `credential` may name (none: it takes no credential).
    pub credential_kinds: Vec<Cow<'static, str>>,
    /// A transform whose effect is outside the flow (a request sent) may be the last node.
    pub may_end_flow: bool,
    /// A source fed by requests to the flow's private URL (the studio shows the URL).
    pub takes_requests: bool,
    /// How its output ports follow from its config.
    pub ports: PortRule,
    /// Its input ports: none for a source, `in` unless it takes several inputs (`join`).
    pub inputs: Vec<Cow<'static, str>>,
}

/// How a node's output ports (besides `error`) follow from its config, so the canvas draws them
/// without asking; the parsed config answers the same (`ComponentConfig::output_ports`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PortRule {
    /// These ports, whatever the config (a sink has none).
    Fixed { ports: Vec<String> },
    /// One port per item of the config's list `list`, named by the item's field `name`, then the
    /// ports `then`.
    PerItem {
        list: String,
        name: String,
        then: Vec<String>,
    },
}

impl PortRule {
    /// The ports of a node with `config` (items without a name make no port).
    pub fn ports_of(&self, config: &serde_json::Value) -> Vec<String> {
        match self {
            PortRule::Fixed { ports } => ports.clone(),
            PortRule::PerItem { list, name, then } => {
                let items = config[list.as_str()]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let named = items
                    .iter()
                    .filter_map(|item| item[name.as_str()].as_str())
                    .filter(|port| !port.is_empty())
                    .map(str::to_string);
                named.chain(then.iter().cloned()).collect()
            }
        }
    }

    fn default_for(kind: ComponentKind) -> PortRule {
        let ports = match kind {
            ComponentKind::Sink => Vec::new(),
            _ => vec![crate::flow::DEFAULT_PORT.to_string()],
        };
        PortRule::Fixed { ports }
    }
}

/// The input ports of a node type unless it names its own.
fn default_inputs(kind: ComponentKind) -> Vec<Cow<'static, str>> {
    match kind {
        ComponentKind::Source => Vec::new(),
        _ => vec![Cow::Borrowed(crate::flow::DEFAULT_INPUT_PORT)],
    }
}

impl std::fmt::Debug for ComponentDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentDescriptor")
            .field("component", &self.component)
            .finish()
    }
}

impl ComponentDescriptor {
    /// The same transform, allowed to be the last node of a flow (its effect is elsewhere).
    pub fn ending_flows(mut self) -> Self {
        self.may_end_flow = true;
        self
    }

    /// The same source, fed by requests to the flow's private URL.
    pub fn taking_requests(mut self) -> Self {
        self.takes_requests = true;
        self
    }

    /// The same node type, with one output port per item of its config's list `list` (named by
    /// the item's field `name`), then the ports `then`.
    pub fn with_ports_per_item(mut self, list: &str, name: &str, then: &[&str]) -> Self {
        self.ports = PortRule::PerItem {
            list: list.into(),
            name: name.into(),
            then: then.iter().map(|port| port.to_string()).collect(),
        };
        self
    }

    /// The same node type, with these named input ports (`join`: left and right).
    pub fn with_inputs(mut self, inputs: &'static [&'static str]) -> Self {
        self.inputs = inputs.iter().map(|port| Cow::Borrowed(*port)).collect();
        self
    }

    /// The same node type, taking a credential of one of `kinds`.
    pub fn with_credentials(mut self, kinds: &'static [&'static str]) -> Self {
        self.credential_kinds = kinds.iter().map(|kind| Cow::Borrowed(*kind)).collect();
        self
    }

    /// A source known only at run time (a connector manifest's streams): its names, schema and
    /// parser given as values.
    pub fn dynamic_source(
        component: String,
        title: String,
        category: &'static str,
        description: String,
        schema: SchemaFn,
        parse: ParseFn,
        normalize: NormalizeFn,
    ) -> Self {
        ComponentDescriptor {
            component: component.into(),
            kind: ComponentKind::Source,
            ports: PortRule::default_for(ComponentKind::Source),
            inputs: default_inputs(ComponentKind::Source),
            title: title.into(),
            category: category.into(),
            description: description.into(),
            schema,
            parse,
            normalize,
            credential_kinds: Vec::new(),
            may_end_flow: false,
            takes_requests: false,
        }
    }

    /// The same node type, taking a credential of kind `kind` (one known at run time).
    pub fn with_credential_kind(mut self, kind: String) -> Self {
        self.credential_kinds = vec![Cow::Owned(kind)];
        self
    }

    /// Describes a source whose config is `C`.
    pub fn source<C: SourceConfig + DeserializeOwned + serde::Serialize + JsonSchema + 'static>(
        component: &'static str,
        title: &'static str,
        category: &'static str,
        description: &'static str,
    ) -> Self {
        fn parse<C: SourceConfig + DeserializeOwned + 'static>(
            value: serde_json::Value,
        ) -> Result<Component, ConfigError> {
            Ok(Component::Source(Box::new(parse_config::<C>(value)?)))
        }
        ComponentDescriptor {
            component: component.into(),
            kind: ComponentKind::Source,
            ports: PortRule::default_for(ComponentKind::Source),
            inputs: default_inputs(ComponentKind::Source),
            title: title.into(),
            category: category.into(),
            description: description.into(),
            schema: Arc::new(schema_of::<C>),
            parse: Arc::new(parse::<C>),
            normalize: Arc::new(normalize::<C>),
            credential_kinds: Vec::new(),
            may_end_flow: false,
            takes_requests: false,
        }
    }

    /// Describes a transform whose config is `C`.
    pub fn transform<
        C: TransformConfig + DeserializeOwned + serde::Serialize + JsonSchema + 'static,
    >(
        component: &'static str,
        title: &'static str,
        description: &'static str,
    ) -> Self {
        fn parse<C: TransformConfig + DeserializeOwned + 'static>(
            value: serde_json::Value,
        ) -> Result<Component, ConfigError> {
            Ok(Component::Transform(Box::new(parse_config::<C>(value)?)))
        }
        ComponentDescriptor {
            component: component.into(),
            kind: ComponentKind::Transform,
            ports: PortRule::default_for(ComponentKind::Transform),
            inputs: default_inputs(ComponentKind::Transform),
            title: title.into(),
            category: "Transform".into(),
            description: description.into(),
            schema: Arc::new(schema_of::<C>),
            parse: Arc::new(parse::<C>),
            normalize: Arc::new(normalize::<C>),
            credential_kinds: Vec::new(),
            may_end_flow: false,
            takes_requests: false,
        }
    }

    /// Describes a sink whose config is `C`.
    pub fn sink<C: SinkConfig + DeserializeOwned + serde::Serialize + JsonSchema + 'static>(
        component: &'static str,
        title: &'static str,
        category: &'static str,
        description: &'static str,
    ) -> Self {
        fn parse<C: SinkConfig + DeserializeOwned + 'static>(
            value: serde_json::Value,
        ) -> Result<Component, ConfigError> {
            Ok(Component::Sink(Box::new(parse_config::<C>(value)?)))
        }
        ComponentDescriptor {
            component: component.into(),
            kind: ComponentKind::Sink,
            ports: PortRule::default_for(ComponentKind::Sink),
            inputs: default_inputs(ComponentKind::Sink),
            title: title.into(),
            category: category.into(),
            description: description.into(),
            schema: Arc::new(schema_of::<C>),
            parse: Arc::new(parse::<C>),
            normalize: Arc::new(normalize::<C>),
            credential_kinds: Vec::new(),
            may_end_flow: false,
            takes_requests: false,
        }
    }
}

fn normalize<C: DeserializeOwned + serde::Serialize>(
    value: serde_json::Value,
) -> Result<serde_json::Value, ConfigError> {
    let config = parse_config::<C>(value)?;
    Ok(serde_json::to_value(config).expect("configs serialize"))
}

fn schema_of<C: JsonSchema>() -> schemars::Schema {
    schemars::schema_for!(C)
}

/// Reads a typed config from JSON, naming the field that is wrong.
pub fn parse_config<C: DeserializeOwned>(value: serde_json::Value) -> Result<C, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        let field = if path == "." || path.is_empty() {
            quoted_name(&message)
        } else {
            Some(path)
        };
        ConfigError {
            field,
            message: explain_serde_message(&message),
        }
    })
}

/// serde names the field in backticks (`unknown field `pth``, `missing field `path``).
fn quoted_name(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// Turns serde's wording into a sentence that says what to do.
fn explain_serde_message(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return match rest.split_once(", expected ") {
            Some((name, expected)) => format!("unknown field {name}; the fields are {expected}"),
            None => format!("unknown field {rest}; this component has no settings"),
        };
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("the required field {rest} is missing");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some((given, expected)) = rest.split_once(", expected ")
    {
        let choices = expected.trim_start_matches("one of ").replace(" or ", ", ");
        return match given {
            "``" => format!("choose one of {choices}"),
            given => format!("{given} is not one of the choices; choose one of {choices}"),
        };
    }
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "expects {}, not {}",
            plain_type(expected),
            plain_found(found)
        );
    }
    message.to_string()
}

/// serde's name for an expected type, in everyday words.
fn plain_type(expected: &str) -> String {
    match expected {
        "u64" | "u32" | "u16" | "u8" | "usize" => "a whole number of 0 or more".into(),
        "i64" | "i32" | "i16" | "i8" | "isize" => "a whole number".into(),
        "f64" | "f32" => "a number".into(),
        "a string" | "a character" => "text".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a map" => "an object".into(),
        other if other.starts_with("struct ") => "an object".into(),
        other => other.to_string(),
    }
}

/// serde's description of what it found, in everyday words.
fn plain_found(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    for (prefix, words) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(rest) = found.strip_prefix(prefix) {
            return format!("{words}{}", rest.trim_matches('`'));
        }
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "an object".into(),
        "null" => "null".into(),
        other => other.to_string(),
    }
}

/// Every node type this installation knows.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    descriptors: Vec<ComponentDescriptor>,
    credential_types: Vec<crate::credential::CredentialType>,
    staging_kinds: Vec<crate::commit::StagingKind>,
}

impl Registry {
    /// A registry holding the core transforms.
    pub fn with_transforms() -> Self {
        Registry {
            descriptors: crate::transforms::descriptors(),
            credential_types: Vec::new(),
            staging_kinds: Vec::new(),
        }
    }

    /// Adds a node type. A second registration of the same type replaces the first.
    pub fn register(&mut self, descriptor: ComponentDescriptor) {
        self.descriptors
            .retain(|existing| existing.component != descriptor.component);
        self.descriptors.push(descriptor);
    }

    /// Adds a credential type. A second registration of the same kind replaces the first.
    pub fn register_credential_type(&mut self, credential_type: crate::credential::CredentialType) {
        self.credential_types
            .retain(|existing| existing.kind != credential_type.kind);
        self.credential_types.push(credential_type);
    }

    /// Adds a kind of staged output (how sinks' staging is published or discarded after a crash).
    pub fn register_staging_kind(&mut self, staging_kind: crate::commit::StagingKind) {
        self.staging_kinds
            .retain(|existing| existing.kind != staging_kind.kind);
        self.staging_kinds.push(staging_kind);
    }

    /// The staging kind with this name.
    pub fn staging_kind(&self, kind: &str) -> Option<&crate::commit::StagingKind> {
        self.staging_kinds
            .iter()
            .find(|staging_kind| staging_kind.kind == kind)
    }

    /// The credential type with this kind.
    pub fn credential_type(&self, kind: &str) -> Option<&crate::credential::CredentialType> {
        self.credential_types
            .iter()
            .find(|credential_type| credential_type.kind == kind)
    }

    /// Every credential type, in registration order.
    pub fn credential_types(&self) -> &[crate::credential::CredentialType] {
        &self.credential_types
    }

    /// The node type with this name.
    pub fn get(&self, component: &str) -> Option<&ComponentDescriptor> {
        self.descriptors
            .iter()
            .find(|descriptor| descriptor.component == component)
    }

    /// Every node type, in registration order.
    pub fn descriptors(&self) -> &[ComponentDescriptor] {
        &self.descriptors
    }

    /// The known type closest in spelling to `component`, for "did you mean" hints.
    pub fn closest(&self, component: &str) -> Option<&str> {
        self.descriptors
            .iter()
            .map(|descriptor| {
                (
                    edit_distance(component, &descriptor.component),
                    descriptor.component.as_ref(),
                )
            })
            .filter(|(distance, _)| *distance <= 3)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, name)| name)
    }
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (row, left_char) in left.chars().enumerate() {
        let mut current = vec![row + 1];
        for (column, right_char) in right.iter().enumerate() {
            let substitution = previous[column] + usize::from(left_char != *right_char);
            current.push(
                substitution
                    .min(previous[column + 1] + 1)
                    .min(current[column] + 1),
            );
        }
        previous = current;
    }
    previous[right.len()]
}
