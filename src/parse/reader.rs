//! Reading a spanned TOML tree against the language spec.
//!
//! Every accessor looks the key up in the table's [`TableSpec`], so a key the
//! spec does not declare cannot be read, and a key the file has but the spec
//! does not declare is reported (T002) when the table is opened. Accessors
//! report type errors (T003), bad values (T004) and missing required keys
//! (T005) and return `None`; the caller keeps going so that one run reports
//! every problem in the file.

use super::spec::{Field, TableSpec, Ty};
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::source::{Sp, Span};
use crate::units::{self, UnitError};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub type Value<'i> = Spanned<DeValue<'i>>;

/// An opened table: its spec, its entries and the span of the whole table.
pub struct Table<'a, 'i> {
    pub spec: &'static TableSpec,
    pub map: &'a DeTable<'i>,
    pub span: Span,
}

/// Collects the diagnostics of one parse.
#[derive(Default)]
pub struct Reader {
    pub diags: Vec<Diagnostic>,
    /// CPUs named by the CPU lists read so far, bounded by
    /// [`units::MAX_LISTED_CPUS`] so the lists of one file cannot make topoc
    /// allocate without bound.
    cpus_listed: usize,
}

fn span_of<T>(v: &Spanned<T>) -> Span {
    v.span().into()
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// What a type accepts, in words, for T003 messages.
pub fn expected(ty: &Ty) -> String {
    match ty {
        Ty::Int { .. } => "an integer".into(),
        Ty::Bool => "`true` or `false`".into(),
        Ty::Str | Ty::Name => "a string".into(),
        Ty::Enum(words) => format!("one of {}", quote_list(words)),
        Ty::Size => "a size string such as \"4GiB\"".into(),
        Ty::Latency => "a latency string such as \"120ns\"".into(),
        Ty::Bandwidth => "a bandwidth string such as \"64GB/s\"".into(),
        Ty::CpuList => "a CPU list such as \"0-3,8\"".into(),
        Ty::Pci => "a PCI address string such as \"0000:41:00.0\"".into(),
        Ty::Ref => "a name string or a node id".into(),
        Ty::RefList => "an array of names or node ids".into(),
        Ty::BoolOrSize => "`true`, `false` or a size such as \"2MiB\"".into(),
        Ty::BoolOrTables(_) => "`true`, `false` or an array of tables".into(),
        Ty::Table(_) => "a table".into(),
        Ty::Tables(_) => "an array of tables".into(),
        Ty::Lints => "a table of lint levels such as { T042 = \"allow\" }".into(),
    }
}

pub fn quote_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn full_key(spec: &TableSpec, key: &str) -> String {
    if spec.path.is_empty() {
        key.to_string()
    } else {
        format!("{}.{key}", spec.path)
    }
}

impl Reader {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn wrong_type(&mut self, spec: &TableSpec, field: &Field, v: &Value<'_>) {
        let msg = format!(
            "`{}` must be {}, not {}",
            full_key(spec, field.key),
            expected(&field.ty),
            type_name(v.get_ref())
        );
        let mut d = Diagnostic::new(
            &codes::T003,
            msg,
            span_of(v),
            format!("{} here", type_name(v.get_ref())),
        );
        if let Some(ex) = field.example {
            d = d.help(format!("for example: {} = {ex}", field.key));
        }
        self.push(d);
    }

    fn bad_value(&mut self, span: Span, e: UnitError) {
        let mut d = Diagnostic::new(&codes::T004, e.message.clone(), span, "invalid value");
        if let Some(h) = e.help {
            d = d.help(h);
        }
        self.push(d);
    }

    /// Opens `v` as a table of `spec`, reporting unknown keys.
    pub fn open<'a, 'i>(
        &mut self,
        spec: &'static TableSpec,
        v: &'a Value<'i>,
        field: Option<&Field>,
        parent: Option<&TableSpec>,
    ) -> Option<Table<'a, 'i>> {
        let DeValue::Table(map) = v.get_ref() else {
            if let (Some(f), Some(p)) = (field, parent) {
                self.wrong_type(p, f, v);
            }
            return None;
        };
        let t = Table {
            spec,
            map,
            span: span_of(v),
        };
        for (k, _) in map.iter() {
            let key: &str = k.get_ref();
            if spec.field(key).is_none() {
                let place = if spec.path.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in `[{}]`", spec.path)
                };
                let mut d = Diagnostic::new(
                    &codes::T002,
                    format!("unknown key `{key}` {place}"),
                    span_of(k),
                    "unknown key",
                );
                d = match did_you_mean(key, spec.fields.iter().map(|f| f.key)) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!(
                        "keys here are {}",
                        spec.fields
                            .iter()
                            .map(|f| format!("`{}`", f.key))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                self.push(d);
            }
        }
        Some(t)
    }

    /// The raw value of `key`, reporting T005 if it is required and absent.
    pub fn raw<'a, 'i>(
        &mut self,
        t: &Table<'a, 'i>,
        key: &str,
    ) -> Option<(&'static Field, &'a Value<'i>)> {
        let field = t.spec.field(key);
        debug_assert!(field.is_some(), "{}.{key} is not in the spec", t.spec.path);
        let field = field?;
        match t.map.get(key) {
            Some(v) => Some((field, v)),
            None => {
                if field.required {
                    let place = if t.spec.path.is_empty() {
                        "the file".to_string()
                    } else {
                        format!("`[{}]`", t.spec.path)
                    };
                    let mut d = Diagnostic::new(
                        &codes::T005,
                        format!("{place} is missing `{key}`"),
                        t.span,
                        format!("needs `{key}`"),
                    )
                    .note(field.doc);
                    if let Some(ex) = field.example {
                        d = d.help(format!("add {key} = {ex}"));
                    }
                    self.push(d);
                }
                None
            }
        }
    }

    pub fn int(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<i64>> {
        let (field, v) = self.raw(t, key)?;
        self.int_value(t.spec, field, v)
    }

    fn int_value(&mut self, spec: &TableSpec, field: &Field, v: &Value<'_>) -> Option<Sp<i64>> {
        let DeValue::Integer(i) = v.get_ref() else {
            self.wrong_type(spec, field, v);
            return None;
        };
        let span = span_of(v);
        let Ok(n) = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) else {
            self.bad_value(
                span,
                UnitError {
                    message: format!("`{}` is too large", i.as_str()),
                    help: None,
                },
            );
            return None;
        };
        if let Ty::Int { min, max } = field.ty {
            if n < min || n > max {
                self.push(
                    Diagnostic::new(
                        &codes::T004,
                        format!(
                            "`{}` is {n}, outside {min}..={max}",
                            full_key(spec, field.key)
                        ),
                        span,
                        "out of range",
                    )
                    .help(format!("use a value from {min} to {max}")),
                );
                return None;
            }
        }
        Some(Sp::new(n, span))
    }

    pub fn bool(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<bool>> {
        let (field, v) = self.raw(t, key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(*b, span_of(v))),
            _ => {
                self.wrong_type(t.spec, field, v);
                None
            }
        }
    }

    fn string<'a>(
        &mut self,
        spec: &TableSpec,
        field: &Field,
        v: &'a Value<'_>,
    ) -> Option<Sp<&'a str>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Sp::new(s.as_ref(), span_of(v))),
            _ => {
                self.wrong_type(spec, field, v);
                None
            }
        }
    }

    /// Free text. It reaches command lines, the SVG and the terminal, so a
    /// control character in it is refused (T180).
    pub fn str(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<String>> {
        let (field, v) = self.raw(t, key)?;
        let s = self.string(t.spec, field, v)?;
        if let Some((at, c)) = crate::text::first_forbidden(&s) {
            self.push(
                Diagnostic::new(
                    &codes::T180,
                    format!(
                        "`{}` holds {} at character {at}",
                        full_key(t.spec, key),
                        crate::text::describe(c)
                    ),
                    s.span,
                    "control character in this string",
                )
                .help("remove it: no key of the input language takes control characters, and this one would split or end a command-line argument, break the SVG or reach the terminal"),
            );
            return None;
        }
        Some(s.map(str::to_string))
    }

    /// A file path: free text ([`Reader::str`]) that is not empty, since an
    /// empty value names no file and a VMM reads `key=` as no value (T181).
    pub fn path(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<String>> {
        let s = self.str(t, key)?;
        if s.value.is_empty() {
            self.push(
                Diagnostic::new(
                    &codes::T181,
                    format!("`{}` is empty: it names no file", full_key(t.spec, key)),
                    s.span,
                    "empty path",
                )
                .help("give the file's path, or leave the key out"),
            );
            return None;
        }
        Some(s)
    }

    /// An identifier: starts with a letter; letters, digits, `-`, `_`, `.`.
    pub fn name(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<String>> {
        let (field, v) = self.raw(t, key)?;
        let s = self.string(t.spec, field, v)?;
        if let Err(e) = check_name(&s) {
            self.bad_value(s.span, e);
            return None;
        }
        Some(s.map(str::to_string))
    }

    /// One word of an enum; returns the parsed keyword.
    pub fn keyword<K>(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        parse: fn(&str) -> Option<K>,
    ) -> Option<Sp<K>> {
        let (field, v) = self.raw(t, key)?;
        let s = self.string(t.spec, field, v)?;
        match parse(&s) {
            Some(k) => Some(Sp::new(k, s.span)),
            None => {
                let words: &[&str] = match field.ty {
                    Ty::Enum(w) => w,
                    _ => &[],
                };
                let mut d = Diagnostic::new(
                    &codes::T004,
                    format!("`{}` cannot be \"{}\"", full_key(t.spec, key), s.value),
                    s.span,
                    "not a known value",
                );
                let path = full_key(t.spec, key);
                let retired = crate::parse::spec::RETIRED
                    .iter()
                    .find(|r| r.key == path && r.word == s.value);
                d = match (retired, did_you_mean(&s, words.iter().copied())) {
                    (Some(r), _) => d
                        .help(format!("{}; choices: {}", r.instead, quote_list(words)))
                        .note(r.why),
                    (None, Some(w)) => d.help(format!(
                        "did you mean \"{w}\"? choices: {}",
                        quote_list(words)
                    )),
                    (None, None) => d.help(format!("choices: {}", quote_list(words))),
                };
                self.push(d);
                None
            }
        }
    }

    fn unit<T>(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        parse: fn(&str) -> Result<T, UnitError>,
        zero: Option<T>,
    ) -> Option<Sp<T>> {
        let (field, v) = self.raw(t, key)?;
        self.unit_value(t.spec, field, v, parse, zero)
    }

    fn unit_value<T>(
        &mut self,
        spec: &TableSpec,
        field: &Field,
        v: &Value<'_>,
        parse: fn(&str) -> Result<T, UnitError>,
        zero: Option<T>,
    ) -> Option<Sp<T>> {
        if let (DeValue::Integer(i), Some(z)) = (v.get_ref(), zero) {
            if i.as_str() == "0" {
                return Some(Sp::new(z, span_of(v)));
            }
        }
        let s = self.string(spec, field, v)?;
        match parse(&s) {
            Ok(x) => Some(Sp::new(x, s.span)),
            Err(e) => {
                self.bad_value(s.span, e);
                None
            }
        }
    }

    pub fn size(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<u64>> {
        self.unit(t, key, units::parse_size, Some(0))
    }

    pub fn latency(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<u64>> {
        self.unit(t, key, units::parse_latency, None)
    }

    pub fn bandwidth(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<u64>> {
        self.unit(t, key, units::parse_bandwidth, None)
    }

    /// A PCI address; malformed ones get their own code (T070).
    pub fn pci(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<units::PciAddr>> {
        let (field, v) = self.raw(t, key)?;
        let s = self.string(t.spec, field, v)?;
        match units::parse_pci(&s) {
            Ok(a) => Some(Sp::new(a, s.span)),
            Err(e) => {
                let mut d = Diagnostic::new(&codes::T070, e.message, s.span, "not a PCI address");
                if let Some(h) = e.help {
                    d = d.help(h);
                }
                self.push(d);
                None
            }
        }
    }

    /// A CPU list: `"0-3,8"`, a single integer, or an array of integers.
    pub fn cpulist(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<units::CpuList>> {
        let (field, v) = self.raw(t, key)?;
        let span = span_of(v);
        let room = units::MAX_LISTED_CPUS.saturating_sub(self.cpus_listed);
        match v.get_ref() {
            DeValue::String(s) => match units::parse_cpulist_within(s, room) {
                Ok(l) => {
                    self.cpus_listed += l.len();
                    Some(Sp::new(l, span))
                }
                Err(e) => {
                    self.bad_value(span, e);
                    None
                }
            },
            DeValue::Integer(i) => match i.as_str().parse::<u32>() {
                Ok(n) => Some(Sp::new(vec![n], span)),
                Err(_) => {
                    self.bad_value(
                        span,
                        UnitError {
                            message: format!("`{}` is not a CPU number", i.as_str()),
                            help: None,
                        },
                    );
                    None
                }
            },
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Integer(i) => match i.as_str().parse::<u32>() {
                            Ok(n) => out.push(n),
                            Err(_) => {
                                self.bad_value(
                                    span_of(item),
                                    UnitError {
                                        message: format!("`{}` is not a CPU number", i.as_str()),
                                        help: None,
                                    },
                                );
                                return None;
                            }
                        },
                        _ => {
                            self.wrong_type(t.spec, field, item);
                            return None;
                        }
                    }
                }
                out.sort_unstable();
                if let Some(w) = out.windows(2).find(|w| w[0] == w[1]) {
                    self.bad_value(
                        span,
                        UnitError {
                            message: format!("CPU {} is listed twice", w[0]),
                            help: None,
                        },
                    );
                    return None;
                }
                self.cpus_listed += out.len();
                Some(Sp::new(out, span))
            }
            _ => {
                self.wrong_type(t.spec, field, v);
                None
            }
        }
    }

    fn reference_value(
        &mut self,
        spec: &TableSpec,
        field: &Field,
        v: &Value<'_>,
    ) -> Option<Sp<RefName>> {
        let span = span_of(v);
        match v.get_ref() {
            DeValue::String(s) => Some(Sp::new(RefName::Name(s.to_string()), span)),
            DeValue::Integer(i) => match i.as_str().parse::<u32>() {
                Ok(n) => Some(Sp::new(RefName::Id(n), span)),
                Err(_) => {
                    self.bad_value(
                        span,
                        UnitError {
                            message: format!("`{}` is not a node id", i.as_str()),
                            help: None,
                        },
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(spec, field, v);
                None
            }
        }
    }

    pub fn reference(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<RefName>> {
        let (field, v) = self.raw(t, key)?;
        self.reference_value(t.spec, field, v)
    }

    pub fn references(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<Vec<Sp<RefName>>>> {
        let (field, v) = self.raw(t, key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(t.spec, field, v);
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            out.push(self.reference_value(t.spec, field, item)?);
        }
        Some(Sp::new(out, span_of(v)))
    }

    /// A sub-table declared as `Ty::Table`.
    pub fn table<'a, 'i>(&mut self, t: &Table<'a, 'i>, key: &str) -> Option<Table<'a, 'i>> {
        let (field, v) = self.raw(t, key)?;
        let Ty::Table(spec) = field.ty else {
            return None;
        };
        self.open(spec, v, Some(field), Some(t.spec))
    }

    /// The lint levels of a `Ty::Lints` table: unknown codes (T007), levels
    /// an error cannot take (T008) and one code set twice, by its code and
    /// its name (T009), are reported; levels that are not a level word are
    /// T004.
    pub fn lints(&mut self, t: &Table<'_, '_>, key: &str) -> Vec<super::syntax::LintEntry> {
        use crate::diag::lint::{Level, Lint};
        let Some((field, v)) = self.raw(t, key) else {
            return Vec::new();
        };
        let DeValue::Table(map) = v.get_ref() else {
            self.wrong_type(t.spec, field, v);
            return Vec::new();
        };
        let mut entries: Vec<(&Spanned<_>, &Value<'_>)> = map.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut out: Vec<super::syntax::LintEntry> = Vec::new();
        for (k, value) in entries {
            let name: &str = k.get_ref();
            let key_span = span_of(k);
            // Exactly as `topoc explain --list` writes them, so that what the
            // schema accepts and what topoc accepts are one set.
            let lint = Lint::lookup(name).filter(|l| match l {
                Lint::Code(c) => c.code == name || c.name == name,
                Lint::Warnings => name == crate::diag::lint::WARNINGS,
            });
            let level = match value.get_ref() {
                DeValue::String(w) => match Level::parse(w) {
                    Some(l) => Some(Sp::new(l, span_of(value))),
                    None => {
                        let hint = did_you_mean(w, Level::KEYWORDS.iter().copied())
                            .map(|s| format!("did you mean \"{s}\"? "))
                            .unwrap_or_default();
                        self.push(
                            Diagnostic::new(
                                &codes::T004,
                                format!("`{key}.{name}` cannot be \"{w}\""),
                                span_of(value),
                                "not a lint level",
                            )
                            .help(format!("{hint}choices: {}", quote_list(Level::KEYWORDS))),
                        );
                        None
                    }
                },
                other => {
                    self.push(
                        Diagnostic::new(
                            &codes::T003,
                            format!(
                                "`{key}.{name}` must be one of {}, not {}",
                                quote_list(Level::KEYWORDS),
                                type_name(other)
                            ),
                            span_of(value),
                            format!("{} here", type_name(other)),
                        )
                        .help(format!("for example: {name} = \"allow\"")),
                    );
                    None
                }
            };
            let Some(lint) = lint else {
                let candidates = crate::diag::codes::ALL
                    .iter()
                    .flat_map(|c| [c.code, c.name])
                    .chain([crate::diag::lint::WARNINGS]);
                let help = match did_you_mean(name, candidates) {
                    Some(s) => {
                        format!("did you mean `{s}`? `topoc explain --list` lists the codes")
                    }
                    None => "name a code (`T042`), its name (`spm-on-cpu-node`) or `warnings`; \
                             `topoc explain --list` lists the codes"
                        .to_string(),
                };
                self.push(
                    Diagnostic::new(
                        &codes::T007,
                        format!("`[{key}]` names `{name}`, which is no diagnostic code"),
                        key_span,
                        "no such code",
                    )
                    .help(help),
                );
                continue;
            };
            let Some(level) = level else { continue };
            if let Some(why) = lint.refuses(level.value) {
                self.push(
                    Diagnostic::new(&codes::T008, why, level.span, "an error's level")
                        .label(key_span, "this code is an error")
                        .help(format!(
                            "remove `{name}` from `[{key}]` and fix what it reports; \
                             `topoc explain {}` says how",
                            lint.key()
                        )),
                );
                continue;
            }
            if let Some(first) = out.iter().find(|e| e.lint == lint) {
                if first.level.value != level.value {
                    self.push(
                        Diagnostic::new(
                            &codes::T009,
                            format!(
                                "`{name}` is {}, which `[{key}]` already sets to \"{}\"",
                                lint.key(),
                                first.level.value.as_str()
                            ),
                            key_span,
                            format!("\"{}\" here", level.value.as_str()),
                        )
                        .label(
                            first.key,
                            format!("\"{}\" here", first.level.value.as_str()),
                        )
                        .help("keep one of the two keys"),
                    );
                }
                continue;
            }
            out.push(super::syntax::LintEntry {
                key: key_span,
                lint,
                level,
            });
        }
        out
    }

    /// An array of tables declared as `Ty::Tables` (or the table part of `BoolOrTables`).
    pub fn tables<'a, 'i>(&mut self, t: &Table<'a, 'i>, key: &str) -> Vec<Table<'a, 'i>> {
        let Some((field, v)) = self.raw(t, key) else {
            return Vec::new();
        };
        let spec = match field.ty {
            Ty::Tables(s) | Ty::BoolOrTables(s) => s,
            _ => return Vec::new(),
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(t.spec, field, v);
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.open(spec, item, Some(field), Some(t.spec)))
            .collect()
    }

    /// `true`/`false` or an array of tables; read the tables with [`Reader::tables`].
    pub fn bool_or_tables(&mut self, t: &Table<'_, '_>, key: &str) -> BoolOrTables {
        let (Some(v), Some(field)) = (t.map.get(key), t.spec.field(key)) else {
            return BoolOrTables::Absent;
        };
        match v.get_ref() {
            DeValue::Boolean(b) => BoolOrTables::Bool(Sp::new(*b, span_of(v))),
            DeValue::Array(_) => BoolOrTables::Tables,
            _ => {
                self.wrong_type(t.spec, field, v);
                BoolOrTables::Invalid
            }
        }
    }

    /// `true`/`false` or a size.
    pub fn bool_or_size(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Sp<BoolOrSize>> {
        let (field, v) = self.raw(t, key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(BoolOrSize::Bool(*b), span_of(v))),
            DeValue::String(_) => self
                .unit_value(t.spec, field, v, units::parse_size, None)
                .map(|s| s.map(BoolOrSize::Size)),
            _ => {
                self.wrong_type(t.spec, field, v);
                None
            }
        }
    }
}

/// A reference as written: a name, or a node id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefName {
    Name(String),
    Id(u32),
}

impl std::fmt::Display for RefName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefName::Name(n) => write!(f, "\"{n}\""),
            RefName::Id(i) => write!(f, "node {i}"),
        }
    }
}

/// What a `BoolOrTables` key holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoolOrTables {
    Absent,
    Bool(Sp<bool>),
    /// An array: read it with [`Reader::tables`].
    Tables,
    /// Neither; already reported.
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOrSize {
    Bool(bool),
    Size(u64),
}

/// Names are identifiers so they can be used as VMM object ids unchanged.
pub fn check_name(s: &str) -> Result<(), UnitError> {
    let ok_first = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let ok_rest = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if s.is_empty() || !ok_first || !ok_rest || s.len() > 64 {
        return Err(UnitError {
            message: format!("\"{s}\" is not a valid name"),
            help: Some(
                "a name starts with a letter and has only letters, digits, '-', '_' and '.' (at most 64)".into(),
            ),
        });
    }
    Ok(())
}
