//! The compiled form of the common expressions — fields (and what nested JSON holds), literals,
//! comparisons, arithmetic, `~`, `and`/`or`/`not`, `in` and the number and text filters — evaluated on a record's values by
//! position, without MiniJinja. Whatever it does not know (other syntax at compile time; other
//! types, overflow or an error at run time) it hands to MiniJinja, so results never differ.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

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
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An object or an array, only to look inside.
    Json(&'a serde_json::Value),
}

impl Program {
    /// The compiled form of `source`, when every part of it is one this form knows. `vars` and
    /// `now` are the run's constants.
    pub(super) fn compile(
        source: &str,
        vars: &serde_json::Map<String, serde_json::Value>,
        now: &str,
    ) -> Option<Program> {
        let tokens = tokenize(source)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            names: Vec::new(),
            globals: Vec::new(),
            vars,
            now,
        };
        let root = parser.or()?;
        if parser.at != parser.tokens.len() {
            return None;
        }
        Some(Program {
            root,
            names: parser.names,
            globals: parser.globals,
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
            Val::Str(text) => Value::String(Text::from(text.as_ref())),
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
        Val::Json(json) => match json {
            serde_json::Value::Array(items) => !items.is_empty(),
            serde_json::Value::Object(fields) => !fields.is_empty(),
            _ => true,
        },
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
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => Val::Json(json),
    })
}

fn literal(literal: &Literal) -> Val<'static> {
    match literal {
        Literal::Null => Val::Null,
        Literal::Bool(flag) => Val::Bool(*flag),
        Literal::Int(integer) => Val::Int(*integer),
        Literal::Float(float) => Val::Float(*float),
        Literal::Str(text) => Val::Str(Cow::Owned(text.clone())),
    }
}

fn eval<'a>(node: &Node, positions: &Positions, record: &'a Record) -> Option<Val<'a>> {
    Some(match node {
        Node::Literal(value) => literal(value),
        Node::Field(slot) => match &record.values()[(*positions.slots.get(*slot)?)?] {
            Value::Null => Val::Null,
            Value::Bool(flag) => Val::Bool(*flag),
            Value::Int(integer) => Val::Int(*integer),
            Value::Float(float) => Val::Float(*float),
            Value::String(text) => Val::Str(Cow::Borrowed(text.as_str())),
            Value::Json(json) if json.is_array() || json.is_object() => Val::Json(json),
            _ => return None,
        },
        Node::Member(inner, key) => {
            let Val::Json(json) = eval(inner, positions, record)? else {
                return None;
            };
            let found = match key {
                Key::Name(name) => json.as_object()?.get(name)?,
                Key::Index(index) => json.as_array()?.get(*index)?,
            };
            from_json(found)?
        }
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
            let mut text = String::new();
            for side in [&left, &right] {
                match side {
                    Val::Str(part) => text.push_str(part),
                    Val::Int(integer) => text.push_str(itoa::Buffer::new().format(*integer)),
                    _ => return None,
                }
            }
            Val::Str(Cow::Owned(text))
        }
    })
}

fn apply<'a>(filter: &Filter, value: Val<'a>) -> Option<Val<'a>> {
    let or_default = |converted: Option<Val<'a>>, default: &Option<Literal>| match converted {
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

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Int(i64),
    Float(f64),
    Str(String),
    Symbol(&'static str),
}

/// Splits `source` into tokens; `None` for anything this form does not read.
fn tokenize(source: &str) -> Option<Vec<Token>> {
    const SYMBOLS: [&str; 20] = [
        "==", "!=", "<=", ">=", "//", "**", "<", ">", "+", "-", "*", "/", "%", "~", "|", "(", ")",
        "[", "]", ",",
    ];
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &source[at..];
        let byte = bytes[at];
        if byte.is_ascii_whitespace() {
            at += 1;
        } else if byte.is_ascii_alphabetic() || byte == b'_' {
            let length = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Ident(rest[..length].to_string()));
            at += length;
        } else if byte.is_ascii_digit() {
            let length = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let text = &rest[..length];
            if rest[length..].starts_with(['e', 'E', '_']) || text.ends_with('.') {
                return None;
            }
            tokens.push(if text.contains('.') {
                Token::Float(text.parse().ok()?)
            } else {
                Token::Int(text.parse().ok()?)
            });
            at += length;
        } else if byte == b'\'' || byte == b'"' {
            let end = rest[1..].find(byte as char)? + 1;
            let text = &rest[1..end];
            if text.contains('\\') {
                return None;
            }
            tokens.push(Token::Str(text.to_string()));
            at += end + 1;
        } else if byte == b'.' {
            tokens.push(Token::Symbol("."));
            at += 1;
        } else if byte == b'=' && !rest.starts_with("==") {
            tokens.push(Token::Symbol("="));
            at += 1;
        } else {
            let symbol = SYMBOLS.iter().find(|symbol| rest.starts_with(**symbol))?;
            tokens.push(Token::Symbol(symbol));
            at += symbol.len();
        }
    }
    Some(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    names: Vec<String>,
    globals: Vec<&'static str>,
    vars: &'a serde_json::Map<String, serde_json::Value>,
    now: &'a str,
}

