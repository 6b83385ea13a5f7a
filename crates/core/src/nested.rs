//! Nested JSON in a record (arrays, objects, numbers beyond `i64`): a parsed tree, or the text it
//! was read from, parsed the first time something needs the tree. A nested field that is only
//! passed on, dropped or looked into by path costs one copy of its text, not a tree of maps.

use std::fmt;
use std::sync::OnceLock;

use serde_json::value::RawValue;

/// Nested JSON: `tree()` is the parsed value, whichever form it was made from.
#[derive(Clone)]
pub struct Nested {
    /// The JSON text as read, for a value made from text.
    text: Option<Box<RawValue>>,
    tree: OnceLock<serde_json::Value>,
}

impl Nested {
    /// An array or object kept as its JSON text until its tree is needed; `None` when it nests
    /// deeper than the parser reads a value inside a record.
    pub(crate) fn from_text(text: &RawValue) -> Option<Nested> {
        within_depth(text.get(), MAX_DEPTH).then(|| Nested {
            text: Some(text.to_owned()),
            tree: OnceLock::new(),
        })
    }

    /// The parsed value (parsed now, once, when the value was made from text).
    pub fn tree(&self) -> &serde_json::Value {
        self.tree.get_or_init(|| parse(self.text.as_deref()))
    }

    /// The parsed value, by value.
    pub fn into_tree(self) -> serde_json::Value {
        match self.tree.into_inner() {
            Some(tree) => tree,
            None => parse(self.text.as_deref()),
        }
    }

    /// The JSON text, while the value has not been parsed.
    pub fn unparsed(&self) -> Option<&RawValue> {
        match self.tree.get() {
            Some(_) => None,
            None => self.text.as_deref(),
        }
    }

    pub fn is_array(&self) -> bool {
        match self.unparsed() {
            Some(text) => text.get().starts_with('['),
            None => self.tree().is_array(),
        }
    }

    pub fn is_object(&self) -> bool {
        match self.unparsed() {
            Some(text) => text.get().starts_with('{'),
            None => self.tree().is_object(),
        }
    }
}

/// How deep a field's value may nest: the JSON parser reads 128 levels, the record is one.
const MAX_DEPTH: usize = 127;

/// Whether the JSON `text` nests arrays and objects at most `limit` deep. (The parser skips a
/// value it keeps as text without its depth limit; parsing it later needs that limit.)
fn within_depth(text: &str, limit: usize) -> bool {
    let openings = || {
        text.bytes()
            .filter(|byte| matches!(byte, b'[' | b'{'))
            .count()
    };
    if text.len() <= 2 * limit || openings() <= limit {
        return true;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in text.bytes() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            _ if in_string => {}
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Text made by the JSON parser parses again: it is valid JSON, and [`within_depth`].
fn parse(text: Option<&RawValue>) -> serde_json::Value {
    text.and_then(|text| serde_json::from_str(text.get()).ok())
        .unwrap_or_default()
}

impl From<serde_json::Value> for Nested {
    fn from(tree: serde_json::Value) -> Nested {
        Nested {
            text: None,
            tree: OnceLock::from(tree),
        }
    }
}

impl PartialEq for Nested {
    fn eq(&self, other: &Nested) -> bool {
        match (self.unparsed(), other.unparsed()) {
            (Some(a), Some(b)) if a.get() == b.get() => true,
            _ => self.tree() == other.tree(),
        }
    }
}

impl fmt::Debug for Nested {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        match self.unparsed() {
            Some(text) => write!(formatter, "Nested({})", text.get()),
            None => write!(formatter, "Nested({:?})", self.tree()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_string()).unwrap()
    }

    #[test]
    fn text_parses_only_when_the_tree_is_needed() {
        let object = text(r#"{"a": {"b": [1, "x"]}, "c": null}"#);
        let nested = Nested::from_text(&object).unwrap();
        assert!(nested.is_object() && !nested.is_array());
        assert!(nested.unparsed().is_some());
        assert_eq!(
            nested,
            Nested::from(json!({"a": {"b": [1, "x"]}, "c": null}))
        );
        assert_eq!(nested.tree(), &json!({"a": {"b": [1, "x"]}, "c": null}));
        assert!(nested.unparsed().is_none());
        assert_eq!(nested.clone().into_tree()["a"]["b"][1], json!("x"));
        assert_eq!(
            Nested::from_text(&text("[1,2]")).unwrap().into_tree(),
            json!([1, 2])
        );
    }

    #[test]
    fn text_is_kept_only_as_deep_as_the_parser_reads() {
        let deep = format!(r#"{{"x": {}1{}}}"#, "[".repeat(126), "]".repeat(126));
        let mut parser = serde_json::Deserializer::from_str(&deep);
        let object: std::collections::BTreeMap<String, &RawValue> =
            serde::Deserialize::deserialize(&mut parser).unwrap();
        let nested = Nested::from_text(object["x"]).unwrap();
        assert!(nested.tree().is_array());
        let deeper = text(&format!(
            r#"[{}"]]\"",1{}]"#,
            "[".repeat(127),
            "]".repeat(127)
        ));
        assert!(Nested::from_text(&deeper).is_none());
        assert!(within_depth(r#"[["[[[", {"]": 1}]]"#, 3));
        assert!(!within_depth(r#"[["[[[", {"]": [1]}]]"#, 3));
        assert!(within_depth(r#"[[1], [2], [3], [4]]"#, 2));
    }
}
