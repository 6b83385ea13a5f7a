//! The compiled form of the common expressions — fields (and what nested JSON holds), literals,
//! comparisons, arithmetic, `~`, `and`/`or`/`not`, `in` and the number and text filters — evaluated on a record's values by
//! position, without MiniJinja. Whatever it does not know (other syntax at compile time; other
//! types, overflow or an error at run time) it hands to MiniJinja, so results never differ.

mod parse;

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use crate::json_text;
use crate::record::{Record, Schema};
use crate::value::{Text, Value};

/// An expression in compiled form. `evaluate` answers `None` when MiniJinja must decide.
#[derive(Debug)]
pub(super) struct Program {
    root: Node,
    /// The field names the expression reads, by slot.
    names: Vec<String>,
    /// Globals the expression reads (`vars`, `now`) or `record`: a record field of that name
    /// would hide them, so such records go to MiniJinja.
    globals: Vec<&'static str>,
    /// Field positions for the last schema seen.
    positions: RefCell<Positions>,
}

#[derive(Debug, Default)]
struct Positions {
    schema: Option<Arc<Schema>>,
    slots: Vec<Option<usize>>,
    hidden: bool,
}

#[derive(Debug, Clone)]
enum Node {
    Literal(Literal),
    Field(usize),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    Filter(Filter, Box<Node>),
    /// `value.name`, `value['name']` or `value[0]` on a JSON object or array.
    Member(Box<Node>, Key),
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Name(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Concat,
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Float(Option<Literal>),
    Int(Option<Literal>),
    Round(i32),
    Upper,
    Lower,
    Trim,
    Length,
    String,
}

/// A value while an expression is evaluated; text borrowed from the record where it can be.
#[derive(Debug, Clone)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An object or an array, only to look inside.
    Json(Json<'a>),
}

/// An object or an array in a record: parsed, or still its JSON text (see [`crate::nested`]).
#[derive(Debug, Clone, Copy)]
enum Json<'a> {
    Tree(&'a serde_json::Value),
    /// An array's or object's JSON text, as the parser read it (so valid JSON).
    Text(&'a str),
}

impl Program {
    /// The compiled form of `source`, when every part of it is one this form knows. `vars` and
    /// `now` are the run's constants.
    pub(super) fn compile(
        source: &str,
        vars: &serde_json::Map<String, serde_json::Value>,
        now: &str,
    ) -> Option<Program> {
        let parse::Parsed {
            root,
            names,
            globals,
        } = parse::parse(source, vars, now)?;
        Some(Program {
            root,
            names,
            globals,
            positions: RefCell::default(),
        })
    }

    /// The expression's value for `record`, or `None` for MiniJinja to decide.
    pub(super) fn evaluate(&self, record: &Record) -> Option<Value> {
        let slots = self.slots(record)?;
        let value = eval(&self.root, &slots, record)?;
        Some(match value {
            Val::Null => Value::Null,
            Val::Bool(flag) => Value::Bool(flag),
            Val::Int(integer) => Value::Int(integer),
            Val::Float(float) if float.is_finite() => Value::Float(float),
            Val::Float(_) => return None,
            // Text the expression made keeps its buffer (no copy beyond the inline size).
            Val::Str(Cow::Owned(text)) => Value::String(Text::from(text)),
            Val::Str(Cow::Borrowed(text)) => Value::String(Text::from(text)),
            Val::Json(_) => return None,
        })
    }

    /// Whether the expression is true for `record`, or `None` for MiniJinja to decide.
    pub(super) fn is_true(&self, record: &Record) -> Option<bool> {
        let slots = self.slots(record)?;
        eval(&self.root, &slots, record).map(|value| truthy(&value))
    }

    fn slots(&self, record: &Record) -> Option<std::cell::Ref<'_, Positions>> {
        let fresh = self
            .positions
            .borrow()
            .schema
            .as_ref()
            .is_some_and(|schema| Arc::ptr_eq(schema, record.schema()));
        if !fresh {
            let schema = record.schema();
            *self.positions.borrow_mut() = Positions {
                schema: Some(schema.clone()),
                slots: self
                    .names
                    .iter()
                    .map(|name| schema.position(name))
                    .collect(),
                hidden: self
                    .globals
                    .iter()
                    .any(|global| schema.position(global).is_some()),
            };
        }
        let positions = self.positions.borrow();
        (!positions.hidden).then_some(positions)
    }
}

fn truthy(value: &Val<'_>) -> bool {
    match value {
        Val::Null => false,
        Val::Bool(flag) => *flag,
        Val::Int(integer) => *integer != 0,
        Val::Float(float) => *float != 0.0,
        Val::Str(text) => !text.is_empty(),
        Val::Json(Json::Tree(json)) => match json {
            serde_json::Value::Array(items) => !items.is_empty(),
            serde_json::Value::Object(fields) => !fields.is_empty(),
            _ => true,
        },
        // An array's or object's text, brackets and all: empty when only blanks are inside.
        Val::Json(Json::Text(text)) => !text[1..text.len() - 1].trim().is_empty(),
    }
}

/// A JSON value inside a record value, as an evaluation value; `None` for numbers beyond `i64`.
fn from_json(json: &serde_json::Value) -> Option<Val<'_>> {
    Some(match json {
        serde_json::Value::Null => Val::Null,
        serde_json::Value::Bool(flag) => Val::Bool(*flag),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(integer) => Val::Int(integer),
            None if number.is_f64() => Val::Float(number.as_f64()?),
            None => return None,
        },
        serde_json::Value::String(text) => Val::Str(Cow::Borrowed(text)),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => Val::Json(Json::Tree(json)),
    })
}