const KEYWORDS: [&str; 7] = ["and", "or", "not", "in", "is", "if", "else"];

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Symbol(found)) if *found == symbol);
        self.at += usize::from(found);
        found
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Ident(found)) if found == word);
        self.at += usize::from(found);
        found
    }

    fn or(&mut self) -> Option<Node> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            left = Node::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Node> {
        let mut left = self.not()?;
        while self.eat_word("and") {
            left = Node::And(Box::new(left), Box::new(self.not()?));
        }
        Some(left)
    }

    fn not(&mut self) -> Option<Node> {
        if self.eat_word("not") {
            return Some(Node::Not(Box::new(self.not()?)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Option<Node> {
        let left = self.math1()?;
        let (op, negated) = match self.peek() {
            Some(Token::Symbol("==")) => (Op::Eq, false),
            Some(Token::Symbol("!=")) => (Op::Ne, false),
            Some(Token::Symbol("<")) => (Op::Lt, false),
            Some(Token::Symbol("<=")) => (Op::Le, false),
            Some(Token::Symbol(">")) => (Op::Gt, false),
            Some(Token::Symbol(">=")) => (Op::Ge, false),
            Some(Token::Ident(word)) if word == "in" => (Op::In, false),
            Some(Token::Ident(word)) if word == "not" => (Op::In, true),
            _ => return Some(left),
        };
        self.at += 1;
        if negated && !self.eat_word("in") {
            return None;
        }
        let node = Node::Binary(op, Box::new(left), Box::new(self.math1()?));
        // A chain such as `a < b < c` is left to MiniJinja.
        if matches!(
            self.peek(),
            Some(Token::Symbol("==" | "!=" | "<" | "<=" | ">" | ">="))
        ) || matches!(self.peek(), Some(Token::Ident(word)) if word == "in" || word == "not")
        {
            return None;
        }
        Some(if negated {
            Node::Not(Box::new(node))
        } else {
            node
        })
    }

    fn math1(&mut self) -> Option<Node> {
        let mut left = self.concat()?;
        loop {
            let op = if self.eat_symbol("+") {
                Op::Add
            } else if self.eat_symbol("-") {
                Op::Sub
            } else {
                return Some(left);
            };
            left = Node::Binary(op, Box::new(left), Box::new(self.concat()?));
        }
    }

    fn concat(&mut self) -> Option<Node> {
        let mut left = self.math2()?;
        while self.eat_symbol("~") {
            left = Node::Binary(Op::Concat, Box::new(left), Box::new(self.math2()?));
        }
        Some(left)
    }

    fn math2(&mut self) -> Option<Node> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat_symbol("*") {
                Op::Mul
            } else if self.eat_symbol("/") {
                Op::Div
            } else if matches!(self.peek(), Some(Token::Symbol("//" | "%" | "**"))) {
                return None;
            } else {
                return Some(left);
            };
            left = Node::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    /// A negated or plain operand, then its filters (which apply to the negated value).
    fn unary(&mut self) -> Option<Node> {
        let mut node = self.operand()?;
        while self.eat_symbol("|") {
            let Some(Token::Ident(name)) = self.peek().cloned() else {
                return None;
            };
            self.at += 1;
            let arguments = self.filter_arguments()?;
            node = Node::Filter(filter(&name, arguments)?, Box::new(node));
        }
        if matches!(self.peek(), Some(Token::Ident(word)) if word == "is") {
            return None;
        }
        Some(node)
    }

    fn operand(&mut self) -> Option<Node> {
        if self.eat_symbol("-") {
            return Some(Node::Neg(Box::new(self.operand()?)));
        }
        self.primary()
    }

    /// `(name=literal | literal, …)` after a filter name; empty without parentheses.
    fn filter_arguments(&mut self) -> Option<Vec<(Option<String>, Literal)>> {
        let mut arguments = Vec::new();
        if !self.eat_symbol("(") {
            return Some(arguments);
        }
        while !self.eat_symbol(")") {
            if !arguments.is_empty() && !self.eat_symbol(",") {
                return None;
            }
            let name = match (self.peek().cloned(), self.tokens.get(self.at + 1)) {
                (Some(Token::Ident(name)), Some(Token::Symbol("="))) => {
                    self.at += 2;
                    Some(name)
                }
                _ => None,
            };
            let negative = self.eat_symbol("-");
            let value = match (self.peek().cloned()?, negative) {
                (Token::Int(integer), _) => Literal::Int(if negative { -integer } else { integer }),
                (Token::Float(float), _) => Literal::Float(if negative { -float } else { float }),
                (Token::Str(text), false) => Literal::Str(text),
                (Token::Ident(word), false) => word_literal(&word)?,
                _ => return None,
            };
            self.at += 1;
            arguments.push((name, value));
        }
        Some(arguments)
    }

    fn primary(&mut self) -> Option<Node> {
        let token = self.peek().cloned()?;
        self.at += 1;
        match token {
            Token::Int(integer) => Some(Node::Literal(Literal::Int(integer))),
            Token::Float(float) => Some(Node::Literal(Literal::Float(float))),
            Token::Str(text) => Some(Node::Literal(Literal::Str(text))),
            Token::Symbol("(") => {
                let inner = self.or()?;
                self.eat_symbol(")").then_some(inner)
            }
            Token::Ident(word) => {
                if let Some(value) = word_literal(&word) {
                    return Some(Node::Literal(value));
                }
                if KEYWORDS.contains(&word.as_str()) {
                    return None;
                }
                match word.as_str() {
                    "record" => {
                        self.globals.push("record");
                        let name = self.member()?;
                        let field = self.field(name);
                        self.postfix(field)
                    }
                    "vars" => {
                        self.globals.push("vars");
                        let name = self.member()?;
                        if matches!(self.peek(), Some(Token::Symbol("." | "[" | "("))) {
                            return None;
                        }
                        let value = match self.vars.get(&name)? {
                            serde_json::Value::Null => Literal::Null,
                            serde_json::Value::Bool(flag) => Literal::Bool(*flag),
                            serde_json::Value::String(text) => Literal::Str(text.clone()),
                            serde_json::Value::Number(number) => match number.as_i64() {
                                Some(integer) => Literal::Int(integer),
                                None if number.is_f64() => Literal::Float(number.as_f64()?),
                                None => return None,
                            },
                            _ => return None,
                        };
                        Some(Node::Literal(value))
                    }
                    "now" => {
                        self.globals.push("now");
                        (self.eat_symbol("(") && self.eat_symbol(")"))
                            .then(|| Node::Literal(Literal::Str(self.now.to_string())))
                    }
                    _ => {
                        let field = self.field(word);
                        self.postfix(field)
                    }
                }
            }
            _ => None,
        }
    }

    /// `.name` or `['name']` after `record` or `vars`.
    fn member(&mut self) -> Option<String> {
        let name = if self.eat_symbol(".") {
            match self.peek().cloned()? {
                Token::Ident(name) => name,
                _ => return None,
            }
        } else if self.eat_symbol("[") {
            let Token::Str(name) = self.peek().cloned()? else {
                return None;
            };
            self.at += 1;
            if !matches!(self.peek(), Some(Token::Symbol("]"))) {
                return None;
            }
            name
        } else {
            return None;
        };
        self.at += 1;
        Some(name)
    }

    /// `.name`, `['name']` and `[0]` after a field; a call is left to MiniJinja.
    fn postfix(&mut self, mut node: Node) -> Option<Node> {
        loop {
            let key = if self.eat_symbol(".") {
                match self.peek().cloned()? {
                    Token::Ident(name) => Key::Name(name),
                    _ => return None,
                }
            } else if self.eat_symbol("[") {
                let key = match self.peek().cloned()? {
                    Token::Str(name) => Key::Name(name),
                    Token::Int(index) => Key::Index(usize::try_from(index).ok()?),
                    _ => return None,
                };
                self.at += 1;
                if !matches!(self.peek(), Some(Token::Symbol("]"))) {
                    return None;
                }
                key
            } else if matches!(self.peek(), Some(Token::Symbol("("))) {
                return None;
            } else {
                return Some(node);
            };
            self.at += 1;
            node = Node::Member(Box::new(node), key);
        }
    }

    fn field(&mut self, name: String) -> Node {
        let slot = match self.names.iter().position(|known| *known == name) {
            Some(slot) => slot,
            None => {
                self.names.push(name);
                self.names.len() - 1
            }
        };
        Node::Field(slot)
    }
}

fn word_literal(word: &str) -> Option<Literal> {
    match word {
        "true" | "True" => Some(Literal::Bool(true)),
        "false" | "False" => Some(Literal::Bool(false)),
        "none" | "None" => Some(Literal::Null),
        _ => None,
    }
}

/// The filters this form evaluates, with literal arguments as Sluice's filters take them.
fn filter(name: &str, arguments: Vec<(Option<String>, Literal)>) -> Option<Filter> {
    // MiniJinja reads an argument of `none` as no argument at all.
    let default = |arguments: Vec<(Option<String>, Literal)>| match arguments.as_slice() {
        [] => Some(None),
        [(name, value)] if name.as_deref().is_none_or(|name| name == "default") => {
            Some((*value != Literal::Null).then(|| value.clone()))
        }
        _ => None,
    };
    match name {
        "float" => Some(Filter::Float(default(arguments)?)),
        "int" => Some(Filter::Int(default(arguments)?)),
        "round" => match arguments.as_slice() {
            [] => Some(Filter::Round(0)),
            [(None, Literal::Int(digits))] => Some(Filter::Round(i32::try_from(*digits).ok()?)),
            _ => None,
        },
        "upper" | "lower" | "trim" | "length" | "string" if arguments.is_empty() => {
            Some(match name {
                "upper" => Filter::Upper,
                "lower" => Filter::Lower,
                "trim" => Filter::Trim,
                "length" => Filter::Length,
                _ => Filter::String,
            })
        }
        _ => None,
    }
}
