//! Emitted command lines are data, never code: what a user writes in a
//! free-text key reaches the VMM as exactly that value, in every form topoc
//! emits, or the key is refused.
//!
//! 1. A property over random strings in every free-text key of the input
//!    language (the spec's `Ty::Str` fields: the test fails when the spec
//!    grows one it does not fill). A string with a control character is
//!    refused with T180, an empty path with T181, each on the value's own
//!    span, and nothing else. Any other string compiles, for both targets,
//!    and then:
//!    - the args file (one argument per line), the shell line run through
//!      `bash` (which prints its argv) and the JSON array are the same
//!      argument vector;
//!    - each option reads back to the intended value under an independent
//!      reading of the VMM's option syntax: QEMU's `keyval_parse` (`,,` is
//!      a comma; `util/keyval.c`) for `-object memory-backend-file`, and
//!      cloud-hypervisor's `split_commas` and `dequote`
//!      (`option_parser/src/lib.rs`, v53.0) for `--memory-zone`, with no
//!      option added or lost; `-cpu` is `cpu-model` verbatim, and the
//!      cloud-hypervisor flags are `--flag VALUE`, or `--flag=VALUE` where
//!      clap would take the value for a flag;
//!    - `topology.svg` is well-formed XML whose text holds the description.
//! 2. The real QEMU (`qemu-system-x86_64`, installed by
//!    `scripts/install-guest-deps.sh`) started with `-S` on the emitted line
//!    for mem-paths full of commas, quotes and spaces reports, through QMP
//!    `qom-get`, exactly the intended `mem-path`.
//! 3. The real cloud-hypervisor (as `tests/ch_accept.rs` finds it) opens the
//!    zone file at exactly the intended path: with the file there it gets
//!    as far as the missing kernel, with the file elsewhere it stops at the
//!    memory zone.

mod support;

#[path = "support/ch.rs"]
#[allow(dead_code)]
mod ch;

use proptest::prelude::*;
use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;
use topoc::target::TargetKind;

/// The free-text keys, as `table.key`: what the spec declares `Ty::Str`.
const FIELDS: &[&str] = &[
    "machine.description",
    "node.memory.path",
    "target.qemu.cpu-model",
    "target.cloud-hypervisor.kernel",
    "target.cloud-hypervisor.initramfs",
    "target.cloud-hypervisor.cmdline",
    "target.cloud-hypervisor.firmware",
    "target.libvirt.kernel",
    "target.libvirt.initrd",
    "target.libvirt.cmdline",
    "target.libvirt.console",
];

/// Keys whose value names a file, so an empty one is refused (T181).
const PATHS: &[&str] = &[
    "node.memory.path",
    "target.cloud-hypervisor.kernel",
    "target.cloud-hypervisor.initramfs",
    "target.cloud-hypervisor.firmware",
];

#[test]
fn every_free_text_key_is_covered() {
    let mut found = BTreeSet::new();
    let mut todo: Vec<&topoc::parse::spec::TableSpec> = vec![&topoc::parse::spec::ROOT];
    let mut seen = BTreeSet::new();
    while let Some(t) = todo.pop() {
        if !seen.insert(t.path) {
            continue;
        }
        for f in t.fields {
            match &f.ty {
                topoc::parse::spec::Ty::Str => {
                    found.insert(
                        format!("{}.{}", t.path, f.key)
                            .trim_start_matches('.')
                            .to_string(),
                    );
                }
                topoc::parse::spec::Ty::Table(s) | topoc::parse::spec::Ty::Tables(s) => {
                    todo.push(*s)
                }
                topoc::parse::spec::Ty::BoolOrTables(s) => todo.push(*s),
                _ => {}
            }
        }
    }
    let want: BTreeSet<String> = FIELDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, want, "the free-text keys of parse/spec.rs");
}

