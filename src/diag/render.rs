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

/// Adapts one [`Diagnostic`] and its excerpt of the file to miette's trait.
struct Adapter<'a> {
    diag: &'a Diagnostic,
    excerpt: Excerpt<'a>,
    help: Option<String>,
}

/// Lines of context miette shows before and after a label.
const CONTEXT_LINES: usize = 1;

/// Two labels' snippets with at most this many lines between them are
/// drawn as one, those lines included.
const JOIN_GAP: usize = 8;

/// A label running over more lines than this is shown on its first line
/// only (from its start to the end of that line).
const MAX_LABEL_LINES: usize = 8;

/// A line longer than this many bytes is shown in pieces: around each
/// label on it, and its start when no label is on it.
const LONG_LINE: usize = 240;

/// Characters of a long line kept on each side of a label.
const KEEP_AROUND: usize = 40;

/// Characters of a label kept on a long line; a longer label is underlined
/// from its start for this many.
const KEEP_LABEL: usize = 60;

/// Characters kept of a long line that has no label on it.
const KEEP_CONTEXT: usize = 80;

/// Marks where a long line was cut.
const CUT: &str = "…";

/// What miette reads of a file for one diagnostic: only the lines around
/// its labels (each with its context), long lines cut down around the
/// labels on them, and the labels' spans moved into this text. Line
/// numbers and the header's column stay the file's.
///
/// miette finds a span's line by scanning from the start of what it is
/// given and merges the snippets of two labels whenever the second starts
/// before about twice the first's line number (it adds the first's line
/// number to its line count), so the whole file made a report of many
/// findings quadratic twice over: in the scan, and in a snippet running
/// from a link at the top to its duplicate at the bottom. It also panics on
/// a label past column 65,535 (a formatting width). An excerpt is small
/// whatever the file, so rendering one diagnostic costs the size of its
/// labels' lines as shown, not of the file.
struct Excerpt<'a> {
    source: &'a SourceFile,
    text: String,
    lines: Vec<ExcerptLine>,
    /// Labels in `text`: (primary, message, offset, length).
    labels: Vec<(bool, String, usize, usize)>,
}

struct ExcerptLine {
    /// Byte offset of the line in the excerpt.
    start: usize,
    /// Its 0-based line number in the file.
    number: usize,
    /// The pieces of the file's line kept, in order.
    pieces: Vec<Piece>,
    /// Where the line's text ends, in the file and in the excerpt, and the
    /// length of the line break after it (the same in both).
    file_end: usize,
    excerpt_end: usize,
    brk: usize,
}

/// A run of bytes copied from the file into the excerpt.
#[derive(Clone, Copy)]
struct Piece {
    file: usize,
    excerpt: usize,
    len: usize,
}