/// A JSON text inside a record value, as an evaluation value; `None` where [`from_json`] has none.
fn from_json_text(json: &str) -> Option<Val<'_>> {
    Some(match json.as_bytes().first()? {
        b'{' | b'[' => Val::Json(Json::Text(json)),
        b'"' if let Some(plain) = crate::value::plain_string(json) => {
            Val::Str(Cow::Borrowed(plain))
        }
        _ => {
            let parsed: serde_json::Value = serde_json::from_str(json).ok()?;
            match from_json(&parsed)? {
                Val::Str(text) => Val::Str(Cow::Owned(text.into_owned())),
                Val::Null => Val::Null,
                Val::Bool(flag) => Val::Bool(flag),
                Val::Int(integer) => Val::Int(integer),
                Val::Float(float) => Val::Float(float),
                Val::Json(_) => return None,
            }
        }
    })
}

/// A literal's value, its text borrowed from the program (no copy per evaluation).
fn literal(literal: &Literal) -> Val<'_> {
    match literal {
        Literal::Null => Val::Null,
        Literal::Bool(flag) => Val::Bool(*flag),
        Literal::Int(integer) => Val::Int(*integer),
        Literal::Float(float) => Val::Float(*float),
        Literal::Str(text) => Val::Str(Cow::Borrowed(text)),
    }
}

