//! Publishing a run's staged rows into their MySQL table — by the run itself, or by the next
//! Sluice process after a crash (the `mysql` staging kind). MySQL commits every change of a
//! table's shape at once, so a new table is the staging table renamed (atomically) when the run
//! commits, and rows for an existing one move in a transaction that also empties the staging
//! table: an empty or missing staging table means done.

use mysql::prelude::Queryable;
use mysql::{Conn, Value as SqlValue};
use serde::{Deserialize, Serialize};
use sluice_core::commit::{CredentialLookup, StagingKind};
use sluice_core::{ComponentError, Record};

use super::connect::{Place, connect, describe};
use super::quote;
use super::types::{Reading, value};
use crate::table_write::WriteMode;

/// What a run stages for one `mysql.write` node, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StagedTable {
    /// The credential it connects with (by name: its secrets stay in the keychain).
    pub credential: String,
    pub table: String,
    /// The side table (in the same database) holding the run's rows until they are published.
    pub staging: String,
    pub mode: WriteMode,
    pub key: Vec<String>,
}

/// The staging table's column numbering its rows in the order they came (when the table existed:
/// a new table is the staging table itself, without it).
pub(super) const SEQUENCE: &str = "__sluice_seq";

/// A column of a table: its name, and its types as `information_schema.COLUMNS` says.
#[derive(Debug, Clone)]
pub(super) struct TableColumn {
    pub name: String,
    pub data_type: String,
    pub column_type: String,
    pub precision: u32,
    pub scale: u32,
}

/// The staging kind of MySQL tables.
pub fn staging_kind() -> StagingKind {
    StagingKind {
        kind: "mysql",
        publish: |detail, credentials| finish(detail, credentials, true),
        discard: |detail, credentials| finish(detail, credentials, false).map(|_| ()),
    }
}

/// Publishes (or discards) what a stopped run staged.
fn finish(
    detail: &serde_json::Value,
    credentials: &dyn CredentialLookup,
    publish: bool,
) -> Result<u64, String> {
    let staged: StagedTable = serde_json::from_value(detail.clone())
        .map_err(|error| format!("unreadable MySQL staging record: {error}"))?;
    let credential = credentials.credential(&staged.credential)?;
    let (mut connection, place) = connect(credential.as_ref())?;
    let fail = |error: mysql::Error| describe(&error, &place);
    if !publish {
        let drop = format!("DROP TABLE IF EXISTS {}", quote(&staged.staging));
        connection.query_drop(drop).map_err(fail)?;
        return Ok(0);
    }
    let staging = table_columns(&mut connection, &staged.staging).map_err(fail)?;
    let Some(staging) = staging else {
        return Ok(0);
    };
    let refused = match table_columns(&mut connection, &staged.table).map_err(fail)? {
        None => {
            rename_into_place(&mut connection, &staged, &staging).map_err(fail)?;
            0
        }
        Some(existing) => {
            let refused = publish_rows(
                &mut connection,
                &staged,
                &staging,
                &existing,
                &place,
                &mut |_, _| Ok(()),
            )
            .map_err(|error| error.to_string())?;
            connection.query_drop("COMMIT").map_err(fail)?;
            refused
        }
    };
    drop_staging(&mut connection, &staged);
    Ok(refused)
}

/// A column as `information_schema.COLUMNS` lists it: name, data type, column type, numeric
/// precision and scale.
type ColumnRow = (String, String, String, Option<u64>, Option<u64>);

/// The columns of `table` in the credential's database, in order; `None` when there is none.
pub(super) fn table_columns(
    connection: &mut Conn,
    table: &str,
) -> Result<Option<Vec<TableColumn>>, mysql::Error> {
    let rows: Vec<ColumnRow> = connection.exec(
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
         ORDER BY ORDINAL_POSITION",
        (table,),
    )?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .map(
                |(name, data_type, column_type, precision, scale)| TableColumn {
                    name,
                    data_type: data_type.to_ascii_lowercase(),
                    column_type: column_type.to_ascii_lowercase(),
                    precision: precision.unwrap_or(0) as u32,
                    scale: scale.unwrap_or(0) as u32,
                },
            )
            .collect(),
    ))
}

