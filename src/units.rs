//! Human units: sizes, latencies, bandwidths, CPU lists and PCI addresses.
//!
//! Parsing is exact: a value that is not a whole number of the base unit
//! (bytes, picoseconds, bytes per second) is an error, never rounded.
//! Formatting picks the largest unit that represents the value exactly, so
//! that `format(parse(x))` reads like what a person would write.

use std::fmt::Write as _;

/// Bytes in one KiB, MiB, ... .
pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
pub const TIB: u64 = 1 << 40;

/// Why a unit string did not parse. The text is a complete sentence fragment
/// that the parse stage puts on the value's span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError {
    pub message: String,
    pub help: Option<String>,
}

impl UnitError {
    fn new(message: impl Into<String>) -> UnitError {
        UnitError {
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> UnitError {
        self.help = Some(help.into());
        self
    }
}

/// Byte units. The `K`/`M`/`G`/`T` spellings are binary, as in QEMU and
/// cloud-hypervisor; `KB`/`MB`/`GB`/`TB` are decimal, as in SI.
const SIZE_UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KiB", KIB),
    ("MiB", MIB),
    ("GiB", GIB),
    ("TiB", TIB),
    ("PiB", TIB << 10),
    ("K", KIB),
    ("M", MIB),
    ("G", GIB),
    ("T", TIB),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
];

const TIME_UNITS: &[(&str, u64)] = &[
    ("ps", 1),
    ("ns", 1_000),
    ("us", 1_000_000),
    ("µs", 1_000_000),
    ("ms", 1_000_000_000),
];

/// Splits "12.5GiB" into ("12.5", "GiB").
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    (s[..end].trim(), s[end..].trim())
}

/// `number * unit`, exactly. `number` may have a fractional part as long as
/// the product is a whole number.
fn scale(number: &str, unit: u64, what: &str, base: &str) -> Result<u64, UnitError> {
    let number = number.replace('_', "");
    if number.is_empty() {
        return Err(UnitError::new(format!("{what} has no number")));
    }
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number.as_str(), ""),
    };
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return Err(UnitError::new(format!("`{number}` is not a number")));
    }
    let digits = format!("{int}{frac}");
    let mantissa: u128 = digits
        .parse()
        .map_err(|_| UnitError::new(format!("`{number}` is not a number")))?;
    let denom = 10u128
        .checked_pow(frac.len() as u32)
        .ok_or_else(|| UnitError::new(format!("`{number}` has too many decimals")))?;
    let product = mantissa
        .checked_mul(unit as u128)
        .ok_or_else(|| UnitError::new(format!("{what} is too large")))?;
    if product % denom != 0 {
        return Err(UnitError::new(format!(
            "{what} `{number}` is not a whole number of {base}"
        )));
    }
    u64::try_from(product / denom).map_err(|_| UnitError::new(format!("{what} is too large")))
}

