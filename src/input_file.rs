//! Reading the files a user names — roster, IdP export, identities,
//! exceptions, roster map, config, token file — never more than a cap, so
//! that `--roster /dev/zero` or a mistyped path to a disk image is a clear
//! error (exit 2) instead of a process that grows until it is killed.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// CSV inputs (roster, IdP export, identities): far above any real
/// company's export (100,000 people at 300 bytes a row are 30 MB).
pub const CSV_MAX_BYTES: u64 = 128 << 20;

/// TOML inputs (config, exceptions, roster map).
pub const TOML_MAX_BYTES: u64 = 16 << 20;

/// A token file holds one token.
pub const TOKEN_MAX_BYTES: u64 = 64 << 10;

/// The longest CSV cell: no name, email or date comes near it.
pub const CELL_MAX_BYTES: usize = 64 << 10;

/// The bytes of `path`, at most `max`; `what` names the file in errors
/// ("roster", "config file"). An unreadable file is an I/O error; a
/// directory or a file (or device, or pipe) longer than `max` is the user's
/// to fix.
pub fn read(path: &Path, max: u64, what: &str) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::input(
            path,
            format!("is a directory; the {what} must be a file"),
        ));
    }
    if meta.is_file() && meta.len() > max {
        return Err(too_large(path, max, what));
    }
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    let mut file = file;
    (&mut file)
        .take(max)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    // One byte more, read apart, so that a device or pipe longer than the
    // cap never grows the buffer past it.
    let mut more = [0u8; 1];
    if bytes.len() as u64 == max && file.read(&mut more).map_err(|e| Error::io(path, e))? > 0 {
        return Err(too_large(path, max, what));
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path, max: u64, what: &str) -> Result<String> {
    let bytes = read(path, max, what)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let line = text.matches('\n').count() as u64 + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        Error::Input {
            path: path.to_path_buf(),
            line: Some(line),
            column: Some(column),
            message: format!("the {what} is not valid UTF-8 (save it as UTF-8)"),
        }
    })
}

/// The first cell of `record` longer than [`CELL_MAX_BYTES`]: its 1-based
/// column and the message to give.
pub fn long_cell(record: &csv::StringRecord) -> Option<(u64, String)> {
    let (i, cell) = record
        .iter()
        .enumerate()
        .find(|(_, c)| c.len() > CELL_MAX_BYTES)?;
    Some((
        i as u64 + 1,
        format!(
            "this cell is {} bytes long; a cell may hold at most {} bytes \
             (a '\"' that is never closed, or not a CSV export?)",
            cell.len(),
            CELL_MAX_BYTES
        ),
    ))
}

/// A secret in a file others can read is worth a warning, not a failure.
/// `holds` says what the file holds, `instead` the alternative to offer.
pub fn warn_if_readable(path: &Path, holds: &str, instead: &str) {
    if let Some(mode) = readable_by_others(path) {
        tracing::warn!(
            "{}: holds {holds} but is readable by group or others (mode {mode:04o}); \
             run `chmod 600 {}` or set {instead} instead",
            path.display(),
            path.display()
        );
    }
}

/// The file's mode if group or others may read it (Unix only).
pub(crate) fn readable_by_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o044 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn too_large(path: &Path, max: u64, what: &str) -> Error {
    Error::input(
        path,
        format!(
            "is larger than {} MiB, the most hfaudit reads as a {what}; is this the right file?",
            max >> 20
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(&path, b"email\na@b.c\n").unwrap();
        assert_eq!(read(&path, 12, "roster").unwrap(), b"email\na@b.c\n");
        let err = read(&path, 11, "roster").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn an_endless_device_stops_at_the_cap() {
        let err = read(Path::new("/dev/zero"), 1 << 20, "roster").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "/dev/zero: is larger than 1 MiB, the most hfaudit reads as a roster; is this the right file?"
        );
    }

    #[test]
    fn a_directory_or_a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(dir.path(), 10, "roster").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("is a directory"), "{err}");
        let err = read(&dir.path().join("nope"), 10, "roster").unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
    }

    #[test]
    fn text_that_is_not_utf8_gives_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(&path, b"a = 1\nb = \"\xE9\"\n").unwrap();
        let err = read_to_string(&path, 100, "config file").unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}:2:6:", path.display())),
            "{err}"
        );
    }

    #[test]
    fn long_cells_are_found_zero_one_many() {
        let short = csv::StringRecord::from(vec!["a", "b"]);
        assert_eq!(long_cell(&short), None);
        let long = "x".repeat(CELL_MAX_BYTES + 1);
        let one = csv::StringRecord::from(vec!["a", &long]);
        assert_eq!(long_cell(&one).map(|(c, _)| c), Some(2));
        let two = csv::StringRecord::from(vec![long.as_str(), &long]);
        assert_eq!(long_cell(&two).map(|(c, _)| c), Some(1));
        let exact = "x".repeat(CELL_MAX_BYTES);
        assert_eq!(long_cell(&csv::StringRecord::from(vec![exact])), None);
    }
}
