//! The cloud-hypervisor test kit: run the real binary on a command line
//! topoc emits, and boot `probe.c` under it.
//!
//! **Acceptance.** `cloud-hypervisor --kernel /nonexistent <args>` builds
//! the whole VM before it opens the kernel: config validation, the memory
//! manager (zones, alignment, KVM memory slots), the NUMA nodes, the CPU
//! manager (the host's vCPU limit), the devices and the ACPI tables; only
//! then does `Vm::boot` join the payload loader, which fails with "Cannot
//! open kernel file". So that error, and nothing else, means the line is
//! accepted; the PVH memmap (built after the kernel loads) is left to the
//! probe. [`accept`] runs it and says what happened.
//!
//! **Stand-ins for the host.** A `--device` passes a host PCI function
//! through with VFIO; without it (no `/dev/vfio/vfio` here) cloud-hypervisor
//! stops in the device manager. [`with_disks`] puts a read-only virtio-blk
//! disk with the same `id=` and `pci_device_id=` in each device's place: a
//! PCI function in the same slot, which `device_id=` resolves to the same
//! BDF and so the same Generic Initiator structure. A `file=` backing is
//! replaced by a sparse file of the zone's size ([`with_files`]).
//!
//! **The probe.** `probe.c` is compiled with `gcc -m32 -ffreestanding` and
//! linked flat at 1 MiB (`probe.ld`, `ld --oformat binary`); [`pvh_elf`]
//! wraps it in the ELF64 file with a `XEN_ELFNOTE_PHYS32_ENTRY` note that
//! cloud-hypervisor's loader (linux-loader `Elf::load`) boots as PVH.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use topoc::pipeline::Compiled;

/// What the binary did with a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It built the VM and failed only to open `/nonexistent`.
    Accepted,
    /// It exited with this error chain (the lines after "chain of errors:").
    Refused(String),
    /// It died of this signal (SIGBUS for a hugepage it could not get).
    Signal(i32),
    /// It panicked: the panic message.
    Panicked(String),
    /// It did not finish in time and was killed.
    Hung,
    /// It could not be started at all: the exec failed (E2BIG for a
    /// command line longer than the host's execve takes).
    Unstartable(String),
}

impl Outcome {
    /// Whether the refusal, panic or signal text contains `needle`.
    pub fn says(&self, needle: &str) -> bool {
        match self {
            Outcome::Refused(t) | Outcome::Panicked(t) => t.contains(needle),
            _ => false,
        }
    }
}

/// The arguments with topoc's payload (`--kernel`, `--firmware`,
/// `--initramfs`, `--cmdline`) taken out.
pub fn strip_payload(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if matches!(
            a.as_str(),
            "--kernel" | "--firmware" | "--initramfs" | "--cmdline"
        ) {
            it.next();
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// Runs `bin` with `args`, stdin closed, for at most `limit`; returns the
/// exit status (`None` when killed at the limit) and everything it printed.
pub fn run_limited(
    bin: &Path,
    args: &[String],
    limit: Duration,
) -> Result<(Option<std::process::ExitStatus>, String), std::io::Error> {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("wait for {}: {e}", bin.display()),
        }
    };
    let mut text = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(
        &err_thread.join().unwrap_or_default(),
    ));
    Ok((status, text))
}

/// The arguments [`accept`] starts the binary with.
pub fn accept_args(args: &[String]) -> Vec<String> {
    let mut full = vec!["--kernel".to_string(), "/nonexistent".to_string()];
    full.extend(strip_payload(args));
    full
}

/// What execve counts for starting `bin` with `args`, the environment aside.
pub fn exec_bytes(bin: &Path, args: &[String]) -> u64 {
    let strings: u64 = args.iter().map(|a| a.len() as u64 + 1).sum();
    strings + bin.as_os_str().len() as u64 + 1 + 8 * (args.len() as u64 + 1)
}

