//! The formats, their levels, and detection from magic bytes.

use std::fmt;
use std::path::{Path, PathBuf};

/// A compressed format the CLI reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// The lz4 frame format (`lz4`).
    Lz4,
    /// gzip (RFC 1952), several members allowed.
    Gzip,
    /// zlib (RFC 1950).
    Zlib,
    /// Raw deflate (RFC 1951).
    Deflate,
    /// zstd (RFC 8878), several frames allowed.
    Zstd,
}

/// Every format, in the order `bench` shows them.
pub(crate) const ALL: [Format; 5] = [
    Format::Lz4,
    Format::Zstd,
    Format::Gzip,
    Format::Zlib,
    Format::Deflate,
];

impl Format {
    /// The format named `name` on the command line.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "lz4" => Some(Self::Lz4),
            "gzip" | "gz" => Some(Self::Gzip),
            "zlib" => Some(Self::Zlib),
            "deflate" | "raw" => Some(Self::Deflate),
            "zstd" | "zst" => Some(Self::Zstd),
            _ => None,
        }
    }

    /// The name used on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Lz4 => "lz4",
            Self::Gzip => "gzip",
            Self::Zlib => "zlib",
            Self::Deflate => "deflate",
            Self::Zstd => "zstd",
        }
    }

    /// The level used when none is given.
    pub(crate) fn default_level(self) -> i32 {
        match self {
            Self::Lz4 => 1,
            Self::Gzip | Self::Zlib | Self::Deflate => 6,
            Self::Zstd => 3,
        }
    }

    /// Checks a level given with `-l` or `-N` (`ultra`: `--ultra` was given).
    ///
    /// # Errors
    ///
    /// The usage message when it is out of range.
    pub(crate) fn check_level(self, level: i32, ultra: bool) -> Result<(), String> {
        let (lo, hi) = match self {
            Self::Lz4 => (1, 1),
            Self::Gzip | Self::Zlib | Self::Deflate => (0, 9),
            Self::Zstd => crate::codecs::zstd_levels(ultra),
        };
        if self == Self::Zstd && level == 0 {
            return Err("zstd levels are 1 to 19 (20 to 22 with --ultra; --fast=N for -N)".into());
        }
        if (lo..=hi).contains(&level) {
            Ok(())
        } else if self == Self::Zstd
            && level > hi
            && !ultra
            && level <= crate::codecs::zstd_levels(true).1
        {
            Err(format!(
                "zstd level {level} needs --ultra (levels 20 to 22: much more memory)"
            ))
        } else if self == Self::Zstd {
            Err(format!(
                "zstd levels are 1 to {hi} (--fast=N down to {}), not {level}",
                -lo
            ))
        } else if lo == hi {
            Err(format!(
                "{self} has one level, {lo} (bufpress has no lz4 HC)"
            ))
        } else {
            Err(format!("{self} levels are {lo} to {hi}, not {level}"))
        }
    }

    /// The suffix of a file in this format (`data.zst`).
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Self::Lz4 => ".lz4",
            Self::Gzip => ".gz",
            Self::Zlib => ".zz",
            Self::Deflate => ".deflate",
            Self::Zstd => ".zst",
        }
    }

    /// The format that `path`'s suffix names, and `path` without it; `None` for
    /// another suffix (or a name that is only the suffix).
    /// The name is compared as bytes: a name that is not UTF-8 has a suffix too.
    pub(crate) fn from_suffix(path: &Path) -> Option<(Self, PathBuf)> {
        use std::os::unix::ffi::OsStrExt;
        let name = path.file_name()?.as_bytes();
        ALL.into_iter().find_map(|f| {
            let stem = name
                .strip_suffix(f.suffix().as_bytes())
                .filter(|s| !s.is_empty())?;
            Some((f, path.with_file_name(std::ffi::OsStr::from_bytes(stem))))
        })
    }

    /// Whether a stream may hold several frames or members in a row.
    pub(crate) fn multi_frame(self) -> bool {
        matches!(self, Self::Lz4 | Self::Gzip | Self::Zstd)
    }

    /// The format of data starting with `head`, from its magic bytes; `None` when
    /// unknown (raw deflate has none). lz4 and zstd share their skippable frames'
    /// magic numbers: skippable frames in `head` are skipped over to the first real
    /// one (zstd when they reach past `head`).
    pub(crate) fn detect(head: &[u8]) -> Option<Self> {
        let mut at = 0usize;
        loop {
            let rest = head.get(at..)?;
            let magic = u32::from_le_bytes(*rest.first_chunk::<4>()?);
            match magic {
                0x184D_2204 => return Some(Self::Lz4),
                0xFD2F_B528 => return Some(Self::Zstd),
                0x184D_2A50..=0x184D_2A5F => {
                    let Some(size) = rest.get(4..8).and_then(|s| s.first_chunk::<4>()) else {
                        return Some(Self::Zstd);
                    };
                    at = at.saturating_add(8 + u32::from_le_bytes(*size) as usize);
                    if at + 4 > head.len() {
                        return Some(Self::Zstd);
                    }
                }
                _ => {
                    let (b0, b1) = (rest[0], rest[1]);
                    if at > 0 {
                        return None;
                    }
                    if b0 == 0x1f && b1 == 0x8b {
                        return Some(Self::Gzip);
                    }
                    let cmf = u16::from(b0) << 8 | u16::from(b1);
                    if b0 & 0x0f == 8 && b0 >> 4 <= 7 && cmf % 31 == 0 {
                        return Some(Self::Zlib);
                    }
                    return None;
                }
            }
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn detects_magic_bytes() {
        assert_eq!(
            Format::detect(&[0x04, 0x22, 0x4d, 0x18, 0]),
            Some(Format::Lz4)
        );
        assert_eq!(
            Format::detect(&[0x28, 0xb5, 0x2f, 0xfd]),
            Some(Format::Zstd)
        );
        assert_eq!(Format::detect(&[0x1f, 0x8b, 8, 0]), Some(Format::Gzip));
        assert_eq!(Format::detect(&[0x78, 0x9c, 0, 0]), Some(Format::Zlib));
        assert_eq!(Format::detect(&[0x78, 0x01, 0, 0]), Some(Format::Zlib));
        assert_eq!(Format::detect(b"hello"), None);
        assert_eq!(Format::detect(&[0x1f]), None);
        // A skippable frame, then an lz4 frame.
        let mut skip = vec![0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9];
        skip.extend_from_slice(&[0x04, 0x22, 0x4d, 0x18]);
        assert_eq!(Format::detect(&skip), Some(Format::Lz4));
    }

    #[test]
    fn suffixes_both_ways() {
        use std::path::Path;
        for f in super::ALL {
            let name = format!("dir/data.tar{}", f.suffix());
            let (back, stem) = Format::from_suffix(Path::new(&name)).expect("known");
            assert_eq!((back, stem.as_path()), (f, Path::new("dir/data.tar")));
        }
        assert!(Format::from_suffix(Path::new("data.bz2")).is_none());
        assert!(Format::from_suffix(Path::new(".gz")).is_none());
        assert!(Format::from_suffix(Path::new("gz")).is_none());
    }

    #[test]
    fn levels() {
        assert!(Format::Zstd.check_level(19, false).is_ok());
        assert!(Format::Zstd.check_level(-5, false).is_ok());
        assert!(Format::Zstd.check_level(22, true).is_ok());
        let e = Format::Zstd
            .check_level(20, false)
            .expect_err("needs --ultra");
        assert!(e.contains("--ultra"), "{e}");
        assert!(Format::Zstd.check_level(23, true).is_err());
        assert!(Format::Zstd.check_level(0, false).is_err());
        assert!(Format::Gzip.check_level(10, false).is_err());
        assert!(Format::Lz4.check_level(2, false).is_err());
    }
}
