//! Publishing a run's staged rows into their PostgreSQL table — by the run itself once it
//! prepares, or by the next Sluice process after a crash (the `postgres` staging kind).
//! Idempotent: the staging table is dropped in the transaction that applies it, so a missing one
//! means done.

use postgres::GenericClient;
use postgres::types::Type;
use serde::{Deserialize, Serialize};
use sluice_core::commit::{CredentialLookup, StagingKind};
use sluice_core::{ComponentError, Record};

use super::connect::{Place, connect, describe};
use super::encode::ColumnKind;
use super::quote;
use crate::table_write::WriteMode;

/// What a run stages for one `postgres.write` node, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StagedTable {
    /// The credential it connects with (by name: its secrets stay in the keychain).
    pub credential: String,
    /// The schema; the user's current schema when `None`.
    pub schema: Option<String>,
    pub table: String,
    /// The side table (in the same schema) holding the run's rows until they are published.
    pub staging: String,
    pub mode: WriteMode,
    pub key: Vec<String>,
    /// Whether to create the schema when it is missing.
    #[serde(default)]
    pub create_schema: bool,
}

/// A column of an existing table: its name, type, and the type as SQL (for casts).
#[derive(Debug, Clone)]
pub(super) struct TableColumn {
    pub name: String,
    pub column_type: Type,
    /// The type as SQL, with its modifier: `numeric(10,2)`, `varchar(3)[]`.
    pub sql_type: String,
    /// The type without its modifier (what text-staged values are cast to: assigning the cast
    /// value to the column then applies the modifier, refusing what does not fit).
    pub base_type: String,
    /// For `numeric(p,s)`: its precision and scale.
    pub numeric: Option<(u32, u32)>,
}

/// The staging kind of PostgreSQL tables.
pub fn staging_kind() -> StagingKind {
    StagingKind {
        kind: "postgres",
        publish: |detail, credentials| finish(detail, credentials, Finish::Publish),
        discard: |detail, credentials| finish(detail, credentials, Finish::Discard).map(|_| ()),
    }
}

#[derive(Clone, Copy)]
enum Finish {
    Publish,
    Discard,
}

/// Publishes or discards what a stopped run staged, on a thread of its own (the blocking client
/// must not run inside an async runtime, and recovery may be called from one).
fn finish(
    detail: &serde_json::Value,
    credentials: &dyn CredentialLookup,
    how: Finish,
) -> Result<u64, String> {
    let staged: StagedTable = serde_json::from_value(detail.clone())
        .map_err(|error| format!("unreadable PostgreSQL staging record: {error}"))?;
    let credential = credentials.credential(&staged.credential)?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let (mut client, place) = connect(credential.as_ref())?;
                let mut transaction = client
                    .transaction()
                    .map_err(|error| describe(&error, &place))?;
                let schema = resolve_schema(&mut transaction, &staged, &place)?;
                let refused = match how {
                    Finish::Publish => {
                        publish_staged(&mut transaction, &staged, &schema, &place, &mut |_, _| {
                            Ok(())
                        })
                        .map_err(|error| error.to_string())?
                    }
                    Finish::Discard => {
                        let drop = format!(
                            "DROP TABLE IF EXISTS {}.{}",
                            quote(&schema),
                            quote(&staged.staging)
                        );
                        transaction
                            .batch_execute(&drop)
                            .map_err(|error| describe(&error, &place))?;
                        0
                    }
                };
                transaction
                    .commit()
                    .map_err(|error| describe(&error, &place))?;
                Ok(refused)
            })
            .join()
            .unwrap_or_else(|_| Err("publishing stopped unexpectedly".into()))
    })
}

/// The schema the node names, or the user's current one.
pub(super) fn resolve_schema(
    client: &mut impl GenericClient,
    staged: &StagedTable,
    place: &Place,
) -> Result<String, String> {
    if let Some(schema) = staged.schema.as_deref().filter(|schema| !schema.is_empty()) {
        return Ok(schema.to_string());
    }
    let row = client
        .query_one("SELECT current_schema()", &[])
        .map_err(|error| describe(&error, place))?;
    row.get::<_, Option<String>>(0).ok_or_else(|| {
        "the user's search path names no schema that exists: name one in `schema`".to_string()
    })
}

