//! The guest boot kit: boots a real Linux kernel under QEMU and returns what
//! topoc's probe printed inside it.
//!
//! topoc's predictions (E820, SRAT/SLIT/HMAT, what the guest will see) are
//! proven by booting them, so integration tests need a kernel, an initramfs
//! that runs the probe, and a bounded QEMU run. This file is that kit; the
//! facts behind it are in `shared/reference/guest-boot.md`:
//!
//! - The kernel is Debian's cloud kernel (about twice as fast to boot as the
//!   generic one), resolved through the `linux-image-cloud-amd64` metapackage
//!   and unpacked with `dpkg-deb -x`, never installed on the host.
//! - The initramfs is static busybox, a `/bin/sh` link (without it the kernel
//!   cannot run `/init`), the few modules the probe needs, and the very probe
//!   script `topoc probe-script` prints ([`topoc::probe::PROBE_SCRIPT`]). It
//!   is written here as an uncompressed newc cpio, byte-for-byte reproducible,
//!   and cached under a hash of everything that goes into it.
//! - QEMU always runs with TCG: KVM is unusable on the machines this was
//!   measured on, and TCG's `qemu64` CPU keeps the E820 identical on every host.
//! - Tests run in parallel threads and test binaries in parallel processes,
//!   so every cache entry is built in a private directory and published with
//!   one atomic `rename`; a loser of that race simply uses the winner's copy.
//!
//! Missing tools are errors that name `scripts/install-guest-deps.sh`, never
//! skipped tests: a green run must mean the guests really booted.

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What to run when a tool is missing.
pub const INSTALL_HINT: &str = "run `sudo scripts/install-guest-deps.sh` \
     (installs QEMU >= 10 for x86_64 and aarch64 from backports, busybox-static, cpio, ovmf, acpica-tools, \
     the arm64 package lists and bullseye's edk2 for aarch64, and updates apt lists)";

/// What differs between the x86_64 and the aarch64 kit.
#[derive(Debug)]
pub struct Platform {
    /// The QEMU binary.
    pub qemu: &'static str,
    /// The metapackage that names the current cloud kernel.
    kernel_meta: &'static str,
    /// Appended to package names for `apt-get download` (`:arm64`).
    apt_arch: &'static str,
    /// The serial console of `BASE_CMDLINE`.
    console: &'static str,
    /// [`MODULES`], as the platform's kernel has them.
    modules: &'static [&'static str],
    /// The `MODS=` line of [`INIT_SCRIPT`] for the platform.
    mods: &'static str,
    /// Where busybox comes from: the host's `/bin/busybox`, or this package
    /// downloaded and unpacked.
    busybox_package: Option<&'static str>,
    /// `-bios` for every boot (aarch64: edk2, which carries the ACPI tables).
    bios: Option<&'static str>,
}

/// The x86_64 kit: QEMU q35/pc, the amd64 cloud kernel, SeaBIOS or OVMF.
pub static X86_64: Platform = Platform {
    qemu: "qemu-system-x86_64",
    kernel_meta: "linux-image-cloud-amd64",
    apt_arch: "",
    console: "ttyS0",
    modules: MODULES,
    mods: X86_MODS,
    busybox_package: None,
    bios: None,
};

/// The aarch64 kit: QEMU `virt`, the arm64 cloud kernel, edk2 2020.11
/// (bookworm's 2022.11 makes the guest fake one node: T125). `dax` is a
/// module on arm64 and comes first.
pub static AARCH64: Platform = Platform {
    qemu: "qemu-system-aarch64",
    kernel_meta: "linux-image-cloud-arm64:arm64",
    apt_arch: ":arm64",
    console: "ttyAMA0",
    modules: ARM64_MODULES,
    mods: ARM64_MODS,
    busybox_package: Some("busybox-static:arm64"),
    bios: Some(EDK2_AARCH64),
};

/// Debian bullseye's edk2 2020.11 for aarch64, as install-guest-deps.sh
/// unpacks it.
pub const EDK2_AARCH64: &str = "/usr/local/share/topoc/edk2-aarch64-2020.11/QEMU_EFI.fd";
/// Debian bookworm's edk2 2022.11 for aarch64 (the `qemu-efi-aarch64`
/// package install-guest-deps.sh installs): the build that numbers the buses
/// behind a pxb-pcie.
pub const EDK2_AARCH64_BOOKWORM: &str = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";
const QEMU_MIN_MAJOR: u32 = 10;
const BUSYBOX: &str = "/bin/busybox";
const OVMF: &str = "/usr/share/ovmf/OVMF.fd";
/// The fixed part of the kernel command line. `nokaslr` keeps per-node
/// MemTotal stable from boot to boot (the kernel image lands in node 0).
pub const BASE_CMDLINE: &str = "quiet panic=-1 nokaslr";
/// Bump when the initramfs layout changes in a way the hash would not see.
const LAYOUT: &str = "topoc-initramfs-1";

