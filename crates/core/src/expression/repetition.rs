//! Expressions may not repeat a list or tuple written in them (`(x,) * n`, `n * [x]`): MiniJinja
//! charges fuel for the outer list only, so a repeated list of lists is small to make and huge to
//! print (`((4,)*576,)*56988 ~ ''` made gigabytes of text; found by fuzzing). Checked on the
//! text before MiniJinja sees it; repeating text (`'-' * 20`) and numbers is fine.

/// Whether `source` applies `*` to a list or tuple literal.
pub(super) fn repeats_a_literal_list(source: &str) -> bool {
    let text = source.as_bytes();
    // For each open bracket: whether it opened a literal (not a call or a subscript), and
    // whether a comma was seen directly inside it.
    let mut open: Vec<(u8, bool, bool)> = Vec::new();
    // The last thing read could end an operand (a name, a number, a string, a closing bracket).
    let mut after_operand = false;
    // The last closing bracket closed a list or tuple literal.
    let mut after_literal_list = false;
    // A `*` was the last operator, waiting for its right operand.
    let mut after_star = false;
    let mut star_operand_depth: Option<usize> = None;
    let mut at = 0;
    while at < text.len() {
        let byte = text[at];
        let mut next_after_literal_list = false;
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                at += 1;
                continue;
            }
            b'\'' | b'"' => {
                at += 1;
                while at < text.len() && text[at] != byte {
                    at += if text[at] == b'\\' { 2 } else { 1 };
                }
                at += 1;
                after_operand = true;
                after_star = false;
            }
            b'(' | b'[' => {
                let literal = !after_operand;
                if after_star && literal {
                    star_operand_depth = Some(open.len());
                }
                open.push((byte, literal, false));
                after_operand = false;
                after_star = false;
                at += 1;
            }
            b')' | b']' => {
                if let Some((opening, literal, comma)) = open.pop() {
                    let list = literal && (opening == b'[' || comma);
                    if star_operand_depth == Some(open.len()) {
                        star_operand_depth = None;
                        if list {
                            return true;
                        }
                    }
                    next_after_literal_list = list;
                }
                after_operand = true;
                at += 1;
            }
            b',' => {
                if let Some(last) = open.last_mut() {
                    last.2 = true;
                }
                after_operand = false;
                after_star = false;
                at += 1;
            }
            b'*' => {
                let power = text.get(at + 1) == Some(&b'*');
                if !power && after_literal_list {
                    return true;
                }
                after_star = !power;
                after_operand = false;
                at += if power { 2 } else { 1 };
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'0'..=b'9' => {
                while at < text.len()
                    && (text[at].is_ascii_alphanumeric() || matches!(text[at], b'_' | b'.'))
                {
                    at += 1;
                }
                after_operand = true;
                after_star = false;
            }
            _ => {
                after_operand = false;
                after_star = false;
                at += 1;
            }
        }
        after_literal_list = next_after_literal_list;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeating_a_written_list_is_found_and_arithmetic_is_not() {
        for repeated in [
            "(4,) * 9",
            "((4,)*9*64,)*9*6332",
            "[1, 2] * 3",
            "3 * [1]",
            "n * (a, b)",
            "35 in ((S44,2)*8*65,S44,2)*86666 ~ 505",
            "x ~ ([[1]] * 2) | length",
        ] {
            assert!(repeats_a_literal_list(repeated), "{repeated}");
        }
        for fine in [
            "(amount | float * 100) | round | int",
            "(a + b) * 2",
            "f(x, y) * 2",
            "items[0] * 3",
            "'-' * 20",
            "2 ** 10",
            "2 * (3 + 4)",
            "status in ['active', 'pending']",
            "'(4,) * 9'",
            "range(3) | map('string') | join(',')",
        ] {
            assert!(!repeats_a_literal_list(fine), "{fine}");
        }
    }
}