/// A TOML basic string for `s`, escaping what TOML or topoc would not take
/// raw.
fn toml_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if topoc::text::is_forbidden(c) => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Each field written: its key, its value and the byte span of its string.
type Written = Vec<(&'static str, String, (usize, usize))>;

/// The random values of one case.
#[derive(Clone, Debug)]
struct Values {
    description: String,
    path: String,
    /// Appended to `qemu64,`: `-cpu` features.
    cpu_features: String,
    /// `kernel`, `initramfs` and `cmdline`; or `firmware` when `None`.
    kernel: Option<(String, String, String)>,
    firmware: String,
}

impl Values {
    fn cpu_model(&self) -> String {
        format!("qemu64,{}", self.cpu_features)
    }

    /// `(key, value)` of every field this case sets.
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("machine.description", self.description.clone()),
            ("node.memory.path", self.path.clone()),
            ("target.qemu.cpu-model", self.cpu_model()),
        ];
        match &self.kernel {
            Some((k, i, c)) => {
                v.push(("target.cloud-hypervisor.kernel", k.clone()));
                v.push(("target.cloud-hypervisor.initramfs", i.clone()));
                v.push(("target.cloud-hypervisor.cmdline", c.clone()));
            }
            None => v.push(("target.cloud-hypervisor.firmware", self.firmware.clone())),
        }
        v
    }

    /// The TOML, and the byte span of each field's string.
    fn toml(&self) -> (String, Written) {
        let mut t = String::new();
        let mut spans = Vec::new();
        let mut put = |t: &mut String, full: &'static str, value: &str| {
            let key = full.rsplit('.').next().unwrap_or(full);
            t.push_str(key);
            t.push_str(" = ");
            let start = t.len();
            t.push_str(&toml_string(value));
            spans.push((full, value.to_string(), (start, t.len())));
            t.push('\n');
        };
        let f = self.fields();
        let get = |k: &str| f.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        t.push_str("topoc = 1\n\n[machine]\nname = \"escape\"\n");
        put(&mut t, "machine.description", &self.description);
        t.push_str("\n[machine.cpus]\nsockets = 2\n");
        t.push_str("\n[[node]]\nid = 0\ncpus = \"0\"\n\n[node.memory]\nsize = \"64MiB\"\n");
        put(&mut t, "node.memory.path", &self.path);
        t.push_str("\n[[node]]\nid = 1\ncpus = \"1\"\nmemory = { size = \"64MiB\" }\n");
        t.push_str("\n[target.qemu]\n");
        put(&mut t, "target.qemu.cpu-model", &self.cpu_model());
        t.push_str("\n[target.cloud-hypervisor]\n");
        for k in [
            "target.cloud-hypervisor.kernel",
            "target.cloud-hypervisor.initramfs",
            "target.cloud-hypervisor.cmdline",
            "target.cloud-hypervisor.firmware",
        ] {
            if let Some(v) = get(k) {
                put(&mut t, k, &v);
            }
        }
        (t, spans)
    }
}

/// Characters that mean something to a shell, to TOML, to QEMU's or
/// cloud-hypervisor's option syntax, to XML or to clap, and some that mean
/// nothing anywhere.
fn plain_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            ',', ',', '=', '"', '\'', '\\', ' ', '[', ']', '$', '`', ';', '-', '{', '}',
            '&', '<', '>', '#', '%', '*', '?', '!', '(', ')', '|', '~', '@', ':', '/',
        ]),
        3 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec![
            'é', 'ü', '中', '\u{a0}', '\u{2028}', '\u{3000}', '\u{fffd}', '😀', '\u{202e}',
        ]),
    ]
}

fn forbidden_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '\n', '\r', '\0', '\t', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{1}', '\u{fffe}',
        '\u{ffff}',
    ])
}

/// A string of `plain_char`s, now and then with one forbidden character.
fn text(max: usize) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(plain_char(), 0..max),
        prop::option::weighted(0.08, (forbidden_char(), any::<prop::sample::Index>())),
    )
        .prop_map(|(mut cs, bad)| {
            if let Some((c, at)) = bad {
                let i = at.index(cs.len() + 1);
                cs.insert(i, c);
            }
            cs.into_iter().collect()
        })
}

fn values() -> impl Strategy<Value = Values> {
    (
        text(24),
        text(24),
        text(8),
        prop::option::of((text(16), text(16), text(24))),
        text(16),
    )
        .prop_map(
            |(description, path, cpu_features, kernel, firmware)| Values {
                description,
                path,
                cpu_features,
                kernel,
                firmware,
            },
        )
}

fn compile(toml: &str, target: TargetKind) -> Result<Compiled, Vec<topoc::diag::Diagnostic>> {
    let source = SourceFile::new("escape.toml", toml);
    pipeline::compile(
        &source,
        &Options {
            target,
            ..Options::default()
        },
    )
}

fn artifact(c: &Compiled, name: &str) -> String {
    let a = topoc::emit::lookup(name).unwrap_or_else(|| panic!("no artifact {name}"));
    String::from_utf8(a.render(c).unwrap_or_else(|| panic!("{name} not rendered")))
        .unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}

/// The argument vector `bash` runs for a shell line: the line with its
/// first word (the VMM) replaced by a function that prints its arguments.
fn bash_argv(line: &str) -> Vec<String> {
    let rest = line
        .split_once(' ')
        .map_or("", |(_, r)| r)
        .trim_end_matches('\n');
    let script = format!("argv() {{ printf '%s\\0' \"$@\"; }}\nargv {rest}\n");
    let out = Command::new("bash")
        .arg("--norc")
        .arg("--noprofile")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "bash refused {line:?}: {:?}", out);
    let text = String::from_utf8(out.stdout).expect("bash prints UTF-8");
    let mut v: Vec<String> = text.split('\0').map(String::from).collect();
    // `printf '%s\0'` ends every argument with a NUL; none left is empty.
    assert_eq!(v.pop().as_deref(), Some(""), "argv ends with a NUL");
    v
}

