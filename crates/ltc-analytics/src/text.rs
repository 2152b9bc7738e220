//! User text (customers, ids, people, roles, reasons...) shown among the figures of a report,
//! kept from changing how the text around it reads.
//!
//! Unicode's bidirectional formatting characters steer the order in which a terminal or a browser
//! lays text out. A customer named `"\u{202E}ACME"` (a right-to-left override that is never
//! closed) would otherwise lay out everything after it on the line in reverse: `Awaiting approval,
//! 49.00 days old` would read `dlo syad 00.94 ,lavorppa gnitiawA`, and figures could be spoofed.
//! Two rules, one per medium:
//!
//! - **A terminal line** ([`one_line`]): every control character, line or paragraph separator and
//!   bidi formatting character is written as a visible Rust escape (`\n`, `\u{202e}`). Nothing in
//!   user text is obeyed, whatever the terminal does with bidi, and a table row stays one line.
//! - **A page** ([`balanced`], then isolated by the page: `html::escape` and `<bdi>`): embeddings,
//!   overrides and isolates the text opens are closed at its end, stray closers are dropped, and
//!   the page sets each piece of user text in an isolating element, so right-to-left names still
//!   read right to left without reaching the text around them.

/// Whether `c` is one of Unicode's bidirectional formatting characters: the Arabic letter mark
/// (U+061C), the left-to-right and right-to-left marks (U+200E, U+200F), the embeddings,
/// overrides and their terminator (U+202A to U+202E) and the isolates and their terminator
/// (U+2066 to U+2069).
///
/// ```
/// use ltc_analytics::text::is_bidi_control;
/// assert!(is_bidi_control('\u{202E}') && is_bidi_control('\u{2069}') && is_bidi_control('\u{200F}'));
/// assert!(!is_bidi_control('a') && !is_bidi_control('\u{5D0}')); // a Hebrew letter is text
/// ```
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// User text for a line of a terminal table: control characters (newline, tab, escape...), the
/// line and paragraph separators (U+2028, U+2029) and the bidi formatting characters
/// ([`is_bidi_control`]) written as Rust escapes, so that they are seen and never obeyed. Every
/// other character, right-to-left letters included, is kept.
///
/// ```
/// use ltc_analytics::text::one_line;
/// assert_eq!(one_line("\u{202E}evil"), "\\u{202e}evil");
/// assert_eq!(one_line("two\nlines\t"), "two\\nlines\\t");
/// assert_eq!(one_line("Café Ünal שלום"), "Café Ünal שלום");
/// ```
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// What an opener starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// An embedding or an override (U+202A, U+202B, U+202D, U+202E), closed by U+202C.
    Embedding,
    /// An isolate (U+2066, U+2067, U+2068), closed by U+2069.
    Isolate,
}

/// The closer of `open`.
fn closer(open: Open) -> char {
    match open {
        Open::Embedding => '\u{202C}',
        Open::Isolate => '\u{2069}',
    }
}

/// Whether `c` ends a paragraph for the bidi algorithm (which closes everything open in it).
fn ends_paragraph(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{1C}'..='\u{1E}' | '\u{85}' | '\u{2029}')
}

/// `text` with its bidi embeddings, overrides and isolates balanced, as the Unicode bidirectional
/// algorithm pairs them: each one opened and not closed is closed at the end of the text (or
/// before a paragraph break in it), a terminator that closes nothing (a stray U+202C or U+2069)
/// is dropped. What the text opens ends with it, so it cannot reverse or reorder the text that
/// follows; the marks (U+061C, U+200E, U+200F) are kept, as they open nothing. Text without
/// bidi formatting characters comes back unchanged.
///
/// ```
/// use ltc_analytics::text::balanced;
/// assert_eq!(balanced("\u{202E}evil"), "\u{202E}evil\u{202C}");
/// assert_eq!(balanced("a\u{2067}b\u{202B}c"), "a\u{2067}b\u{202B}c\u{202C}\u{2069}");
/// assert_eq!(balanced("\u{202C}\u{2069}ok"), "ok");
/// assert_eq!(balanced("\u{2068}שלום\u{2069}, ACME"), "\u{2068}שלום\u{2069}, ACME");
/// ```
pub fn balanced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<Open> = Vec::new();
    let close_all = |open: &mut Vec<Open>, out: &mut String| {
        while let Some(o) = open.pop() {
            out.push(closer(o));
        }
    };
    for c in text.chars() {
        match c {
            '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' => {
                open.push(Open::Embedding);
                out.push(c);
            }
            '\u{2066}'..='\u{2068}' => {
                open.push(Open::Isolate);
                out.push(c);
            }
            // A terminator of an embedding closes the last one opened, unless an isolate was
            // opened after it (then, as in the algorithm, it does nothing).
            '\u{202C}' => {
                if open.last() == Some(&Open::Embedding) {
                    open.pop();
                    out.push(c);
                }
            }
            // A terminator of an isolate closes the last isolate opened and every embedding
            // opened inside it.
            '\u{2069}' => {
                if let Some(at) = open.iter().rposition(|o| *o == Open::Isolate) {
                    open.truncate(at);
                    out.push(c);
                }
            }
            c if ends_paragraph(c) => {
                close_all(&mut open, &mut out);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    close_all(&mut open, &mut out);
    out
}

/// Whether `text` is balanced: every embedding, override and isolate it opens is closed in it
/// (before any paragraph break), and every terminator closes something. [`balanced`] always
/// gives balanced text.
///
/// ```
/// use ltc_analytics::text::{balanced, is_balanced};
/// assert!(!is_balanced("\u{202E}evil") && is_balanced(&balanced("\u{202E}evil")));
/// assert!(is_balanced("ACME") && !is_balanced("ACME\u{2069}"));
/// ```
pub fn is_balanced(text: &str) -> bool {
    balanced(text) == text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opener_is_closed_in_the_order_the_algorithm_pairs_them() {
        // An isolate closes the embeddings opened inside it.
        assert_eq!(
            balanced("\u{2068}a\u{202E}b\u{2069}c"),
            "\u{2068}a\u{202E}b\u{2069}c"
        );
        // A terminator of an embedding inside an isolate opened after it closes nothing.
        assert_eq!(
            balanced("\u{202E}a\u{2066}b\u{202C}c"),
            "\u{202E}a\u{2066}bc\u{2069}\u{202C}"
        );
        // A paragraph break closes everything before it.
        assert_eq!(balanced("\u{202E}a\nb\u{202C}"), "\u{202E}a\u{202C}\nb");
        assert_eq!(balanced(""), "");
        assert_eq!(balanced("\u{200F}\u{061C}"), "\u{200F}\u{061C}");
    }

    #[test]
    fn a_terminal_line_shows_every_bidi_control() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
        ] {
            let shown = one_line(&format!("x{c}y"));
            assert!(!shown.chars().any(is_bidi_control), "{shown}");
            assert_eq!(shown, format!("x{}y", c.escape_default()));
        }
        assert_eq!(one_line("a\u{2028}b\u{1b}[31m"), "a\\u{2028}b\\u{1b}[31m");
    }
}