/// The byte offset `n` characters before `at` in `s` (or 0).
fn back_chars(s: &str, at: usize, n: usize) -> usize {
    let at = floor_boundary(s, at.min(s.len()));
    s[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
        .min(at)
}

/// The byte offset `n` characters after `at` in `s` (or its end).
fn forward_chars(s: &str, at: usize, n: usize) -> usize {
    let at = floor_boundary(s, at.min(s.len()));
    s[at..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(i, _)| at + i)
}

impl<'a> Excerpt<'a> {
    fn new(source: &'a SourceFile, diag: &Diagnostic) -> Excerpt<'a> {
        let text: &str = &source.text;
        let len = text.len();
        let clamp = |s: crate::source::Span| {
            let start = floor_boundary(text, (s.start as usize).min(len));
            let end = floor_boundary(text, (s.end as usize).clamp(start, len));
            (start, end)
        };
        // Each label as (primary, message, start, end, first line, last line).
        let mut labels = Vec::new();
        if !diag.primary.span.is_detached() {
            labels.push((true, &diag.primary.message, clamp(diag.primary.span)));
        }
        for l in &diag.secondary {
            labels.push((false, &l.message, clamp(l.span)));
        }
        let labels: Vec<(bool, &String, usize, usize, usize)> = labels
            .into_iter()
            .map(|(primary, message, (start, end))| {
                let first = source.line_of(start);
                let last = source.line_of(if end > start { end - 1 } else { start });
                if last - first >= MAX_LABEL_LINES {
                    let (line, _) = source.line_range(first);
                    (primary, message, start, line.end.max(start), first)
                } else {
                    (primary, message, start, end, first)
                }
            })
            .collect();
        // The lines to show: every label's, with their context.
        let last_line = source.line_count() - 1;
        let mut wanted: Vec<(usize, usize)> = labels
            .iter()
            .map(|&(_, _, start, end, first)| {
                let last = source.line_of(if end > start { end - 1 } else { start });
                // One line more than the context after: miette shows it
                // when a label ends on the CR of a CRLF.
                (
                    first.saturating_sub(CONTEXT_LINES),
                    (last + CONTEXT_LINES + 1).min(last_line),
                )
            })
            .collect();
        wanted.sort_unstable();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (a, b) in wanted {
            match ranges.last_mut() {
                Some(r) if a <= r.1 + 1 + JOIN_GAP => r.1 = r.1.max(b),
                _ => ranges.push((a, b)),
            }
        }
        let mut out = Excerpt {
            source,
            text: String::new(),
            lines: Vec::new(),
            labels: Vec::new(),
        };
        for (a, b) in ranges {
            for number in a..=b {
                let (range, brk) = source.line_range(number);
                let line = &text[range.clone()];
                let keep = if line.len() <= LONG_LINE {
                    vec![(0, line.len())]
                } else {
                    long_line_keep(line, range.start, &labels)
                };
                let mut pieces = Vec::new();
                let start = out.text.len();
                let mut at = 0;
                for (k0, k1) in keep {
                    if k0 > at {
                        out.text.push_str(CUT);
                    }
                    pieces.push(Piece {
                        file: range.start + k0,
                        excerpt: out.text.len(),
                        len: k1 - k0,
                    });
                    out.text.push_str(&line[k0..k1]);
                    at = k1;
                }
                if at < line.len() {
                    out.text.push_str(CUT);
                }
                // A CRLF stays (miette reads it as one break, as the file
                // does); a lone CR becomes LF, which miette's line splitter
                // would not take for a break.
                let excerpt_end = out.text.len();
                out.text.push_str(match brk {
                    2 => "\r\n",
                    1 => "\n",
                    _ => "",
                });
                out.lines.push(ExcerptLine {
                    start,
                    number,
                    pieces,
                    file_end: range.end,
                    excerpt_end,
                    brk,
                });
            }
        }
        for &(primary, message, start, end, first) in &labels {
            let from = out.to_excerpt(start);
            let last = source.line_of(if end > start { end - 1 } else { start });
            // On a long last line, a label is underlined for KEEP_LABEL characters.
            let (range, _) = source.line_range(last);
            let end = if range.len() > LONG_LINE {
                let on_line = if last == first { start } else { range.start };
                let line = &text[range.clone()];
                let cap = range.start + forward_chars(line, on_line - range.start, KEEP_LABEL);
                end.min(cap)
            } else {
                end
            };
            let to = out.to_excerpt(end).max(from);
            out.labels.push((primary, message.clone(), from, to - from));
        }
        out
    }

    /// Where a byte of the file is in the excerpt: in a piece, or at the cut
    /// after the piece before it.
    fn to_excerpt(&self, offset: usize) -> usize {
        let source = self.source;
        let number = source.line_of(offset);
        let i = self.lines.partition_point(|l| l.number < number);
        let Some(line) = self.lines.get(i).filter(|l| l.number == number) else {
            return self.text.len();
        };
        if offset > line.file_end {
            // In the line break.
            return line.excerpt_end + (offset - line.file_end).min(line.brk);
        }
        let mut pos = line.start;
        for p in &line.pieces {
            if offset < p.file {
                break;
            }
            pos = p.excerpt + (offset - p.file).min(p.len);
            if offset <= p.file + p.len {
                break;
            }
        }
        pos
    }

    /// The excerpt line holding byte `offset` of the excerpt.
    fn line_at(&self, offset: usize) -> &ExcerptLine {
        let i = self.lines.partition_point(|l| l.start <= offset).max(1) - 1;
        &self.lines[i]
    }

    /// The file's offset of an excerpt offset within a piece.
    fn to_file(&self, offset: usize) -> usize {
        let line = self.line_at(offset);
        if offset > line.excerpt_end {
            return line.file_end + (offset - line.excerpt_end).min(line.brk);
        }
        let mut file = line.pieces.first().map_or(0, |p| p.file);
        for p in &line.pieces {
            if offset >= p.excerpt {
                file = p.file + (offset - p.excerpt).min(p.len);
            }
        }
        file
    }
}

/// What to keep of a long line (`line` starts at byte `at` of the file):
/// byte ranges around each label on it, sorted and merged, on character
/// boundaries; the start of the line when none is.
fn long_line_keep(
    line: &str,
    at: usize,
    labels: &[(bool, &String, usize, usize, usize)],
) -> Vec<(usize, usize)> {
    let end = at + line.len();
    let mut keep: Vec<(usize, usize)> = labels
        .iter()
        .filter(|&&(_, _, s, e, _)| s <= end && e >= at)
        .map(|&(_, _, s, e, _)| {
            let a = s.max(at) - at;
            let b = e.clamp(at, end) - at;
            let b = b.min(forward_chars(line, a, KEEP_LABEL));
            (
                back_chars(line, a, KEEP_AROUND),
                forward_chars(line, b, KEEP_AROUND),
            )
        })
        .collect();
    if keep.is_empty() {
        return vec![(0, forward_chars(line, 0, KEEP_CONTEXT))];
    }
    keep.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in keep {
        match merged.last_mut() {
            Some(r) if a <= r.1 => r.1 = r.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The excerpt as miette reads it, with the file's name, line numbers and
/// columns.
impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        let e = self;
        let c = e
            .text
            .as_bytes()
            .read_span(span, context_lines_before, context_lines_after)?;
        let first = e.line_at(c.span().offset()).number;
        let last = e
            .line_at(c.span().offset() + c.span().len().saturating_sub(1))
            .number;
        // The header's column: the file's, in characters.
        let column = if context_lines_before == 0 {
            e.source.line_col(e.to_file(span.offset())).1 - 1
        } else {
            c.column()
        };
        // miette joins two snippets when the first's line plus its line
        // count reaches the second's line: counting JOIN_GAP more joins
        // snippets that close, whose lines between are in the excerpt.
        Ok(Box::new(miette::MietteSpanContents::new_named(
            e.source.name.clone(),
            c.data(),
            *c.span(),
            first,
            column,
            last + 1 - first + JOIN_GAP,
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
        has_span.then_some(&self.excerpt as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self
            .excerpt
            .labels
            .iter()
            .map(|(primary, message, at, len)| {
                if *primary {
                    LabeledSpan::new_primary_with_span(Some(message.clone()), (*at, *len))
                } else {
                    LabeledSpan::new_with_span(Some(message.clone()), (*at, *len))
                }
            });
        Some(Box::new(labels))
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
        excerpt: Excerpt::new(source, diag),
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
        .with_context_lines(CONTEXT_LINES);
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

/// At most this many findings of one code are rendered as text; the rest
/// are counted in one line. The JSON report lists every finding.
pub const MAX_SHOWN_PER_CODE: usize = 20;

/// Renders the diagnostics and a summary line, as `topoc check` prints
/// them: the first [`MAX_SHOWN_PER_CODE`] of each code in full, then one
/// line per code saying how many more there are.
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
    // (code, findings) in the order codes first appear.
    let mut seen: Vec<(&'static str, usize)> = Vec::new();
    for d in diags {
        let k = match seen.iter().position(|(c, _)| *c == d.code.code) {
            Some(k) => k,
            None => {
                seen.push((d.code.code, 0));
                seen.len() - 1
            }
        };
        seen[k].1 += 1;
        if seen[k].1 <= MAX_SHOWN_PER_CODE {
            out.push_str(&text_shown(d, source, style));
            out.push('\n');
        }
    }
    for (code, n) in seen {
        if n > MAX_SHOWN_PER_CODE {
            let more = n - MAX_SHOWN_PER_CODE;
            out.push_str(&format!(
                "… and {} more {code} finding{} (`--format json` lists every finding)\n\n",
                thousands(more),
                if more == 1 { "" } else { "s" }
            ));
        }
    }
    let (e, w) = super::counts(diags);
    out.push_str(&summary_with(&source.name, e, w, allowed));
    out.push('\n');
    out
}

/// `1002990` as `1,002,990`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
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

    fn handler() -> GraphicalReportHandler {
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false)
            .with_context_lines(CONTEXT_LINES)
    }

    /// What miette renders when handed the whole file, as before excerpts.
    fn whole_file(diag: &Diagnostic, source: &SourceFile) -> String {
        struct Whole<'a>(&'a Diagnostic, miette::NamedSource<String>);
        impl fmt::Debug for Whole<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0.message)
            }
        }
        impl fmt::Display for Whole<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0.message)
            }
        }
        impl std::error::Error for Whole<'_> {}
        impl miette::Diagnostic for Whole<'_> {
            fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
                Some(Box::new(format!(
                    "{}({})",
                    self.0.code.code, self.0.code.name
                )))
            }
            fn severity(&self) -> Option<miette::Severity> {
                Some(miette::Severity::Error)
            }
            fn source_code(&self) -> Option<&dyn SourceCode> {
                Some(&self.1)
            }
            fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
                let d = self.0;
                let span = |s: Span| (s.start as usize, (s.end - s.start) as usize);
                let mut out = vec![LabeledSpan::new_primary_with_span(
                    Some(d.primary.message.clone()),
                    span(d.primary.span),
                )];
                for l in &d.secondary {
                    out.push(LabeledSpan::new_with_span(
                        Some(l.message.clone()),
                        span(l.span),
                    ));
                }
                Some(Box::new(out.into_iter()))
            }
        }
        let w = Whole(
            diag,
            miette::NamedSource::new(source.name.clone(), source.text.to_string()),
        );
        let mut out = String::new();
        handler().render_report(&mut out, &w).unwrap();
        out
    }

    fn mine(d: &Diagnostic, source: &SourceFile) -> String {
        text(d, source, TextStyle::PLAIN)
    }

    #[test]
    fn the_excerpt_renders_like_the_whole_file() {
        let lines: Vec<String> = (0..40).map(|i| format!("key{i} = {i}")).collect();
        let plain = lines.join("\n");
        let crlf = plain.replacen("\n", "\r\n", 5);
        for text in [plain, crlf] {
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
                assert_eq!(mine(&d, &source), whole_file(&d, &source), "span {a}..{b}");
                // A second label two lines on: one snippet, as miette makes it.
                let near = (b + 24).min(len);
                d = d.label(Span::new(near, near), "near");
                assert_eq!(
                    mine(&d, &source),
                    whole_file(&d, &source),
                    "span {a}..{b} and one near"
                );
            }
        }
    }

    #[test]
    fn labels_far_apart_are_two_snippets_of_their_own_lines() {
        let lines: Vec<String> = (1..=5000).map(|i| format!("key{i} = {i}")).collect();
        let text = lines.join("\n") + "\n";
        let source = SourceFile::new("t.toml", text.as_str());
        let at = |line: usize| text.find(&format!("key{line} =")).unwrap();
        let d = Diagnostic::new(
            &codes::T082,
            "a second link",
            Span::new(at(4000), at(4000) + 7),
            "second",
        )
        .label(Span::new(at(2500), at(2500) + 7), "first");
        let out = mine(&d, &source);
        // miette handed the whole file draws lines 2499 to 4001 as one snippet.
        assert!(whole_file(&d, &source).lines().count() > 1500);
        assert!(out.lines().count() < 20, "{out}");
        assert!(out.contains("[t.toml:4000:1]"), "{out}");
        assert!(out.contains("[t.toml:2500:1]"), "{out}");
        for n in [2499, 2500, 2501, 3999, 4000, 4001] {
            assert!(
                out.contains(&format!(" {n} │ key{n} = {n}")),
                "line {n}:\n{out}"
            );
        }
        assert!(!out.contains("2502 │") && !out.contains("3998 │"), "{out}");
    }

    #[test]
    fn a_label_past_column_65536_renders_cut_around_it() {
        let long = "x".repeat(100_000);
        let text = format!("[machine]\nname = \"{long}\", bogus = 1\nnext = 2\n");
        let source = SourceFile::new("t.toml", text.as_str());
        let at = text.find("bogus").unwrap();
        let d = Diagnostic::new(&codes::T002, "unknown key", Span::new(at, at + 5), "here")
            .label(Span::new(17, 21), "the name");
        let out = mine(&d, &source);
        // The header points at the label itself: line 2, column 100,012.
        assert!(out.contains("[t.toml:2:100012]"), "{out}");
        let line = out.lines().find(|l| l.contains("bogus")).unwrap();
        assert!(
            line.contains("…xxxx") && line.contains("\", bogus = 1"),
            "{out}"
        );
        assert!(line.starts_with(" 2 │ name = \"xxxx"), "{out}");
        assert!(line.chars().count() < 300, "{line}");
        // The underline is under `bogus`.
        let under = out.lines().find(|l| l.contains("──┬──")).unwrap();
        let col = |s: &str, pat: &str| s[..s.find(pat).unwrap()].chars().count();
        assert_eq!(col(under, "──┬──"), col(line, "bogus"), "{out}");
        assert!(out.contains(" 3 │ next = 2"), "{out}");
        // A label spanning the whole long string is underlined from its start.
        let d = Diagnostic::new(
            &codes::T004,
            "long",
            Span::new(17, 17 + long.len() + 2),
            "all",
        );
        let out = mine(&d, &source);
        assert!(out.contains("[t.toml:2:8]"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    }

    #[test]
    fn long_lines_of_multibyte_characters_cut_on_boundaries() {
        let text = format!("a = \"{}\" b\n", "é".repeat(70_000));
        let source = SourceFile::new("t.toml", text.as_str());
        let at = text.find(" b").unwrap() + 1;
        let d = Diagnostic::new(&codes::T002, "m", Span::new(at, at + 1), "b");
        let out = mine(&d, &source);
        assert!(out.contains("[t.toml:1:70008]"), "{out}");
        assert!(out.contains("…éé"), "{out}");
    }

    #[test]
    fn a_label_over_many_lines_shows_its_first() {
        let lines: Vec<String> = (1..=50).map(|i| format!("key{i} = {i}")).collect();
        let text = lines.join("\n");
        let source = SourceFile::new("t.toml", text.as_str());
        let d = Diagnostic::new(&codes::T004, "m", Span::new(0, text.len()), "all of it");
        let out = mine(&d, &source);
        assert!(
            out.contains(" 1 │ key1 = 1") && out.contains(" 2 │ key2 = 2"),
            "{out}"
        );
        assert!(!out.contains("key3 ="), "{out}");
    }

    #[test]
    fn text_shows_twenty_findings_of_a_code_and_counts_the_rest() {
        let text = "a = 1\nb = 2\n";
        let source = SourceFile::new("t.toml", text);
        let mut diags: Vec<Diagnostic> = (0..1234)
            .map(|i| Diagnostic::new(&codes::T004, format!("finding {i}"), Span::new(0, 1), "a"))
            .collect();
        diags.push(Diagnostic::new(&codes::T002, "other", Span::new(6, 7), "b"));
        let out = text_all(&diags, &source, TextStyle::PLAIN);
        assert_eq!(out.matches("T004(").count(), MAX_SHOWN_PER_CODE);
        assert!(out.contains("finding 19\n") && !out.contains("finding 20\n"));
        assert_eq!(out.matches("T002(").count(), 1);
        assert!(
            out.contains("… and 1,214 more T004 findings (`--format json` lists every finding)"),
            "{out}"
        );
        assert!(!out.contains("more T002"));
        assert!(out.ends_with("t.toml: 1235 errors\n"), "{out}");
        // The JSON keeps every one.
        let json: serde_json::Value = serde_json::from_str(&json(&diags, &source)).unwrap();
        assert_eq!(json["diagnostics"].as_array().unwrap().len(), 1235);
        let one_more: Vec<Diagnostic> = diags[..21].to_vec();
        let out = text_all(&one_more, &source, TextStyle::PLAIN);
        assert!(out.contains("… and 1 more T004 finding ("), "{out}");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_002_990), "1,002,990");
    }
}