fn lookup<'a>(units: &'a [(&'a str, u64)], unit: &str) -> Option<u64> {
    units.iter().find(|(n, _)| *n == unit).map(|(_, v)| *v)
}

fn unit_names(units: &[(&str, u64)]) -> String {
    units
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| *n != "µs")
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a size such as `"4GiB"`, `"512MiB"` or `"1.5G"` into bytes.
pub fn parse_size(s: &str) -> Result<u64, UnitError> {
    let (num, unit) = split_number(s.trim());
    if unit.is_empty() {
        return Err(UnitError::new(format!("size `{s}` has no unit"))
            .help("write the unit, for example \"4GiB\", \"512MiB\" or \"4096B\""));
    }
    let Some(mult) = lookup(SIZE_UNITS, unit) else {
        return Err(UnitError::new(format!("`{unit}` is not a size unit"))
            .help(format!("size units are {}", unit_names(SIZE_UNITS))));
    };
    scale(num, mult, "size", "bytes")
}

/// Parses a latency such as `"120ns"` or `"1.5us"` into picoseconds.
pub fn parse_latency(s: &str) -> Result<u64, UnitError> {
    let (num, unit) = split_number(s.trim());
    if unit.is_empty() {
        return Err(UnitError::new(format!("latency `{s}` has no unit"))
            .help("write the unit, for example \"120ns\" or \"1.5us\""));
    }
    let Some(mult) = lookup(TIME_UNITS, unit) else {
        return Err(UnitError::new(format!("`{unit}` is not a time unit"))
            .help(format!("time units are {}", unit_names(TIME_UNITS))));
    };
    scale(num, mult, "latency", "picoseconds")
}

/// Parses a bandwidth such as `"64GB/s"` (decimal) or `"64GiB/s"` (binary)
/// into bytes per second.
pub fn parse_bandwidth(s: &str) -> Result<u64, UnitError> {
    let t = s.trim();
    let Some(rate) = t.strip_suffix("/s") else {
        return Err(UnitError::new(format!("bandwidth `{s}` is not per second"))
            .help("write a rate such as \"64GB/s\" or \"100GiB/s\""));
    };
    let (num, unit) = split_number(rate);
    let Some(mult) = lookup(SIZE_UNITS, unit) else {
        return Err(
            UnitError::new(format!("`{unit}/s` is not a bandwidth unit")).help(format!(
                "bandwidth units are {} followed by /s",
                unit_names(SIZE_UNITS)
            )),
        );
    };
    scale(num, mult, "bandwidth", "bytes per second")
}

/// Formats bytes with the largest binary unit that is exact ("4GiB", "1536MiB").
pub fn fmt_size(bytes: u64) -> String {
    for (name, mult) in [("TiB", TIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)] {
        if bytes >= mult && bytes % mult == 0 {
            return format!("{}{name}", bytes / mult);
        }
    }
    format!("{bytes}B")
}

/// Formats bytes in QEMU's size syntax: binary suffixes `K`, `M`, `G`, `T`.
pub fn fmt_qemu_size(bytes: u64) -> String {
    for (name, mult) in [("T", TIB), ("G", GIB), ("M", MIB), ("K", KIB)] {
        if bytes >= mult && bytes % mult == 0 {
            return format!("{}{name}", bytes / mult);
        }
    }
    format!("{bytes}")
}

/// Formats picoseconds as the largest exact unit ("120ns", "1500ps").
pub fn fmt_latency(ps: u64) -> String {
    for (name, mult) in [("ms", 1_000_000_000), ("us", 1_000_000), ("ns", 1_000)] {
        if ps >= mult && ps % mult == 0 {
            return format!("{}{name}", ps / mult);
        }
    }
    format!("{ps}ps")
}

/// Formats bytes per second, preferring binary units, then decimal ones.
pub fn fmt_bandwidth(bps: u64) -> String {
    for (name, mult) in [("TiB", TIB), ("GiB", GIB), ("MiB", MIB)] {
        if bps >= mult && bps % mult == 0 {
            return format!("{}{name}/s", bps / mult);
        }
    }
    for (name, mult) in [
        ("TB", 1_000_000_000_000),
        ("GB", 1_000_000_000),
        ("MB", 1_000_000),
    ] {
        if bps >= mult && bps % mult == 0 {
            return format!("{}{name}/s", bps / mult);
        }
    }
    format!("{bps}B/s")
}

/// A sorted set of CPU (or host node) indexes.
pub type CpuList = Vec<u32>;

/// The most CPUs one input may list, in all its CPU lists together: 256
/// times the largest vCPU count any target takes (8192), so never a limit
/// for a real machine, but a bound on what a short input can make topoc
/// allocate (`"0-1048575,1048576-2097151,…"`).
pub const MAX_LISTED_CPUS: usize = 1 << 21;

/// Parses `"0-3,8"` into `[0, 1, 2, 3, 8]`. Ranges are inclusive. A CPU given
/// twice is an error: it is almost always a typo in a range.
pub fn parse_cpulist(s: &str) -> Result<CpuList, UnitError> {
    parse_cpulist_within(s, MAX_LISTED_CPUS)
}

/// [`parse_cpulist`] that refuses a list of more than `limit` CPUs before
/// allocating them. The format is the kernel's own list format
/// ([`crate::linux::sysfs::parse_list`]); this adds what to do about an error.
pub fn parse_cpulist_within(s: &str, limit: usize) -> Result<CpuList, UnitError> {
    use crate::linux::sysfs::{ListError, parse_list};
    parse_list(s, limit).map_err(|e| {
        let err = UnitError::new(e.to_string());
        match e {
            ListError::NotANumber(_) => err.help("a CPU list looks like \"0-3,8\""),
            ListError::Backwards { lo, hi, .. } => err.help(format!("write `{hi}-{lo}`")),
            ListError::TooMany(_) => err.help(format!(
                "topoc reads at most {MAX_LISTED_CPUS} CPUs in all the lists of one file"
            )),
            ListError::TooLarge(_) | ListError::Twice(_) => err,
        }
    })
}

/// Formats a sorted list as ranges: `[0,1,2,3,8]` → `"0-3,8"`.
pub fn fmt_cpulist(cpus: &[u32]) -> String {
    ranges(cpus)
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Groups a sorted list into inclusive runs.
pub fn ranges(cpus: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &c in cpus {
        match out.last_mut() {
            Some((_, hi)) if c == *hi + 1 => *hi = c,
            _ => out.push((c, c)),
        }
    }
    out
}

/// A PCI address `segment:bus:device.function`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciAddr {
    pub segment: u16,
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl PciAddr {
    pub fn devfn(self) -> u8 {
        (self.device << 3) | self.function
    }
}

impl std::fmt::Display for PciAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.segment, self.bus, self.device, self.function
        )
    }
}

