//! Outside strings (configuration ids, backends, hosts, file names: whatever a result
//! document or a file name holds) as they may appear in Markdown. A string of plain
//! characters is shown as code, as before; anything else is shown as text with every
//! character that Markdown, HTML or a table could read as syntax written as a numeric
//! character reference, and control characters replaced, so it can neither close a code
//! span, open an HTML tag, split a table cell nor start a new line.

/// Characters shown as they are inside a code span.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '+' | '=' | ',' | '/' | '@')
}

/// `s` as inline code when it is plain, else as escaped text ([`text`]).
///
/// ```
/// use kqent_report::escape::code;
/// assert_eq!(code("t0-s4-w4"), "`t0-s4-w4`");
/// let hostile = code("a` <img src=x onerror=alert(1)> `b");
/// assert!(!hostile.contains('<') && !hostile.contains('`'));
/// ```
pub fn code(s: &str) -> String {
    if !s.is_empty() && s.chars().all(plain) {
        format!("`{s}`")
    } else {
        text(s)
    }
}

/// `s` as Markdown text that renders as the characters themselves.
///
/// ```
/// assert_eq!(kqent_report::escape::text("a|b\nc"), "a&#124;b\u{fffd}c");
/// ```
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push('\u{fffd}');
        } else if c.is_ascii_alphanumeric() || c == ' ' || !c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("&#{};", c as u32));
        }
    }
    out
}
