//! `code`: a Lua function run on each record, for what expressions cannot say — in a sandbox
//! with no files, network or other programs, a time limit per batch and a memory limit.

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, LuaOptions, LuaSerdeExt, StdLib, VmState};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use sluice_core::engine::Output;
use sluice_core::json_records::ShapeCache;
use sluice_core::record::Batch;
use sluice_core::registry::ComponentDescriptor;

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![ComponentDescriptor::transform::<CodeConfig>(
        "code",
        "Code (Lua)",
        "A Lua function run on each record, for what expressions cannot say; sandboxed.",
    )]
}

/// Runs Lua code on each record. The code is the body of a function of `record` (a table of its
/// fields): change it and `return record`, return `nil` to drop it, or a list of records to make
/// several. Lua's string, table, math and utf8 libraries are there; files, the network, other
/// programs and loading code are not. An error in the code is the record's error, with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeConfig {
    /// e.g. `record.full_name = record.first_name .. " " .. record.last_name` then `return record`.
    #[schemars(extend("x-sluice-widget" = "code"))]
    pub code: String,
    /// The most time one batch of records may take, in milliseconds.
    #[serde(default = "default_time_limit")]
    pub time_limit_ms: u64,
    /// The most memory the code may use, in MB.
    #[serde(default = "default_memory_limit")]
    pub memory_mb: u64,
}

fn default_time_limit() -> u64 {
    2000
}

fn default_memory_limit() -> u64 {
    64
}

/// How often (in Lua instructions) the time limit and a cancel are checked.
const CHECK_EVERY: u32 = 10_000;

impl ComponentConfig for CodeConfig {}

impl TransformConfig for CodeConfig {
    fn is_stateless(&self) -> bool {
        false
    }

    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        let libraries = StdLib::STRING | StdLib::TABLE | StdLib::MATH | StdLib::UTF8;
        let lua = Lua::new_with(libraries, LuaOptions::default())
            .map_err(|error| ComponentError::failed(format!("cannot start Lua: {error}")))?;
        let failed = |error: mlua::Error| ComponentError::failed(format!("the code: {error}"));
        // What the base library has that reaches outside, or runs code that is not text.
        let globals = lua.globals();
        for name in [
            "dofile",
            "loadfile",
            "load",
            "loadstring",
            "require",
            "collectgarbage",
            "print",
        ] {
            globals.set(name, mlua::Nil).map_err(failed)?;
        }
        lua.set_memory_limit((self.memory_mb.max(1) as usize).saturating_mul(1 << 20))
            .map_err(failed)?;
        let function: Function = lua
            .load(format!("return function(record) {}\nend", self.code))
            .set_name("=code")
            .eval()
            .map_err(|error| {
                ComponentError::failed(format!(
                    "the code does not compile: {}",
                    lua_message(&error)
                ))
            })?;
        let limits = Arc::new(Limits {
            deadline: std::sync::Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let checked = limits.clone();
        let time_limit = self.time_limit_ms;
        lua.set_hook(HookTriggers::new().every_nth_instruction(CHECK_EVERY), move |_, _| {
            let late = checked
                .deadline
                .lock()
                .expect("deadline")
                .is_some_and(|deadline| Instant::now() > deadline);
            if late {
                return Err(mlua::Error::RuntimeError(format!(
                    "the code ran longer than {time_limit} ms on one batch of records (`time_limit_ms`); a loop that never ends?"
                )));
            }
            if checked.stop.load(Ordering::Relaxed) {
                return Err(mlua::Error::RuntimeError("the run was stopped".into()));
            }
            Ok(VmState::Continue)
        });
        Ok(Box::new(Code {
            lua,
            function,
            limits,
            time_limit: Duration::from_millis(self.time_limit_ms.max(1)),
            shapes: ShapeCache::default(),
        }))
    }
}

/// What the instruction hook checks.
struct Limits {
    deadline: std::sync::Mutex<Option<Instant>>,
    stop: AtomicBool,
}

struct Code {
    lua: Lua,
    function: Function,
    limits: Arc<Limits>,
    time_limit: Duration,
    shapes: ShapeCache,
}

/// A Lua error's message, without the traceback.
fn lua_message(error: &mlua::Error) -> String {
    match error {
        mlua::Error::CallbackError { cause, .. } => lua_message(cause),
        mlua::Error::RuntimeError(message) | mlua::Error::SyntaxError { message, .. } => {
            message.lines().next().unwrap_or_default().to_string()
        }
        mlua::Error::MemoryError(_) => "the code used more memory than `memory_mb` allows".into(),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// Whether an error stops the node (a limit reached) rather than being one record's.
fn stops_the_node(error: &mlua::Error) -> bool {
    match error {
        mlua::Error::CallbackError { cause, .. } => stops_the_node(cause),
        mlua::Error::MemoryError(_) => true,
        mlua::Error::RuntimeError(message) => {
            message.contains("`time_limit_ms`") || message.contains("the run was stopped")
        }
        _ => false,
    }
}

impl Code {
    /// The records the code makes of one record.
    fn run(
        &mut self,
        record: &sluice_core::Record,
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, mlua::Error> {
        let options = mlua::SerializeOptions::new()
            .serialize_none_to_null(false)
            .serialize_unit_to_null(false);
        let argument = self.lua.to_value_with(&record.to_value(), options)?;
        let returned: mlua::Value = self.function.call(argument)?;
        let value: serde_json::Value = match returned {
            mlua::Value::Nil => return Ok(Vec::new()),
            other => self.lua.from_value(other)?,
        };
        let in_order = |fields| in_record_order(record, fields);
        match value {
            serde_json::Value::Object(fields) => Ok(vec![in_order(fields)]),
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    serde_json::Value::Object(fields) => Ok(in_order(fields)),
                    other => Err(mlua::Error::RuntimeError(format!(
                        "the code returned a list holding {other}; each item must be a record (a table of fields)"
                    ))),
                })
                .collect(),
            other => Err(mlua::Error::RuntimeError(format!(
                "the code returned {other}; return the record, nil to drop it, or a list of records"
            ))),
        }
    }
}

/// `fields` with the record's own fields first, in its order (a Lua table has none), then the
/// code's new fields by name.
fn in_record_order(
    record: &sluice_core::Record,
    mut fields: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut ordered = serde_json::Map::new();
    for name in record.keys() {
        if let Some(value) = fields.remove(name) {
            ordered.insert(name.to_string(), value);
        }
    }
    let mut added: Vec<(String, serde_json::Value)> = fields.into_iter().collect();
    added.sort_by(|(a, _), (b, _)| a.cmp(b));
    ordered.extend(added);
    ordered
}

impl Transform for Code {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        *self.limits.deadline.lock().expect("deadline") = Some(Instant::now() + self.time_limit);
        self.limits.stop.store(out.should_stop(), Ordering::Relaxed);
        for record in batch {
            match self.run(&record) {
                Ok(made) => {
                    for fields in made {
                        out.emit(self.shapes.record(fields))?;
                    }
                }
                Err(error) if stops_the_node(&error) => {
                    return Err(ComponentError::failed(format!(
                        "the code: {}",
                        lua_message(&error)
                    )));
                }
                Err(error) => out.reject(record, format!("the code: {}", lua_message(&error)))?,
            }
        }
        *self.limits.deadline.lock().expect("deadline") = None;
        Ok(())
    }
}