fn eval<'a>(node: &'a Node, positions: &Positions, record: &'a Record) -> Option<Val<'a>> {
    Some(match node {
        Node::Literal(value) => literal(value),
        Node::Field(slot) => match &record.values()[(*positions.slots.get(*slot)?)?] {
            Value::Null => Val::Null,
            Value::Bool(flag) => Val::Bool(*flag),
            Value::Int(integer) => Val::Int(*integer),
            Value::Float(float) => Val::Float(*float),
            Value::String(text) => Val::Str(Cow::Borrowed(text.as_str())),
            Value::Json(json) if json.is_array() || json.is_object() => {
                Val::Json(match json.unparsed() {
                    Some(text) => Json::Text(text.get()),
                    None => Json::Tree(json.tree()),
                })
            }
            _ => return None,
        },
        Node::Member(inner, key) => match eval(inner, positions, record)? {
            Val::Json(Json::Tree(json)) => from_json(match key {
                Key::Name(name) => json.as_object()?.get(name)?,
                Key::Index(index) => json.as_array()?.get(*index)?,
            })?,
            Val::Json(Json::Text(text)) => from_json_text(match key {
                Key::Name(name) => json_text::member(text, name)?,
                Key::Index(index) => json_text::item(text, *index)?,
            })?,
            _ => return None,
        },
        Node::Not(inner) => Val::Bool(!truthy(&eval(inner, positions, record)?)),
        Node::Neg(inner) => match eval(inner, positions, record)? {
            Val::Int(integer) => Val::Int(integer.checked_neg()?),
            Val::Float(float) => Val::Float(-float),
            _ => return None,
        },
        Node::And(left, right) => {
            let left = eval(left, positions, record)?;
            if truthy(&left) {
                eval(right, positions, record)?
            } else {
                left
            }
        }
        Node::Or(left, right) => {
            let left = eval(left, positions, record)?;
            if truthy(&left) {
                left
            } else {
                eval(right, positions, record)?
            }
        }
        Node::Binary(op, left, right) => binary(
            *op,
            eval(left, positions, record)?,
            eval(right, positions, record)?,
        )?,
        Node::Filter(filter, inner) => apply(filter, eval(inner, positions, record)?)?,
    })
}

fn as_f64(value: &Val<'_>) -> Option<f64> {
    match value {
        Val::Int(integer) => Some(*integer as f64),
        Val::Float(float) => Some(*float),
        _ => None,
    }
}

/// A number to compare with another, exactly: an integer beyond 2^53 is left to MiniJinja,
/// which compares it with a float without rounding.
fn as_exact_f64(value: &Val<'_>) -> Option<f64> {
    match value {
        Val::Int(integer) if integer.unsigned_abs() <= 1 << 53 => Some(*integer as f64),
        Val::Float(float) => Some(*float),
        _ => None,
    }
}

fn binary<'a>(op: Op, left: Val<'a>, right: Val<'a>) -> Option<Val<'a>> {
    use std::cmp::Ordering;
    let order = || -> Option<Ordering> {
        match (&left, &right) {
            (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
            (Val::Str(a), Val::Str(b)) => Some(a.as_ref().cmp(b.as_ref())),
            _ => as_exact_f64(&left)?.partial_cmp(&as_exact_f64(&right)?),
        }
    };
    let equal = || -> Option<bool> {
        match (&left, &right) {
            (Val::Null, Val::Null) => Some(true),
            (Val::Bool(a), Val::Bool(b)) => Some(a == b),
            (Val::Str(a), Val::Str(b)) => Some(a == b),
            (Val::Int(a), Val::Int(b)) => Some(a == b),
            _ => Some(as_exact_f64(&left)? == as_exact_f64(&right)?),
        }
    };
    Some(match op {
        Op::Eq => Val::Bool(equal()?),
        Op::Ne => Val::Bool(!equal()?),
        Op::Lt => Val::Bool(order()? == Ordering::Less),
        Op::Le => Val::Bool(order()? != Ordering::Greater),
        Op::Gt => Val::Bool(order()? == Ordering::Greater),
        Op::Ge => Val::Bool(order()? != Ordering::Less),
        Op::In => match (&left, &right) {
            (Val::Str(needle), Val::Str(haystack)) => Val::Bool(haystack.contains(needle.as_ref())),
            _ => return None,
        },
        Op::Add | Op::Sub | Op::Mul => match (&left, &right) {
            (Val::Int(a), Val::Int(b)) => Val::Int(match op {
                Op::Add => a.checked_add(*b)?,
                Op::Sub => a.checked_sub(*b)?,
                _ => a.checked_mul(*b)?,
            }),
            _ => {
                let (a, b) = (as_f64(&left)?, as_f64(&right)?);
                Val::Float(match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    _ => a * b,
                })
            }
        },
        Op::Div => {
            let (a, b) = (as_f64(&left)?, as_f64(&right)?);
            if b == 0.0 {
                return None;
            }
            Val::Float(a / b)
        }
        Op::Concat => {
            let length = text_length(&left) + text_length(&right);
            if length > MAX_TEXT_BYTES {
                // MiniJinja refuses it, saying why (its fuel counts bytes made).
                return None;
            }
            // `a ~ b ~ c` grows the text `a ~ b` made instead of copying it.
            let mut text = match left {
                Val::Str(Cow::Owned(text)) => text,
                other => {
                    // Room for what a following `~` adds too (`a ~ ' ' ~ b`), so it does not
                    // reallocate.
                    let mut text = String::with_capacity(length.max(32));
                    push_text(&mut text, &other)?;
                    text
                }
            };
            push_text(&mut text, &right)?;
            Val::Str(Cow::Owned(text))
        }
    })
}