/// Whether `table` has a primary key or unique index on exactly the `key` columns.
pub(super) fn has_unique_key(
    connection: &mut Conn,
    table: &str,
    key: &[String],
) -> Result<bool, mysql::Error> {
    let rows: Vec<(String, String)> = connection.exec(
        "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0",
        (table,),
    )?;
    let mut wanted = key.to_vec();
    wanted.sort();
    wanted.dedup();
    let mut indexes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (index, column) in rows {
        indexes.entry(index).or_default().push(column);
    }
    Ok(indexes.into_values().any(|mut columns| {
        columns.sort();
        columns == wanted
    }))
}

/// The refusal of an upsert into a table without a unique key on `key`.
pub(super) fn no_unique_key(table: &str, key: &[String]) -> ComponentError {
    let columns: Vec<String> = key.iter().map(|name| quote(name)).collect();
    ComponentError::failed(format!(
        "cannot upsert into {table}: it has no primary key or unique index on ({}), so rows cannot be matched by key. Add one (CREATE UNIQUE INDEX sluice_key ON {} ({})) or choose another key",
        key.join(", "),
        quote(table),
        columns.join(", ")
    ))
}

/// Makes the staging table the new table (one atomic rename), without its sequence column.
pub(super) fn rename_into_place(
    connection: &mut Conn,
    staged: &StagedTable,
    staging: &[TableColumn],
) -> Result<(), mysql::Error> {
    if staging.iter().any(|column| column.name == SEQUENCE) {
        connection.query_drop(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            quote(&staged.staging),
            quote(SEQUENCE)
        ))?;
    }
    connection.query_drop(format!(
        "RENAME TABLE {} TO {}",
        quote(&staged.staging),
        quote(&staged.table)
    ))
}

/// Drops the staging table once its rows are published or the run is abandoned; whether it is
/// gone (an empty one left behind is harmless: the next recovery drops it).
pub(super) fn drop_staging(connection: &mut Conn, staged: &StagedTable) -> bool {
    let drop = format!("DROP TABLE IF EXISTS {}", quote(&staged.staging));
    connection.query_drop(drop).is_ok()
}

/// What to do with a staged row the table refuses: report it, or count it.
pub(super) type Refusal<'a> = dyn FnMut(Record, String) -> Result<(), ComponentError> + 'a;