/// The three forms of one command line, which must agree.
fn same_argv(c: &Compiled, prefix: &str, binary: &str) -> Vec<String> {
    let file = artifact(c, &format!("{prefix}-args"));
    let from_file: Vec<String> = file
        .strip_suffix('\n')
        .expect("the args file ends with a line feed")
        .split('\n')
        .map(String::from)
        .collect();
    let from_json: Vec<String> = serde_json::from_str(&artifact(c, &format!("{prefix}-json")))
        .expect("the JSON args are an array of strings");
    let line = artifact(c, &format!("{prefix}-cmdline"));
    assert!(line.starts_with(&format!("{binary} ")), "{line}");
    let from_bash = bash_argv(&line);
    assert_eq!(from_file, from_json, "args file and JSON");
    assert_eq!(
        from_file, from_bash,
        "args file and the shell line through bash"
    );
    from_file
}

/// QEMU's `keyval_parse` of an option string with an implied first key:
/// `key=value` pairs split at single commas, `,,` a literal comma.
fn keyval(s: &str, implied: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut first = true;
    while i < cs.len() {
        let mut key = String::new();
        let has_key = {
            let mut j = i;
            while j < cs.len() && cs[j] != '=' && cs[j] != ',' {
                j += 1;
            }
            j < cs.len() && cs[j] == '='
        };
        if has_key {
            while cs[i] != '=' {
                key.push(cs[i]);
                i += 1;
            }
            i += 1;
        } else {
            assert!(first, "a value without a key after the first in {s:?}");
            key = implied.to_string();
        }
        first = false;
        let mut val = String::new();
        while i < cs.len() {
            if cs[i] == ',' {
                if cs.get(i + 1) == Some(&',') {
                    val.push(',');
                    i += 2;
                    continue;
                }
                i += 1;
                break;
            }
            val.push(cs[i]);
            i += 1;
        }
        out.push((key, val));
    }
    out
}

