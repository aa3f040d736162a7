//! `DIR/.topoc-manifest`: what the last successful `build --out DIR` wrote.
//!
//! The format, version 1, is UTF-8 text, one line each:
//!
//! ```text
//! # topoc-manifest v1
//! # (further comment lines)
//! SRAT.dat
//! SLIT.dat
//! ```
//!
//! The first line is exactly `# topoc-manifest v1`; other lines starting
//! with `#` are comments and empty lines are ignored; every other line is
//! the name of one file directly in DIR (no `/`, not `.` or `..`, no
//! control characters), in the order the build wrote them. topoc writes it
//! as the last step of a build, with no date or path in it, so two builds
//! of one input write the same bytes.
//!
//! The next build into DIR removes each listed regular file that it does
//! not write again, and no other file. A manifest it cannot read that way
//! makes it refuse to build, rather than guess what it may remove.

use super::is_plain_name;

/// The manifest's file name in the output directory.
pub const FILE: &str = ".topoc-manifest";

const HEADER: &str = "# topoc-manifest v1";

/// The manifest listing `names`.
pub fn render(names: &[String]) -> String {
    let mut s = String::from(HEADER);
    s.push_str(
        "\n# The files the last successful `topoc build --out` wrote into this directory.\n\
         # The next build removes those it does not write again, and no other file.\n",
    );
    for n in names {
        s.push_str(n);
        s.push('\n');
    }
    s
}

/// The names a manifest lists.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(format!("it does not start with `{HEADER}`"));
    }
    let mut names = Vec::new();
    for (k, line) in lines.enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !is_plain_name(line) {
            return Err(format!(
                "line {} names {line:?}, which is not a file directly in the directory",
                k + 2
            ));
        }
        if !names.iter().any(|n| n == line) {
            names.push(line.to_string());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_what_it_lists() {
        let names = vec!["SRAT.dat".to_string(), "qemu.args".to_string()];
        assert_eq!(parse(&render(&names)), Ok(names));
    }

    #[test]
    fn a_manifest_cannot_reach_outside_its_directory() {
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "a/b",
            "..",
            ".topoc-stage-1-x",
        ] {
            let text = format!("{HEADER}\n{bad}\n");
            assert!(parse(&text).is_err(), "{bad}");
        }
        assert!(parse("SRAT.dat\n").is_err(), "no header");
        assert!(
            parse("# topoc-manifest v2\nSRAT.dat\n").is_err(),
            "unknown version"
        );
    }
}
