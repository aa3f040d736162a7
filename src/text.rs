//! Characters a user string may not carry, and text made safe for a
//! terminal.
//!
//! A string from the input file reaches a command line (one argument per
//! line in `qemu.args`, a shell line, a VMM's option parser), a file name,
//! an SVG document and the terminal. A control character breaks each of
//! them: a line feed splits the args file into two arguments, a NUL ends a
//! C string, an escape sequence drives the terminal, and XML 1.0 has no way
//! to write most C0 characters (nor U+FFFE and U+FFFF). So the reader
//! refuses them in every free-text value (T180), and whatever topoc prints
//! about a value it refused passes through [`visible`] first.

use std::borrow::Cow;

/// Whether `c` may not appear in a user string: a C0 control (U+0000 to
/// U+001F, tab, line feed and carriage return included), DEL, a C1 control
/// (U+0080 to U+009F), or one of the two non-characters XML cannot carry.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// The first forbidden character of `s`: its position counted in
/// characters from 1, and the character.
pub fn first_forbidden(s: &str) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|(_, c)| is_forbidden(*c))
        .map(|(i, c)| (i + 1, c))
}

/// A forbidden character as people name it: `U+000A (line feed)`.
pub fn describe(c: char) -> String {
    let name = match c {
        '\0' => Some("NUL"),
        '\t' => Some("tab"),
        '\n' => Some("line feed"),
        '\r' => Some("carriage return"),
        '\u{1b}' => Some("escape"),
        '\u{7f}' => Some("delete"),
        '\u{FFFE}' | '\u{FFFF}' => Some("non-character"),
        c if (c as u32) < 0x20 => Some("C0 control"),
        c if c.is_control() => Some("C1 control"),
        _ => None,
    };
    match name {
        Some(n) => format!("U+{:04X} ({n})", c as u32),
        None => format!("U+{:04X}", c as u32),
    }
}

/// `s` with every forbidden character but line feed written as a Rust
/// escape (`\u{1b}`), so that nothing a user wrote can move the cursor,
/// recolour or clear a terminal. Line feeds stay: topoc's own messages
/// span lines.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape(s, |c| c != '\n' && is_forbidden(c))
}

/// `s` with every forbidden character written as a Rust escape: free text
/// made from something that is not (a file name in an imported
/// description), and a file name in a report, where a line feed would
/// start a line that topoc did not write.
pub fn escaped(s: &str) -> Cow<'_, str> {
    escape(s, is_forbidden)
}

/// A path as topoc names it to people: [`escaped`], line feeds included.
/// Every message, report line and diagnostic header names a file this way
/// (`tests/architecture.rs` keeps `Path::display` out of `src/`).
pub trait ShowPath {
    fn shown(&self) -> String;
}

impl ShowPath for std::path::Path {
    fn shown(&self) -> String {
        escaped(&self.to_string_lossy()).into_owned()
    }
}

fn escape(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            o.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

/// `s` with every forbidden character but tab, line feed and the carriage
/// return of a CRLF replaced by as many `?` as it has bytes: source text
/// for an excerpt, where byte offsets must not move. A lone carriage return
/// ends a line ([`crate::source::SourceFile::line_col`] counts it so), so it
/// becomes a line feed, which keeps the lines where they were and cannot
/// move a terminal's cursor back over what was printed.
pub fn visible_same_length(s: &str) -> Cow<'_, str> {
    let keep = |s: &str, i: usize, c: char| {
        c == '\t' || c == '\n' || (c == '\r' && s.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    if !s
        .char_indices()
        .any(|(i, c)| is_forbidden(c) && !keep(s, i, c))
    {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if c == '\r' && !keep(s, i, c) {
            o.push('\n');
        } else if is_forbidden(c) && !keep(s, i, c) {
            o.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}',
        ] {
            assert!(is_forbidden(c), "{c:?}");
        }
        for c in [' ', 'a', 'é', '\u{a0}', '\u{2028}', '\u{fffd}'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
        assert_eq!(first_forbidden("ab\u{1b}c\n"), Some((3, '\u{1b}')));
        assert_eq!(first_forbidden("/dev/dax0.0"), None);
        assert_eq!(describe('\n'), "U+000A (line feed)");
        assert_eq!(describe('\u{9b}'), "U+009B (C1 control)");
    }

    #[test]
    fn terminal_text() {
        assert_eq!(visible("n\u{1b}[2Jx\nok"), "n\\u{1b}[2Jx\nok");
        assert!(matches!(visible("plain\n"), Cow::Borrowed(_)));
        assert_eq!(escaped("a\nb\u{0}"), "a\\u{a}b\\u{0}");
        let p = std::path::Path::new("d/s\n\u{1b}[2J.dat");
        assert_eq!(p.shown(), "d/s\\u{a}\\u{1b}[2J.dat");
        let s = "a\u{1b}b\u{9b}c\r\nd\re\tf";
        let v = visible_same_length(s);
        assert_eq!(v, "a?b??c\r\nd\ne\tf");
        assert_eq!(v.len(), s.len());
    }
}
