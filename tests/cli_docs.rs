//! The command line's documentation agrees with its definition.
//!
//! - `doc/man/*.1` (clap_mangen) and `doc/completions/*` (clap_complete) are
//!   rendered from the clap definitions in `src/cli/args.rs` and committed,
//!   so packagers and users get them without running topoc; this test fails
//!   when they are stale (`UPDATE_GOLDEN=1 cargo test --test cli_docs`
//!   rewrites them).
//! - Every subcommand's `--help` ends with an example.
//! - `-q` silences every command on success; colours appear only on a
//!   terminal, and never with `NO_COLOR` set.
//!
//! The book's command reference (`book/src/commands.md`) is rendered from
//! the same `--help` output by `tests/book.rs`.

mod support;

use clap::CommandFactory;
use std::process::Command;
use support::data::root;
use support::golden;
use support::run::Ran;
use topoc::cli::args::Cli;

/// `topoc ARGS` with `NO_COLOR` unset (these tests look at colour) and
/// `envs` added.
fn topoc(args: &[&str], envs: &[(&str, &str)]) -> Ran {
    support::run::topoc(args)
        .env_remove("NO_COLOR")
        .envs(envs)
        .run()
}

/// Every generated documentation file: (folder, file name, bytes).
fn generated() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut cmd = Cli::command();
    cmd.build();
    let mut man = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut man)
        .expect("render man page");
    out.push(("doc/man", "topoc.1".to_string(), man));
    for sub in cmd.get_subcommands() {
        // clap takes a static name (without its `string` feature); leaking a
        // few bytes in a test is fine.
        let name: &'static str = Box::leak(format!("topoc-{}", sub.get_name()).into_boxed_str());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone().name(name))
            .render(&mut page)
            .expect("render man page");
        out.push(("doc/man", format!("{name}.1"), page));
    }
    use clap_complete::Shell;
    for (shell, file) in [
        (Shell::Bash, "topoc.bash"),
        (Shell::Zsh, "_topoc"),
        (Shell::Fish, "topoc.fish"),
        (Shell::Elvish, "topoc.elv"),
        (Shell::PowerShell, "_topoc.ps1"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "topoc", &mut buf);
        out.push(("doc/completions", file.to_string(), buf));
    }
    out
}

/// The committed pages are exactly the generated ones: none stale, none
/// missing, none left for a subcommand that no longer exists.
#[test]
fn man_pages_and_completions_are_current() {
    let files = generated();
    let mut stale = Vec::new();
    for dir in ["doc/man", "doc/completions"] {
        let mine: Vec<(String, Vec<u8>)> = files
            .iter()
            .filter(|(d, _, _)| *d == dir)
            .map(|(_, n, b)| (n.clone(), b.clone()))
            .collect();
        if let Err(e) = golden::check_dir(dir, &mine) {
            stale.push(e);
        }
    }
    assert!(
        stale.is_empty(),
        "{}
run `UPDATE_GOLDEN=1 cargo test --test cli_docs`",
        stale.join("\n\n")
    );
}

#[test]
fn every_subcommand_help_has_an_example() {
    let cmd = Cli::command();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        let o = topoc(&[name, "--help"], &[]);
        assert!(o.status.success(), "{name} --help");
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(
            help.contains("Example") && help.contains(&format!("topoc {name}")),
            "`topoc {name} --help` shows no example:\n{help}"
        );
    }
}

#[test]
fn version_is_the_package_version() {
    let o = topoc(&["--version"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("topoc {}\n", env!("CARGO_PKG_VERSION"))
    );
    let o = topoc(&["check", "--version"], &[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
}

/// `-q` means: on success, nothing on standard error, whatever the command.
#[test]
fn quiet_is_quiet_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out = out.to_string_lossy();
    let svg = dir.path().join("t.svg");
    let svg = svg.to_string_lossy();
    let runs: Vec<Vec<&str>> = vec![
        vec!["-q", "check", "examples/two-socket.toml"],
        vec!["-q", "build", "examples/two-socket.toml", "--out", &out],
        vec![
            "-q",
            "build",
            "examples/two-socket.toml",
            "--emit",
            "qemu-args",
        ],
        vec!["-q", "graph", "examples/two-socket.toml", "-o", &svg],
        vec!["-q", "explain", "T020"],
        vec!["-q", "schema"],
        vec!["-q", "probe-script"],
        vec!["-q", "inspect", "tests/golden/two-socket/SRAT.dat"],
    ];
    for args in runs {
        let o = topoc(&args, &[]);
        assert!(o.status.success(), "{args:?}");
        assert!(
            o.stderr.is_empty(),
            "{args:?} wrote to stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // -v says more than the default.
    let plain = topoc(&["build", "examples/two-socket.toml", "--out", &out], &[]);
    let verbose = topoc(
        &["-v", "build", "examples/two-socket.toml", "--out", &out],
        &[],
    );
    assert!(verbose.stderr.len() > plain.stderr.len());
    assert_eq!(
        topoc(&["-q", "-v", "schema"], &[]).status.code(),
        Some(2),
        "-q and -v conflict"
    );
}

const ESC: u8 = 0x1b;

fn has_colour(b: &[u8]) -> bool {
    b.contains(&ESC)
}

/// Runs topoc on a pseudo-terminal (util-linux `script`), so `auto` colour
/// sees a terminal; returns what the terminal showed.
fn on_terminal(args: &str, no_color: bool) -> Vec<u8> {
    let bin = env!("CARGO_BIN_EXE_topoc");
    let mut c = Command::new("script");
    c.args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .current_dir(root())
        .env_remove("NO_COLOR");
    if no_color {
        c.env("NO_COLOR", "1");
    }
    c.output()
        .expect("util-linux `script` runs topoc on a terminal")
        .stdout
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let bad = "check tests/cases/T020-cpu-in-two-nodes.toml";
    // A pipe: no colour, unless asked for.
    let o = topoc(&["check", "tests/cases/T020-cpu-in-two-nodes.toml"], &[]);
    assert!(!o.stderr.is_empty() && !has_colour(&o.stderr));
    let o = topoc(
        &[
            "--color",
            "always",
            "check",
            "tests/cases/T020-cpu-in-two-nodes.toml",
        ],
        &[],
    );
    assert!(has_colour(&o.stderr), "--color always colours a pipe");
    let o = topoc(
        &[
            "--color",
            "always",
            "check",
            "tests/cases/T020-cpu-in-two-nodes.toml",
        ],
        &[("NO_COLOR", "1")],
    );
    assert!(
        has_colour(&o.stderr),
        "an explicit --color always wins over NO_COLOR"
    );
    // A terminal: colour, unless NO_COLOR is set (to anything non-empty).
    assert!(
        has_colour(&on_terminal(bad, false)),
        "auto colours a terminal"
    );
    assert!(
        !has_colour(&on_terminal(bad, true)),
        "NO_COLOR turns colour off"
    );
    assert!(!has_colour(&on_terminal(
        &format!("--color never {bad}"),
        false
    )));
}
