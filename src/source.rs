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
    /// Byte offsets where lines start, built on the first [`SourceFile::line_col`]:
    /// a report of many findings would otherwise rescan the file for each.
    line_starts: Arc<OnceLock<Vec<usize>>>,
    /// Whether the text has a `\r` anywhere, asked once per report.
    has_cr: Arc<OnceLock<bool>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: Arc::default(),
            has_cr: Arc::default(),
        }
    }

    /// Whether the text contains a carriage return (which some renderers
    /// count as a line break of its own).
    pub fn has_cr(&self) -> bool {
        *self.has_cr.get_or_init(|| self.text.contains('\r'))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        // `starts[0]` is 0, so at least one start is at or before `offset`.
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let column = self.text[starts[line - 1]..offset].chars().count() + 1;
        (line, column)
    }
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
    fn join_ignores_detached() {
        let a = Span::new(3, 5);
        assert_eq!(a.join(Span::DETACHED), a);
        assert_eq!(Span::DETACHED.join(a), a);
        assert_eq!(a.join(Span::new(1, 4)), Span::new(1, 5));
    }
}
