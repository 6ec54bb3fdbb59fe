//! Input and output: a fixed input buffer from the pool, refilled from a file or stdin;
//! output written straight from pool buffers to stdout or to a temporary file that is
//! renamed over OUTPUT only on success.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use bufpress::pool::Buf;

use crate::failure::Failure;

/// The input: a file (or stdin) read in chunks into one pool buffer.
pub(crate) struct Input {
    file: File,
    /// The name used in messages.
    pub(crate) name: String,
    /// The size, for a regular file.
    pub(crate) size: Option<u64>,
    /// `(device, inode)` of a file, to refuse writing over it.
    id: Option<(u64, u64)>,
    /// The permission bits of a regular file: its output gets no more (as gzip).
    mode: Option<u32>,
    buf: Buf<'static>,
    pos: usize,
    eof: bool,
}

impl Input {
    /// Opens `path` (stdin when `None`) with `buf` as its chunk buffer.
    ///
    /// # Errors
    ///
    /// A failure naming the file when it cannot be opened.
    pub(crate) fn open(path: Option<&Path>, mut buf: Buf<'static>) -> Result<Self, Failure> {
        buf.clear();
        let (file, name) = match path {
            Some(p) => {
                let name = p.display().to_string();
                let file = File::open(p).map_err(|e| Failure::io(&name, &e))?;
                (file, name)
            }
            None => {
                if crate::stdio::was_closed(0) {
                    // Not an empty input (`/dev/null` is there now): there is none.
                    return Err(Failure::io("stdin", &io::Error::from_raw_os_error(9)));
                }
                let fd = io::stdin().as_fd().try_clone_to_owned();
                let fd = fd.map_err(|e| Failure::io("stdin", &e))?;
                (File::from(fd), "(stdin)".to_owned())
            }
        };
        let meta = file.metadata().ok();
        if meta.as_ref().is_some_and(fs::Metadata::is_dir) {
            // Replaced by a directory since `check_input`, or stdin.
            return Err(directory(&name));
        }
        let regular = meta.as_ref().filter(|m| m.is_file());
        Ok(Self {
            size: regular.map(fs::Metadata::len),
            id: regular.map(|m| (m.dev(), m.ino())),
            mode: regular.map(|m| m.permissions().mode() & 0o777),
            file,
            name,
            buf,
            pos: 0,
            eof: false,
        })
    }

    /// The bytes read and not consumed yet.
    pub(crate) fn pending(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Marks `n` pending bytes consumed.
    pub(crate) fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }

    /// Whether the end of the input was reached (pending bytes may remain).
    pub(crate) fn at_eof(&self) -> bool {
        self.eof
    }

    /// Moves the pending bytes to the front and reads until the buffer is full or the
    /// input ends.
    ///
    /// # Errors
    ///
    /// A failure naming the input on a read error.
    pub(crate) fn fill(&mut self) -> Result<(), Failure> {
        let keep = self.buf.len() - self.pos;
        if self.pos > 0 {
            self.buf.as_mut_slice().copy_within(self.pos.., 0);
            self.buf.truncate(keep);
            self.pos = 0;
        }
        while !self.eof {
            let spare = self.buf.spare_capacity_mut();
            if spare.is_empty() {
                break;
            }
            match self.file.read(spare) {
                Ok(0) => self.eof = true,
                Ok(n) => self.buf.commit(n).map_err(Failure::internal)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::io(&self.name, &e)),
            }
        }
        Ok(())
    }
}

/// gzip's rules for an input FILE, checked before anything is opened or written: a
/// symbolic link is skipped with a warning unless `follow_links` (`-F`, or an output
/// not written next to it); a directory is always skipped with a warning; with `remove`
/// (`--rm`), so is anything but a regular file (a FIFO, a device: never opened, never
/// removed), and, unless `force` (`-F`), a file with other hard links (removing one
/// name would leave the content under the others, uncompressed). The input is never
/// touched either way.
///
/// # Errors
///
/// A [`Failure::Warning`] naming the input.
pub(crate) fn check_input(
    path: &Path,
    follow_links: bool,
    remove: bool,
    force: bool,
) -> Result<(), Failure> {
    let name = path.display();
    let link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if link && !follow_links {
        return Err(Failure::Warning(format!(
            "{name}: is a symbolic link -- ignored (-F follows it)"
        )));
    }
    let Ok(meta) = fs::metadata(path) else {
        // Missing or unreadable: opening it reports why.
        return Ok(());
    };
    if meta.is_dir() {
        return Err(directory(&name.to_string()));
    }
    if remove && !meta.is_file() {
        return Err(not_regular(&name.to_string()));
    }
    let others = meta.nlink().saturating_sub(1);
    if remove && !force && others > 0 {
        let s = if others == 1 { "" } else { "s" };
        return Err(Failure::Warning(format!(
            "{name}: has {others} other link{s} -- ignored (-F removes this name anyway)"
        )));
    }
    Ok(())
}

