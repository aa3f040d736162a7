//! Rendering diagnostics: human text through miette, and JSON for pipelines
//! and editors. Rendering never changes what a diagnostic says.

use super::lint::{self, Level, Origin};
use super::{Diagnostic, Severity};
use crate::source::SourceFile;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use serde::Serialize;
use std::borrow::Cow;
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
    named: Window<'a>,
    help: Option<String>,
}

/// The lines of a file around a diagnostic's labels, as miette's
/// [`SourceCode`]. miette finds a span's line by scanning from the start of
/// what it is given, so handing it the whole file made a report of many
/// findings quadratic in the file (a 1024-node file with 896 errors took a
/// second). A window that starts a few whole lines before the first label
/// and ends a few after the last gives miette exactly what it would have
/// read from the whole file; offsets and line numbers are shifted back.
struct Window<'a> {
    name: &'a str,
    text: &'a str,
    /// Byte offset of the window in `text`: a line start.
    start: usize,
    end: usize,
    /// Lines of `text` before `start`.
    first_line: usize,
}

/// Lines of margin on each side: more than the one context line asked for,
/// so miette never runs into the window's edge where the file has none.
const WINDOW_MARGIN: usize = 3;

impl<'a> Window<'a> {
    fn around(source: &'a SourceFile, diag: &Diagnostic) -> Window<'a> {
        let text: &str = &source.text;
        let bytes = text.as_bytes();
        let spans = std::iter::once(&diag.primary)
            .chain(&diag.secondary)
            .map(|l| l.span)
            .filter(|s| !s.is_detached());
        let (lo, hi) = spans.fold((usize::MAX, 0), |(lo, hi), s| {
            (lo.min(s.start as usize), hi.max(s.end as usize))
        });
        if lo == usize::MAX {
            return Window {
                name: &source.name,
                text,
                start: 0,
                end: text.len(),
                first_line: 0,
            };
        }
        let (lo, hi) = (lo.min(bytes.len()), hi.min(bytes.len()));
        // Back to the start of the line WINDOW_MARGIN lines before `lo`.
        let mut start = lo;
        let mut newlines = 0;
        while start > 0 {
            if bytes[start - 1] == b'\n' {
                newlines += 1;
                if newlines > WINDOW_MARGIN {
                    break;
                }
            }
            start -= 1;
        }
        // On past the end of the line WINDOW_MARGIN lines after `hi`.
        let mut end = hi;
        let mut newlines = 0;
        while end < bytes.len() {
            end += 1;
            if bytes[end - 1] == b'\n' {
                newlines += 1;
                if newlines > WINDOW_MARGIN {
                    break;
                }
            }
        }
        // The window starts after a newline and ends after one (or at the
        // ends of the file), so on character boundaries. miette counts a
        // lone `\r` as a line break too; only files that have one pay for
        // counting its way.
        let first_line = if source.has_cr() {
            let before = &bytes[..start];
            before
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')))
                .count()
        } else {
            source.line_col(start).0 - 1
        };
        Window {
            name: &source.name,
            text,
            start,
            end,
            first_line,
        }
    }
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        if span.offset() < self.start || span.offset() + span.len() > self.end {
            // Not a label of this diagnostic: read it from the whole file.
            let c =
                self.text
                    .as_bytes()
                    .read_span(span, context_lines_before, context_lines_after)?;
            return Ok(Box::new(miette::MietteSpanContents::new_named(
                self.name.to_string(),
                c.data(),
                *c.span(),
                c.line(),
                c.column(),
                c.line_count(),
            )));
        }
        let window = &self.text.as_bytes()[self.start..self.end];
        let local = miette::SourceSpan::new((span.offset() - self.start).into(), span.len());
        let c = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            c.data(),
            miette::SourceSpan::new((c.span().offset() + self.start).into(), c.span().len()),
            c.line() + self.first_line,
            c.column(),
            c.line_count() + self.first_line,
        )))
    }
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

/// The file as a terminal may show it: its name with every control
/// character escaped, its text with each one replaced by `?`s of the same
/// length in bytes, so that spans still point where they did
/// ([`crate::text`]). Nothing a file holds or is called reaches a terminal as
/// a control sequence, coloured output or not.
fn shown(source: &SourceFile) -> Cow<'_, SourceFile> {
    let name = crate::text::escaped(&source.name);
    let text = crate::text::visible_same_length(&source.text);
    if matches!((&name, &text), (Cow::Borrowed(_), Cow::Borrowed(_))) {
        return Cow::Borrowed(source);
    }
    Cow::Owned(SourceFile::new(name.into_owned(), text.into_owned()))
}