/// Modules the probe needs, in load order, as paths under
/// `lib/modules/<kver>/kernel/drivers/`. The virtio ones depend on each
/// other in this order; `kmem` is loaded only with `topoc.kmem=1`.
const MODULES: &[&str] = &[
    "virtio/virtio_ring",
    "virtio/virtio",
    "virtio/virtio_pci_legacy_dev",
    "virtio/virtio_pci_modern_dev",
    "virtio/virtio_pci",
    "firmware/qemu_fw_cfg",
    "dax/device_dax",
    "dax/hmem/dax_hmem",
    "dax/kmem",
];

/// [`MODULES`] on arm64, where `dax` is a module too.
const ARM64_MODULES: &[&str] = &[
    "dax/dax",
    "virtio/virtio_ring",
    "virtio/virtio",
    "virtio/virtio_pci_legacy_dev",
    "virtio/virtio_pci_modern_dev",
    "virtio/virtio_pci",
    "firmware/qemu_fw_cfg",
    "dax/device_dax",
    "dax/hmem/dax_hmem",
    "dax/kmem",
];

/// The modules `/init` loads, in order, on x86_64 and on arm64.
const X86_MODS: &str = "MODS=\"virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci qemu_fw_cfg device_dax dax_hmem\"";
const ARM64_MODS: &str = "MODS=\"dax virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci qemu_fw_cfg device_dax dax_hmem\"";

/// PID 1 of the test initramfs: mount, load modules, optionally hand dax
/// memory to kmem, run the probe, power off.
const INIT_SCRIPT: &str = r#"#!/bin/sh
# /init of the topoc test initramfs (see tests/support/guest.rs).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Keep kernel messages off the console while the probe prints.
echo 1 > /proc/sys/kernel/printk
CMDLINE=$(cat /proc/cmdline)
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci qemu_fw_cfg device_dax dax_hmem"
KMEM=0
case " $CMDLINE " in *" topoc.kmem=1 "*) KMEM=1; MODS="$MODS kmem";; esac
NOTES="modules:"
for m in $MODS; do
    f=/lib/modules/$m.ko
    if [ ! -e "$f" ]; then NOTES="$NOTES $m:absent"
    elif insmod "$f" 2>/dev/null; then NOTES="$NOTES $m:ok"
    else NOTES="$NOTES $m:fail"; fi
done
if [ "$KMEM" = 1 ]; then
    # What `daxctl reconfigure-device --mode=system-ram` does: move each dax device
    # from device_dax to kmem, which hot-adds it as System RAM on its target node.
    sleep 0.2
    echo online_movable > /sys/devices/system/memory/auto_online_blocks 2>/dev/null
    NOTES="$NOTES; dax-to-kmem:"
    for d in $(ls /sys/bus/dax/devices 2>/dev/null); do
        echo "$d" > /sys/bus/dax/drivers/device_dax/unbind 2>/dev/null
        echo "$d" > /sys/bus/dax/drivers/kmem/new_id 2>/dev/null
        [ -e "/sys/bus/dax/devices/$d/driver" ] || echo "$d" > /sys/bus/dax/drivers/kmem/bind 2>/dev/null
        drv=$(readlink "/sys/bus/dax/devices/$d/driver" 2>/dev/null)
        NOTES="$NOTES $d=${drv##*/}"
    done
fi
TOPOC_INIT_NOTES=$NOTES
export TOPOC_INIT_NOTES
sh /probe.sh
# Test hook for the kit's own tests: a guest that never powers off.
case " $CMDLINE " in *" topoc.hang-after-dump=1 "*) while :; do sleep 3600; done;; esac
poweroff -f
"#;

/// Which firmware QEMU boots the kernel with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// QEMU's default BIOS.
    Seabios,
    /// `-bios /usr/share/ovmf/OVMF.fd`: UEFI, a different and longer E820.
    Ovmf,
}