/// The warning for an input `--rm` may not remove: not a regular file.
pub(crate) fn not_regular(name: &str) -> Failure {
    Failure::Warning(format!(
        "{name}: is not a regular file -- ignored (--rm removes only regular files)"
    ))
}

/// The warning for a directory given as input.
fn directory(name: &str) -> Failure {
    Failure::Warning(format!("{name}: is a directory -- ignored"))
}

/// The output: stdout, a temporary file next to OUTPUT, or nothing (`test`).
pub(crate) struct Output {
    /// `None`: the output is discarded.
    file: Option<File>,
    temp: Option<Temp>,
    /// The name used in messages.
    pub(crate) name: String,
}

/// The longest file name most file systems take (`NAME_MAX`: ext4, XFS, btrfs, tmpfs,
/// APFS).
const NAME_MAX: usize = 255;

/// `.BASE` + `tail`, with BASE cut (at a character boundary) so that the name fits in
/// [`NAME_MAX`] bytes: an output whose own name fits must not fail for its temporary
/// file's.
fn temp_name(base: &str, tail: &str) -> String {
    let mut room = NAME_MAX.saturating_sub(1 + tail.len()).min(base.len());
    while !base.is_char_boundary(room) {
        room -= 1;
    }
    format!(".{}{tail}", base.get(..room).unwrap_or_default())
}

/// The temporary file: removed on drop unless it was committed.
struct Temp {
    path: PathBuf,
    dest: PathBuf,
    force: bool,
    committed: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
        crate::signals::disarm();
    }
}

static TEMP_SERIAL: AtomicU32 = AtomicU32::new(0);

impl Output {
    /// Standard output, for the output of `input`.
    ///
    /// # Errors
    ///
    /// When stdout cannot be duplicated; a usage failure when stdout is `input` itself
    /// (`bufpress -c FILE >> FILE`: the input would never end, as `cat` refuses too).
    pub(crate) fn stdout(input: &Input) -> Result<Self, Failure> {
        if crate::stdio::was_closed(1) {
            // What gzip says of a closed stdout (EBADF), rather than writing into the
            // `/dev/null` that is there now.
            return Err(Failure::io("stdout", &io::Error::from_raw_os_error(9)));
        }
        let fd = io::stdout().as_fd().try_clone_to_owned();
        let fd = fd.map_err(|e| Failure::io("stdout", &e))?;
        let file = File::from(fd);
        let same = file
            .metadata()
            .is_ok_and(|m| m.is_file() && input.id == Some((m.dev(), m.ino())));
        if same {
            return Err(Failure::Usage(format!(
                "{}: is also the output (stdout); refusing to read it while writing it",
                input.name
            )));
        }
        Ok(Self {
            file: Some(file),
            temp: None,
            name: "(stdout)".to_owned(),
        })
    }

    /// No output: the data is decoded and discarded (`test`).
    pub(crate) fn discard() -> Self {
        Self {
            file: None,
            temp: None,
            name: "(discarded)".to_owned(),
        }
    }

