//! Lint levels: how loud each warning code is, in the manner of Cargo's
//! `[lints]` and rustc's `-A/-W/-D`.
//!
//! A level is set for one warning code (by its code `T042` or its name
//! `spm-on-cpu-node`) or for the group `warnings`, in the file's `[lints]`
//! table and with `--allow/--warn/--deny` on the command line. A code's level
//! is, first found: the command line's setting for that code, the file's
//! setting for it; a code left at `warn` then takes the level of the group
//! `warnings` (command line first, then file), and `warn` when neither sets
//! it. So `--deny warnings` makes every warning an error except those the
//! file (or the command line) allows by code, as rustc's `-D warnings`
//! does. Errors take no level: an error always stops the build.

use super::{Code, Diagnostic, Severity, codes};
use serde::Serialize;

/// How loud a warning is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported, does not stop the build.
    Warn,
    /// Reported as an error: stops the build.
    Deny,
}

impl Level {
    /// The words, as the file and the command line write them.
    pub const KEYWORDS: &'static [&'static str] = &["allow", "warn", "deny"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// The name of the group of every warning.
pub const WARNINGS: &str = "warnings";

/// What a setting names: one code, or every warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lint {
    Code(&'static Code),
    Warnings,
}

impl Lint {
    /// A code (`T042`), a code's name (`spm-on-cpu-node`) or `warnings`,
    /// case-insensitively.
    pub fn lookup(key: &str) -> Option<Lint> {
        if key.eq_ignore_ascii_case(WARNINGS) {
            return Some(Lint::Warnings);
        }
        codes::lookup(key).map(Lint::Code)
    }

    /// How reports name it: the code, or `warnings`.
    pub fn key(self) -> &'static str {
        match self {
            Lint::Code(c) => c.code,
            Lint::Warnings => WARNINGS,
        }
    }

    /// What `--allow` and friends say when asked to set an error's level,
    /// or `None` when the level can be set.
    pub fn refuses(self, level: Level) -> Option<String> {
        match self {
            Lint::Code(c) if c.severity == Severity::Error && level != Level::Deny => {
                Some(format!(
                    "{} ({}) is an error, and an error cannot be {}: only warnings take a lint level",
                    c.code,
                    c.name,
                    if level == Level::Allow {
                        "allowed"
                    } else {
                        "lowered to a warning"
                    }
                ))
            }
            _ => None,
        }
    }
}

/// Where a setting was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The file's `[lints]` table.
    File,
    /// `--allow`, `--warn` or `--deny`.
    CommandLine,
}

/// One setting: a lint, its level, where it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub lint: Lint,
    pub level: Level,
    pub origin: Origin,
}

/// One warning code's level after every setting, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    pub code: &'static Code,
    pub level: Level,
    /// The setting that decided it.
    pub by: Setting,
}

/// The settings of one run, file and command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lints {
    settings: Vec<Setting>,
}

impl Lints {
    pub fn new(settings: Vec<Setting>) -> Lints {
        Lints { settings }
    }

    fn find(&self, lint: Lint, origin: Origin) -> Option<Setting> {
        // A later setting of the same lint wins (the reader and the command
        // line refuse contradictory repeats, so this only orders equals).
        self.settings
            .iter()
            .rev()
            .find(|s| s.lint == lint && s.origin == origin)
            .copied()
    }

    /// The setting that decides a warning code's level, if any.
    fn deciding(&self, code: &'static Code) -> Option<Setting> {
        let own = self
            .find(Lint::Code(code), Origin::CommandLine)
            .or_else(|| self.find(Lint::Code(code), Origin::File));
        match own {
            Some(s) if s.level != Level::Warn => Some(s),
            _ => self
                .find(Lint::Warnings, Origin::CommandLine)
                .or_else(|| self.find(Lint::Warnings, Origin::File))
                .or(own),
        }
    }

    /// The level of a code: errors are always `deny`.
    pub fn level(&self, code: &'static Code) -> Level {
        if code.severity == Severity::Error {
            return Level::Deny;
        }
        self.deciding(code).map_or(Level::Warn, |s| s.level)
    }