/// One guest boot.
#[derive(Debug, Clone)]
pub struct BootSpec {
    /// Machine, memory, CPUs, NUMA, devices: everything topology-specific.
    pub qemu_args: Vec<String>,
    /// Appended to `console=ttyS0 quiet panic=-1 nokaslr`.
    pub kernel_cmdline_extra: String,
    pub firmware: Firmware,
    /// ACPI tables (`name`, bytes) for the kernel's table upgrade: they go
    /// into an uncompressed cpio under `kernel/firmware/acpi/`, placed first
    /// in the initrd. The kernel replaces a firmware table only when the
    /// signature, OEM ID and OEM table ID match (`BOCHS `, `BXPC    ` under
    /// QEMU), the checksum is right, and the OEM revision is strictly greater
    /// than the firmware's (QEMU uses 1); otherwise it logs
    /// `... ACPI table found in initrd` and silently keeps the old table.
    pub acpi_override: Option<Vec<(String, Vec<u8>)>>,
    /// A cpio to put, as it is, before the kit's initramfs: topoc's own
    /// `acpi-initrd` artifact. Not together with `acpi_override`.
    pub initrd_prefix: Option<Vec<u8>>,
    /// `-bios` in place of the platform's (aarch64: bookworm's edk2 2022.11,
    /// [`EDK2_AARCH64_BOOKWORM`], for a topology that names it).
    pub bios: Option<String>,
    /// Wall-clock bound for QEMU.
    pub timeout: Duration,
    /// How long QEMU may run on once the console holds the whole dump.
    /// `poweroff -f` normally ends QEMU within a second.
    pub poweroff_grace: Duration,
}

impl BootSpec {
    /// SeaBIOS, no extra command line, no table override, 180 s bound,
    /// 20 s for the guest to power off after its dump.
    pub fn new<S: AsRef<str>>(qemu_args: &[S]) -> BootSpec {
        BootSpec {
            qemu_args: qemu_args.iter().map(|s| s.as_ref().to_string()).collect(),
            kernel_cmdline_extra: String::new(),
            firmware: Firmware::Seabios,
            acpi_override: None,
            initrd_prefix: None,
            bios: None,
            timeout: Duration::from_secs(180),
            poweroff_grace: Duration::from_secs(20),
        }
    }

    /// Splits a whitespace-separated argument string (no quoting).
    pub fn from_args_str(args: &str) -> BootSpec {
        let words: Vec<&str> = args.split_whitespace().collect();
        BootSpec::new(&words)
    }
}

/// What a successful boot produced.
#[derive(Debug, Clone)]
pub struct BootOutput {
    /// The dump, from the begin marker line to the end marker line
    /// inclusive, cleaned of terminal escapes: feed it to `GuestDump::parse`.
    pub dump: String,
    /// The whole serial console.
    pub console: String,
    /// QEMU's wall time, start to exit.
    pub wall: Duration,
    /// The full QEMU command line, for logs.
    pub command: String,
    /// How QEMU ended: its exit status, or why it was killed after the dump.
    pub exit: String,
}

/// Why a boot did not produce a complete dump.
#[derive(Debug, Clone)]
pub struct BootError {
    pub message: String,
    pub command: String,
    pub stderr: String,
    /// The last lines of the serial console.
    pub console_tail: String,
    pub wall: Duration,
    /// QEMU was killed at the time bound before the dump was complete.
    pub hung: bool,
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} (after {:.2?})", self.message, self.wall)?;
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "--- QEMU stderr ---\n{}", self.stderr.trim_end())?;
        write!(f, "--- console tail ---\n{}", self.console_tail.trim_end())
    }
}

impl std::error::Error for BootError {}

/// A prepared kit: kernel unpacked, initramfs built, QEMU checked.
#[derive(Debug)]
pub struct GuestKit {
    pub cache: PathBuf,
    /// The Debian package the kernel came from (`linux-image-6.1.0-56-cloud-amd64`).
    pub kernel_package: String,
    /// `uname -r` of the guest kernel.
    pub kernel_release: String,
    pub vmlinuz: PathBuf,
    pub initramfs: PathBuf,
    /// `QEMU emulator version 10.0.2 (...)`.
    pub qemu_version: String,
    pub platform: &'static Platform,
}

static KIT: OnceLock<Result<GuestKit, String>> = OnceLock::new();
static KIT_AARCH64: OnceLock<Result<GuestKit, String>> = OnceLock::new();
static RUN_SEQ: AtomicU64 = AtomicU64::new(0);

