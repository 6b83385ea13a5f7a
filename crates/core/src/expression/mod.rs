//! The expression language (MiniJinja) used by every condition and computed field: one
//! environment per run with Sluice's filters, expressions compiled once and evaluated per record.

mod compiled;
mod filters;
mod nesting;
mod repetition;
mod scope;
#[cfg(test)]
mod tests;
pub mod vocabulary;

use chrono::{DateTime, SecondsFormat, Utc};
use minijinja::value::Serde;
use minijinja::{
    Environment, Error as EngineError, ErrorKind, UndefinedBehavior, Value as JinjaValue,
};

use crate::value::Value;
pub use filters::parse_datetime_text;
use filters::{
    format_datetime, parse_datetime, parse_json, round, timestamp, to_float, to_int, to_json,
};
pub use scope::RecordScope;
use scope::from_jinja;

/// Why an expression could not be compiled or evaluated, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExpressionError {
    pub message: String,
}

/// The work one evaluation may do: MiniJinja charges each step and each byte it makes, so this
/// bounds both (about 16 MiB of text, or 262,144 steps).
const FUEL_PER_EVALUATION: u64 = 262_144;

impl ExpressionError {
    /// Refuses an expression or template nesting deeper than [`nesting::MAX_NESTING`].
    fn check_nesting(levels: usize) -> Result<(), ExpressionError> {
        if levels <= nesting::MAX_NESTING {
            return Ok(());
        }
        Err(ExpressionError {
            message: format!(
                "it nests too deeply: {levels} levels of operators, filters and brackets, at most {}; split it into several steps (map fields, filters)",
                nesting::MAX_NESTING
            ),
        })
    }

    /// Refuses an expression that repeats a list or tuple written in it (see [`repetition`]).
    fn check_repetition(source: &str) -> Result<(), ExpressionError> {
        if !repetition::repeats_a_literal_list(source) {
            return Ok(());
        }
        Err(ExpressionError {
            message: "it repeats a list with `*`, which is not supported (a repeated list of lists can make gigabytes); build the list another way, e.g. with `range`".into(),
        })
    }

    fn from_engine(error: &EngineError) -> ExpressionError {
        if error.kind() == minijinja::ErrorKind::OutOfFuel {
            return ExpressionError {
                message: "it does too much work or makes too much text for one record (at most about 16 MiB or 262,144 steps); simplify it".into(),
            };
        }
        let text = error.to_string();
        // MiniJinja appends "(in <expression>:1)"; the caller says where the expression is.
        let text = match text.rfind(" (in ") {
            Some(index) => text[..index].to_string(),
            None => text,
        };
        // "invalid operation" says nothing the detail does not; other kinds (syntax error,
        // unknown filter, …) are kept because they say what sort of mistake it is.
        let text = text
            .strip_prefix("invalid operation: ")
            .map(str::to_string)
            .unwrap_or(text);
        ExpressionError { message: text }
    }
}

/// Refuses a template another engine renders (a connector manifest's) when it nests too deeply
/// or repeats a written list, the shapes that make MiniJinja use unbounded time or memory.
pub fn check_template(template: &str) -> Result<(), ExpressionError> {
    ExpressionError::check_nesting(nesting::template_nesting(template))?;
    for tag in nesting::template_tags(template) {
        ExpressionError::check_repetition(tag)?;
    }
    Ok(())
}

/// The expression environment of one run: Sluice's filters and functions, the flow variables as
/// `vars`, and `now()` fixed to the run's start so every record of a run sees the same time.
pub struct Expressions {
    environment: Environment<'static>,
    /// The flow variables and `now()`, for the compiled form.
    vars: serde_json::Map<String, serde_json::Value>,
    now: String,
}

impl std::fmt::Debug for Expressions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Expressions")
    }
}

impl Expressions {
    /// The environment for a run that started at `started_at` with these flow variables.
    pub fn new(
        vars: &serde_json::Map<String, serde_json::Value>,
        started_at: DateTime<Utc>,
    ) -> Self {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        environment.set_fuel(Some(FUEL_PER_EVALUATION));
        environment.add_global("vars", JinjaValue::from(Serde(vars)));
        let now = started_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let now_text = now.clone();
        environment.add_function("now", move || now_text.clone());
        environment.add_filter("json", to_json);
        environment.add_filter("parse_json", parse_json);
        environment.add_filter("parse_datetime", parse_datetime);
        environment.add_filter("format_datetime", format_datetime);
        environment.add_filter("timestamp", timestamp);
        environment.add_filter("round", round);
        environment.add_filter("float", to_float);
        environment.add_filter("int", to_int);
        Expressions {
            environment,
            vars: vars.clone(),
            now,
        }
    }

    /// An environment for checking expressions without running anything.
    pub fn for_validation() -> Self {
        Self::new(&serde_json::Map::new(), Utc::now())
    }