    /// The level of one finding. An error stays an error; a warning takes
    /// its code's level, also when the code is an error reported as a
    /// warning (what `--fallback` turns into a warning can be denied, by its
    /// code or by `warnings`, but not allowed).
    fn level_of(&self, d: &Diagnostic) -> Level {
        if d.is_error() {
            return Level::Deny;
        }
        match self.deciding(d.code).map_or(Level::Warn, |s| s.level) {
            Level::Allow if d.code.severity == Severity::Error => Level::Warn,
            level => level,
        }
    }

    /// Every warning code of a compile whose level a setting decides, in
    /// code order (`import`'s codes are not a compile's).
    pub fn applied(&self) -> Vec<Applied> {
        codes::ALL
            .iter()
            .copied()
            .filter(|c| c.severity == Severity::Warning && c.stage != codes::Stage::Import)
            .filter_map(|code| {
                self.deciding(code).map(|by| Applied {
                    code,
                    level: by.level,
                    by,
                })
            })
            .collect()
    }

    /// Applies the levels: allowed warnings are dropped (their number is
    /// returned), denied ones become errors. Errors are kept as they are.
    pub fn apply(&self, diags: &mut Vec<Diagnostic>) -> usize {
        let before = diags.len();
        diags.retain(|d| self.level_of(d) != Level::Allow);
        for d in diags.iter_mut() {
            if d.is_error() || self.level_of(d) != Level::Deny {
                continue;
            }
            d.severity = Severity::Error;
            if let Some(by) = self.deciding(d.code) {
                let why = format!("a warning, denied by {}", by.describe());
                d.note = Some(match d.note.take() {
                    Some(n) => format!("{n}\n{why}"),
                    None => why,
                });
            }
        }
        before - diags.len()
    }
}

impl Setting {
    /// The setting as it is written: `--deny warnings`, `T042 = "deny"` in
    /// `[lints]`.
    pub fn describe(&self) -> String {
        match self.origin {
            Origin::CommandLine => format!("`--{} {}`", self.level.as_str(), self.lint.key()),
            Origin::File => format!(
                "`{} = \"{}\"` in `[lints]`",
                self.lint.key(),
                self.level.as_str()
            ),
        }
    }
}