/// Moves the staged rows into the existing table and empties the staging table, in a
/// transaction it starts and leaves open for the caller to commit. What MySQL cannot do inside a
/// transaction comes first: the columns the table lacks are added (committed at once). Then (for
/// `replace`) the old rows are deleted, and the rows go in all at once — one by one only when the
/// table refuses some, to tell which. An upsert updates the rows whose key matches and inserts
/// the rest (the last record of a key wins); it never touches a row through another unique
/// index. Returns how many records were refused.
pub(super) fn publish_rows(
    connection: &mut Conn,
    staged: &StagedTable,
    staging: &[TableColumn],
    existing: &[TableColumn],
    place: &Place,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let fail = |error: mysql::Error| {
        ComponentError::failed(format!(
            "publishing into {}: {}",
            staged.table,
            describe(&error, place)
        ))
    };
    let (table, staging_table) = (quote(&staged.table), quote(&staged.staging));
    let columns: Vec<&TableColumn> = staging.iter().filter(|c| c.name != SEQUENCE).collect();
    let has_rows: Option<u8> = connection
        .query_first(format!("SELECT 1 FROM {staging_table} LIMIT 1"))
        .map_err(fail)?;
    if has_rows.is_some() {
        for column in &columns {
            if !existing.iter().any(|existing| existing.name == column.name) {
                let add = format!(
                    "ALTER TABLE {table} ADD COLUMN {} {}",
                    quote(&column.name),
                    column.column_type
                );
                connection.query_drop(add).map_err(fail)?;
            }
        }
        if staged.mode == WriteMode::Upsert
            && !has_unique_key(connection, &staged.table, &staged.key).map_err(fail)?
        {
            return Err(no_unique_key(&staged.table, &staged.key));
        }
    }
    connection.query_drop("START TRANSACTION").map_err(fail)?;
    if has_rows.is_none() {
        // Every record was refused: the table stays as it was, even for `replace`.
        return Ok(0);
    }
    let ordered = staging.iter().any(|column| column.name == SEQUENCE);
    let statements = Moves::new(staged, &columns, ordered);
    if staged.mode == WriteMode::Replace {
        connection
            .query_drop(format!("DELETE FROM {table}"))
            .map_err(fail)?;
    }
    if let Some(dedupe) = &statements.dedupe {
        connection.query_drop(dedupe).map_err(fail)?;
    }
    connection
        .query_drop("SAVEPOINT sluice_bulk")
        .map_err(fail)?;
    let mut all = Ok(());
    for statement in &statements.all {
        all = connection.query_drop(statement);
        if all.is_err() {
            break;
        }
    }
    let refusals = match all {
        Ok(()) => 0,
        Err(error) if ordered && is_refusal(&error) => {
            connection
                .query_drop("ROLLBACK TO SAVEPOINT sluice_bulk")
                .map_err(fail)?;
            row_by_row(
                connection,
                staged,
                &columns,
                &statements.one,
                place,
                refused,
            )?
        }
        Err(error) => return Err(fail(error)),
    };
    connection
        .query_drop(format!("DELETE FROM {staging_table}"))
        .map_err(fail)?;
    Ok(refusals)
}

/// The statements that move staged rows into the table: for all rows, and for the one row whose
/// sequence number is bound (`?`); and, for an upsert, the one that keeps the last record of each
/// key.
struct Moves {
    dedupe: Option<String>,
    all: Vec<String>,
    one: Vec<String>,
}

impl Moves {
    fn new(staged: &StagedTable, columns: &[&TableColumn], ordered: bool) -> Moves {
        let (table, staging) = (quote(&staged.table), quote(&staged.staging));
        let names: Vec<String> = columns.iter().map(|column| quote(&column.name)).collect();
        let listed: Vec<String> = names.iter().map(|name| format!("s.{name}")).collect();
        let sequence = quote(SEQUENCE);
        let order = if ordered {
            format!(" ORDER BY s.{sequence}")
        } else {
            String::new()
        };
        let insert = |only: &str, new_keys: &str| {
            format!(
                "INSERT INTO {table} ({}) SELECT {} FROM {staging} s WHERE TRUE{only}{new_keys}{order}",
                names.join(", "),
                listed.join(", ")
            )
        };
        let one_row = format!(" AND s.{sequence} = ?");
        if staged.mode != WriteMode::Upsert {
            return Moves {
                dedupe: None,
                all: vec![insert("", "")],
                one: vec![insert(&one_row, "")],
            };
        }
        let same_key = |left: &str, right: &str| -> String {
            let pairs: Vec<String> = (staged.key.iter())
                .map(|key| format!("{left}.{0} = {right}.{0}", quote(key)))
                .collect();
            pairs.join(" AND ")
        };
        let new_keys = format!(
            " AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {})",
            same_key("t", "s")
        );
        let updates: Vec<String> = (columns.iter())
            .filter(|column| !staged.key.contains(&column.name))
            .map(|column| format!("t.{0} = s.{0}", quote(&column.name)))
            .collect();
        let update = |only: &str| {
            format!(
                "UPDATE {table} t JOIN {staging} s ON {} SET {} WHERE TRUE{only}",
                same_key("t", "s"),
                updates.join(", ")
            )
        };
        let (mut all, mut one) = (Vec::new(), Vec::new());
        if !updates.is_empty() {
            all.push(update(""));
            one.push(update(&one_row));
        }
        all.push(insert("", &new_keys));
        one.push(insert(&one_row, &new_keys));
        Moves {
            dedupe: ordered.then(|| {
                format!(
                    "DELETE s FROM {staging} s JOIN {staging} later ON {} AND s.{sequence} < later.{sequence}",
                    same_key("s", "later")
                )
            }),
            all,
            one,
        }
    }
}