impl GuestKit {
    /// Checks the host tools and builds (or finds in the cache) the kernel
    /// and initramfs. Done once per test process; later calls are free.
    pub fn prepare() -> Result<&'static GuestKit, String> {
        KIT.get_or_init(|| GuestKit::prepare_uncached(&X86_64))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// [`GuestKit::prepare`] for arm64 guests on QEMU's `virt` machine.
    pub fn prepare_aarch64() -> Result<&'static GuestKit, String> {
        KIT_AARCH64
            .get_or_init(|| GuestKit::prepare_uncached(&AARCH64))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn prepare_uncached(platform: &'static Platform) -> Result<GuestKit, String> {
        let qemu_version = check_qemu(platform.qemu)?;
        if let Some(bios) = platform.bios {
            if !Path::new(bios).is_file() {
                return Err(format!("{bios} not found; {INSTALL_HINT}"));
            }
        }
        let cache = cache_dir();
        fs::create_dir_all(cache.join("tmp"))
            .map_err(|e| format!("cannot create guest cache {}: {e}", cache.display()))?;
        let busybox = match platform.busybox_package {
            None => check_busybox()?,
            Some(package) => {
                let root = ensure_package(&cache, "busybox", package, "bin/busybox")?;
                fs::read(root.join("bin/busybox"))
                    .map_err(|e| format!("cannot read busybox of {package}: {e}"))?
            }
        };
        let kernel_package = resolve_kernel_package(platform.kernel_meta)?;
        let kroot = ensure_package(
            &cache,
            "kernel",
            &format!("{kernel_package}{}", platform.apt_arch),
            "boot",
        )?;
        let (vmlinuz, kernel_release) = find_vmlinuz(&kroot)?;
        let initramfs = ensure_initramfs(&cache, &kroot, &kernel_release, &busybox, platform)?;
        Ok(GuestKit {
            cache,
            kernel_package,
            kernel_release,
            vmlinuz,
            initramfs,
            qemu_version,
            platform,
        })
    }

    /// Boots one guest and returns its dump, or why there was none.
    ///
    /// A guest that hangs (no complete dump within the time bound) is booted
    /// once more, with a `guest-note` line in the test output: TCG guests on
    /// a loaded host have been seen to stall where the same boot takes five
    /// seconds on every other run. The retry must pass in full; a guest that
    /// boots and prints a wrong topology is never retried.
    pub fn boot(&self, spec: &BootSpec) -> Result<BootOutput, BootError> {
        match self.boot_once(spec) {
            Err(first) if first.hung => {
                eprintln!(
                    "guest-note the guest hung ({}); booting it once more",
                    first.message
                );
                self.boot_once(spec).map_err(|mut second| {
                    second.message = format!(
                        "{} (a second boot, after the first hung: {})",
                        second.message, first.message
                    );
                    second
                })
            }
            other => other,
        }
    }