    /// Renders a template such as `https://api.example.com/{{ vars.account }}/orders` with the
    /// flow variables and the given extra values (e.g. `cursor`, `page`).
    pub fn render(
        &self,
        template: &str,
        values: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, ExpressionError> {
        if !template.contains("{{") && !template.contains("{%") {
            return Ok(template.to_string());
        }
        ExpressionError::check_nesting(nesting::template_nesting(template))?;
        for tag in nesting::template_tags(template) {
            ExpressionError::check_repetition(tag)?;
        }
        self.environment
            .render_str(template, JinjaValue::from(Serde(values)))
            .map_err(|error| ExpressionError::from_engine(&error))
    }

    /// Compiles a bare expression such as `status == 'active'` or `amount | float * 100`.
    pub fn compile(&self, source: &str) -> Result<CompiledExpression<'_>, ExpressionError> {
        if source.trim().is_empty() {
            return Err(ExpressionError {
                message: "the expression is empty".into(),
            });
        }
        ExpressionError::check_nesting(nesting::nesting(source))?;
        ExpressionError::check_repetition(source)?;
        let expression = self
            .environment
            .compile_expression_owned(source.to_string())
            .map_err(|error| ExpressionError::from_engine(&error))?;
        let mut fields: Vec<String> = expression.undeclared_variables(false).into_iter().collect();
        fields.retain(|name| !matches!(name.as_str(), "record" | "vars" | "now"));
        fields.sort();
        Ok(CompiledExpression {
            expression,
            program: compiled::Program::compile(source, &self.vars, &self.now),
            source: source.to_string(),
            fields,
        })
    }
}

/// An expression compiled once for a run, evaluated against one record at a time.
pub struct CompiledExpression<'env> {
    expression: minijinja::Expression<'env, 'static>,
    /// The compiled form, when the expression is one it knows; MiniJinja answers otherwise.
    program: Option<compiled::Program>,
    source: String,
    fields: Vec<String>,
}

impl std::fmt::Debug for CompiledExpression<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledExpression")
            .field("source", &self.source)
            .finish()
    }
}

impl CompiledExpression<'_> {
    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The record fields the expression reads (its free variables, less `record` and `vars`).
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Whether the compiled form evaluates this expression (MiniJinja does the rest).
    pub fn is_compiled(&self) -> bool {
        self.program.is_some()
    }

    /// Evaluates the expression for the record in `scope`.
    pub fn evaluate(&self, scope: &RecordScope) -> Result<Value, ExpressionError> {
        if let Some(program) = &self.program
            && let Some(value) = program.evaluate(&scope.record())
        {
            return Ok(value);
        }
        self.evaluate_with_minijinja(scope)
    }

    /// Evaluates the expression with MiniJinja only.
    pub(crate) fn evaluate_with_minijinja(
        &self,
        scope: &RecordScope,
    ) -> Result<Value, ExpressionError> {
        let value = self.evaluate_raw(scope)?;
        if value.is_undefined() {
            return Err(self.missing_field_error(scope));
        }
        from_jinja(&value).map_err(|error| ExpressionError::from_engine(&error))
    }

    /// Evaluates the expression as a condition: true when its value is truthy.
    pub fn is_true(&self, scope: &RecordScope) -> Result<bool, ExpressionError> {
        if let Some(program) = &self.program
            && let Some(answer) = program.is_true(&scope.record())
        {
            return Ok(answer);
        }
        let value = self.evaluate_raw(scope)?;
        if value.is_undefined() {
            return Err(self.missing_field_error(scope));
        }
        Ok(value.is_true())
    }

    fn evaluate_raw(&self, scope: &RecordScope) -> Result<JinjaValue, ExpressionError> {
        self.expression.eval(scope.context()).map_err(|error| {
            let missing = self.missing_fields(scope);
            if missing.is_empty() || error.kind() != ErrorKind::UndefinedError {
                ExpressionError::from_engine(&error)
            } else {
                self.missing_field_error(scope)
            }
        })
    }

    fn missing_fields(&self, scope: &RecordScope) -> Vec<&str> {
        let record = scope.record();
        self.fields
            .iter()
            .filter(|field| !record.contains_key(field.as_str()))
            .map(String::as_str)
            .collect()
    }

    fn missing_field_error(&self, scope: &RecordScope) -> ExpressionError {
        let missing = self.missing_fields(scope);
        let record = scope.record();
        let available: Vec<&str> = record.keys().take(12).collect();
        let message = match missing.as_slice() {
            [] => "the expression has no value for this record".to_string(),
            [one] => format!(
                "the record has no field `{one}` (its fields: {})",
                available.join(", ")
            ),
            many => format!(
                "the record has no fields {} (its fields: {})",
                many.iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                available.join(", ")
            ),
        };
        ExpressionError { message }
    }
}