/// `cloud-hypervisor --kernel /nonexistent <args>`: what the binary does with
/// the line (payload arguments taken out first).
pub fn accept(bin: &Path, args: &[String]) -> Outcome {
    let full = accept_args(args);
    let (status, text) = match run_limited(bin, &full, Duration::from_secs(60)) {
        Ok(r) => r,
        Err(e) => return Outcome::Unstartable(e.to_string()),
    };
    let Some(status) = status else {
        return Outcome::Hung;
    };
    if let Some(p) = text.lines().find(|l| l.contains("panicked at")) {
        return Outcome::Panicked(p.trim().to_string());
    }
    if let Some(sig) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Outcome::Signal(sig);
    }
    let chain: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("chain of errors"))
        .skip(1)
        .map(str::trim)
        .collect();
    if chain.iter().any(|l| l.ends_with("Cannot open kernel file")) {
        return Outcome::Accepted;
    }
    if chain.is_empty() {
        return Outcome::Refused(text.trim().to_string());
    }
    Outcome::Refused(chain.join(" | "))
}

/// Scratch space for this test binary.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    dir
}

/// Every `--device path=…,id=X[,pci_segment=S][,pci_device_id=N]` replaced
/// by `--disk path=<a 1 MiB file>,readonly=on,id=X[,pci_segment=S][,pci_device_id=N]`.
/// Returns the new arguments and how many devices were replaced.
pub fn with_disks(args: &[String], dir: &Path) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut n = 0;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a != "--device" {
            out.push(a.clone());
            continue;
        }
        let value = it.next().cloned().unwrap_or_default();
        let disk = dir.join(format!("stand-in-{n}.raw"));
        std::fs::write(&disk, vec![0u8; 1 << 20])
            .unwrap_or_else(|e| panic!("write {}: {e}", disk.display()));
        // path= is quoted by topoc only when it holds a comma; the rest are
        // plain `key=value`s.
        let keep: Vec<&str> = split_top(&value)
            .into_iter()
            .filter(|kv| {
                kv.starts_with("id=")
                    || kv.starts_with("pci_segment=")
                    || kv.starts_with("pci_device_id=")
            })
            .collect();
        out.push("--disk".to_string());
        out.push(format!(
            "path={},readonly=on,{}",
            disk.display(),
            keep.join(",")
        ));
        n += 1;
    }
    (out, n)
}

/// Every `--memory-zone …,file=P,…` pointed at a sparse file of the zone's
/// size instead (cloud-hypervisor opens the file and never creates it).
pub fn with_files(args: &[String], dir: &Path) -> (Vec<String>, usize) {
    let mut n = 0;
    let mut out = Vec::new();
    let mut prev = "";
    for a in args {
        if prev == "--memory-zone" && split_top(a).iter().any(|kv| kv.starts_with("file=")) {
            let parts = split_top(a);
            let size = parts
                .iter()
                .find_map(|kv| kv.strip_prefix("size="))
                .map_or(0, byte_sized);
            let file = dir.join(format!("backing-{n}.mem"));
            let f = std::fs::File::create(&file)
                .unwrap_or_else(|e| panic!("create {}: {e}", file.display()));
            f.set_len(size)
                .unwrap_or_else(|e| panic!("size {}: {e}", file.display()));
            let rewritten: Vec<String> = parts
                .iter()
                .map(|kv| {
                    if kv.starts_with("file=") {
                        format!("file={}", file.display())
                    } else {
                        kv.to_string()
                    }
                })
                .collect();
            out.push(rewritten.join(","));
            n += 1;
        } else {
            out.push(a.clone());
        }
        prev = a.as_str();
    }
    (out, n)
}