/// cloud-hypervisor's `split_commas`: commas outside quotes and brackets.
fn ch_split(s: &str) -> Vec<String> {
    let mut list = Vec::new();
    let (mut brackets, mut quoted) = (0u32, false);
    let mut cur = String::new();
    for c in s.trim().chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '[' => brackets += 1,
            ']' => brackets = brackets.checked_sub(1).expect("balanced brackets"),
            ',' if brackets == 0 => {
                list.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    list.push(cur);
    assert!(!quoted && brackets == 0, "unbalanced {s:?}");
    list
}

/// cloud-hypervisor's `dequote`: quotes removed, `""` inside quotes one `"`.
fn ch_dequote(s: &str) -> String {
    let (mut prev, mut quoted) = ('\0', false);
    let mut out = String::new();
    for c in s.chars() {
        if c == '"' {
            if prev == '"' && !quoted {
                out.push('"');
            }
            quoted = !quoted;
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// An option string as cloud-hypervisor's parser reads it: `key=value`,
/// each value trimmed, `get` dequoting it.
fn ch_options(s: &str) -> Vec<(String, String)> {
    ch_split(s)
        .into_iter()
        .map(|o| {
            let (k, v) = o.split_once('=').expect("key=value");
            (k.to_string(), ch_dequote(v.trim()))
        })
        .collect()
}

/// The value of a clap option as cloud-hypervisor's clap reads it: `--f V`
/// (V must not look like a flag) or `--f=V`.
fn clap_value(argv: &[String], flag: &str) -> Option<String> {
    let eq = format!("{flag}=");
    for (i, a) in argv.iter().enumerate() {
        if a == flag {
            let v = argv.get(i + 1).expect("a value follows");
            assert!(
                !v.starts_with('-'),
                "clap takes {v:?} after {flag} for a flag"
            );
            return Some(v.clone());
        }
        if let Some(v) = a.strip_prefix(&eq) {
            return Some(v.to_string());
        }
    }
    None
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A well-formedness check of the SVG as XML 1.0 sees it: only XML
/// characters, every `&` an entity, tags balanced, attribute values quoted.
/// Returns the text between tags.
fn xml_texts(svg: &str) -> Vec<String> {
    for c in svg.chars() {
        let ok = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}';
        assert!(ok, "U+{:04X} is not an XML character", c as u32);
    }
    let mut rest = svg;
    while let Some(i) = rest.find('&') {
        rest = &rest[i..];
        let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
            .iter()
            .any(|e| rest.starts_with(e));
        assert!(ok, "a bare & at {:?}", &rest[..rest.len().min(20)]);
        rest = &rest[1..];
    }
    let mut stack: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    let mut s = svg;
    while let Some(open) = s.find('<') {
        texts.push(xml_unescape(&s[..open]));
        s = &s[open..];
        if s.starts_with("<?") {
            s = &s[s.find("?>").expect("?> closes <?") + 2..];
            continue;
        }
        if s.starts_with("<!--") {
            s = &s[s.find("-->").expect("--> closes <!--") + 3..];
            continue;
        }
        // The tag runs to the first `>` outside a quoted attribute value.
        let mut quote = None;
        let mut end = None;
        for (i, c) in s.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '<') => panic!("< inside a tag: {:?}", &s[..i]),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.expect("> closes a tag");
        let tag = &s[1..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if tag.starts_with('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "closing tag");
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
        s = &s[end + 1..];
    }
    texts.push(xml_unescape(s));
    assert!(stack.is_empty(), "unclosed tags {stack:?}");
    texts
}

/// What the pipeline must say about `v`: the codes each field's value
/// raises, with that value's span.
fn expected_refusals(spans: &Written) -> BTreeSet<(&'static str, (usize, usize))> {
    let mut want = BTreeSet::new();
    for (key, value, span) in spans {
        if topoc::text::first_forbidden(value).is_some() {
            want.insert(("T180", *span));
        } else if value.is_empty() && PATHS.contains(key) {
            want.insert(("T181", *span));
        }
    }
    want
}

fn one_case(v: &Values) {
    let (toml, spans) = v.toml();
    let want = expected_refusals(&spans);
    for target in [TargetKind::Qemu, TargetKind::CloudHypervisor] {
        let c = match compile(&toml, target) {
            Ok(c) => {
                assert!(want.is_empty(), "compiled, but {want:?} expected:\n{toml}");
                c
            }
            Err(diags) => {
                let errors: Vec<_> = diags
                    .iter()
                    .filter(|d| d.severity == topoc::diag::Severity::Error)
                    .collect();
                let got: BTreeSet<(&'static str, (usize, usize))> = errors
                    .iter()
                    .map(|d| {
                        let s = d.primary.span;
                        (d.code.code, (s.start as usize, s.end as usize))
                    })
                    .collect();
                assert_eq!(
                    got,
                    want,
                    "refusals for\n{toml}\n{:?}",
                    errors.iter().map(|d| &d.message).collect::<Vec<_>>()
                );
                assert!(!want.is_empty());
                continue;
            }
        };
        match target {
            TargetKind::Qemu => qemu_reads_back(&c, v),
            TargetKind::CloudHypervisor => ch_reads_back(&c, v),
            // Not in the loop: the libvirt target's strings are XML text,
            // checked by `libvirt_strings_are_xml_text`.
            TargetKind::Libvirt => {}
        }
        let texts = xml_texts(&artifact(&c, "graph-svg"));
        if !v.description.is_empty() {
            assert!(
                texts.contains(&v.description),
                "the description {:?} is not a text of the SVG",
                v.description
            );
        }
    }
}

fn qemu_reads_back(c: &Compiled, v: &Values) {
    let argv = same_argv(c, "qemu", "qemu-system-x86_64");
    let cpu: Vec<&String> = argv
        .iter()
        .zip(argv.iter().skip(1))
        .filter(|(f, _)| *f == "-cpu")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(cpu, [&v.cpu_model()], "-cpu is cpu-model verbatim");
    let files: Vec<Vec<(String, String)>> = argv
        .iter()
        .zip(argv.iter().skip(1))
        .filter(|(f, a)| *f == "-object" && a.starts_with("memory-backend-file,"))
        .map(|(_, a)| keyval(a, "qom-type"))
        .collect();
    assert_eq!(files.len(), 1, "one file backend: {argv:?}");
    let kv = &files[0];
    let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["qom-type", "id", "size", "mem-path"], "{kv:?}");
    assert_eq!(kv[3].1, v.path, "mem-path as QEMU reads it");
}

fn ch_reads_back(c: &Compiled, v: &Values) {
    let argv = same_argv(c, "ch", "cloud-hypervisor");
    let zones: Vec<Vec<(String, String)>> = argv
        .iter()
        .zip(argv.iter().skip(1))
        .filter(|(f, _)| *f == "--memory-zone")
        .map(|(_, a)| ch_options(a))
        .collect();
    let with_file: Vec<&Vec<(String, String)>> = zones
        .iter()
        .filter(|z| z.iter().any(|(k, _)| k == "file"))
        .collect();
    assert_eq!(with_file.len(), 1, "{argv:?}");
    let keys: Vec<&str> = with_file[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["id", "size", "file"], "{:?}", with_file[0]);
    assert_eq!(
        with_file[0][2].1, v.path,
        "file= as cloud-hypervisor reads it"
    );
    let want: Vec<(&str, Option<String>)> = match &v.kernel {
        Some((k, i, cmd)) => vec![
            ("--kernel", Some(k.clone())),
            ("--initramfs", Some(i.clone())),
            ("--cmdline", Some(cmd.clone())),
            ("--firmware", None),
        ],
        None => vec![
            ("--kernel", None),
            ("--initramfs", None),
            ("--cmdline", None),
            ("--firmware", Some(v.firmware.clone())),
        ],
    };
    for (flag, value) in want {
        assert_eq!(clap_value(&argv, flag), value, "{flag} in {argv:?}");
    }
}

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn free_text_is_one_value_in_every_form(v in values()) {
        one_case(&v);
    }
}

/// The libvirt target: its strings are XML text and attribute values of the
/// domain, and arguments (or option values, commas doubled) of the argv it
/// predicts.
fn libvirt_case(kernel: &str, initrd: &str, cmdline: &str, console: &str) {
    let toml = format!(
        "topoc = 1\n[machine]\nname = \"lv\"\n[[node]]\nid = 0\ncpus = \"0\"\nmemory = {{ size = \"1GiB\" }}\n[target.libvirt]\nkernel = {}\ninitrd = {}\ncmdline = {}\nconsole = {}\n",
        toml_string(kernel),
        toml_string(initrd),
        toml_string(cmdline),
        toml_string(console)
    );
    let c = compile(&toml, TargetKind::Libvirt).unwrap_or_else(|d| {
        panic!(
            "{toml}\n{:?}",
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let xml = artifact(&c, "libvirt-xml");
    let texts = xml_texts(&xml);
    for v in [kernel, initrd, cmdline] {
        assert!(
            texts.iter().any(|t| t == v),
            "{v:?} is not a text of the domain:\n{xml}"
        );
    }
    let at = xml.find("<source path='").expect("the console's <source>") + "<source path='".len();
    let end = at + xml[at..].find('\'').expect("the attribute ends");
    assert_eq!(xml_unescape(&xml[at..end]), console, "the console path");
    let argv: Vec<&str> = artifact_lines(&c);
    let after = |flag: &str| {
        argv.iter()
            .position(|a| *a == flag)
            .and_then(|i| argv.get(i + 1))
            .map(|s| s.to_string())
    };
    assert_eq!(after("-kernel").as_deref(), Some(kernel));
    assert_eq!(after("-initrd").as_deref(), Some(initrd));
    if !cmdline.is_empty() {
        assert_eq!(after("-append").as_deref(), Some(cmdline));
    }
    let chardev = argv
        .windows(2)
        .find(|w| w[0] == "-chardev" && w[1].starts_with("file,"))
        .map(|w| w[1])
        .expect("the console's -chardev file,…");
    let kv = keyval(chardev, "backend");
    assert_eq!(
        kv.iter()
            .find(|(k, _)| k == "path")
            .map(|(_, v)| v.as_str()),
        Some(console),
        "{chardev}"
    );
    assert_eq!(kv.len(), 3, "no option added: {kv:?}");
}

fn artifact_lines(c: &Compiled) -> Vec<&'static str> {
    let s: &'static str = Box::leak(artifact(c, "libvirt-argv").into_boxed_str());
    s.lines().collect()
}

/// A string of `plain_char`s, never empty.
fn plain_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(plain_char(), 1..max).prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn libvirt_strings_are_xml_text(
        kernel in plain_text(16),
        initrd in plain_text(16),
        cmdline in plain_text(24),
        console in plain_text(16),
    ) {
        libvirt_case(&kernel, &initrd, &cmdline, &console);
    }
}

#[test]
fn libvirt_chosen_strings() {
    libvirt_case(
        "/k,share=on",
        "a&b<c>'\"",
        "console=ttyS0 a,,b",
        "/tmp/a,b,path=x",
    );
}

/// Hand-picked strings the random ones may miss.
#[test]
fn chosen_strings() {
    let tricky = [
        "a,share=on",
        "a,,b",
        ",",
        "a,",
        ",a",
        " lead",
        "trail ",
        "\"",
        "\"\"",
        "q\"uo,te\"",
        "[x,y]",
        "-object",
        "--kernel",
        "it's",
        "$(touch /tmp/pwned)",
        "`id`",
        "=",
        "ü,=",
    ];
    for s in tricky {
        let v = Values {
            description: s.to_string(),
            path: s.to_string(),
            cpu_features: "vendor=GenuineIntel".to_string(),
            kernel: Some((s.to_string(), s.to_string(), s.to_string())),
            firmware: s.to_string(),
        };
        one_case(&v);
        one_case(&Values { kernel: None, ..v });
    }
}

// ---------------------------------------------------------------- real VMMs

const QEMU: &str = "qemu-system-x86_64";
const TIMEOUT: Duration = Duration::from_secs(60);

/// The mem-paths QEMU is asked to read back: each a file name in a fresh
/// directory, so QEMU can create it.
const NAMES: &[&str] = &[
    "a,share=on",
    "b,,c",
    "end,",
    " sp ace'\"$`\\",
    "ü,=x[1]",
    "-object",
    "trail ",
];

fn topology_with_path(path: &str) -> String {
    format!(
        "topoc = 1\n[machine]\nname = \"qom\"\n[[node]]\nid = 0\ncpus = \"0\"\n\
         [node.memory]\nsize = \"64MiB\"\npath = {}\n",
        toml_string(path)
    )
}

/// Starts QEMU with `-S` on `args` and asks QMP for `mem-path` of `id`.
fn qom_mem_path(args: &[String], id: &str) -> Result<String, String> {
    let mut child = Command::new(QEMU)
        .args([
            "-accel",
            "tcg",
            "-S",
            "-display",
            "none",
            "-nodefaults",
            "-no-user-config",
            "-monitor",
            "none",
            "-serial",
            "none",
            "-qmp",
            "stdio",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot start {QEMU}: {e}; run `sudo scripts/install-guest-deps.sh`")
        })?;
    let input = format!(
        "{{\"execute\":\"qmp_capabilities\"}}\n\
         {{\"execute\":\"qom-get\",\"arguments\":{{\"path\":\"/objects/{id}\",\"property\":\"mem-path\"}},\"id\":\"p\"}}\n\
         {{\"execute\":\"quit\"}}\n"
    );
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let began = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if began.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("QEMU did not quit".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    for line in out.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["id"] == "p" {
            return v["return"]
                .as_str()
                .map(String::from)
                .ok_or(format!("qom-get answered {line}"));
        }
    }
    Err(format!("no qom-get answer; stdout {out}\nstderr {err}"))
}

#[test]
fn qemu_reads_each_mem_path_as_written() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in NAMES {
        let sub = dir.path().join(format!("d{}", name.len()));
        std::fs::create_dir_all(&sub).expect("a directory");
        let path = format!("{}/{name}", sub.display());
        let c = compile(&topology_with_path(&path), TargetKind::Qemu)
            .unwrap_or_else(|d| panic!("{path:?} refused: {:?}", d[0].message));
        let args = topoc::emit::qemu::args(&c);
        let id = topoc::layout::qemu::memory_backend_id(0);
        match qom_mem_path(&args, &id) {
            Ok(got) => assert_eq!(got, path, "QEMU's mem-path for {args:?}"),
            Err(e) => panic!("{path:?}: {e}\nargs {args:?}"),
        }
    }
}

/// cloud-hypervisor with the zone file at the intended path boots as far
/// as the missing kernel; with the file absent it stops at the zone. So the
/// path it opened is the one written.
#[test]
fn cloud_hypervisor_opens_each_zone_file_as_written() {
    let ch = ch::cloud_hypervisor().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in NAMES {
        let sub = dir.path().join(format!("d{}", name.len()));
        std::fs::create_dir_all(&sub).expect("a directory");
        let path = format!("{}/{name}", sub.display());
        let c = compile(&topology_with_path(&path), TargetKind::CloudHypervisor)
            .unwrap_or_else(|d| panic!("{path:?} refused: {:?}", d[0].message));
        let args = topoc::emit::cloud_hypervisor::args(&c);
        let run = |what: &str| -> String {
            let out = Command::new(&ch.path)
                .arg("--kernel")
                .arg(dir.path().join("no-kernel"))
                .args(&args)
                .stdin(Stdio::null())
                .output()
                .expect("cloud-hypervisor runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                !out.status.success(),
                "{what}: it cannot boot without a kernel"
            );
            text
        };
        let absent = run("zone file absent");
        assert!(
            !absent.contains("KernelFile"),
            "{path:?}: got past the zone with no file there:\n{absent}"
        );
        let f = std::fs::File::create(&path).expect("the zone file");
        f.set_len(64 << 20).expect("sized like the zone");
        let present = run("zone file present");
        assert!(
            present.contains("KernelFile"),
            "{path:?}: with the file there it should stop at the kernel:\n{present}\nargs {args:?}"
        );
    }
}

/// A kernel path that starts with `-` reaches cloud-hypervisor as the
/// kernel (`--kernel=-…`), not as a flag clap refuses.
#[test]
fn cloud_hypervisor_takes_a_kernel_that_starts_with_a_dash() {
    let ch = ch::cloud_hypervisor().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let toml = "topoc = 1\n[machine]\nname = \"dash\"\n[[node]]\nid = 0\ncpus = \"0\"\n\
                memory = { size = \"64MiB\" }\n[target.cloud-hypervisor]\n\
                kernel = \"-no-kernel\"\ncmdline = \"-x console=ttyS0\"\n";
    let c = compile(toml, TargetKind::CloudHypervisor)
        .unwrap_or_else(|d| panic!("refused: {:?}", d[0].message));
    let args = topoc::emit::cloud_hypervisor::args(&c);
    let out = Command::new(&ch.path)
        .args(&args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("cloud-hypervisor runs");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("KernelFile") && !text.contains("unexpected argument"),
        "cloud-hypervisor should look for the kernel file `-no-kernel`:\n{text}\nargs {args:?}"
    );
}

// ------------------------------------------------------------- the terminal

/// Every escape in `text` starts one of the colour sequences miette and
/// clap write (`ESC [ digits;… m`), and `text` has no other control
/// character but line feeds.
fn only_colour_sequences(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            0x1b => {
                let mut j = i + 1;
                if b.get(j) != Some(&b'[') {
                    return Err(format!("an escape that is no colour at byte {i}"));
                }
                j += 1;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b';') {
                    j += 1;
                }
                if b.get(j) != Some(&b'm') {
                    return Err(format!("an escape sequence that is no colour at byte {i}"));
                }
                i = j + 1;
            }
            b'\n' => i += 1,
            c if c < 0x20 || c == 0x7f => return Err(format!("control byte {c:#x} at {i}")),
            _ => i += 1,
        }
    }
    if text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return Err("a C1 control".into());
    }
    Ok(())
}

