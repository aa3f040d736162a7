//! Formats of the files Linux shows in sysfs.

use std::fmt;

/// Why a list such as `0-3,8` does not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListError {
    /// A part that is not a number.
    NotANumber(String),
    /// `hi-lo` with `hi` above `lo`.
    Backwards { part: String, lo: u32, hi: u32 },
    /// One range of a million numbers or more.
    TooLarge(String),
    /// More than the caller's limit in all.
    TooMany(usize),
    /// A number listed twice.
    Twice(u32),
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::NotANumber(t) => write!(f, "`{t}` is not a CPU number"),
            ListError::Backwards { part, .. } => write!(f, "range `{part}` runs backwards"),
            ListError::TooLarge(part) => write!(f, "range `{part}` is too large"),
            ListError::TooMany(limit) => write!(f, "the CPU lists name more than {limit} CPUs"),
            ListError::Twice(n) => write!(f, "CPU {n} is listed twice"),
        }
    }
}

/// Reads a list in the format of `cpulist`, `node/online` and their kin
/// (`bitmap_print_to_pagebuf()` with `list`, read back by
/// `bitmap_parselist()`): comma-separated numbers and inclusive `a-b`
/// ranges, blanks around each part ignored; an empty or blank string is the
/// empty list. The result is sorted. A number given twice is an error, and
/// so is a list of more than `limit` numbers, refused before they are
/// allocated.
pub fn parse_list(s: &str, limit: usize) -> Result<Vec<u32>, ListError> {
    let mut out: Vec<u32> = Vec::new();
    if s.trim().is_empty() {
        return Ok(out);
    }
    for part in s.split(',') {
        let part = part.trim();
        let num = |t: &str| -> Result<u32, ListError> {
            t.trim()
                .parse::<u32>()
                .map_err(|_| ListError::NotANumber(t.trim().to_string()))
        };
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(part)?;
                (n, n)
            }
        };
        if lo > hi {
            return Err(ListError::Backwards {
                part: part.to_string(),
                lo,
                hi,
            });
        }
        if hi - lo >= 1 << 20 {
            return Err(ListError::TooLarge(part.to_string()));
        }
        if out.len() + (hi - lo) as usize >= limit {
            return Err(ListError::TooMany(limit));
        }
        out.extend(lo..=hi);
    }
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[0] == w[1]) {
        return Err(ListError::Twice(w[0]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_as_sysfs_prints_them() {
        assert_eq!(parse_list("0-2,5", 100), Ok(vec![0, 1, 2, 5]));
        assert_eq!(parse_list("", 100), Ok(vec![]));
        assert_eq!(parse_list(" 3 , 1 ", 100), Ok(vec![1, 3]));
        assert_eq!(parse_list("0-9", 10).map(|l| l.len()), Ok(10));
        assert_eq!(parse_list("0-10", 10), Err(ListError::TooMany(10)));
        assert!(matches!(
            parse_list("2-1", 100),
            Err(ListError::Backwards { lo: 2, hi: 1, .. })
        ));
        assert_eq!(
            parse_list("0-4294967295", 8192),
            Err(ListError::TooLarge("0-4294967295".into()))
        );
        assert_eq!(parse_list("1,1", 100), Err(ListError::Twice(1)));
        assert_eq!(
            parse_list("0,,1", 100),
            Err(ListError::NotANumber(String::new()))
        );
    }
}