/// Parses `"0000:41:00.0"` or `"41:00.0"` (segment 0), hexadecimal as lspci prints it.
pub fn parse_pci(s: &str) -> Result<PciAddr, UnitError> {
    let bad = || {
        UnitError::new(format!("`{s}` is not a PCI address"))
            .help("write it as lspci -D prints it, for example \"0000:41:00.0\"")
    };
    let (rest, function) = s.trim().rsplit_once('.').ok_or_else(bad)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let (seg, bus, dev) = match parts.as_slice() {
        [seg, bus, dev] => (*seg, *bus, *dev),
        [bus, dev] => ("0", *bus, *dev),
        _ => return Err(bad()),
    };
    let hex = |t: &str, max: u32, what: &str| -> Result<u32, UnitError> {
        let v = u32::from_str_radix(t, 16).map_err(|_| bad())?;
        if v > max || t.is_empty() {
            Err(UnitError::new(format!(
                "PCI {what} {t} is out of range (0-{max:x} hex)"
            )))
        } else {
            Ok(v)
        }
    };
    Ok(PciAddr {
        segment: hex(seg, 0xffff, "segment")? as u16,
        bus: hex(bus, 0xff, "bus")? as u8,
        device: hex(dev, 0x1f, "device")? as u8,
        function: hex(function, 7, "function")? as u8,
    })
}

