//! What every table destination shares: how records meet the rows already in the table, the
//! advice a form shows for appending, the fields a table lacks, the upsert key's checks, and
//! where each column sits in the records.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::{Batch, Record, Schema, Value};

/// How records meet the rows already in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// Add the records as new rows (running a flow twice adds them twice; `upsert` does not).
    #[default]
    Append,
    /// Replace the table's contents with the run's records. The new rows are staged in a side
    /// table and swapped in when the run succeeds; a run that delivers no records leaves the
    /// table as it was.
    Replace,
    /// Insert new rows and update the rows whose `key` matches, so running twice never duplicates.
    Upsert,
}

/// The advice for a table destination's settings: appending adds the same rows on every run.
pub fn append_advice(mode: WriteMode, key: &[String]) -> Vec<(String, String)> {
    if mode != WriteMode::Append {
        return Vec::new();
    }
    let upsert = if key.is_empty() {
        "choose upsert with a key (e.g. `id`)".to_string()
    } else {
        format!("you named a key ({}): choose upsert", key.join(", "))
    };
    vec![(
        "mode".into(),
        format!(
            "each run adds its records as new rows, so running the flow again adds them again; to update rows instead, {upsert}"
        ),
    )]
}

/// Checks the settings every table destination shares: a table, and a key for upsert.
pub fn check_target(table: &str, mode: WriteMode, key: &[String]) -> Result<(), String> {
    if table.trim().is_empty() {
        return Err("`table` is empty; name the table to write to".into());
    }
    if mode == WriteMode::Upsert && key.is_empty() {
        return Err(
            "mode 'upsert' needs `key`: the fields that identify a row, e.g. [\"id\"]".into(),
        );
    }
    Ok(())
}

/// The fields of `batch` a table does not have yet (`known` says which it has), in the order
/// first seen; with `key` (the upsert key) added when the table has no columns yet.
pub fn new_fields(batch: &Batch, key: &[String], known: impl Fn(&str) -> bool) -> Vec<String> {
    let mut new: Vec<String> = Vec::new();
    let mut checked: Option<&Arc<Schema>> = None;
    for record in batch {
        // Records of one schema have the same fields.
        if checked.is_some_and(|schema| Arc::ptr_eq(schema, record.schema())) {
            continue;
        }
        checked = Some(record.schema());
        for name in record.keys() {
            if !known(name) && !new.iter().any(|added| added == name) {
                new.push(name.to_string());
            }
        }
    }
    for name in key {
        if !known(name) && !new.contains(name) {
            new.push(name.clone());
        }
    }
    new
}

/// Why `record` cannot be upserted by `key`: a key field missing or empty.
pub fn key_problem(record: &Record, key: &[String]) -> Option<String> {
    key.iter().find_map(|name| match record.get(name) {
        None => Some(format!(
            "the record has no key field `{name}`; upsert needs it"
        )),
        Some(Value::Null) => Some(format!(
            "the key field `{name}` is empty; upsert needs a value"
        )),
        Some(_) => None,
    })
}

/// Where a table's columns sit in the schemas records come in (`None`: the records lack that
/// field), worked out once per schema.
#[derive(Default)]
pub struct BindPlans {
    plans: Vec<(Arc<Schema>, Vec<Option<usize>>)>,
}

/// How many schemas' plans are kept (records of many shapes make a plan each).
const MAX_PLANS: usize = 64;

impl BindPlans {
    /// Forgets every plan (the table's columns changed).
    pub fn clear(&mut self) {
        self.plans.clear();
    }

    /// The position in `schema` of each of `columns`.
    pub fn positions<'a>(
        &mut self,
        schema: &Arc<Schema>,
        columns: impl Iterator<Item = &'a str>,
    ) -> &[Option<usize>] {
        // Newest first: each batch comes with a schema of its own (see `BatchSchema`).
        let index = match (self.plans.iter()).rposition(|(known, _)| Arc::ptr_eq(known, schema)) {
            Some(index) => index,
            None => {
                if self.plans.len() >= MAX_PLANS {
                    self.plans.clear();
                }
                let positions = columns.map(|column| schema.position(column)).collect();
                self.plans.push((schema.clone(), positions));
                self.plans.len() - 1
            }
        };
        &self.plans[index].1
    }
}

/// The name of the side table a database node stages a run's rows in: the run's and the node's
/// (two nodes of one run, or two runs, never share one), short enough for any database.
pub fn staging_table_name(context: &sluice_core::component::BuildContext<'_>) -> String {
    let node = (context.node_id.bytes()).fold(0x811c_9dc5u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    format!(
        "sluice_staging_{}_{node:08x}",
        sluice_core::commit::staging_suffix(context.run_id)
    )
}