/// cloud-hypervisor's `split_commas`: commas inside brackets or quotes do
/// not split.
pub fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut quoted, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A `ByteSized` value: digits and an optional `K`, `M` or `G`.
pub fn byte_sized(s: &str) -> u64 {
    let (num, shift) = match s.chars().last() {
        Some('K') => (&s[..s.len() - 1], 10),
        Some('M') => (&s[..s.len() - 1], 20),
        Some('G') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    num.parse::<u64>().map_or(0, |n| n << shift)
}

/// The probe wrapped as cloud-hypervisor boots it: an ELF64 executable with
/// one `PT_LOAD` of `image` at 1 MiB and a `PT_NOTE` holding the Xen
/// `XEN_ELFNOTE_PHYS32_ENTRY` (18) note with the 32-bit entry, 1 MiB.
pub fn pvh_elf(image: &[u8]) -> Vec<u8> {
    const LOAD: u64 = 0x10_0000;
    const EHDR: u64 = 64;
    const PHDR: u64 = 56;
    let note_off = EHDR + 2 * PHDR;
    let mut note = Vec::new();
    for w in [4u32, 4, 18] {
        note.extend(w.to_le_bytes()); // namesz, descsz, type
    }
    note.extend(b"Xen\0");
    note.extend((LOAD as u32).to_le_bytes());
    let load_off = 0x1000u64;
    let mut f = Vec::new();
    // e_ident: ELF, 64-bit, little-endian, version 1, System V.
    f.extend([0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    f.extend([0u8; 8]);
    f.extend(2u16.to_le_bytes()); // e_type: EXEC
    f.extend(62u16.to_le_bytes()); // e_machine: x86-64
    f.extend(1u32.to_le_bytes()); // e_version
    f.extend(LOAD.to_le_bytes()); // e_entry (at or above 1 MiB, as the loader checks)
    f.extend(EHDR.to_le_bytes()); // e_phoff
    f.extend(0u64.to_le_bytes()); // e_shoff
    f.extend(0u32.to_le_bytes()); // e_flags
    f.extend((EHDR as u16).to_le_bytes());
    f.extend((PHDR as u16).to_le_bytes());
    f.extend(2u16.to_le_bytes()); // e_phnum
    f.extend(64u16.to_le_bytes()); // e_shentsize
    f.extend(0u16.to_le_bytes()); // e_shnum
    f.extend(0u16.to_le_bytes()); // e_shstrndx
    let phdr =
        |f: &mut Vec<u8>, kind: u32, flags: u32, off: u64, addr: u64, size: u64, align: u64| {
            f.extend(kind.to_le_bytes());
            f.extend(flags.to_le_bytes());
            f.extend(off.to_le_bytes());
            f.extend(addr.to_le_bytes()); // p_vaddr
            f.extend(addr.to_le_bytes()); // p_paddr: where the loader puts it
            f.extend(size.to_le_bytes()); // p_filesz
            f.extend(size.to_le_bytes()); // p_memsz
            f.extend(align.to_le_bytes());
        };
    phdr(&mut f, 1, 7, load_off, LOAD, image.len() as u64, 0x1000);
    phdr(&mut f, 4, 4, note_off, 0, note.len() as u64, 4);
    f.extend(&note);
    f.resize(load_off as usize, 0);
    f.extend(image);
    f
}

/// The probe's ELF file, built once per test binary.
pub fn probe_elf() -> &'static Path {
    static ELF: OnceLock<PathBuf> = OnceLock::new();
    ELF.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ch-probe");
        let dir = scratch("ch-probe-build");
        let obj = dir.join("probe.o");
        let bin = dir.join("probe.bin");
        let tool = |cmd: &mut Command, what: &str| {
            let out = cmd.output().unwrap_or_else(|e| {
                panic!(
                    "{what}: {e} (scripts/install-cloud-hypervisor.sh installs gcc and binutils)"
                )
            });
            assert!(
                out.status.success(),
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        tool(
            Command::new("gcc")
                .args([
                    "-m32",
                    "-ffreestanding",
                    "-fno-pic",
                    "-fno-pie",
                    "-fno-stack-protector",
                    "-fno-asynchronous-unwind-tables",
                    "-nostdlib",
                    "-O2",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-c",
                ])
                .arg(src.join("probe.c"))
                .arg("-o")
                .arg(&obj),
            "gcc -m32 probe.c",
        );
        tool(
            Command::new("ld")
                .args(["-m", "elf_i386", "--oformat", "binary", "-T"])
                .arg(src.join("probe.ld"))
                .arg("-o")
                .arg(&bin)
                .arg(&obj),
            "ld -m elf_i386 --oformat binary",
        );
        let image = std::fs::read(&bin).unwrap_or_else(|e| panic!("read {}: {e}", bin.display()));
        let elf = dir.join("chprobe.elf");
        std::fs::write(&elf, pvh_elf(&image))
            .unwrap_or_else(|e| panic!("write {}: {e}", elf.display()));
        elf
    })
}

/// What the probe saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// `hvm_memmap_table_entry`s: address, size, type, in cloud-hypervisor's order.
    pub memmap: Vec<(u64, u64, u32)>,
    /// Every table: the XSDT and each table it lists, by signature, in order.
    pub tables: Vec<(String, Vec<u8>)>,
}

impl Seen {
    pub fn table(&self, sig: &str) -> Option<&[u8]> {
        self.tables
            .iter()
            .find(|(s, _)| s == sig)
            .map(|(_, b)| b.as_slice())
    }

    pub fn signatures(&self) -> Vec<&str> {
        self.tables.iter().map(|(s, _)| s.as_str()).collect()
    }
}

/// Parses the probe's serial output.
pub fn parse_probe(log: &str) -> Result<Seen, String> {
    let mut seen = Seen::default();
    let (mut begun, mut ended) = (false, false);
    let mut current: Option<(String, usize, Vec<u8>)> = None;
    let finish =
        |cur: &mut Option<(String, usize, Vec<u8>)>, seen: &mut Seen| -> Result<(), String> {
            if let Some((sig, len, bytes)) = cur.take() {
                if bytes.len() != len {
                    return Err(format!("table {sig}: {} bytes of {len}", bytes.len()));
                }
                seen.tables.push((sig, bytes));
            }
            Ok(())
        };
    for line in log.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["chprobe", "begin", magic, _version, _entries] => {
                if *magic != "336ec578" {
                    return Err(format!("hvm_start_info magic {magic}"));
                }
                begun = true;
            }
            ["chprobe", "error:", ..] => return Err(line.to_string()),
            ["chprobe", "end"] => {
                finish(&mut current, &mut seen)?;
                ended = true;
            }
            ["memmap", a, s, t] if begun => {
                let h = |x: &str| u64::from_str_radix(x, 16).map_err(|e| format!("{line}: {e}"));
                seen.memmap.push((h(a)?, h(s)?, h(t)? as u32));
            }
            ["table", sig, len] if begun => {
                finish(&mut current, &mut seen)?;
                let len = usize::from_str_radix(len, 16).map_err(|e| format!("{line}: {e}"))?;
                current = Some((sig.to_string(), len, Vec::with_capacity(len)));
            }
            [hex] if current.is_some() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                if let Some((_, _, bytes)) = current.as_mut() {
                    for k in (0..hex.len()).step_by(2) {
                        let b = u8::from_str_radix(&hex[k..(k + 2).min(hex.len())], 16)
                            .map_err(|e| format!("{line}: {e}"))?;
                        bytes.push(b);
                    }
                }
            }
            _ => {}
        }
    }
    if !begun || !ended {
        return Err("the probe did not finish its report".to_string());
    }
    Ok(seen)
}

