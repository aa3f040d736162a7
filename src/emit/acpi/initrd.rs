//! The `acpi-initrd` artifact: topoc's SRAT, SLIT and HMAT as the
//! uncompressed cpio the Linux ACPI table upgrade reads
//! (`CONFIG_ACPI_TABLE_UPGRADE`, x86 and arm64 alike).
//!
//! The kernel looks for `kernel/firmware/acpi/*.aml` in an uncompressed
//! `newc` cpio at the very start of the initrd, and replaces a firmware table
//! with one whose signature, OEM ID and OEM table ID match and whose OEM
//! revision is higher (topoc writes 2 with `acpi-table-upgrade`, QEMU 1).
//! Put it first: `cat acpi-initrd.cpio initrd.img > initrd-topoc.img`. The
//! guest logs `ACPI: Table Upgrade: override [SRAT-BOCHS -BXPC    ]`, which
//! `topoc verify` checks (`acpi.table-upgrade`).
//!
//! The archive is byte-identical run to run: inode numbers count from 1,
//! every time stamp, owner and device number is 0.

use crate::pipeline::Compiled;

/// The directory the kernel reads, and the tables in the order written.
const DIR: &str = "kernel/firmware/acpi";

/// The archive, or `None` unless the topology asks for the table upgrade.
pub fn render(c: &Compiled) -> Option<Vec<u8>> {
    if !c.target.qemu().is_some_and(|p| p.acpi_table_upgrade.value) {
        return None;
    }
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, artifact) in [
        ("srat.aml", "srat"),
        ("slit.aml", "slit"),
        ("hmat.aml", "hmat"),
    ] {
        if let Some(bytes) = super::super::lookup(artifact).and_then(|a| a.render(c)) {
            files.push((name, bytes));
        }
    }
    let mut w = Newc::default();
    w.dir("kernel");
    w.dir("kernel/firmware");
    w.dir(DIR);
    for (name, bytes) in &files {
        w.file(&format!("{DIR}/{name}"), bytes);
    }
    Some(w.finish())
}

/// A `newc` ("070701") cpio writer.
#[derive(Default)]
struct Newc {
    out: Vec<u8>,
    ino: u32,
}

impl Newc {
    fn entry(&mut self, name: &str, mode: u32, nlink: u32, data: &[u8]) {
        self.ino += 1;
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let namesize = u32::try_from(name.len() + 1).unwrap_or(u32::MAX);
        let fields = [
            self.ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, namesize, 0,
        ];
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }

    fn dir(&mut self, name: &str) {
        self.entry(name, 0o040_755, 2, &[]);
    }

    fn file(&mut self, name: &str, data: &[u8]) {
        self.entry(name, 0o100_644, 1, data);
    }

    fn finish(mut self) -> Vec<u8> {
        self.ino = 0;
        self.entry("TRAILER!!!", 0, 1, &[]);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout `cpio -i` and the kernel's initramfs unpacker read: a
    /// 110-byte header, the name with its NUL padded to 4, the data padded
    /// to 4, and the trailer last.
    #[test]
    fn newc_headers_names_and_padding() {
        let mut w = Newc::default();
        w.dir("kernel");
        w.file("kernel/a.aml", b"SRAT!");
        let out = w.finish();
        assert_eq!(&out[..6], b"070701");
        let field = |at: usize, k: usize| {
            let s = std::str::from_utf8(&out[at + 6 + 8 * k..at + 14 + 8 * k]).unwrap();
            u32::from_str_radix(s, 16).unwrap()
        };
        // "kernel\0" is 7 bytes: 110 + 7 = 117, padded to 120.
        assert_eq!(field(0, 0), 1);
        assert_eq!(field(0, 1), 0o040_755);
        assert_eq!(field(0, 11), 7);
        let second = 120;
        assert_eq!(&out[second..second + 6], b"070701");
        assert_eq!(field(second, 1), 0o100_644);
        assert_eq!(field(second, 6), 5);
        // "kernel/a.aml\0" is 13 bytes: 110 + 13 = 123 -> 124, then 5 data
        // bytes -> 8.
        let data = second + 124;
        assert_eq!(&out[data..data + 5], b"SRAT!");
        let trailer = data + 8;
        assert_eq!(&out[trailer + 110..trailer + 120], b"TRAILER!!!");
        assert_eq!(out.len() % 4, 0);
    }
}
