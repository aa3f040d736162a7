//! Source text and byte spans.
//!
//! Every value a user could be pointed at carries a [`Span`] from parse to check.
//! Later stages (layout, emit) ignore spans: they run only on checked input.

use std::sync::{Arc, OnceLock};

/// A byte range `[start, end)` into the TOML source.
///
/// `Span` is `Copy` and small so the IR can carry one beside every value.
/// Values topoc synthesises (defaults, derived distances) use [`Span::DETACHED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The span of a value that has no place in the source.
    pub const DETACHED: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };

    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start.min(u32::MAX as usize - 1) as u32,
            end: end.min(u32::MAX as usize - 1) as u32,
        }
    }

    pub fn is_detached(self) -> bool {
        self == Span::DETACHED
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        if self.is_detached() {
            return other;
        }
        if other.is_detached() {
            return self;
        }
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Span {
        Span::new(r.start, r.end)
    }
}

/// A value with the span it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Sp<T> {
        Sp { value, span }
    }

    pub fn detached(value: T) -> Sp<T> {
        Sp {
            value,
            span: Span::DETACHED,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp {
            value: f(self.value),
            span: self.span,
        }
    }

    pub fn as_ref(&self) -> Sp<&T> {
        Sp {
            value: &self.value,
            span: self.span,
        }
    }
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// One input file: its display name and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// Where lines start and how many characters precede each block of
    /// bytes, built on first use: a report of many findings would otherwise
    /// rescan the file (or one long line) for each.
    index: Arc<OnceLock<LineIndex>>,
    /// Whether the text has a `\r` anywhere, asked once per report.
    has_cr: Arc<OnceLock<bool>>,
}

/// Why a file's bytes are not text that topoc parses, found before parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextProblem {
    /// Not UTF-8: the offset and value of the first byte that is not, and
    /// whether the file starts with a UTF-16 byte-order mark.
    NotUtf8 {
        offset: usize,
        byte: u8,
        utf16: bool,
    },
    /// A carriage return not followed by a line feed (TOML ends lines with
    /// LF or CRLF only): the first one's offset, and how many there are.
    LoneCr { offset: usize, count: usize },
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            index: Arc::default(),
            has_cr: Arc::default(),
        }
    }

    /// A file's bytes as source text. Bytes that are not UTF-8, or a lone
    /// carriage return, give the problem together with a file to point at
    /// it: the text with each invalid sequence as U+FFFD and each lone CR as
    /// a line feed (so every renderer counts the lines an editor shows), in
    /// which the problem's offset is unchanged.
    pub fn decode(
        name: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Result<SourceFile, (SourceFile, TextProblem)> {
        let name = name.into();
        let (text, problem) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let problem = TextProblem::NotUtf8 {
                    offset,
                    byte: bytes[offset],
                    utf16: bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]),
                };
                (String::from_utf8_lossy(&bytes).into_owned(), Some(problem))
            }
        };
        let lone: Vec<usize> = lone_crs(&text).collect();
        let problem = problem.or(lone.first().map(|&offset| TextProblem::LoneCr {
            offset,
            count: lone.len(),
        }));
        match problem {
            None => Ok(SourceFile::new(name, text)),
            Some(p) => {
                let mut bytes = text.into_bytes();
                for i in lone {
                    bytes[i] = b'\n';
                }
                // A CR and an LF are both one byte: still UTF-8.
                let text = String::from_utf8(bytes).unwrap_or_default();
                Err((SourceFile::new(name, text), p))
            }
        }
    }

    /// Whether the text contains a carriage return (which some renderers
    /// count as a line break of its own).
    pub fn has_cr(&self) -> bool {
        *self.has_cr.get_or_init(|| self.text.contains('\r'))
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset. Lines end
    /// at LF, CRLF or a lone CR, as editors and the text renderer count them.
    /// Constant time after the first call, whatever the line's length.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let index = self.index();
        let line = index.line_of(offset);
        let start = index.starts[line];
        let column = index.chars_before(&self.text, offset) - index.chars_before(&self.text, start);
        (line + 1, column + 1)
    }

    /// The 0-based line a byte offset is on (an offset inside a line break
    /// is on the line the break ends).
    pub fn line_of(&self, offset: usize) -> usize {
        self.index().line_of(offset.min(self.text.len()))
    }

    /// How many lines the text has: one more than its line breaks.
    pub fn line_count(&self) -> usize {
        self.index().starts.len()
    }

    /// The byte range of a 0-based line's text, without its line break, and
    /// the length of that break (0 on the last line, 1 for LF or a lone CR,
    /// 2 for CRLF). A line past the end is empty, at the end.
    pub fn line_range(&self, line: usize) -> (std::ops::Range<usize>, usize) {
        let starts = &self.index().starts;
        let len = self.text.len();
        let Some(&start) = starts.get(line) else {
            return (len..len, 0);
        };
        let Some(&next) = starts.get(line + 1) else {
            return (start..len, 0);
        };
        let b = self.text.as_bytes();
        let brk = if next >= 2 && b[next - 2] == b'\r' && b[next - 1] == b'\n' {
            2
        } else {
            1
        };
        (start..next - brk, brk)
    }
}

