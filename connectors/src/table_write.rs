//! What every table destination shares: how records meet the rows already in the table, and the
//! advice a form shows for appending.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
