//! Partitions of a stream, as Airbyte's partition routers make them: one per value of a list
//! (`ListPartitionRouter`), one per record of a parent stream (`SubstreamPartitionRouter`), and
//! every combination when a retriever has several routers.

use serde_json::{Map, Value};
use sluice_core::ComponentError;

use super::interpolate::{Context, Interpolator, literal, truthy};
use super::model::{PartitionRouter, Stream};
use super::request::Injected;

/// The most partitions a stream may have (each is at least one request).
const MAX_PARTITIONS: usize = 1_000_000;

/// One partition: its fields (`stream_partition`) and what it adds to requests.
#[derive(Debug, Clone, Default)]
pub struct Partition {
    pub fields: Map<String, Value>,
    pub injected: Injected,
}

/// Reads a parent stream, handing each record to the callback.
pub type ReadParent<'r> = dyn FnMut(
        &Stream,
        &mut dyn FnMut(Map<String, Value>) -> Result<(), ComponentError>,
    ) -> Result<(), ComponentError>
    + 'r;

/// Every partition of the routers (one empty partition without any).
pub fn partitions(
    routers: &[PartitionRouter],
    interpolator: &Interpolator,
    context: &Context,
    read_parent: &mut ReadParent<'_>,
) -> Result<Vec<Partition>, ComponentError> {
    let mut combined = vec![Partition::default()];
    for router in routers {
        let own = router_partitions(router, interpolator, context, read_parent)?;
        if combined.len().saturating_mul(own.len()) > MAX_PARTITIONS {
            return Err(ComponentError::failed(format!(
                "the stream would have more than {MAX_PARTITIONS} partitions"
            )));
        }
        combined = combined
            .iter()
            .flat_map(|left| {
                own.iter().map(move |right| {
                    let mut both = left.clone();
                    both.fields.extend(right.fields.clone());
                    both.injected.merge(right.injected.clone());
                    both
                })
            })
            .collect();
    }
    Ok(combined)
}

fn router_partitions(
    router: &PartitionRouter,
    interpolator: &Interpolator,
    context: &Context,
    read_parent: &mut ReadParent<'_>,
) -> Result<Vec<Partition>, ComponentError> {
    let failed = |message: String| ComponentError::failed(message);
    match router {
        PartitionRouter::ListPartitionRouter {
            values,
            cursor_field,
            request_option,
        } => {
            let values = match interpolator.value(values, context).map_err(failed)? {
                Value::Array(values) => values,
                Value::String(text) => match literal(&text) {
                    Value::Array(values) => values,
                    _ => text
                        .split(',')
                        .map(|part| Value::String(part.trim().to_string()))
                        .collect(),
                },
                Value::Null => Vec::new(),
                other => vec![other],
            };
            values
                .into_iter()
                .map(|value| {
                    partition(
                        cursor_field,
                        value,
                        request_option.as_ref(),
                        interpolator,
                        context,
                    )
                    .map_err(failed)
                })
                .collect()
        }
        PartitionRouter::SubstreamPartitionRouter {
            parent_stream_configs,
        } => {
            let mut found = Vec::new();
            for parent in parent_stream_configs {
                let key: Vec<String> = parent.parent_key.split('/').map(str::to_string).collect();
                let mut on_record = |record: Map<String, Value>| -> Result<(), ComponentError> {
                    let mut value = Some(Value::Object(record));
                    for segment in &key {
                        value = value.and_then(|value| value.get(segment).cloned());
                    }
                    if let Some(value) = value.filter(|value| !value.is_null()) {
                        if found.len() >= MAX_PARTITIONS {
                            return Err(ComponentError::failed(format!(
                                "the parent stream gave more than {MAX_PARTITIONS} partitions"
                            )));
                        }
                        let mut made = partition(
                            &parent.partition_field,
                            value,
                            parent.request_option.as_ref(),
                            interpolator,
                            context,
                        )
                        .map_err(ComponentError::failed)?;
                        made.fields
                            .insert("parent_slice".into(), Value::Object(Map::new()));
                        found.push(made);
                    }
                    Ok(())
                };
                read_parent(&parent.stream, &mut on_record)?;
            }
            Ok(found)
        }
    }
}

fn partition(
    field: &str,
    value: Value,
    option: Option<&super::model::RequestOption>,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<Partition, String> {
    let mut made = Partition::default();
    if let Some(option) = option
        && truthy(&value)
    {
        made.injected.add(option, &value, interpolator, context)?;
    }
    made.fields.insert(field.to_string(), value);
    Ok(made)
}