/// Boots the probe under `bin` with topoc's `args` (payload taken out,
/// serial console on stdout, virtio console off). `Err` carries what the
/// binary printed.
pub fn boot(bin: &Path, args: &[String]) -> Result<Seen, String> {
    let mut full = vec![
        "--kernel".to_string(),
        probe_elf().display().to_string(),
        "--serial".to_string(),
        "tty".to_string(),
        "--console".to_string(),
        "off".to_string(),
    ];
    full.extend(strip_payload(args));
    let (status, text) = run_limited(bin, &full, Duration::from_secs(120))
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let seen = parse_probe(&text).map_err(|e| {
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        format!(
            "{e}; exit {status:?}; last lines:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    })?;
    match status {
        Some(s) if s.success() => Ok(seen),
        other => Err(format!(
            "the probe reported, but cloud-hypervisor then exited {other:?}"
        )),
    }
}

/// The first offsets where two byte strings differ, for a failure message.
pub fn diff_offsets(a: &[u8], b: &[u8]) -> Vec<usize> {
    (0..a.len().max(b.len()))
        .filter(|&i| a.get(i) != b.get(i))
        .take(8)
        .collect()
}

/// Host facts that decide whether cloud-hypervisor can start a line at all.
#[derive(Debug)]
pub struct Host {
    /// `KVM_CAP_MAX_VCPUS` (KVM's `KVM_MAX_VCPUS`).
    pub kvm_max_vcpus: u64,
    /// `/sys/devices/system/node/node*`.
    pub numa_nodes: Vec<u32>,
    /// Free hugepages by size in bytes (`/sys/kernel/mm/hugepages`).
    pub free_hugepages: BTreeMap<u64, u64>,
    /// `/dev/hugepages` is a hugetlbfs mount.
    pub hugetlbfs_mounted: bool,
    /// `/dev/vfio/vfio` exists.
    pub vfio: bool,
    /// `MemAvailable` in bytes.
    pub mem_available: u64,
    /// What execve takes for arguments and environment with this process's
    /// stack limit: a quarter of it, at most 6 MiB, at least 128 KiB
    /// (`bprm_stack_limits`).
    pub arg_limit: u64,
    /// What this process's environment takes of it: strings and pointers.
    pub env_bytes: u64,
}

unsafe extern "C" {
    fn ioctl(fd: i32, request: u64, ...) -> i32;
}

/// `KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPUS)`, or `KVM_CAP_NR_VCPUS` when it
/// says 0, as kvm-ioctls' `get_max_vcpus` asks.
fn kvm_max_vcpus() -> u64 {
    use std::os::fd::AsRawFd;
    const KVM_CHECK_EXTENSION: u64 = 0xae03;
    const KVM_CAP_NR_VCPUS: u64 = 9;
    const KVM_CAP_MAX_VCPUS: u64 = 66;
    let kvm = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .unwrap_or_else(|e| panic!("open /dev/kvm: {e} (the cloud-hypervisor tests need KVM)"));
    // SAFETY: KVM_CHECK_EXTENSION takes an integer argument and returns an
    // integer; the descriptor is open for the duration of the call.
    let ask = |cap: u64| unsafe { ioctl(kvm.as_raw_fd(), KVM_CHECK_EXTENSION, cap) };
    let max = ask(KVM_CAP_MAX_VCPUS);
    let n = if max > 0 { max } else { ask(KVM_CAP_NR_VCPUS) };
    u64::try_from(n).unwrap_or(0)
}

impl Host {
    pub fn read() -> Host {
        let numa_nodes = std::fs::read_dir("/sys/devices/system/node")
            .map(|rd| {
                let mut v: Vec<u32> = rd
                    .filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()
                            .and_then(|n| n.strip_prefix("node"))
                            .and_then(|n| n.parse().ok())
                    })
                    .collect();
                v.sort();
                v
            })
            .unwrap_or_default();
        let free_hugepages = std::fs::read_dir("/sys/kernel/mm/hugepages")
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_str()?.to_string();
                        let kb: u64 = name
                            .strip_prefix("hugepages-")?
                            .strip_suffix("kB")?
                            .parse()
                            .ok()?;
                        let free = std::fs::read_to_string(e.path().join("free_hugepages")).ok()?;
                        Some((kb << 10, free.trim().parse().ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let hugetlbfs_mounted = std::fs::read_to_string("/proc/mounts")
            .unwrap_or_default()
            .lines()
            .any(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.get(1) == Some(&"/dev/hugepages") && w.get(2) == Some(&"hugetlbfs")
            });
        let mem_available = std::fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(0, |kb| kb << 10);
        let stack = std::fs::read_to_string("/proc/self/limits")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("Max stack size"))
            .and_then(|v| v.split_whitespace().next().map(str::to_string))
            .map_or(u64::MAX, |v| v.parse().unwrap_or(u64::MAX));
        let arg_limit = (stack / 4).clamp(128 << 10, 6 << 20);
        let env_bytes = std::env::vars_os()
            .map(|(k, v)| k.len() as u64 + v.len() as u64 + 2 + 8)
            .sum();
        Host {
            arg_limit,
            env_bytes,
            kvm_max_vcpus: kvm_max_vcpus(),
            numa_nodes,
            free_hugepages,
            hugetlbfs_mounted,
            vfio: Path::new("/dev/vfio/vfio").exists(),
            mem_available,
        }
    }
}

/// What the binary must do with a line on this host.
#[derive(Debug, PartialEq, Eq)]
pub enum Expect {
    Accepted,
    /// Refused with an error chain containing this, for want of the host
    /// fact topoc assumes in the second string.
    Refused(String, String),
    /// Killed by this signal when it writes the ACPI tables at start.
    Signal(i32, String),
    /// Not started: the line is longer than this host's execve takes (T217).
    Unstartable(String),
}

/// The first thing of the host cloud-hypervisor needs and this host lacks,
/// in the order cloud-hypervisor gets to them: the memory manager (zone by
/// zone: the hugetlbfs mount, the host node), the CPU manager, the device
/// manager (VFIO), then the ACPI tables it writes into the zone at GPA 0.
pub fn expect(c: &Compiled, args: &[String], vfio_stand_ins: bool, h: &Host, bin: &Path) -> Expect {
    let Some((_, l)) = c.ch() else {
        panic!("not a cloud-hypervisor compile")
    };
    let exec = exec_bytes(bin, &accept_args(args)) + h.env_bytes;
    if exec > h.arg_limit {
        return Expect::Unstartable(format!(
            "T217: {exec} bytes of arguments and environment, execve takes {}",
            h.arg_limit
        ));
    }
    for z in &l.zones {
        let Some(m) = &c.topo.nodes[z.node].memory else {
            continue;
        };
        let b = &m.backend;
        if b.hugepages == Some(None) && b.path.is_none() && !h.hugetlbfs_mounted {
            return Expect::Refused(
                "Failed to stat filesystem".into(),
                "/dev/hugepages is a hugetlbfs mount".into(),
            );
        }
        if let Some(&n) = b.host_nodes.first() {
            if !h.numa_nodes.contains(&n) {
                return Expect::Refused(
                    "Failed applying NUMA memory policy | 4: Invalid argument".into(),
                    format!("the host has NUMA node {n}"),
                );
            }
        }
    }
    if l.max_vcpus > h.kvm_max_vcpus {
        return Expect::Refused(
            format!(
                "Maximum number of vCPUs {} exceeds host limit {}",
                l.max_vcpus, h.kvm_max_vcpus
            ),
            format!("the host's KVM creates {} vCPUs", l.max_vcpus),
        );
    }
    if !l.devices.is_empty() && !vfio_stand_ins && !h.vfio {
        return Expect::Refused(
            "Cannot create a VFIO device".into(),
            "is bound to vfio-pci".into(),
        );
    }
    if let Some(z) = l.zones.first() {
        let huge = c.topo.nodes[z.node]
            .memory
            .as_ref()
            .is_some_and(|m| m.backend.hugepages.is_some());
        if huge {
            match h.free_hugepages.get(&z.align) {
                Some(0) => {
                    return Expect::Signal(7, format!("hugepages for zone {}", z.id));
                }
                Some(_) => {}
                None => panic!(
                    "this host has no pool of {} hugepages: what cloud-hypervisor does then is not modelled",
                    z.align
                ),
            }
        }
    }
    Expect::Accepted
}

pub fn matches(outcome: &Outcome, want: &Expect) -> bool {
    match (outcome, want) {
        (Outcome::Accepted, Expect::Accepted) => true,
        // The error chain, its lines joined with " | " as the binary numbers them.
        (Outcome::Refused(t), Expect::Refused(needle, _)) => t.contains(needle.as_str()),
        (Outcome::Signal(s), Expect::Signal(want, _)) => s == want,
        (Outcome::Unstartable(e), Expect::Unstartable(_)) => e.contains("Argument list too long"),
        _ => false,
    }
}
