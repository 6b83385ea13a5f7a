//! How deeply an expression may nest, checked on its text before any parser sees it: the parsers,
//! the compilers and the evaluators recurse once per level, so an expression made to nest
//! thousands of levels deep (a flow file is hostile input) would exhaust a thread's stack.

/// Levels an expression (or all the tags of a template) may nest. Each operator, filter, test,
/// member access, `not`/`and`/`or`/`if` and opening bracket counts one level: an upper bound on
/// how deeply any parser nests it, far above what a person writes.
pub const MAX_NESTING: usize = 200;

/// The nesting bound of an expression's text.
pub(super) fn nesting(source: &str) -> usize {
    scan(source.as_bytes(), None).0
}

/// The nesting bound of a template: the sum over its `{{ … }}` and `{% … %}` tags (text outside
/// tags and `{# … #}` comments count nothing).
pub(super) fn template_nesting(template: &str) -> usize {
    template_tags(template)
        .iter()
        .map(|tag| scan(tag.as_bytes(), None).0)
        .sum()
}

/// The insides of a template's `{{ … }}` and `{% … %}` tags (`{# … #}` comments skipped).
pub(super) fn template_tags(template: &str) -> Vec<&str> {
    let mut rest = template;
    let mut tags = Vec::new();
    while let Some(start) = rest
        .as_bytes()
        .windows(2)
        .position(|pair| matches!(pair, b"{{" | b"{%" | b"{#"))
    {
        let kind = rest.as_bytes()[start + 1];
        let body = &rest[start + 2..];
        if kind == b'#' {
            rest = match body.find("#}") {
                Some(end) => &body[end + 2..],
                None => "",
            };
            continue;
        }
        let closing = if kind == b'{' { b"}}" } else { b"%}" };
        let (_, used) = scan(body.as_bytes(), Some(closing));
        let inside = if body.as_bytes()[..used].ends_with(closing) {
            used - 2
        } else {
            used
        };
        tags.push(&body[..inside]);
        rest = &body[used..];
    }
    tags
}

/// Counts the levels in `text` up to `stop` (outside string literals) or its end; returns the
/// count and how many bytes were read, `stop` included.
fn scan(text: &[u8], stop: Option<&[u8; 2]>) -> (usize, usize) {
    let mut count = 0;
    let mut at = 0;
    while at < text.len() {
        let byte = text[at];
        if let Some(stop) = stop
            && text[at..].starts_with(stop)
        {
            return (count, at + 2);
        }
        match byte {
            b'\'' | b'"' => {
                at += 1;
                while at < text.len() && text[at] != byte {
                    at += if text[at] == b'\\' { 2 } else { 1 };
                }
                at += 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = at;
                while at < text.len() && (text[at].is_ascii_alphanumeric() || text[at] == b'_') {
                    at += 1;
                }
                if matches!(
                    &text[start..at],
                    b"not" | b"and" | b"or" | b"in" | b"is" | b"if" | b"else"
                ) {
                    count += 1;
                }
            }
            b'0'..=b'9' => {
                while at < text.len() && matches!(text[at], b'0'..=b'9' | b'.' | b'_') {
                    at += 1;
                }
                if at < text.len() && matches!(text[at], b'e' | b'E') {
                    at += 1;
                    if at < text.len() && matches!(text[at], b'+' | b'-') {
                        at += 1;
                    }
                    while at < text.len() && text[at].is_ascii_digit() {
                        at += 1;
                    }
                }
            }
            b'(' | b'[' | b'{' | b'.' | b'|' => {
                count += 1;
                at += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'<' | b'>' | b'=' | b'!' => {
                count += 1;
                while at < text.len()
                    && matches!(
                        text[at],
                        b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'<' | b'>' | b'=' | b'!'
                    )
                    && !stop.is_some_and(|stop| text[at..].starts_with(stop))
                {
                    at += 1;
                }
            }
            _ => at += 1,
        }
    }
    (count, text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_filter_and_bracket_counts_one_level() {
        assert_eq!(nesting("status == 'active'"), 1);
        assert_eq!(nesting("(amount | float * 100) | round | int"), 5);
        assert_eq!(nesting("not (a or b) and c.d[0]"), 6);
        assert_eq!(nesting("'a | b ( not' ~ \"x\\\" | y\""), 1);
        assert_eq!(nesting("1.5e-3 + 2_000"), 1);
        assert_eq!(nesting("name | upper".repeat(3).as_str()), 3);
        assert_eq!(nesting(&"not ".repeat(5000)), 5000);
    }

    #[test]
    fn a_template_counts_its_tags_only() {
        assert_eq!(
            template_nesting("https://api.example.com/v1/{{ vars.account }}/orders?a=b"),
            1
        );
        assert_eq!(
            template_nesting("{# a | b | c #}{% if page > 1 %}{{ page - 1 }}{% endif %}-x.y"),
            3
        );
        assert_eq!(template_nesting("{{ '}}' ~ a }}{{ b|c|d"), 3);
        assert_eq!(template_nesting("{\"json\": [1, 2], \"a.b\": \"c-d\"}"), 0);
    }
}
