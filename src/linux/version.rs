//! Which guest kernel: its version, and what changed between versions in
//! what it prints.
//!
//! The rest of this module transcribes Linux 6.1, Debian bookworm's guest
//! kernel that the tests boot. Each method here names one later change and
//! the version it arrived in; a kernel whose version is unknown is taken to
//! be 6.1.

use super::e820::Names;

/// `major.minor` of a kernel release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Version {
        Version { major, minor }
    }

    /// The version of a release string such as `6.1.0-56-cloud-amd64`.
    pub fn from_release(release: &str) -> Option<Version> {
        let mut it = release.split(|c: char| !c.is_ascii_digit());
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        Some(Version { major, minor })
    }
}

/// A guest kernel, as far as its version is known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kernel {
    pub version: Option<Version>,
}

impl Kernel {
    /// The kernel of `uname -r`, when there is one.
    pub fn from_release(release: Option<&str>) -> Kernel {
        Kernel {
            version: release.and_then(Version::from_release),
        }
    }

    fn at_least(self, major: u32, minor: u32) -> bool {
        self.version
            .is_some_and(|v| v >= Version::new(major, minor))
    }

    /// Linux 7.0 renamed the E820 types of its boot log (Ingo Molnar's E820
    /// series, tag x86-boot-2026-02-09).
    pub fn e820_names(self) -> Names {
        if self.at_least(7, 0) {
            Names::Renamed
        } else {
            Names::Classic
        }
    }

    /// `SRAT: PXM p -> APIC a -> Node n` is printed up to 6.11; from 6.12
    /// ("x86/mm: Don't print out SRAT table information") it is pr_debug.
    pub fn prints_srat_cpu_lines(self) -> bool {
        !self.at_least(6, 12)
    }

    /// 2026 kernels (7.0) keep Soft Reserved ranges in a separate resource
    /// tree until a driver claims them (drivers/dax/hmem "TODO: Add
    /// Soft-Reserved memory back to iomem"), so `/proc/iomem` may lack them.
    /// Not yet seen on a running kernel.
    pub fn may_keep_soft_reserved_out_of_iomem(self) -> bool {
        self.at_least(7, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_releases() {
        assert_eq!(
            Version::from_release("6.1.0-56-cloud-amd64"),
            Some(Version::new(6, 1))
        );
        assert_eq!(
            Version::from_release("7.0.1-amd64"),
            Some(Version::new(7, 0))
        );
        assert_eq!(Version::from_release("linux"), None);
        let k = |r: &str| Kernel::from_release(Some(r));
        assert_eq!(k("6.11.2").e820_names(), Names::Classic);
        assert_eq!(k("7.0.1").e820_names(), Names::Renamed);
        assert!(k("6.11.2").prints_srat_cpu_lines());
        assert!(!k("6.12.9-amd64").prints_srat_cpu_lines());
        assert!(Kernel::default().prints_srat_cpu_lines());
        assert!(!k("6.19").may_keep_soft_reserved_out_of_iomem());
    }
}