/// A name, a key and a comment full of terminal controls, and a file and a
/// flag named with them: what topoc prints has them escaped, with colour
/// and without.
#[test]
fn nothing_a_user_wrote_drives_the_terminal() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let named = dir.path().join("named.toml");
    std::fs::write(
        &named,
        "topoc = 1\n[machine]\nname = \"m\\u001b[2J\\u009b31m\\r\"\n\"k\\u001b]0;owned\\u0007\" = 1\n",
    )
    .expect("write");
    let comment = dir.path().join("comment.toml");
    std::fs::write(&comment, "topoc = 1\n# \u{1b}[2J\u{9b}1m here\n").expect("write");
    let named = named.to_str().expect("UTF-8 path").to_string();
    let comment = comment.to_str().expect("UTF-8 path").to_string();
    let weird_file = format!("{}/x\u{1b}[2J.toml", dir.path().display());
    let runs: Vec<(Vec<String>, i32)> = vec![
        (vec!["check".into(), named.clone()], 1),
        (vec!["check".into(), comment.clone()], 1),
        (vec!["check".into(), weird_file.clone()], 2),
        (
            vec![
                "check".into(),
                "--cpu-model".into(),
                "a\u{1b}[2J\r".into(),
                named.clone(),
            ],
            2,
        ),
        (vec!["\u{1b}[2Jbogus\u{7}".into()], 2),
    ];
    for (args, code) in runs {
        for color in ["never", "always"] {
            let mut all = vec!["--color".to_string(), color.to_string()];
            all.extend(args.iter().cloned());
            let r = support::run::topoc(&all).run();
            assert_eq!(r.code(), code, "{all:?}: {}", r.err());
            let err = r.err();
            if let Err(e) = only_colour_sequences(&err) {
                panic!("{all:?}: {e}:\n{err:?}");
            }
            if color == "never" {
                assert!(!err.contains('\u{1b}'), "{all:?}: {err:?}");
            }
        }
    }
    let r = support::run::topoc(["check", "--color", "never", &named]).run();
    let err = r.err();
    assert!(
        err.contains("m\\u{1b}[2J\\u{9b}31m\\u{d}"),
        "the name escaped: {err}"
    );
    let r = support::run::topoc(["check", "--color", "never", &comment]).run();
    assert!(
        r.err().contains("# ?[2J??1m here"),
        "the excerpt: {}",
        r.err()
    );
}

