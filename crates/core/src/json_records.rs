//! Records from JSON objects: straight from the parser into typed values, with the objects of one
//! shape sharing one schema (a file's or an API's records mostly have one shape).

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::record::{BatchSchema, Record};
use crate::value::Value;

/// Makes records of JSON objects, reusing the schema of the previous object when its keys are the
/// same, in the same order (a copy of it per batch, see [`BatchSchema`]).
#[derive(Debug, Default)]
pub struct ShapeCache {
    last: Option<BatchSchema>,
}

impl ShapeCache {
    /// Remembers the schema of `record` as the one to expect next.
    fn learn(&mut self, record: &Record) {
        self.last = Some(BatchSchema::starting_with(record.schema().clone()));
    }

    /// `object` as a record.
    pub fn record(&mut self, object: serde_json::Map<String, serde_json::Value>) -> Record {
        if let Some(schema) = &mut self.last
            && schema.schema().len() == object.len()
            && (schema.schema().names().iter())
                .zip(object.keys())
                .all(|(name, key)| name.as_ref() == key)
        {
            let values = object
                .into_iter()
                .map(|(_, value)| Value::from(value))
                .collect();
            return Record::from_parts(schema.hand_out(), values);
        }
        let record = Record::from(object);
        self.learn(&record);
        record
    }
}

/// One JSON object's text as a record, read straight into typed values (nested arrays and objects
/// kept as their text, see [`crate::nested`]), sharing schemas through the cache. Anything but
/// one object is an error.
pub fn read_object(text: &str, shapes: &mut ShapeCache) -> Result<Record, serde_json::Error> {
    let mut parser = serde_json::Deserializer::from_str(text);
    let record = RecordSeed(shapes).deserialize(&mut parser)?;
    parser.end()?;
    Ok(record)
}

/// Reads one JSON object from JSON text into a record.
struct RecordSeed<'c>(&'c mut ShapeCache);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Record;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Record, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Record;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let expected_names =
            (self.0.last.as_ref()).map_or(&[][..], |schema| schema.schema().names());
        let mut values = Vec::with_capacity(expected_names.len());
        // Filled only once the keys stop matching the expected schema.
        let mut names: Vec<String> = Vec::new();
        let mut matching = self.0.last.is_some();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let index = values.len();
            Value::push_json_text(&mut values, map.next_value::<&'de RawValue>()?)
                .ok_or_else(|| serde::de::Error::custom("recursion limit exceeded"))?;
            if matching
                && expected_names
                    .get(index)
                    .is_some_and(|name| name.as_ref() == key)
            {
                continue;
            }
            if matching {
                matching = false;
                names = expected_names[..index]
                    .iter()
                    .map(|name| name.to_string())
                    .collect();
            }
            names.push(key.into_owned());
        }
        if matching && expected_names.len() == values.len() {
            let schema = self.0.last.as_mut().expect("matching a known schema");
            return Ok(Record::from_parts(schema.hand_out(), values));
        }
        if matching {
            // The object had the first fields of the expected shape only.
            names = expected_names[..values.len()]
                .iter()
                .map(|name| name.to_string())
                .collect();
        }
        let record: Record = names.into_iter().zip(values).collect();
        self.0.learn(&record);
        Ok(record)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a key")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_string())))
            }

            fn visit_string<E: serde::de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn json_objects_of_one_shape_share_a_schema() {
        let mut shapes = ShapeCache::default();
        let object = |value: serde_json::Value| value.as_object().unwrap().clone();
        let first = shapes.record(object(json!({"id": 1, "name": "a"})));
        let second = shapes.record(object(json!({"id": 2, "name": "b"})));
        let other = shapes.record(object(json!({"name": "c", "id": 3})));
        assert!(Arc::ptr_eq(first.schema(), second.schema()));
        assert!(!Arc::ptr_eq(second.schema(), other.schema()));
        assert_eq!(second.to_value(), json!({"id": 2, "name": "b"}));
        assert_eq!(other.keys().collect::<Vec<_>>(), ["name", "id"]);
    }

    #[test]
    fn objects_read_straight_into_records_of_shared_shape() {
        let mut shapes = ShapeCache::default();
        let mut read = |text: &str| read_object(text, &mut shapes);
        let first = read(r#"{"id": 1, "name": "a", "tags": [1], "at": {"x": 1}}"#).unwrap();
        let second = read(r#"{"id": 2, "name": "b\u00e9", "tags": [], "at": null}"#).unwrap();
        let shorter = read(r#"{"id": 3, "name": "c"}"#).unwrap();
        let reordered = read(r#"{"name": "d", "id": 4}"#).unwrap();
        let repeated = read(r#"{"id": 5, "id": 6}"#).unwrap();
        assert!(Arc::ptr_eq(first.schema(), second.schema()));
        assert_eq!(
            second.to_value(),
            json!({"id": 2, "name": "bé", "tags": [], "at": null})
        );
        assert_eq!(
            first.to_value(),
            json!({"id": 1, "name": "a", "tags": [1], "at": {"x": 1}})
        );
        assert_eq!(shorter.to_value(), json!({"id": 3, "name": "c"}));
        assert_eq!(reordered.keys().collect::<Vec<_>>(), ["name", "id"]);
        assert_eq!(repeated.to_value(), json!({"id": 6}));
        assert!(read("[1, 2]").is_err());
        assert!(read(r#""text""#).is_err());
        assert!(read(r#"{"id": 7} {"id": 8}"#).is_err());
        let deep = format!(r#"{{"x": {}{}}}"#, "[".repeat(128), "]".repeat(128));
        assert!(read(&deep).is_err());
        let nested = read(r#"{"id": 9, "at": {"x": [1, {"y": "z"}]}}"#).unwrap();
        assert!(matches!(&nested["at"], Value::Json(json) if json.unparsed().is_some()));
        assert_eq!(nested["at"].type_name(), "object");
        assert_eq!(nested["at"].to_text(), r#"{"x":[1,{"y":"z"}]}"#);
    }
}