/// The columns of `schema.table` in order, or `None` when there is no such table.
pub(super) fn table_columns(
    client: &mut impl GenericClient,
    schema: &str,
    table: &str,
) -> Result<Option<Vec<TableColumn>>, postgres::Error> {
    let kind = client.query_opt(
        "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2",
        &[&schema, &table],
    )?;
    if kind.is_none() {
        return Ok(None);
    }
    let rows = client.query(
        "SELECT a.attname::text, a.atttypid, format_type(a.atttypid, a.atttypmod), \
                format_type(a.atttypid, NULL), a.atttypmod \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attnum",
        &[&schema, &table],
    )?;
    Ok(Some(
        rows.iter()
            .map(|row| {
                let column_type = Type::from_oid(row.get(1)).unwrap_or(Type::UNKNOWN);
                let modifier: i32 = row.get(4);
                // A numeric's modifier is ((precision << 16) | scale) + 4; -1 without one.
                let numeric = (column_type == Type::NUMERIC && modifier >= 4).then(|| {
                    let packed = (modifier - 4) as u32;
                    (packed >> 16, packed & 0xffff)
                });
                TableColumn {
                    name: row.get(0),
                    column_type,
                    sql_type: row.get(2),
                    base_type: row.get(3),
                    numeric,
                }
            })
            .collect(),
    ))
}

/// Whether `schema.table` has a primary key or a unique index on exactly the `key` columns (what
/// `ON CONFLICT` needs).
pub(super) fn has_unique_key(
    client: &mut impl GenericClient,
    schema: &str,
    table: &str,
    key: &[String],
) -> Result<bool, postgres::Error> {
    let rows = client.query(
        "SELECT array_agg(a.attname::text ORDER BY a.attname) \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey) \
         WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique \
           AND i.indpred IS NULL AND i.indexprs IS NULL \
         GROUP BY i.indexrelid",
        &[&schema, &table],
    )?;
    let mut wanted = key.to_vec();
    wanted.sort();
    wanted.dedup();
    Ok(rows
        .iter()
        .any(|row| row.get::<_, Vec<String>>(0) == wanted))
}

/// The refusal of an upsert into a table without a unique key on `key`.
pub(super) fn no_unique_key(schema: &str, table: &str, key: &[String]) -> ComponentError {
    let columns: Vec<String> = key.iter().map(|name| quote(name)).collect();
    ComponentError::failed(format!(
        "cannot upsert into {schema}.{table}: it has no primary key or unique index on ({}), so rows cannot be matched by key. Add one (CREATE UNIQUE INDEX ON {}.{} ({})) or choose another key",
        key.join(", "),
        quote(schema),
        quote(table),
        columns.join(", ")
    ))
}

/// What to do with a staged row the table refuses (a constraint, a cast): report it, or count it.
type Refusal<'a> = dyn FnMut(Record, String) -> Result<(), ComponentError> + 'a;

/// Applies the staged rows to the table and drops the staging table, inside the caller's
/// transaction. Rows the table refuses go to `refused`. Returns how many were refused.
pub(super) fn publish_staged(
    client: &mut impl GenericClient,
    staged: &StagedTable,
    schema: &str,
    place: &Place,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let fail = |error: postgres::Error| {
        ComponentError::failed(format!(
            "publishing into {schema}.{}: {}",
            staged.table,
            describe(&error, place)
        ))
    };
    let Some(staging_columns) = table_columns(client, schema, &staged.staging).map_err(fail)?
    else {
        return Ok(0);
    };
    let (table, staging) = (
        format!("{}.{}", quote(schema), quote(&staged.table)),
        format!("{}.{}", quote(schema), quote(&staged.staging)),
    );
    client
        .batch_execute("SET LOCAL lock_timeout = '60s'")
        .map_err(fail)?;
    let existing = table_columns(client, schema, &staged.table).map_err(fail)?;
    let Some(existing) = existing else {
        if staged.mode == WriteMode::Upsert {
            create_like(client, &table, &staging_columns, &staged.key).map_err(fail)?;
        } else {
            // A new table: the staging table becomes it, rows and all.
            let rename = format!("ALTER TABLE {staging} RENAME TO {}", quote(&staged.table));
            client.batch_execute(&rename).map_err(fail)?;
            return Ok(0);
        }
        return apply(
            client,
            staged,
            schema,
            &staging_columns,
            &[],
            place,
            refused,
        );
    };
    let has_rows: bool = client
        .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {staging})"), &[])
        .map_err(fail)?
        .get(0);
    if !has_rows {
        // Every record was refused: the table stays as it was, even for `replace`.
        client
            .batch_execute(&format!("DROP TABLE {staging}"))
            .map_err(fail)?;
        return Ok(0);
    }
    for column in &staging_columns {
        if !existing.iter().any(|existing| existing.name == column.name) {
            let add = format!(
                "ALTER TABLE {table} ADD COLUMN {} {}",
                quote(&column.name),
                column.sql_type
            );
            client.batch_execute(&add).map_err(fail)?;
        }
    }
    if staged.mode == WriteMode::Upsert
        && !has_unique_key(client, schema, &staged.table, &staged.key).map_err(fail)?
    {
        return Err(no_unique_key(schema, &staged.table, &staged.key));
    }
    if staged.mode == WriteMode::Replace {
        // Readers see the old rows until the run commits, then the new ones: never an empty table.
        client
            .batch_execute(&format!("DELETE FROM {table}"))
            .map_err(fail)?;
    }
    apply(
        client,
        staged,
        schema,
        &staging_columns,
        &existing,
        place,
        refused,
    )
}