/// A user's own colour and title sequences, in a comment (shown in the
/// excerpt), in a name and a key (quoted in messages and labels) and in a
/// file name (the excerpt's header and the summary): under `--color always`
/// stderr carries topoc's colours and not one of the user's sequences,
/// which `only_colour_sequences` alone cannot tell from topoc's own.
#[test]
fn a_users_escape_sequences_are_text_among_topocs_colours() {
    const RED: &str = "\u{1b}[31mPWNED";
    const TITLE: &str = "\u{1b}]0;title\u{7}";
    let dir = tempfile::tempdir().expect("a temporary directory");
    let comment = dir.path().join("comment.toml");
    std::fs::write(&comment, format!("topoc = 1\n# {RED} {TITLE} here\n")).expect("write");
    let named = dir.path().join(format!("n{RED}\n{TITLE}.toml"));
    std::fs::write(
        &named,
        "topoc = 1\n[machine]\nname = \"m\\u001b[31mPWNED\\u001b]0;title\\u0007\"\n\
         \"k\\u001b[31mPWNED\\u001b]0;title\\u0007\" = 1\n",
    )
    .expect("write");
    for (file, shown) in [
        (&comment, "# ?[31mPWNED ?]0;title? here"),
        (
            &named,
            "\"m\\u{1b}[31mPWNED\\u{1b}]0;title\\u{7}\" is not a valid name",
        ),
    ] {
        let r = support::run::topoc([
            "--color".as_ref(),
            "always".as_ref(),
            "check".as_ref(),
            file.as_os_str(),
        ])
        .run();
        assert_eq!(r.code(), 1, "{}", r.err());
        let err = r.err();
        for user in [RED, TITLE, "\u{1b}]", "\u{7}"] {
            assert!(!err.contains(user), "{user:?} reached stderr: {err:?}");
        }
        assert!(
            err.contains("\u{1b}[31m") && err.contains("\u{1b}[0m"),
            "topoc's own colours: {err:?}"
        );
        if let Err(e) = only_colour_sequences(&err) {
            panic!("{file:?}: {e}:\n{err:?}");
        }
        assert!(err.contains(shown), "{shown:?} in {err:?}");
    }
    // The file name, with its line feed, in the excerpt header and the
    // summary, escaped whole.
    let r = support::run::topoc([
        "--color".as_ref(),
        "always".as_ref(),
        "check".as_ref(),
        named.as_os_str(),
    ])
    .run();
    let err = r.err();
    let name = "n\\u{1b}[31mPWNED\\u{a}\\u{1b}]0;title\\u{7}.toml";
    assert!(err.contains(&format!("{name}:3:8")), "the header: {err:?}");
    assert!(
        err.contains(&format!("{name}: 3 errors")),
        "the summary: {err:?}"
    );
}