/// What the lint levels of one run were, and what they did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The file's `[lints]` (as far as it was read) and the command line's.
    pub lints: Lints,
    /// Warnings not reported because their level is `allow`.
    pub allowed: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(key: &str, level: Level, origin: Origin) -> Setting {
        Setting {
            lint: Lint::lookup(key).unwrap(),
            level,
            origin,
        }
    }

    #[test]
    fn code_beats_group_and_command_line_beats_file() {
        use Level::*;
        use Origin::*;
        let l = Lints::new(vec![
            set("T042", Allow, File),
            set("warnings", Deny, CommandLine),
        ]);
        assert_eq!(
            l.level(&codes::T042),
            Allow,
            "an allowed code stays allowed"
        );
        assert_eq!(l.level(&codes::T108), Deny);
        let l = Lints::new(vec![
            set("spm-on-cpu-node", Allow, File),
            set("T042", Deny, CommandLine),
        ]);
        assert_eq!(l.level(&codes::T042), Deny);
        assert_eq!(l.level(&codes::T108), Warn);
        // A code set back to warn on the command line follows the group.
        let l = Lints::new(vec![
            set("T042", Allow, File),
            set("T042", Warn, CommandLine),
            set("warnings", Deny, File),
        ]);
        assert_eq!(l.level(&codes::T042), Deny);
        let l = Lints::new(vec![
            set("warnings", Allow, File),
            set("warnings", Warn, CommandLine),
        ]);
        assert_eq!(l.level(&codes::T042), Warn);
        assert_eq!(l.level(&codes::T020), Deny, "errors are always errors");
    }

    /// Every combination of a code's and the group's settings, in the file
    /// and on the command line, against the rule as the book states it.
    #[test]
    fn precedence_over_every_combination() {
        use Level::*;
        let choices = [None, Some(Allow), Some(Warn), Some(Deny)];
        let mut seen = 0;
        for code_file in choices {
            for code_cli in choices {
                for group_file in choices {
                    for group_cli in choices {
                        let mut settings = Vec::new();
                        let mut push = |key: &str, level: Option<Level>, origin| {
                            if let Some(level) = level {
                                settings.push(set(key, level, origin));
                            }
                        };
                        // The order settings are given in does not matter.
                        push("warnings", group_cli, Origin::CommandLine);
                        push("spm-on-cpu-node", code_cli, Origin::CommandLine);
                        push("warnings", group_file, Origin::File);
                        push("T042", code_file, Origin::File);
                        let l = Lints::new(settings);
                        // 1. the command line's setting of the code, 2. the
                        // file's; 3. left at warn: the group's, command line
                        // first; 4. warn.
                        let own = code_cli.or(code_file);
                        let want = match own {
                            Some(Allow) => Allow,
                            Some(Deny) => Deny,
                            _ => group_cli.or(group_file).unwrap_or(Warn),
                        };
                        assert_eq!(
                            l.level(&codes::T042),
                            want,
                            "{code_file:?} {code_cli:?} {group_file:?} {group_cli:?}"
                        );
                        // A code no setting names follows the group alone.
                        assert_eq!(
                            l.level(&codes::T108),
                            group_cli.or(group_file).unwrap_or(Warn)
                        );
                        seen += 1;
                    }
                }
            }
        }
        assert_eq!(seen, 256);
    }

    #[test]
    fn apply_drops_allowed_and_raises_denied() {
        use crate::source::Span;
        let d = |c: &'static Code| Diagnostic::new(c, "m", Span::new(0, 1), "l");
        let mut diags = vec![d(&codes::T042), d(&codes::T108), d(&codes::T020)];
        let l = Lints::new(vec![
            set("T042", Level::Allow, Origin::File),
            set("warnings", Level::Deny, Origin::CommandLine),
        ]);
        assert_eq!(l.apply(&mut diags), 1);
        let got: Vec<_> = diags.iter().map(|d| (d.code.code, d.severity)).collect();
        assert_eq!(
            diags[0].note.as_deref(),
            Some("a warning, denied by `--deny warnings`")
        );
        assert_eq!(diags[1].note, None, "an error is as it was");
        assert_eq!(
            got,
            [("T108", Severity::Error), ("T020", Severity::Error)],
            "T042 allowed, T108 denied"
        );
        // The group decides every warning code but T042, which its own
        // setting decides.
        let warnings = codes::ALL
            .iter()
            .filter(|c| c.severity == Severity::Warning && c.stage != codes::Stage::Import)
            .count();
        let applied = l.applied();
        assert_eq!(applied.len(), warnings);
        assert!(
            applied
                .iter()
                .all(|a| (a.code.code == "T042") == (a.level == Level::Allow))
        );
    }

    #[test]
    fn an_error_reported_as_a_warning_can_be_denied_not_allowed() {
        use crate::source::Span;
        let mut fallback = Diagnostic::new(&codes::T200, "m", Span::new(0, 1), "l");
        fallback.severity = Severity::Warning;
        let mut diags = vec![fallback.clone()];
        assert_eq!(Lints::default().apply(&mut diags), 0);
        assert_eq!(
            diags[0].severity,
            Severity::Warning,
            "no setting: as reported"
        );
        let allow_all = Lints::new(vec![set("warnings", Level::Allow, Origin::File)]);
        assert_eq!(allow_all.apply(&mut diags), 0, "an error is never allowed");
        let deny = Lints::new(vec![set("warnings", Level::Deny, Origin::CommandLine)]);
        deny.apply(&mut diags);
        assert_eq!(diags[0].severity, Severity::Error);
    }

    #[test]
    fn errors_take_no_level() {
        let t020 = Lint::lookup("cpu-in-two-nodes").unwrap();
        assert!(t020.refuses(Level::Allow).is_some());
        assert!(t020.refuses(Level::Warn).is_some());
        assert!(t020.refuses(Level::Deny).is_none());
        assert!(Lint::Warnings.refuses(Level::Allow).is_none());
        assert!(
            Lint::lookup("T042")
                .unwrap()
                .refuses(Level::Allow)
                .is_none()
        );
        assert_eq!(Lint::lookup("WARNINGS"), Some(Lint::Warnings));
        assert_eq!(Lint::lookup("T999"), None);
    }
}
