//! Rendering diagnostics: human text through miette, and JSON for pipelines
//! and editors. Rendering never changes what a diagnostic says.

use super::{Diagnostic, Severity};
use crate::source::SourceFile;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use serde::Serialize;
use std::fmt;

/// How text diagnostics look.
#[derive(Clone, Copy, Debug)]
pub struct TextStyle {
    pub color: bool,
    /// Terminal width used to wrap messages.
    pub width: usize,
}

impl TextStyle {
    /// Deterministic output for golden files: no colour, 100 columns, unicode.
    pub const PLAIN: TextStyle = TextStyle {
        color: false,
        width: 100,
    };
}

/// Adapts one [`Diagnostic`] and its source file to miette's trait.
struct Adapter<'a> {
    diag: &'a Diagnostic,
    source: &'a SourceFile,
    named: miette::NamedSource<String>,
    help: Option<String>,
}

impl fmt::Debug for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Adapter<'_> {}

impl miette::Diagnostic for Adapter<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({})",
            self.diag.code.code, self.diag.code.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        let has_span = !self.diag.primary.span.is_detached();
        has_span.then_some(&self.named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.source.text.len();
        let clamp = |s: crate::source::Span| {
            let start = (s.start as usize).min(len);
            let end = (s.end as usize).clamp(start, len);
            (start, end - start)
        };
        let mut out = Vec::new();
        if !self.diag.primary.span.is_detached() {
            out.push(LabeledSpan::new_primary_with_span(
                Some(self.diag.primary.message.clone()),
                clamp(self.diag.primary.span),
            ));
        }
        for l in &self.diag.secondary {
            out.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                clamp(l.span),
            ));
        }
        Some(Box::new(out.into_iter()))
    }
}

/// Renders one diagnostic as text, the way `topoc check` prints it.
pub fn text(diag: &Diagnostic, source: &SourceFile, style: TextStyle) -> String {
    let help = match (&diag.help, &diag.note) {
        (Some(h), Some(n)) => Some(format!("{h}\nnote: {n}")),
        (Some(h), None) => Some(h.clone()),
        (None, Some(n)) => Some(format!("note: {n}")),
        (None, None) => None,
    };
    let adapter = Adapter {
        diag,
        source,
        named: miette::NamedSource::new(source.name.clone(), source.text.to_string()),
        help,
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, &adapter).is_err() {
        // Formatting into a String cannot fail; keep the message regardless.
        out = format!(
            "{}[{}]: {}\n",
            diag.severity.as_str(),
            diag.code.code,
            diag.message
        );
    }
    out
}

/// Renders every diagnostic and a summary line, as `topoc check` prints them.
pub fn text_all(diags: &[Diagnostic], source: &SourceFile, style: TextStyle) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&text(d, source, style));
        out.push('\n');
    }
    let (e, w) = super::counts(diags);
    out.push_str(&summary(&source.name, e, w));
    out.push('\n');
    out
}

/// "x.toml: 2 errors, 1 warning" or "x.toml: ok".
pub fn summary(name: &str, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => format!("{name}: ok"),
        (0, w) => format!("{name}: ok, {}", plural(w, "warning")),
        (e, 0) => format!("{name}: {}", plural(e, "error")),
        (e, w) => format!("{name}: {}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

#[derive(Serialize)]
struct JsonSpan {
    start: u32,
    end: u32,
}

#[derive(Serialize)]
struct JsonLabel {
    primary: bool,
    message: String,
    line: usize,
    column: usize,
    span: JsonSpan,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: String,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    span: Option<JsonSpan>,
    labels: Vec<JsonLabel>,
    help: Option<String>,
    note: Option<String>,
}

#[derive(Serialize)]
struct JsonReport {
    file: String,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic>,
}

fn json_diag(d: &Diagnostic, source: &SourceFile) -> JsonDiagnostic {
    let label = |l: &super::Label, primary: bool| {
        let (line, column) = source.line_col(l.span.start as usize);
        JsonLabel {
            primary,
            message: l.message.clone(),
            line,
            column,
            span: JsonSpan {
                start: l.span.start,
                end: l.span.end,
            },
        }
    };
    let mut labels = Vec::new();
    let attached = !d.primary.span.is_detached();
    if attached {
        labels.push(label(&d.primary, true));
    }
    labels.extend(d.secondary.iter().map(|l| label(l, false)));
    let (line, column) = if attached {
        let (l, c) = source.line_col(d.primary.span.start as usize);
        (Some(l), Some(c))
    } else {
        (None, None)
    };
    JsonDiagnostic {
        code: d.code.code,
        name: d.code.name,
        severity: d.severity,
        message: d.message.clone(),
        file: source.name.clone(),
        line,
        column,
        span: attached.then_some(JsonSpan {
            start: d.primary.span.start,
            end: d.primary.span.end,
        }),
        labels,
        help: d.help.clone(),
        note: d.note.clone(),
    }
}

/// Renders all diagnostics of one file as one JSON document.
pub fn json(diags: &[Diagnostic], source: &SourceFile) -> String {
    let (errors, warnings) = super::counts(diags);
    let report = JsonReport {
        file: source.name.clone(),
        errors,
        warnings,
        diagnostics: diags.iter().map(|d| json_diag(d, source)).collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}