/// A line feed in a file name is shown escaped wherever topoc names the
/// file, so it cannot fake a line of a report or a message of its own.
#[test]
fn a_line_feed_in_a_file_name_starts_no_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let example = support::data::root().join("examples/two-socket.toml");
    let odd = dir.path().join("t\nerror[T001]: fake.toml");
    std::fs::copy(&example, &odd).expect("copy");
    let faked = |text: &str| text.lines().any(|l| l.starts_with("error[T001]: fake"));
    // check: the summary line.
    let r = support::run::topoc(["check".as_ref(), odd.as_os_str()]).run();
    assert_eq!(r.code(), 0, "{}", r.err());
    assert!(
        !faked(&r.err()) && r.err().contains("t\\u{a}error[T001]: fake.toml: ok"),
        "{:?}",
        r.err()
    );
    // build: what was written where.
    let out = dir.path().join("o\nerror[T001]: fake");
    let r = support::run::topoc([
        "build".as_ref(),
        odd.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .run();
    assert_eq!(r.code(), 0, "{}", r.err());
    assert!(
        !faked(&r.err()) && r.err().contains("o\\u{a}error[T001]: fake"),
        "{:?}",
        r.err()
    );
    // A file that cannot be read, as a topology and as a guest dump.
    let missing = dir.path().join("m\nerror[T001]: fake");
    let r = support::run::topoc(["check".as_ref(), missing.as_os_str()]).run();
    assert_eq!(r.code(), 2);
    assert!(
        !faked(&r.err()) && r.err().contains("m\\u{a}error[T001]: fake"),
        "{:?}",
        r.err()
    );
    let r = support::run::topoc([
        "verify".as_ref(),
        odd.as_os_str(),
        "--guest".as_ref(),
        missing.as_os_str(),
    ])
    .run();
    assert_eq!(r.code(), 2);
    assert!(
        !faked(&r.err()) && r.err().contains("m\\u{a}error[T001]: fake"),
        "{:?}",
        r.err()
    );
    // A usage error quoting the name.
    let r = support::run::topoc(["check".as_ref(), odd.as_os_str(), missing.as_os_str()]).run();
    assert_eq!(r.code(), 2);
    assert!(
        !faked(&r.err()) && r.err().contains("m\\u{a}error[T001]: fake"),
        "{:?}",
        r.err()
    );
    // A diagnostic's header: the file is not UTF-8.
    let bad = dir.path().join("b\nerror[T001]: fake.toml");
    std::fs::write(&bad, b"topoc = 1\n\xff\n").expect("write");
    let r = support::run::topoc(["check".as_ref(), bad.as_os_str()]).run();
    assert_eq!(r.code(), 1);
    assert!(
        !faked(&r.err()) && r.err().contains("b\\u{a}error[T001]: fake.toml:2:1"),
        "{:?}",
        r.err()
    );
    // JSON names the file as it is, a line feed written `\n`.
    let r = support::run::topoc([
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        bad.as_os_str(),
    ])
    .run();
    assert!(
        r.out().contains("b\\nerror[T001]: fake.toml"),
        "{}",
        r.out()
    );
}

/// `import` names its sources in `machine.description`; a file name with a
/// control character becomes escaped text there, so the imported file
/// still checks (T180 would refuse it). `inspect` shows such a name escaped.
#[test]
fn an_imported_description_takes_no_control_character() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let srat = dir.path().join("s\n\u{1b}[2Jx.dat");
    let example = support::data::root().join("examples/two-socket.toml");
    support::run::topoc([
        "build".as_ref(),
        example.as_os_str(),
        "--emit".as_ref(),
        "srat".as_ref(),
        "-o".as_ref(),
        srat.as_os_str(),
    ])
    .run()
    .expect_ok();
    // `inspect` names the file in its report, escaped.
    let r = support::run::topoc(["inspect".as_ref(), srat.as_os_str()]).run();
    assert_eq!(r.code(), 0, "{}", r.err());
    assert!(
        !r.out().contains('\u{1b}') && r.out().contains("s\\u{a}\\u{1b}[2Jx.dat:"),
        "{:?}",
        r.out()
    );
    assert!(
        !r.out().lines().any(|l| l.starts_with("\\u{1b}[2Jx.dat")),
        "the line feed in the name started a report line: {:?}",
        r.out()
    );
    let out = dir.path().join("imported.toml");
    let r = support::run::topoc([
        "import".as_ref(),
        "--srat".as_ref(),
        srat.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .run();
    assert_eq!(r.code(), 0, "{}", r.err());
    let text = std::fs::read_to_string(&out).expect("the imported file");
    assert!(
        text.contains("s\\\\u{a}\\\\u{1b}[2Jx.dat"),
        "the file name escaped in the description:\n{text}"
    );
}