/// `0x` + 16 hex digits, the way Linux prints E820 addresses.
pub fn hex18(v: u64) -> String {
    let mut s = String::with_capacity(18);
    let _ = write!(s, "{v:#018x}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4GiB"), Ok(4 * GIB));
        assert_eq!(parse_size("512MiB"), Ok(512 * MIB));
        assert_eq!(parse_size("1.5G"), Ok(1536 * MIB));
        assert_eq!(parse_size("4GB"), Ok(4_000_000_000));
        assert_eq!(parse_size("4096B"), Ok(4096));
        assert_eq!(parse_size(" 2 TiB "), Ok(2 * TIB));
        assert!(parse_size("4").unwrap_err().message.contains("no unit"));
        assert!(
            parse_size("4Gb")
                .unwrap_err()
                .message
                .contains("not a size unit")
        );
        assert!(
            parse_size("0.3B")
                .unwrap_err()
                .message
                .contains("whole number")
        );
        assert!(parse_size("99999999999TiB").is_err());
        assert!(parse_size("1.2.3GiB").is_err());
        assert!(parse_size("GiB").is_err());
    }

    #[test]
    fn latencies_and_bandwidths() {
        assert_eq!(parse_latency("120ns"), Ok(120_000));
        assert_eq!(parse_latency("1.5us"), Ok(1_500_000));
        assert_eq!(parse_latency("1µs"), Ok(1_000_000));
        assert!(parse_latency("1.5ps").is_err());
        assert_eq!(parse_bandwidth("64GB/s"), Ok(64_000_000_000));
        assert_eq!(parse_bandwidth("64GiB/s"), Ok(64 * GIB));
        assert!(parse_bandwidth("64GB").is_err());
        assert!(parse_bandwidth("64Gbit/s").is_err());
    }

    #[test]
    fn formatting_round_trips() {
        for s in ["4GiB", "1536MiB", "4KiB", "3B", "1TiB"] {
            assert_eq!(fmt_size(parse_size(s).unwrap()), s);
        }
        for s in ["120ns", "1500ps", "2us"] {
            assert_eq!(fmt_latency(parse_latency(s).unwrap()), s);
        }
        for s in ["64GiB/s", "64GB/s", "1B/s", "200MiB/s"] {
            assert_eq!(fmt_bandwidth(parse_bandwidth(s).unwrap()), s);
        }
        assert_eq!(fmt_qemu_size(4 * GIB), "4G");
        assert_eq!(fmt_qemu_size(1536 * MIB), "1536M");
        assert_eq!(fmt_qemu_size(1000), "1000");
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpulist("0-3,8"), Ok(vec![0, 1, 2, 3, 8]));
        assert_eq!(parse_cpulist(" 5 "), Ok(vec![5]));
        assert_eq!(parse_cpulist(""), Ok(vec![]));
        assert!(
            parse_cpulist("3-1")
                .unwrap_err()
                .message
                .contains("backwards")
        );
        assert!(
            parse_cpulist("0-3,2")
                .unwrap_err()
                .message
                .contains("twice")
        );
        assert!(parse_cpulist("a").is_err());
        assert!(parse_cpulist("0-99999999").is_err());
        // Many ranges, each allowed, add up past the bound before allocating.
        let many: Vec<String> = (0..4u32)
            .map(|k| format!("{}-{}", k << 20, (k << 20) + (1 << 20) - 1))
            .collect();
        assert!(parse_cpulist(&many.join(",")).is_err());
        assert_eq!(parse_cpulist_within("0-9", 10).map(|l| l.len()), Ok(10));
        assert!(parse_cpulist_within("0-10", 10).is_err());
        assert_eq!(fmt_cpulist(&[0, 1, 2, 3, 8, 10, 11]), "0-3,8,10-11");
        assert_eq!(fmt_cpulist(&[]), "");
    }

    #[test]
    fn pci_addresses() {
        let a = parse_pci("0000:41:00.0").unwrap();
        assert_eq!((a.segment, a.bus, a.device, a.function), (0, 0x41, 0, 0));
        assert_eq!(a.to_string(), "0000:41:00.0");
        let b = parse_pci("41:1f.7").unwrap();
        assert_eq!(b.devfn(), 0xff);
        assert!(parse_pci("41:20.0").is_err());
        assert!(parse_pci("41:00.8").is_err());
        assert!(parse_pci("zz").is_err());
        assert!(parse_pci("1:2:3:4.0").is_err());
    }
}