/// The most text one concatenation makes here; longer is left to MiniJinja, whose fuel refuses
/// it (about 16 MiB).
const MAX_TEXT_BYTES: usize = 16 << 20;

/// Adds text or an integer's digits to `text`; `None` for anything else.
fn push_text(text: &mut String, value: &Val<'_>) -> Option<()> {
    match value {
        Val::Str(part) => text.push_str(part),
        Val::Int(integer) => text.push_str(itoa::Buffer::new().format(*integer)),
        _ => return None,
    }
    Some(())
}

fn text_length(value: &Val<'_>) -> usize {
    match value {
        Val::Str(text) => text.len(),
        _ => 20,
    }
}

fn apply<'a>(filter: &'a Filter, value: Val<'a>) -> Option<Val<'a>> {
    let or_default = |converted: Option<Val<'a>>, default: &'a Option<Literal>| match converted {
        Some(converted) => Some(converted),
        None => default.as_ref().map(literal),
    };
    match filter {
        Filter::Float(default) => {
            let converted = match &value {
                Val::Int(integer) => Some(*integer as f64),
                Val::Float(float) => Some(*float),
                Val::Str(text) => text.trim().parse::<f64>().ok(),
                Val::Bool(flag) => Some(if *flag { 1.0 } else { 0.0 }),
                Val::Null | Val::Json(_) => None,
            };
            or_default(converted.map(Val::Float), default)
        }
        Filter::Int(default) => {
            let whole = |float: f64| float.is_finite().then(|| Val::Int(float.trunc() as i64));
            let converted = match &value {
                Val::Int(integer) => Some(Val::Int(*integer)),
                Val::Float(float) => whole(*float),
                Val::Str(text) => {
                    let text = text.trim();
                    match text.parse::<i64>() {
                        Ok(integer) => Some(Val::Int(integer)),
                        Err(_) => text.parse::<f64>().ok().and_then(whole),
                    }
                }
                Val::Bool(flag) => Some(Val::Int(i64::from(*flag))),
                Val::Null | Val::Json(_) => None,
            };
            or_default(converted, default)
        }
        Filter::Round(digits) => match value {
            Val::Int(_) => Some(value),
            Val::Float(float) => Some(Val::Float(match digits {
                0 => float.round(),
                digits => {
                    let scale = 10f64.powi(*digits);
                    (float * scale).round() / scale
                }
            })),
            _ => None,
        },
        Filter::Upper | Filter::Lower | Filter::Trim | Filter::Length => {
            let Val::Str(text) = value else {
                return None;
            };
            Some(match filter {
                Filter::Upper => Val::Str(Cow::Owned(text.to_uppercase())),
                Filter::Lower => Val::Str(Cow::Owned(text.to_lowercase())),
                Filter::Trim => match text {
                    Cow::Borrowed(text) => Val::Str(Cow::Borrowed(text.trim())),
                    Cow::Owned(text) => Val::Str(Cow::Owned(text.trim().to_string())),
                },
                _ => Val::Int(text.chars().count() as i64),
            })
        }
        Filter::String => match value {
            Val::Str(_) => Some(value),
            Val::Int(integer) => Some(Val::Str(Cow::Owned(integer.to_string()))),
            _ => None,
        },
    }
}
