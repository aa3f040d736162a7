//! The registry of diagnostic codes: the one source of truth for codes,
//! their default severity, their one-line title and their long explanation.
//!
//! `topoc explain CODE`, the book's diagnostic catalog and the test that
//! requires one bad-input file per code all read [`ALL`]. A code's long
//! explanation lives in `src/diag/explain/<CODE>.md`.
//!
//! Codes are stable: once released, a code keeps its meaning. Ranges:
//! T00x input syntax, T01x identity and references, T02x CPUs, T03x memory,
//! T04x SPM, T05x distances, T06x HMAT, T07x devices, T08x graph,
//! T1xx target capabilities.

use super::Severity;

/// The stage that reports a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// TOML syntax and the shape of the input (`parse`).
    Parse,
    /// Names, ids and references (`model`).
    Model,
    /// Graph rules over the IR (`check`).
    Check,
    /// What the chosen target, version or firmware can express (`check`, per target).
    Target,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    /// The stable code, `T` plus three digits.
    pub code: &'static str,
    /// A short kebab-case name, for people who prefer words.
    pub name: &'static str,
    pub severity: Severity,
    pub stage: Stage,
    /// One line, used in the catalog.
    pub title: &'static str,
    /// Markdown: what the rule protects, what the consumer would do
    /// otherwise, and how to fix it.
    pub explanation: &'static str,
}

macro_rules! codes {
    ($( $id:ident = $code:literal $name:literal $sev:ident $stage:ident $title:literal; )*) => {
        $(
            pub static $id: Code = Code {
                code: $code,
                name: $name,
                severity: Severity::$sev,
                stage: Stage::$stage,
                title: $title,
                explanation: include_str!(concat!("explain/", $code, ".md")),
            };
        )*
        /// Every registered code, in code order.
        pub static ALL: &[&Code] = &[$(&$id),*];
    };
}

codes! {
    T001 = "T001" "toml-syntax" Error Parse "The file is not valid TOML";
    T002 = "T002" "unknown-key" Error Parse "A key the input language does not define";
    T003 = "T003" "wrong-type" Error Parse "A value of the wrong TOML type";
    T004 = "T004" "invalid-value" Error Parse "A value outside what its key accepts";
    T005 = "T005" "missing-key" Error Parse "A required key is missing";
    T006 = "T006" "unsupported-version" Error Parse "The file asks for a language version topoc does not know";
    T010 = "T010" "duplicate-node-id" Error Model "Two nodes share one proximity domain id";
    T011 = "T011" "duplicate-name" Error Model "Two entities share one name";
    T012 = "T012" "unknown-reference" Error Model "A reference names no node or device";
    T070 = "T070" "bad-pci-address" Error Parse "A PCI address is malformed";
    T071 = "T071" "device-source" Error Model "A device needs exactly one of a host address or a stand-in";
}

/// Looks a code up by its code (`T010`) or its name (`duplicate-node-id`),
/// case-insensitively.
pub fn lookup(key: &str) -> Option<&'static Code> {
    ALL.iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ALL {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert!(c.code.len() == 4 && c.code.starts_with('T'), "{}", c.code);
            assert!(c.code[1..].chars().all(|d| d.is_ascii_digit()));
            assert!(
                c.explanation.starts_with(&format!("# {}", c.code)),
                "{}.md must start with '# {}'",
                c.code,
                c.code
            );
            assert!(!c.title.ends_with('.'), "{}: titles have no full stop", c.code);
        }
        let names: std::collections::BTreeSet<_> = ALL.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), ALL.len(), "names are unique");
        let codes: Vec<_> = ALL.iter().map(|c| c.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "ALL is in code order");
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("t010").map(|c| c.code), Some("T010"));
        assert_eq!(lookup("duplicate-name").map(|c| c.code), Some("T011"));
        assert!(lookup("T999").is_none());
    }
}
