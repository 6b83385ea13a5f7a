//! Reading an expression's text into the compiled form: tokens, then a parser with MiniJinja's
//! precedence; `None` for anything the compiled form leaves to MiniJinja.

use super::{Filter, Key, Literal, Node, Op};

/// An expression in compiled form, with the field names it reads (by slot) and the globals
/// (`vars`, `now`, `record`) a record field of the same name would hide.
pub(super) struct Parsed {
    pub root: Node,
    pub names: Vec<String>,
    pub globals: Vec<&'static str>,
}

/// Parses `source`; `vars` and `now` are the run's constants.
pub(super) fn parse(
    source: &str,
    vars: &serde_json::Map<String, serde_json::Value>,
    now: &str,
) -> Option<Parsed> {
    let mut parser = Parser {
        tokens: tokenize(source)?,
        at: 0,
        names: Vec::new(),
        globals: Vec::new(),
        vars,
        now,
    };
    let root = parser.or()?;
    (parser.at == parser.tokens.len()).then_some(Parsed {
        root,
        names: parser.names,
        globals: parser.globals,
    })
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