/// Line starts and character counts of one text.
#[derive(Debug)]
struct LineIndex {
    /// Byte offsets where lines start; the first is 0.
    starts: Vec<usize>,
    /// Characters before byte `i * CHAR_BLOCK`, for each block.
    chars: Vec<usize>,
}

/// Bytes between two character-count marks: a column costs at most this
/// many bytes to count, however long its line.
const CHAR_BLOCK: usize = 4096;

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let b = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(b.iter().enumerate().filter_map(|(i, &c)| {
                let ends = c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n'));
                ends.then_some(i + 1)
            }))
            .collect();
        let mut chars = Vec::with_capacity(b.len() / CHAR_BLOCK + 1);
        let mut n = 0;
        for block in b.chunks(CHAR_BLOCK) {
            chars.push(n);
            n += block.iter().filter(|&&c| !is_continuation(c)).count();
        }
        chars.push(n);
        LineIndex { starts, chars }
    }

    fn line_of(&self, offset: usize) -> usize {
        // `starts[0]` is 0, so at least one start is at or before `offset`.
        self.starts.partition_point(|&s| s <= offset).max(1) - 1
    }

    /// Characters before byte `offset` (a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / CHAR_BLOCK;
        let from = block * CHAR_BLOCK;
        let rest = &text.as_bytes()[from..offset];
        self.chars[block] + rest.iter().filter(|&&c| !is_continuation(c)).count()
    }
}

/// A UTF-8 continuation byte (not the first byte of a character).
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Offsets of the carriage returns not followed by a line feed.
fn lone_crs(text: &str) -> impl Iterator<Item = usize> + '_ {
    let b = text.as_bytes();
    (0..b.len()).filter(move |&i| b[i] == b'\r' && b.get(i + 1) != Some(&b'\n'))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let f = SourceFile::new("t.toml", "a = 1\nbé = 2\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(f.line_col(9), (2, 3));
        assert_eq!(f.line_col(1000), (3, 1));
    }

    #[test]
    fn columns_on_long_lines_count_characters() {
        let line = "é".repeat(10_000) + "x";
        let f = SourceFile::new("t.toml", format!("a\n{line}\nb"));
        assert_eq!(f.line_col(2 + 20_000), (2, 10_001));
        assert_eq!(f.line_col(2 + 2 * 4096), (2, 4097));
        assert_eq!(f.line_count(), 3);
        assert_eq!(f.line_range(1), (2..2 + line.len(), 1));
        assert_eq!(f.line_range(2), (3 + line.len()..4 + line.len(), 0));
        assert_eq!(
            f.line_of(2 + line.len()),
            1,
            "the line break is on its line"
        );
        let crlf = SourceFile::new("t.toml", "a\r\nb\rc");
        assert_eq!(crlf.line_range(0), (0..1, 2));
        assert_eq!(crlf.line_range(1), (3..4, 1));
        assert_eq!(crlf.line_range(2), (5..6, 0));
        assert_eq!(crlf.line_range(9), (6..6, 0));
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        // LF, CRLF and a lone CR each end one line.
        let f = SourceFile::new("t.toml", "a\nb\r\nc\rd = 1");
        assert_eq!(f.line_col(2), (2, 1));
        assert_eq!(f.line_col(3), (2, 2), "the CR of a CRLF is on its line");
        assert_eq!(f.line_col(5), (3, 1));
        assert_eq!(f.line_col(7), (4, 1));
        assert_eq!(f.line_col(11), (4, 5));
    }

    #[test]
    fn decode_finds_what_toml_refuses_before_parsing() {
        assert!(SourceFile::decode("t", b"a = 1\r\n".to_vec()).is_ok());
        let (f, p) = SourceFile::decode("t", b"a = 1\rb = 2\rc = 3\n".to_vec()).unwrap_err();
        assert_eq!(
            p,
            TextProblem::LoneCr {
                offset: 5,
                count: 2
            }
        );
        assert_eq!(&*f.text, "a = 1\nb = 2\nc = 3\n", "shown with line feeds");
        let (f, p) = SourceFile::decode("t", b"a = 1\nb = \"\xe9\"\n".to_vec()).unwrap_err();
        assert_eq!(
            p,
            TextProblem::NotUtf8 {
                offset: 11,
                byte: 0xe9,
                utf16: false
            }
        );
        assert_eq!(f.line_col(11), (2, 6));
        assert_eq!(&f.text[11..14], "\u{fffd}");
        let (_, p) = SourceFile::decode("t", b"\xff\xfea\0".to_vec()).unwrap_err();
        assert!(matches!(
            p,
            TextProblem::NotUtf8 {
                utf16: true,
                offset: 0,
                ..
            }
        ));
    }

    #[test]
    fn join_ignores_detached() {
        let a = Span::new(3, 5);
        assert_eq!(a.join(Span::DETACHED), a);
        assert_eq!(Span::DETACHED.join(a), a);
        assert_eq!(a.join(Span::new(1, 4)), Span::new(1, 5));
    }
}