/// Creates `table` with the staging table's columns and a primary key on `key`.
fn create_like(
    client: &mut impl GenericClient,
    table: &str,
    columns: &[TableColumn],
    key: &[String],
) -> Result<(), postgres::Error> {
    let mut definitions: Vec<String> = columns
        .iter()
        .map(|column| format!("{} {}", quote(&column.name), column.sql_type))
        .collect();
    let key: Vec<String> = key.iter().map(|name| quote(name)).collect();
    definitions.push(format!("PRIMARY KEY ({})", key.join(", ")));
    client.batch_execute(&format!(
        "CREATE TABLE {table} ({})",
        definitions.join(", ")
    ))
}

/// Inserts the staged rows into the table (all at once; one by one only when the table refuses
/// some, to tell which), then drops the staging table.
fn apply(
    client: &mut impl GenericClient,
    staged: &StagedTable,
    schema: &str,
    staging_columns: &[TableColumn],
    existing: &[TableColumn],
    place: &Place,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let (table, staging) = (
        &format!("{}.{}", quote(schema), quote(&staged.table)),
        &format!("{}.{}", quote(schema), quote(&staged.staging)),
    );
    let fail = |error: postgres::Error| {
        ComponentError::failed(format!(
            "publishing into {table}: {}",
            describe(&error, place)
        ))
    };
    let names: Vec<String> = staging_columns.iter().map(|c| quote(&c.name)).collect();
    // Text-staged columns are cast to the table's type (enums, UUIDs, arrays…).
    let values: Vec<String> = staging_columns
        .iter()
        .map(|column| {
            let target = existing
                .iter()
                .find(|existing| existing.name == column.name);
            // Not to `varchar(n)` or `varchar(n)[]`: an explicit cast would cut a long text
            // short, where assigning it is refused.
            match target {
                Some(target) if ColumnKind::of(&target.column_type).is_none() => {
                    format!("CAST({} AS {})", quote(&column.name), target.base_type)
                }
                _ => quote(&column.name),
            }
        })
        .collect();
    let conflict = upsert_clause(staged, staging_columns);
    let rows = if staged.mode == WriteMode::Upsert {
        // The last record of each key wins (one statement cannot update a row twice).
        let key: Vec<String> = staged.key.iter().map(|name| quote(name)).collect();
        format!(
            "SELECT DISTINCT ON ({0}) {1} FROM {staging} ORDER BY {0}, ctid DESC",
            key.join(", "),
            values.join(", ")
        )
    } else {
        format!("SELECT {} FROM {staging} ORDER BY ctid", values.join(", "))
    };
    let insert = format!(
        "INSERT INTO {table} ({}) {rows}{conflict}",
        names.join(", ")
    );
    client
        .batch_execute("SAVEPOINT sluice_bulk")
        .map_err(fail)?;
    let refusals = match client.batch_execute(&insert) {
        Ok(()) => {
            client.batch_execute("RELEASE sluice_bulk").map_err(fail)?;
            0
        }
        Err(error) if is_refusal(&error) => {
            client
                .batch_execute("ROLLBACK TO sluice_bulk; RELEASE sluice_bulk")
                .map_err(fail)?;
            let one = format!(
                "INSERT INTO {table} ({}) SELECT {} FROM {staging} WHERE ctid = $1::text::tid{conflict}",
                names.join(", "),
                values.join(", ")
            );
            row_by_row(client, staging, staging_columns, &one, place, refused)?
        }
        Err(error) => return Err(fail(error)),
    };
    client
        .batch_execute(&format!("DROP TABLE {staging}"))
        .map_err(fail)?;
    Ok(refusals)
}