    fn boot_once(&self, spec: &BootSpec) -> Result<BootOutput, BootError> {
        let fail = |message: String| BootError {
            message,
            command: String::new(),
            stderr: String::new(),
            console_tail: String::new(),
            wall: Duration::ZERO,
            hung: false,
        };
        if spec.firmware == Firmware::Ovmf && !Path::new(OVMF).is_file() {
            return Err(fail(format!("{OVMF} not found; {INSTALL_HINT}")));
        }
        if let Some(arg) = asks_for_kvm(&spec.qemu_args) {
            return Err(fail(format!(
                "`{arg}`: guest tests always run under TCG (KVM is unusable on the reference machines, \
                 and the guest CPU, hence the E820, would depend on the host)"
            )));
        }
        if self.cache.to_string_lossy().contains(',') {
            return Err(fail(format!(
                "the guest cache path {} contains a comma, which QEMU's -serial cannot take; set TOPOC_GUEST_CACHE",
                self.cache.display()
            )));
        }
        let run = unique_dir(&self.cache.join("runs"), "boot")
            .map_err(|e| fail(format!("cannot create a run directory: {e}")))?;
        let initrd = match (&spec.acpi_override, &spec.initrd_prefix) {
            (Some(_), Some(_)) => {
                return Err(fail(
                    "acpi_override and initrd_prefix both given: use one".to_string(),
                ));
            }
            (None, None) => self.initramfs.clone(),
            (None, Some(prefix)) => {
                let path = run.join("initrd.cpio");
                fs::read(&self.initramfs)
                    .and_then(|rest| {
                        let mut out = prefix.clone();
                        out.extend_from_slice(&rest);
                        fs::write(&path, out)
                    })
                    .map_err(|e| fail(format!("cannot build the prefixed initrd: {e}")))?;
                path
            }
            (Some(tables), None) => {
                let path = run.join("initrd.cpio");
                write_override_initrd(&path, tables, &self.initramfs)
                    .map_err(|e| fail(format!("cannot build the override initrd: {e}")))?;
                path
            }
        };
        let console_path = run.join("console.log");
        let console_arg = console_path.to_string_lossy().to_string();
        let mut args: Vec<String> = vec!["-accel".into(), "tcg".into()];
        if let Some(bios) = spec.bios.as_deref().or(self.platform.bios) {
            if !Path::new(bios).is_file() {
                return Err(fail(format!("{bios} not found; {INSTALL_HINT}")));
            }
            args.extend(["-bios".into(), bios.into()]);
        } else if spec.firmware == Firmware::Ovmf {
            args.extend(["-bios".into(), OVMF.into()]);
        }
        let cmdline = format!(
            "console={} {BASE_CMDLINE} {}",
            self.platform.console, spec.kernel_cmdline_extra
        )
        .trim_end()
        .to_string();
        args.extend(
            [
                "-nodefaults",
                "-display",
                "none",
                "-no-reboot",
                "-monitor",
                "none",
                "-serial",
            ]
            .map(String::from),
        );
        args.push(format!("file:{console_arg}"));
        args.push("-kernel".into());
        args.push(self.vmlinuz.to_string_lossy().into());
        args.push("-initrd".into());
        args.push(initrd.to_string_lossy().into());
        args.push("-append".into());
        args.push(cmdline);
        args.extend(spec.qemu_args.iter().cloned());
        let qemu = self.platform.qemu;
        let command = format!("{qemu} {}", shell_words(&args));

        let stderr_path = run.join("qemu.stderr");
        let started = Instant::now();
        let outcome = run_bounded(
            qemu,
            &args,
            &stderr_path,
            &console_path,
            spec.timeout,
            spec.poweroff_grace,
        );
        let wall = started.elapsed();
        let console =
            String::from_utf8_lossy(&fs::read(&console_path).unwrap_or_default()).replace('\r', "");
        let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
        let error = |message: String, hung: bool| BootError {
            message: format!("{message}; run directory kept: {}", run.display()),
            command: command.clone(),
            stderr: stderr.clone(),
            console_tail: tail(&console, 40),
            wall,
            hung,
        };
        let status = match outcome {
            Ok(status) => status,
            Err(RunFailure::Hung(e)) => return Err(error(e, true)),
            Err(RunFailure::Other(e)) => return Err(error(e, false)),
        };
        match extract_dump(&console) {
            Some(dump) => {
                let _ = fs::remove_dir_all(&run);
                Ok(BootOutput {
                    dump,
                    console,
                    wall,
                    command,
                    exit: status,
                })
            }
            None => Err(error(
                format!("the guest printed no complete dump (QEMU {status})"),
                false,
            )),
        }
    }
}

/// The first argument that would turn KVM on, if any.
fn asks_for_kvm(args: &[String]) -> Option<&str> {
    let mut prev = "";
    for a in args {
        let kvm = a == "-enable-kvm"
            || a == "--enable-kvm"
            || ((prev == "-accel" || prev == "--accel") && a.split(',').next() == Some("kvm"))
            || a.split(',').any(|opt| opt == "accel=kvm");
        if kvm {
            return Some(a);
        }
        prev = a;
    }
    None
}

/// The cache root: `$TOPOC_GUEST_CACHE`, else `guest-cache` in Cargo's
/// target directory (`<repo>/target/guest-cache`; a clone built with
/// `CARGO_TARGET_DIR` pointing elsewhere shares that directory's kernel).
fn cache_dir() -> PathBuf {
    match std::env::var_os("TOPOC_GUEST_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => super::data::target_dir().join("guest-cache"),
    }
}

fn check_qemu(qemu: &str) -> Result<String, String> {
    let out = Command::new(qemu)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {qemu}: {e}; {INSTALL_HINT}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("").trim().to_string();
    let major = first
        .strip_prefix("QEMU emulator version ")
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse::<u32>().ok());
    match major {
        Some(m) if m >= QEMU_MIN_MAJOR => Ok(first),
        _ => Err(format!(
            "{qemu} must be version {QEMU_MIN_MAJOR}.0 or newer, found `{first}`; {INSTALL_HINT}"
        )),
    }
}

