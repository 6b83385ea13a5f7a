//! Sluice's core: the flow model and its validation, the streaming engine, the transforms and the
//! expression language. It does no I/O beyond what transforms need; connectors live elsewhere.

pub mod commit;
pub mod component;
pub mod credential;
pub mod engine;
pub mod expression;
pub mod flow;
pub mod flow_diff;
pub mod json_records;
pub mod json_text;
pub mod keys;
pub mod labels;
pub mod memory;
pub mod nested;
pub mod ordering;
pub mod record;
pub mod registry;
pub mod schedule;
pub mod schema;
pub mod spill;
pub mod transforms;
pub mod validate;
pub mod value;

pub use component::{ComponentError, ComponentKind, RecordError};
pub use flow::{Edge, Flow, Node, OnError};
pub use record::{Batch, BatchSchema, FieldName, Record, Schema};
pub use registry::Registry;
pub use value::{Text, Value};
