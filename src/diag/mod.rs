//! Diagnostics: one type for every finding of every stage.
//!
//! A [`Diagnostic`] names a registered [`Code`] (see [`codes`]), says what to
//! change, and points at the TOML: a primary label on the offending value and
//! secondary labels on the other values involved. Stages only *produce*
//! diagnostics; [`render`] turns them into text (miette) or JSON, and only the
//! CLI prints them.

pub mod codes;
pub mod lint;
pub mod render;

use crate::source::Span;
pub use codes::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A message attached to a place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding.
///
/// Build one with [`Diagnostic::new`] from a registered code, then add
/// secondary labels, a help line and a note:
/// `Diagnostic::new(&codes::T010, "…", span, "…").label(other, "…").help("…")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static Code,
    pub severity: Severity,
    /// One sentence: what is wrong.
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// What to change, imperative.
    pub help: Option<String>,
    /// Why it matters: which consumer does what otherwise.
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn new(
        code: &'static Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            note: None,
        }
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        if !span.is_detached() {
            self.secondary.push(Label {
                span,
                message: message.into(),
            });
        }
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into the order they are reported: by position in the
/// file, then by code, then by message. Detached spans sort last.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (
            a.primary.span.start,
            a.code.code,
            &a.message,
            a.primary.span.end,
        )
            .cmp(&(
                b.primary.span.start,
                b.code.code,
                &b.message,
                b.primary.span.end,
            ))
    });
}

/// Counts errors and warnings.
pub fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// "did you mean" for a misspelt name: the closest candidate within an edit
/// distance of a third of the name's length (at least 1, at most 3).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = (len / 3).clamp(1, 3);
    // The distance is at least the difference in length: a candidate whose
    // length is further off cannot be within the limit, and is not measured
    // (a long misspelt key against every code would cost its length squared
    // per candidate).
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters, case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("sze", ["size", "kind"]), Some("size"));
        assert_eq!(
            did_you_mean("bandwith", ["bandwidth", "latency"]),
            Some("bandwidth")
        );
        assert_eq!(did_you_mean("colour", ["size", "kind"]), None);
        // A long key is not measured against short names, and finds none.
        let long = "T".repeat(100_000);
        assert_eq!(did_you_mean(&long, ["T042", "warnings"]), None);
        assert_eq!(
            did_you_mean("warning", ["T042", "warnings"]),
            Some("warnings")
        );
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("HBM0", "hbm0"), 0);
    }
}