/// `/bin/busybox` must be statically linked: the initramfs has no libc.
fn check_busybox() -> Result<Vec<u8>, String> {
    let bytes =
        fs::read(BUSYBOX).map_err(|e| format!("cannot read {BUSYBOX}: {e}; {INSTALL_HINT}"))?;
    match elf_has_interpreter(&bytes) {
        Some(false) => Ok(bytes),
        Some(true) => Err(format!(
            "{BUSYBOX} is dynamically linked (the `busybox` package); the guest needs busybox-static; {INSTALL_HINT}"
        )),
        None => Err(format!(
            "{BUSYBOX} is not a 64-bit ELF file; {INSTALL_HINT}"
        )),
    }
}

/// Whether a 64-bit little-endian ELF file has a PT_INTERP program header
/// (is dynamically linked); `None` if it is not such a file.
fn elf_has_interpreter(b: &[u8]) -> Option<bool> {
    if b.get(..4)? != b"\x7fELF" || *b.get(4)? != 2 || *b.get(5)? != 1 {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?));
    let phoff = usize::try_from(u64::from_le_bytes(b.get(0x20..0x28)?.try_into().ok()?)).ok()?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    for i in 0..phnum {
        let at = phoff.checked_add(i.checked_mul(phentsize)?)?;
        let p_type = u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?);
        if p_type == 3 {
            return Some(true);
        }
    }
    Some(false)
}

/// `linux-image-cloud-amd64` → `linux-image-6.1.0-56-cloud-amd64` (the ABI
/// number changes with security updates, so it is never hard-coded).
fn resolve_kernel_package(meta: &str) -> Result<String, String> {
    let out = Command::new("apt-cache")
        .args(["depends", meta])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run apt-cache: {e}; {INSTALL_HINT}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-"))
        .map(|p| {
            let p = p.trim();
            p.strip_suffix(":arm64").unwrap_or(p).to_string()
        })
        .ok_or_else(|| {
            format!("apt-cache cannot resolve {meta} (apt lists missing or stale); {INSTALL_HINT}")
        })
}

/// The unpacked package (`<cache>/<kind>/<package>`, `:` as `_`),
/// downloading and unpacking it first if needed; `marker` is a path the
/// unpacked package has (`boot` for a kernel).
fn ensure_package(
    cache: &Path,
    kind: &str,
    package: &str,
    marker: &str,
) -> Result<PathBuf, String> {
    if package.contains('/') || package.starts_with('.') {
        return Err(format!("unexpected package name `{package}`"));
    }
    let dir_name = package.replace(':', "_");
    let fin = cache.join(kind).join(&dir_name);
    if fin.join(marker).exists() {
        return Ok(fin);
    }
    fs::create_dir_all(cache.join(kind)).map_err(|e| format!("cannot create {kind} cache: {e}"))?;
    let work = unique_dir(&cache.join("tmp"), &dir_name)
        .map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let result = download_and_unpack(&work, package, &fin, marker);
    let _ = fs::remove_dir_all(&work);
    result.map(|()| fin)
}

