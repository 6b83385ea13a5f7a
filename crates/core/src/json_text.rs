//! Looking into JSON text by path without parsing it: the member of an object or the item of an
//! array, found by skipping over the others. The text is JSON the parser already
//! read (a `RawValue`, so valid); text that is not JSON gives some answer, never a panic.

/// The member `name` of the JSON object `text` (the last, if the name repeats, as parsing keeps
/// it); `None` when `text` is no object or has no such member. (Past the member, text that is
/// not JSON may go unnoticed.)
pub fn member<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let bytes = text.as_bytes();
    let mut at = skip_blanks(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    let mut found = None;
    loop {
        at = skip_blanks(bytes, at);
        match bytes.get(at)? {
            b'}' => return found,
            b',' => {
                at += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let (key_end, escaped) = string_end(bytes, at);
        let quoted_key = text.get(at..key_end)?;
        let matches = if escaped {
            serde_json::from_str::<String>(quoted_key).is_ok_and(|key| key == name)
        } else {
            quoted_key.get(1..quoted_key.len().saturating_sub(1)) == Some(name)
        };
        at = skip_blanks(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        let start = skip_blanks(bytes, at + 1);
        let end = value_end(bytes, start)?;
        if matches {
            found = Some(text.get(start..end)?);
            // The last member of that name counts. Most objects have one: when the rest holds
            // neither the name nor an escape, it has no other, and is not read member by member.
            if !may_hold(&bytes[end..], name) {
                return found;
            }
        }
        at = end;
    }
}

/// The item at `index` of the JSON array `text`; `None` when `text` is no array or is shorter.
pub fn item(text: &str, index: usize) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut at = skip_blanks(bytes, 0);
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    at += 1;
    let mut position = 0;
    loop {
        at = skip_blanks(bytes, at);
        match bytes.get(at)? {
            b']' => return None,
            b',' => {
                at += 1;
                continue;
            }
            _ => {}
        }
        let end = value_end(bytes, at)?;
        if position == index {
            return text.get(at..end);
        }
        position += 1;
        at = end;
    }
}

/// Whether `text` may hold a member named `name`: it holds the name, or an escape.
fn may_hold(text: &[u8], name: &str) -> bool {
    let name = name.as_bytes();
    let Some(&first) = name.first() else {
        return true;
    };
    memchr::memchr2_iter(b'\\', first, text)
        .any(|at| text[at] == b'\\' || text[at..].starts_with(name))
}

fn skip_blanks(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// Just past the closing quote of the string that opens at `start`, and whether the string has
/// escapes. (Jumps from one quote or backslash to the next, not byte by byte: looking into
/// nested JSON is mostly skipping strings.)
fn string_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut at = start + 1;
    let mut escaped = false;
    while let Some(found) = bytes
        .get(at..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        at += found;
        if bytes[at] == b'"' {
            return (at + 1, escaped);
        }
        escaped = true;
        at += 2;
    }
    (bytes.len(), escaped)
}

/// Just past the value that starts at `start`: a string, an array or object (its own kind of
/// bracket counted, strings skipped: the other kind nests evenly inside it), or a number or
/// literal.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    let (open, close) = match bytes.get(start)? {
        b'"' => return Some(string_end(bytes, start).0),
        b'{' => (b'{', b'}'),
        b'[' => (b'[', b']'),
        _ => {
            let length = bytes[start..]
                .iter()
                .position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(bytes.len() - start);
            return Some(start + length);
        }
    };
    let (mut at, mut depth) = (start + 1, 1usize);
    while let Some(found) = memchr::memchr3(b'"', open, close, bytes.get(at..)?) {
        at += found;
        match bytes[at] {
            b'"' => {
                at = string_end(bytes, at).0;
                continue;
            }
            byte if byte == open => depth += 1,
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_items_are_found_in_the_text() {
        let object =
            r#" { "a" : {"b": [1, "x\"y]}"]}, "c": null, "a2": 3, "c": 4 , "\u0064": true} "#;
        let a = member(object, "a").unwrap();
        assert_eq!(a, r#"{"b": [1, "x\"y]}"]}"#);
        let b = member(a, "b").unwrap();
        assert_eq!(item(b, 1).unwrap(), r#""x\"y]}""#);
        assert_eq!(item(b, 0).unwrap(), "1");
        assert!(item(b, 2).is_none());
        assert_eq!(member(object, "c").unwrap(), "4");
        assert_eq!(member(object, "a2").unwrap(), "3");
        assert_eq!(member(object, "d").unwrap(), "true");
        assert!(member(object, "missing").is_none());
        assert!(member(b, "a").is_none());
        assert!(item(object, 0).is_none());
        assert!(member("{}", "a").is_none());
        assert!(item("[ ]", 0).is_none());
        assert_eq!(item("[[], {\"k\": [2]}, -1.5e3]", 2).unwrap(), "-1.5e3");
        assert_eq!(member(r#"{"n": 1, "\u006e": 2}"#, "n").unwrap(), "2");
        assert_eq!(member(r#"{"n": 1, "m": {"n": 3}}"#, "n").unwrap(), "1");
        let mixed = r#"{"a": [{"b": "}]"}, "]}", [{}]], "c": {"d": [1, {"e": "{["}]}}"#;
        assert_eq!(member(mixed, "a").unwrap(), r#"[{"b": "}]"}, "]}", [{}]]"#);
        assert_eq!(member(mixed, "c").unwrap(), r#"{"d": [1, {"e": "{["}]}"#);
    }

    #[test]
    fn text_that_is_not_json_gives_nothing_and_never_panics() {
        for text in [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "{\"a\" 1}",
            "{\"é",
            "[\"\\",
            "{1: 2}",
            "{\"a\": [}",
            "[[[",
            "}",
            "{\"a\": \"\\é\"}",
        ] {
            let _ = (member(text, "a"), item(text, 1));
        }
        for text in ["{\"a\": [}", "{\"a\" 1}", "{1: 2}", "[1, [2"] {
            assert_eq!((member(text, "a"), item(text, 1)), (None, None), "{text}");
        }
    }
}