/// The diagnostic with every control character of its texts escaped: a
/// message quotes values as the user wrote them.
fn shown_diag(d: &Diagnostic) -> Diagnostic {
    let v = |s: &str| crate::text::visible(s).into_owned();
    let label = |l: &super::Label| super::Label {
        span: l.span,
        message: v(&l.message),
    };
    Diagnostic {
        code: d.code,
        severity: d.severity,
        message: v(&d.message),
        primary: label(&d.primary),
        secondary: d.secondary.iter().map(label).collect(),
        help: d.help.as_deref().map(v),
        note: d.note.as_deref().map(v),
    }
}

/// Renders one diagnostic as text, the way `topoc check` prints it.
pub fn text(diag: &Diagnostic, source: &SourceFile, style: TextStyle) -> String {
    text_shown(diag, &shown(source), style)
}

/// [`text`] on a file already made [`shown`].
fn text_shown(diag: &Diagnostic, source: &SourceFile, style: TextStyle) -> String {
    let diag = &shown_diag(diag);
    // A note of several lines is several notes.
    let note = diag.note.as_ref().map(|n| {
        n.lines()
            .map(|l| format!("note: {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let help = match (&diag.help, note) {
        (Some(h), Some(n)) => Some(format!("{h}\n{n}")),
        (Some(h), None) => Some(h.clone()),
        (None, Some(n)) => Some(n),
        (None, None) => None,
    };
    let adapter = Adapter {
        diag,
        source,
        named: Window::around(source, diag),
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
    text_report(diags, source, style, 0)
}

/// [`text_all`], the summary counting the warnings lint levels allowed.
pub fn text_report(
    diags: &[Diagnostic],
    source: &SourceFile,
    style: TextStyle,
    allowed: usize,
) -> String {
    let source = &shown(source);
    let mut out = String::new();
    for d in diags {
        out.push_str(&text_shown(d, source, style));
        out.push('\n');
    }
    let (e, w) = super::counts(diags);
    out.push_str(&summary_with(&source.name, e, w, allowed));
    out.push('\n');
    out
}

/// "x.toml: 2 errors, 1 warning" or "x.toml: ok".
pub fn summary(name: &str, errors: usize, warnings: usize) -> String {
    summary_with(name, errors, warnings, 0)
}

/// [`summary`], with "; 2 warnings allowed" when lint levels allowed some.
pub fn summary_with(name: &str, errors: usize, warnings: usize, allowed: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut s = match (errors, warnings) {
        (0, 0) => format!("{name}: ok"),
        (0, w) => format!("{name}: ok, {}", plural(w, "warning")),
        (e, 0) => format!("{name}: {}", plural(e, "error")),
        (e, w) => format!("{name}: {}, {}", plural(e, "error"), plural(w, "warning")),
    };
    if allowed > 0 {
        s.push_str(&format!("; {} allowed", plural(allowed, "warning")));
    }
    s
}

// ---------------------------------------------------------------- JSON
//
// The JSON report is a contract: `FORMAT` names its version, `schema()` is
// its JSON Schema (committed as `schemas/diagnostics.schema.json`), and the
// book's "Machine-readable output" chapter states what may change within a
// version. Every object is closed (`additionalProperties: false`), so a field
// added here and not to the schema fails the tests that validate reports.

/// The name and version of the report format. Within one version, fields
/// are only added; a field removed, renamed or retyped is a new version.
pub const FORMAT: &str = "topoc-diagnostics/1";

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
struct JsonLint {
    code: &'static str,
    name: &'static str,
    level: Level,
    /// What the deciding setting named: the code, its name, or `warnings`.
    set_by: &'static str,
    from: Origin,
}

/// Why a run stopped before its report was complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// The command line is wrong (exit 2).
    Usage,
    /// A file or stream cannot be read or written (exit 2).
    Io,
}

#[derive(Serialize)]
struct JsonFailure {
    kind: FailureKind,
    message: String,
}

/// One run's report: what `--format json` prints on standard output.
#[derive(Serialize)]
pub struct Report {
    format: &'static str,
    command: Option<String>,
    file: Option<String>,
    status: u8,
    errors: usize,
    warnings: usize,
    allowed: usize,
    lints: Vec<JsonLint>,
    diagnostics: Vec<JsonDiagnostic>,
    failure: Option<JsonFailure>,
}

impl Report {
    /// An empty report of `command` (`None` when the command line did not
    /// get as far as naming one).
    pub fn new(command: Option<&str>) -> Report {
        Report {
            format: FORMAT,
            command: command.map(str::to_string),
            file: None,
            status: 0,
            errors: 0,
            warnings: 0,
            allowed: 0,
            lints: Vec::new(),
            diagnostics: Vec::new(),
            failure: None,
        }
    }

    /// Adds the diagnostics of one file.
    pub fn add(&mut self, diags: &[Diagnostic], source: &SourceFile) {
        self.file = Some(source.name.clone());
        let (e, w) = super::counts(diags);
        self.errors += e;
        self.warnings += w;
        self.diagnostics
            .extend(diags.iter().map(|d| json_diag(d, source)));
    }

    /// Records the lint levels that applied, and how many warnings they
    /// allowed.
    pub fn lints(&mut self, r: &lint::Report) {
        self.allowed = r.allowed;
        self.lints = r
            .lints
            .applied()
            .into_iter()
            .map(|a| JsonLint {
                code: a.code.code,
                name: a.code.name,
                level: a.level,
                set_by: match a.by.lint {
                    lint::Lint::Code(c) => c.code,
                    lint::Lint::Warnings => lint::WARNINGS,
                },
                from: a.by.origin,
            })
            .collect();
    }

    /// Records why the run stopped (the first reason: what follows it is
    /// a consequence).
    pub fn fail(&mut self, kind: FailureKind, message: impl Into<String>) {
        if self.failure.is_none() {
            self.failure = Some(JsonFailure {
                kind,
                message: message.into(),
            });
        }
    }

    pub fn has_failure(&self) -> bool {
        self.failure.is_some()
    }

    /// The exit status the report stands for: 2 for a usage or I/O
    /// failure, 1 when a diagnostic is an error, else 0.
    pub fn status(&self) -> u8 {
        if self.failure.is_some() {
            2
        } else if self.errors > 0 {
            1
        } else {
            0
        }
    }

    /// The report as pretty JSON with a trailing newline.
    pub fn render(mut self) -> String {
        self.status = self.status();
        let mut s = serde_json::to_string_pretty(&self).unwrap_or_default();
        s.push('\n');
        s
    }
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

/// Renders all diagnostics of one file as the report of `topoc check`.
pub fn json(diags: &[Diagnostic], source: &SourceFile) -> String {
    let mut r = Report::new(Some("check"));
    r.add(diags, source);
    r.render()
}

/// The JSON Schema of [`Report`], draft 2020-12.
pub fn schema() -> serde_json::Value {
    use serde_json::json;
    let closed = |description: &str, props: serde_json::Value| {
        let required: Vec<String> = props
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        json!({
            "type": "object",
            "description": description,
            "properties": props,
            "required": required,
            "additionalProperties": false,
        })
    };
    let nullable = |ty: &str| json!({ "type": [ty, "null"] });
    let count = json!({ "type": "integer", "minimum": 0 });
    let codes: Vec<&str> = super::codes::ALL.iter().map(|c| c.code).collect();
    let names: Vec<&str> = super::codes::ALL.iter().map(|c| c.name).collect();
    let warning_codes: Vec<&str> = super::codes::ALL
        .iter()
        .filter(|c| c.severity == Severity::Warning && c.stage != super::codes::Stage::Import)
        .map(|c| c.code)
        .collect();
    let span = closed(
        "A byte range [start, end) of the file.",
        json!({ "start": count, "end": count }),
    );
    let label = closed(
        "A message at a place in the file.",
        json!({
            "primary": { "type": "boolean", "description": "The label on the offending value (one per diagnostic); the others point at the values involved." },
            "message": { "type": "string" },
            "line": { "type": "integer", "minimum": 1 },
            "column": { "type": "integer", "minimum": 1, "description": "In characters, from 1." },
            "span": { "$ref": "#/$defs/span" },
        }),
    );
    let diagnostic = closed(
        "One finding.",
        json!({
            "code": { "enum": codes, "description": "The stable code: `topoc explain CODE` explains it." },
            "name": { "enum": names, "description": "The code's name." },
            "severity": { "enum": ["error", "warning"], "description": "After lint levels: a denied warning is an error." },
            "message": { "type": "string", "description": "What is wrong, in one sentence." },
            "file": { "type": "string" },
            "line": { "type": ["integer", "null"], "minimum": 1, "description": "Of the primary label; null when the finding has no place in the file." },
            "column": { "type": ["integer", "null"], "minimum": 1 },
            "span": { "oneOf": [ { "$ref": "#/$defs/span" }, { "type": "null" } ] },
            "labels": { "type": "array", "items": { "$ref": "#/$defs/label" } },
            "help": { "type": ["string", "null"], "description": "What to change." },
            "note": { "type": ["string", "null"], "description": "Why it matters." },
        }),
    );
    let lint = closed(
        "The level of one warning code, when a setting decides it.",
        json!({
            "code": { "enum": warning_codes },
            "name": { "type": "string" },
            "level": { "enum": lint::Level::KEYWORDS },
            "set_by": { "type": "string", "description": "What the deciding setting named: this code, or `warnings`." },
            "from": { "enum": ["file", "command-line"], "description": "The file's `[lints]`, or --allow/--warn/--deny." },
        }),
    );
    let failure = closed(
        "Why the run stopped before it could check the file: a usage or an I/O error (exit 2).",
        json!({
            "kind": { "enum": ["usage", "io"] },
            "message": { "type": "string" },
        }),
    );
    let mut root = closed(
        "The report of one topoc run under --format json: the diagnostics of `check` and `build`, and any usage or I/O error of every command.",
        json!({
            "format": { "enum": [FORMAT], "description": "The format and its version. Within a version, fields are only added." },
            "command": { "type": ["string", "null"], "description": "The subcommand, null when the command line names none." },
            "file": nullable("string"),
            "status": { "enum": [0, 1, 2], "description": "The exit status: 0 success, 1 invalid topology, 2 usage or I/O error." },
            "errors": count,
            "warnings": count,
            "allowed": { "type": "integer", "minimum": 0, "description": "Warnings not reported because their level is allow." },
            "lints": { "type": "array", "items": { "$ref": "#/$defs/lint" } },
            "diagnostics": { "type": "array", "items": { "$ref": "#/$defs/diagnostic" } },
            "failure": { "oneOf": [ { "$ref": "#/$defs/failure" }, { "type": "null" } ] },
        }),
    );
    let body = root.as_object_mut().expect("an object");
    let mut out = serde_json::Map::new();
    out.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    out.insert(
        "$id".into(),
        json!("https://topoc.dev/schemas/diagnostics.schema.json"),
    );
    out.insert("title".into(), json!(format!("topoc report, {FORMAT}")));
    out.append(body);
    out.insert(
        "$defs".into(),
        json!({
            "span": span,
            "label": label,
            "diagnostic": diagnostic,
            "lint": lint,
            "failure": failure,
        }),
    );
    serde_json::Value::Object(out)
}

/// [`schema`] as pretty JSON with a trailing newline.
pub fn render_schema() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::codes;
    use crate::source::Span;

    /// What miette renders when handed the whole file, as before the window.
    fn whole_file(diag: &Diagnostic, source: &SourceFile) -> String {
        struct Whole<'a>(Adapter<'a>, miette::NamedSource<String>);
        impl fmt::Debug for Whole<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
        impl fmt::Display for Whole<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
        impl std::error::Error for Whole<'_> {}
        impl miette::Diagnostic for Whole<'_> {
            fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
                self.0.code()
            }
            fn source_code(&self) -> Option<&dyn SourceCode> {
                Some(&self.1)
            }
            fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
                self.0.labels()
            }
        }
        let w = Whole(
            Adapter {
                diag,
                source,
                named: Window::around(source, diag),
                help: None,
            },
            miette::NamedSource::new(source.name.clone(), source.text.to_string()),
        );
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false)
            .with_context_lines(1)
            .render_report(&mut out, &w)
            .unwrap();
        out
    }

    #[test]
    fn the_window_renders_like_the_whole_file() {
        let lines: Vec<String> = (0..40).map(|i| format!("key{i} = {i}")).collect();
        let plain = lines.join("\n");
        // A lone CR counts as a line break for miette; CRLF as one.
        let with_cr = plain.replacen("\n", "\r", 3).replacen("\n", "\r\n", 2);
        for text in [plain, with_cr] {
            let source = SourceFile::new("t.toml", text.as_str());
            let len = text.len();
            for (a, b) in [
                (0, 4),
                (15, 19),
                (len / 2, len / 2 + 3),
                (len - 2, len),
                (len, len),
            ] {
                let mut d = Diagnostic::new(&codes::T004, "m", Span::new(a, b), "here");
                let mine = |d: &Diagnostic| {
                    let adapter = Adapter {
                        diag: d,
                        source: &source,
                        named: Window::around(&source, d),
                        help: None,
                    };
                    let mut out = String::new();
                    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
                        .with_width(100)
                        .with_links(false)
                        .with_context_lines(1)
                        .render_report(&mut out, &adapter)
                        .unwrap();
                    out
                };
                assert_eq!(mine(&d), whole_file(&d, &source), "span {a}..{b}");
                d = d.label(Span::new(len / 3, len / 3 + 2), "far away");
                assert_eq!(
                    mine(&d),
                    whole_file(&d, &source),
                    "span {a}..{b} and another"
                );
            }
        }
    }
}