fn download_and_unpack(work: &Path, package: &str, fin: &Path, marker: &str) -> Result<(), String> {
    let dl = work.join("dl");
    fs::create_dir_all(&dl).map_err(|e| format!("cannot create {}: {e}", dl.display()))?;
    let out = Command::new("apt-get")
        .args(["download", "-q", package])
        .current_dir(&dl)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run apt-get: {e}; {INSTALL_HINT}"))?;
    if !out.status.success() {
        return Err(format!(
            "apt-get download {package} failed ({}): {}; {INSTALL_HINT}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let deb = fs::read_dir(&dl)
        .map_err(|e| format!("cannot list {}: {e}", dl.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| format!("apt-get download {package} left no .deb"))?;
    let root = work.join("root");
    let out = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run dpkg-deb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "dpkg-deb -x {} failed: {}",
            deb.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    publish_dir(&root, fin, marker)
}

/// Moves a finished directory into place atomically. If another process
/// published it first, keeps theirs.
fn publish_dir(from: &Path, to: &Path, marker: &str) -> Result<(), String> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(_) if to.join(marker).exists() => Ok(()),
        Err(e) => Err(format!(
            "cannot move {} to {}: {e}",
            from.display(),
            to.display()
        )),
    }
}

fn find_vmlinuz(kroot: &Path) -> Result<(PathBuf, String), String> {
    let boot = kroot.join("boot");
    let mut found: Vec<PathBuf> = fs::read_dir(&boot)
        .map_err(|e| format!("cannot list {}: {e}", boot.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmlinuz-"))
        })
        .collect();
    found.sort();
    let vmlinuz = found
        .pop()
        .ok_or_else(|| format!("no vmlinuz-* in {}", boot.display()))?;
    let release = vmlinuz
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("vmlinuz-"))
        .unwrap_or_default()
        .to_string();
    Ok((vmlinuz, release))
}

/// Builds the initramfs unless a copy with the same inputs is cached.
fn ensure_initramfs(
    cache: &Path,
    kroot: &Path,
    release: &str,
    busybox: &[u8],
    platform: &Platform,
) -> Result<PathBuf, String> {
    let drivers = kroot
        .join("lib/modules")
        .join(release)
        .join("kernel/drivers");
    let mut modules: Vec<(String, Vec<u8>)> = Vec::new();
    let init = INIT_SCRIPT.replace(X86_MODS, platform.mods);
    for m in platform.modules {
        let path = drivers.join(format!("{m}.ko"));
        // A module that is missing (or built in) is reported by /init as absent.
        if let Ok(bytes) = fs::read(&path) {
            let name = m.rsplit('/').next().unwrap_or(m);
            modules.push((format!("lib/modules/{name}.ko"), bytes));
        }
    }
    let probe = topoc::probe::PROBE_SCRIPT.as_bytes();

    let mut h = Fnv::new();
    for part in [
        LAYOUT.as_bytes(),
        release.as_bytes(),
        init.as_bytes(),
        probe,
        busybox,
    ] {
        h.chunk(part);
    }
    for (name, bytes) in &modules {
        h.chunk(name.as_bytes());
        h.chunk(bytes);
    }
    let path = cache.join(format!("initramfs-{release}-{:016x}.cpio", h.0));
    if path.is_file() {
        return Ok(path);
    }

    let mut cpio = Cpio::default();
    for dir in ["bin", "dev", "proc", "sys", "lib", "lib/modules"] {
        cpio.dir(dir);
    }
    cpio.char_dev("dev/console", 0o600, 5, 1);
    cpio.file("bin/busybox", 0o755, busybox);
    // The kernel runs /init's #! interpreter; without /bin/sh it panics.
    cpio.symlink("bin/sh", "busybox");
    cpio.file("init", 0o755, init.as_bytes());
    cpio.file("probe.sh", 0o755, probe);
    for (name, bytes) in &modules {
        cpio.file(name, 0o644, bytes);
    }
    write_atomically(cache, &path, &cpio.finish())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The table-upgrade cpio (uncompressed, first) followed by the initramfs.
fn write_override_initrd(
    path: &Path,
    tables: &[(String, Vec<u8>)],
    initramfs: &Path,
) -> io::Result<()> {
    let mut cpio = Cpio::default();
    for dir in ["kernel", "kernel/firmware", "kernel/firmware/acpi"] {
        cpio.dir(dir);
    }
    for (name, bytes) in tables {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad ACPI override file name `{name}`"),
            ));
        }
        cpio.file(&format!("kernel/firmware/acpi/{name}"), 0o644, bytes);
    }
    let mut out = cpio.finish();
    out.extend_from_slice(&fs::read(initramfs)?);
    fs::write(path, out)
}

fn write_atomically(cache: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = cache
        .join("tmp")
        .join(format!("{}.{}", unique_suffix(), "cpio"));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seq = RUN_SEQ.fetch_add(1, Ordering::Relaxed);
    format!("{}-{seq}-{nanos}", std::process::id())
}

fn unique_dir(parent: &Path, stem: &str) -> io::Result<PathBuf> {
    fs::create_dir_all(parent)?;
    let dir = parent.join(format!("{stem}.{}", unique_suffix()));
    fs::create_dir(&dir)?;
    Ok(dir)
}