/// Inserts the staged rows one at a time (`insert` takes a row's `ctid`), each under a
/// savepoint, sending the ones the table refuses to `refused`.
fn row_by_row(
    client: &mut impl GenericClient,
    staging: &str,
    columns: &[TableColumn],
    insert: &str,
    place: &Place,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let fail = |error: postgres::Error| ComponentError::failed(describe(&error, place));
    let insert = client.prepare(insert).map_err(fail)?;
    let names: Vec<String> = columns.iter().map(|column| quote(&column.name)).collect();
    let select = client
        .prepare(&format!(
            "SELECT {} FROM {staging} WHERE ctid = $1::text::tid",
            names.join(", ")
        ))
        .map_err(fail)?;
    // The rows' places, a page at a time (memory stays bounded).
    let page = client
        .prepare(&format!(
            "SELECT ctid::text FROM {staging} WHERE ctid > $1::text::tid ORDER BY ctid LIMIT 10000"
        ))
        .map_err(fail)?;
    let mut last = "(0,0)".to_string();
    let mut refusals = 0;
    loop {
        let rows: Vec<String> = client
            .query(&page, &[&last])
            .map_err(fail)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let Some(end) = rows.last() else {
            return Ok(refusals);
        };
        last = end.clone();
        for ctid in &rows {
            if insert_one(client, &insert, &select, ctid, columns, place, refused)? {
                refusals += 1;
            }
        }
    }
}

/// Inserts the staged row at `ctid` under a savepoint; true when the table refused it (it went
/// to `refused`).
fn insert_one(
    client: &mut impl GenericClient,
    insert: &postgres::Statement,
    select: &postgres::Statement,
    ctid: &String,
    columns: &[TableColumn],
    place: &Place,
    refused: &mut Refusal<'_>,
) -> Result<bool, ComponentError> {
    let fail = |error: postgres::Error| ComponentError::failed(describe(&error, place));
    client.batch_execute("SAVEPOINT sluice_row").map_err(fail)?;
    match client.execute(insert, &[ctid]) {
        Ok(_) => {
            client.batch_execute("RELEASE sluice_row").map_err(fail)?;
            Ok(false)
        }
        Err(error) if is_refusal(&error) => {
            client
                .batch_execute("ROLLBACK TO sluice_row; RELEASE sluice_row")
                .map_err(fail)?;
            let row = client.query_one(select, &[ctid]).map_err(fail)?;
            let mut record = Record::new();
            for (index, column) in columns.iter().enumerate() {
                let value = super::types::value(&row, index, &column.column_type).map_err(fail)?;
                record.insert(&column.name, value);
            }
            let reason = error
                .as_db_error()
                .map_or_else(|| error.to_string(), |server| server.message().to_string());
            refused(record, format!("the table refused the record: {reason}"))?;
            Ok(true)
        }
        Err(error) => Err(fail(error)),
    }
}
/// Whether the server refused the data itself (a constraint, a value its type does not take),
/// rather than failing.
fn is_refusal(error: &postgres::Error) -> bool {
    error.as_db_error().is_some_and(|server| {
        let code = server.code().code();
        code.starts_with("22") || code.starts_with("23")
    })
}

/// ` ON CONFLICT (key) DO UPDATE SET …` for upsert; empty otherwise.
fn upsert_clause(staged: &StagedTable, columns: &[TableColumn]) -> String {
    if staged.mode != WriteMode::Upsert {
        return String::new();
    }
    let keys: Vec<String> = staged.key.iter().map(|name| quote(name)).collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|column| !staged.key.contains(&column.name))
        .map(|column| format!("{0} = EXCLUDED.{0}", quote(&column.name)))
        .collect();
    if updates.is_empty() {
        format!(" ON CONFLICT ({}) DO NOTHING", keys.join(", "))
    } else {
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            keys.join(", "),
            updates.join(", ")
        )
    }
}