/// Moves the staged rows one at a time (`moves` take a row's sequence number), each under a
/// savepoint, sending the ones the table refuses to `refused`.
fn row_by_row(
    connection: &mut Conn,
    staged: &StagedTable,
    columns: &[&TableColumn],
    moves: &[String],
    place: &Place,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let fail = |error: mysql::Error| ComponentError::failed(describe(&error, place));
    let staging_table = quote(&staged.staging);
    let names: Vec<String> = columns.iter().map(|column| quote(&column.name)).collect();
    let moves: Vec<mysql::Statement> = (moves.iter())
        .map(|sql| connection.prep(sql))
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    let select = connection
        .prep(format!(
            "SELECT {} FROM {staging_table} WHERE {} = ?",
            names.join(", "),
            quote(SEQUENCE)
        ))
        .map_err(fail)?;
    let page = connection
        .prep(format!(
            "SELECT {0} FROM {staging_table} WHERE {0} > ? ORDER BY {0} LIMIT 10000",
            quote(SEQUENCE)
        ))
        .map_err(fail)?;
    let (mut last, mut refusals) = (0u64, 0);
    loop {
        let sequence: Vec<u64> = connection.exec(&page, (last,)).map_err(fail)?;
        let Some(end) = sequence.last() else {
            return Ok(refusals);
        };
        last = *end;
        for number in sequence {
            connection
                .query_drop("SAVEPOINT sluice_row")
                .map_err(fail)?;
            let moved =
                (moves.iter()).try_for_each(|statement| connection.exec_drop(statement, (number,)));
            match moved {
                Ok(()) => {}
                Err(error) if is_refusal(&error) => {
                    connection
                        .query_drop("ROLLBACK TO SAVEPOINT sluice_row")
                        .map_err(fail)?;
                    refusals += 1;
                    let row: Option<mysql::Row> =
                        connection.exec_first(&select, (number,)).map_err(fail)?;
                    let record = row
                        .map(|row| staged_record(row, columns))
                        .unwrap_or_default();
                    let reason = match &error {
                        mysql::Error::MySqlError(server) => server.message.clone(),
                        other => other.to_string(),
                    };
                    refused(record, format!("the table refused the record: {reason}"))?;
                }
                Err(error) => return Err(fail(error)),
            }
        }
    }
}

/// A staged row as the record it was.
fn staged_record(row: mysql::Row, columns: &[&TableColumn]) -> Record {
    let described: Vec<mysql::Column> = row.columns_ref().to_vec();
    let values: Vec<SqlValue> = row.unwrap();
    columns
        .iter()
        .zip(values.into_iter().zip(&described))
        .map(|(column, (raw, described))| {
            let json = column.data_type == "json";
            (
                column.name.as_str(),
                value(raw, Reading::of(described, json), described),
            )
        })
        .collect()
}

/// Whether the server refused the data itself (a duplicate key, a value out of range or too
/// long, a NULL where none may be, a failed check or reference), rather than failing.
fn is_refusal(error: &mysql::Error) -> bool {
    const REFUSALS: [u16; 12] = [
        1048, 1062, 1264, 1265, 1292, 1366, 1406, 1451, 1452, 3819, 4025, 1690,
    ];
    matches!(error, mysql::Error::MySqlError(server) if REFUSALS.contains(&server.code))
}