/// Runs QEMU with stdin closed and stdout/stderr to a file, killing it
/// after `timeout`. Returns the exit status as text.
///
/// The console is watched while QEMU runs: once it holds the dump's end
/// marker, everything the test needs is on disk, and a guest that then
/// fails to power off (seen once on a loaded CI host: the dump complete,
/// QEMU still running two minutes later) is killed after
/// `poweroff_grace` instead of failing the boot. The dump itself is still
/// checked by the caller; a guest that never finishes it still times out.
fn run_bounded(
    qemu: &str,
    args: &[String],
    stderr_path: &Path,
    console_path: &Path,
    timeout: Duration,
    poweroff_grace: Duration,
) -> Result<String, RunFailure> {
    let stderr = fs::File::create(stderr_path)
        .map_err(|e| RunFailure::Other(format!("cannot create {}: {e}", stderr_path.display())))?;
    let stdout = stderr
        .try_clone()
        .map_err(|e| RunFailure::Other(format!("cannot clone a file handle: {e}")))?;
    let mut child = Command::new(qemu)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| RunFailure::Other(format!("cannot start {qemu}: {e}; {INSTALL_HINT}")))?;
    let started = Instant::now();
    let deadline = started + timeout;
    let mut next_look = started;
    let mut dump_seen: Option<Instant> = None;
    loop {
        let now = Instant::now();
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.to_string()),
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunFailure::Other(format!("waiting for QEMU failed: {e}")));
            }
        }
        if dump_seen.is_none() && now >= next_look {
            next_look = now + Duration::from_millis(250);
            if console_has_end_marker(console_path) {
                dump_seen = Some(now);
            }
        }
        if let Some(seen) = dump_seen {
            if now >= seen + poweroff_grace {
                let _ = child.kill();
                let _ = child.wait();
                let note = format!(
                    "killed: the dump was complete after {:.1} s but the guest \
                     had not powered off {:.1} s later",
                    (seen - started).as_secs_f64(),
                    poweroff_grace.as_secs_f64()
                );
                eprintln!("guest-note {note}");
                return Ok(note);
            }
        } else if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunFailure::Hung(format!(
                "QEMU did not exit within {timeout:?} and was killed"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Why [`run_bounded`] has no exit status to give.
enum RunFailure {
    /// Killed at the time bound, the dump incomplete.
    Hung(String),
    /// QEMU could not be started or waited for.
    Other(String),
}

/// Whether the console file holds the dump's end marker yet.
fn console_has_end_marker(console_path: &Path) -> bool {
    fs::read(console_path)
        .map(|bytes| {
            let marker = topoc::guest::dump::END_MARKER.as_bytes();
            bytes.windows(marker.len()).any(|w| w == marker)
        })
        .unwrap_or(false)
}

/// The dump between the markers (inclusive), with the begin line cut to the
/// marker: `None` if there is no complete dump.
pub fn extract_dump(console: &str) -> Option<String> {
    let (version, body) = topoc::guest::dump::extract(console).ok()?;
    let begin = match version {
        topoc::guest::dump::DumpVersion::V1 => "=====TOPOC-DUMP-BEGIN v1=====",
        topoc::guest::dump::DumpVersion::Legacy => "=====TOPOC-DUMP-BEGIN=====",
    };
    let mut out = String::with_capacity(console.len());
    out.push_str(begin);
    out.push('\n');
    for line in body {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(topoc::guest::dump::END_MARKER);
    out.push('\n');
    Some(out)
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=,.:/+%@".contains(&b))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// FNV-1a, 64 bit, over length-prefixed chunks: a cache key, not security.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn chunk(&mut self, b: &[u8]) {
        self.bytes(&(b.len() as u64).to_le_bytes());
        self.bytes(b);
    }
}

/// A newc ("070701") cpio writer: owner root, mtime 0, so the same inputs
/// always give the same bytes.
#[derive(Default)]
struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        self.ino += 1;
        let nlink = if mode & 0o170000 == 0o040000 { 2 } else { 1 };
        let header = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            self.ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            data.len(),
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            name.len() + 1,
            0, // check
        );
        self.out.extend_from_slice(header.as_bytes());
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad(4);
        self.out.extend_from_slice(data);
        self.pad(4);
    }

    fn pad(&mut self, to: usize) {
        while self.out.len() % to != 0 {
            self.out.push(0);
        }
    }

    fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, (0, 0), &[]);
    }

    fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, 0o100000 | perm, (0, 0), data);
    }

    fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, 0o120777, (0, 0), target.as_bytes());
    }

    fn char_dev(&mut self, name: &str, perm: u32, major: u32, minor: u32) {
        self.entry(name, 0o020000 | perm, (major, minor), &[]);
    }

    /// The trailer, padded to 512 bytes so another archive can follow.
    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.pad(512);
        self.out
    }
}