    /// A temporary file that becomes `dest` on [`commit`](Self::commit).
    ///
    /// # Errors
    ///
    /// A usage failure when `dest` exists (without `force`), is a directory or is the
    /// input; an I/O failure when the temporary file cannot be created.
    pub(crate) fn create(dest: &Path, force: bool, input: &Input) -> Result<Self, Failure> {
        let name = dest.display().to_string();
        if let Ok(meta) = fs::metadata(dest) {
            if input.id == Some((meta.dev(), meta.ino())) {
                return Err(Failure::Usage(format!(
                    "{name}: is the input file; refusing to write over it"
                )));
            }
            if meta.is_dir() {
                return Err(Failure::Usage(format!("{name}: is a directory")));
            }
            if !meta.is_file() {
                // A device, FIFO or socket (`-o /dev/null`): written in place. Never
                // renamed over: that would replace the device with a regular file.
                let file = OpenOptions::new()
                    .write(true)
                    .open(dest)
                    .map_err(|e| Failure::io(&name, &e))?;
                return Ok(Self {
                    file: Some(file),
                    temp: None,
                    name,
                });
            }
            if !force {
                return Err(Failure::Usage(format!(
                    "{name}: already exists; use --force to replace it"
                )));
            }
        }
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let base = dest
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy());
        let mut attempt = 0;
        loop {
            let serial = TEMP_SERIAL.fetch_add(1, Ordering::Relaxed);
            let tail = format!(".bufpress-{:x}{serial:x}.tmp", std::process::id());
            let tmp = dir.join(temp_name(&base, &tail));
            // Never more readable than the input (a 0600 file stays private, also
            // while being written); the umask still applies.
            let mode = input.mode.unwrap_or(0o666);
            let opened = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp);
            match opened {
                Ok(file) => {
                    crate::signals::remove_on_signal(&tmp);
                    let temp = Temp {
                        path: tmp,
                        dest: dest.to_owned(),
                        force,
                        committed: false,
                    };
                    return Ok(Self {
                        file: Some(file),
                        temp: Some(temp),
                        name,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(Failure::io(&tmp.display().to_string(), &e)),
            }
        }
    }

    /// Writes all of `data`.
    ///
    /// # Errors
    ///
    /// A failure naming the output; [`Failure::BrokenPipe`] when its reader has gone.
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<(), Failure> {
        match &mut self.file {
            Some(file) => file
                .write_all(data)
                .map_err(|e| Failure::write(&self.name, &e)),
            None => Ok(()),
        }
    }

    /// Ends the output: for a file, syncs it and moves it to its name (atomically; an
    /// existing file is replaced only with `--force`), then syncs its folder. Returns
    /// whether the output is such a file and durable now (not stdout, a device or
    /// nothing; its folder synced): only then may `--rm` remove the input.
    ///
    /// # Errors
    ///
    /// A failure naming the output; the temporary file is removed then.
    pub(crate) fn commit(mut self) -> Result<bool, Failure> {
        let Some(file) = self.file.as_mut() else {
            return Ok(false);
        };
        let Some(temp) = self.temp.as_mut() else {
            file.flush().map_err(|e| Failure::write(&self.name, &e))?;
            return Ok(false);
        };
        let name = &self.name;
        file.sync_all().map_err(|e| Failure::io(name, &e))?;
        let special = fs::symlink_metadata(&temp.dest)
            .is_ok_and(|m| !m.is_file() && !m.file_type().is_symlink());
        if special {
            return Err(Failure::Usage(format!(
                "{name}: is not a regular file any more; not replacing it"
            )));
        }
        if temp.force {
            fs::rename(&temp.path, &temp.dest).map_err(|e| Failure::io(name, &e))?;
        } else {
            // A hard link never replaces an existing file: no race with another
            // writer between the check at the start and now.
            match fs::hard_link(&temp.path, &temp.dest) {
                Ok(()) => {
                    let _ = fs::remove_file(&temp.path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(Failure::Usage(format!(
                        "{name}: already exists; use --force to replace it"
                    )));
                }
                // A file system without hard links: check, then rename.
                Err(_) if fs::symlink_metadata(&temp.dest).is_err() => {
                    fs::rename(&temp.path, &temp.dest).map_err(|e| Failure::io(name, &e))?;
                }
                Err(e) => return Err(Failure::io(name, &e)),
            }
        }
        temp.committed = true;
        crate::signals::disarm();
        let dir = match temp.dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Make the rename itself durable. `--rm` relies on it: when the folder cannot
        // be synced (a file system without it), the output is in place but not known
        // durable, and the input is kept.
        Ok(File::open(dir).and_then(|d| d.sync_all()).is_ok())
    }
}
