//! Writes the six report files into `--out DIR` so that a failed run never
//! leaves a half-written set: everything is rendered in memory first (a
//! template error writes nothing), then each file goes to a fsynced 0600
//! temporary file in the same directory, and only when all six are on disk
//! are they renamed over the previous reports.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::report::{Report, csv, html, json};

/// The files `write_outputs` writes, in order.
pub const FILES: [&str; 6] = [
    "report.html",
    "findings.csv",
    "seats.csv",
    "seats_history.csv",
    "access.csv",
    "findings.json",
];

/// Writes report.html, findings.csv, seats.csv, seats_history.csv,
/// access.csv and findings.json into `out` (created 0700 if missing). Returns the paths
/// written.
pub fn write_outputs(
    report: &Report,
    out: &Path,
    templates: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    let started = std::time::Instant::now();
    // The HTML and the JSON are the big ones: render them beside the CSVs.
    let (html, json, csvs) = std::thread::scope(|scope| {
        let html = scope.spawn(|| html::render(report, templates).map(String::into_bytes));
        let json = scope.spawn(|| json::render(report));
        let csvs = [
            csv::findings(report),
            csv::seats(report),
            csv::seats_history(report),
            csv::access(report),
        ];
        (joined(html), joined(json), csvs)
    });
    let [findings, seats, seats_history, access] = csvs;
    let rendered: [Vec<u8>; FILES.len()] =
        [html?, findings?, seats?, seats_history?, access?, json?];
    tracing::debug!("reports rendered in {} ms", started.elapsed().as_millis());
    create_dir(out)?;
    // Written and fsynced at once: the fsyncs overlap.
    let written: Vec<Result<PathBuf>> = std::thread::scope(|scope| {
        let handles: Vec<_> = FILES
            .iter()
            .zip(&rendered)
            .map(|(name, bytes)| scope.spawn(move || write_temp(out, name, bytes)))
            .collect();
        handles.into_iter().map(joined).collect()
    });
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(FILES.len());
    let mut failed = None;
    for (name, result) in FILES.iter().zip(written) {
        match result {
            Ok(temp) => temps.push((temp, out.join(name))),
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    if let Some(e) = failed {
        remove_all(&temps);
        return Err(e);
    }
    for (i, (temp, target)) in temps.iter().enumerate() {
        if let Err(e) = fs::rename(temp, target) {
            remove_all(&temps[i..]);
            return Err(Error::io(target, e));
        }
    }
    sync_dir(out)?;
    Ok(temps.into_iter().map(|(_, target)| target).collect())
}

/// The result of a rendering thread; a panic in it goes on in this one.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn create_dir(out: &Path) -> Result<()> {
    if out.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(out).map_err(|e| Error::io(out, e))
}

/// A new file `.NAME.PID.N.tmp` in `dir`, mode 0600, written and fsynced.
fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let (path, mut file) = create_temp(dir, name)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&path, e));
    if written.is_err() {
        let _ = fs::remove_file(&path);
    }
    written.map(|()| path)
}

fn create_temp(dir: &Path, name: &str) -> Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let path = dir.join(format!(".{name}.{pid}.{n}.tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
}

fn remove_all(temps: &[(PathBuf, PathBuf)]) {
    for (temp, _) in temps {
        let _ = fs::remove_file(temp);
    }
}

/// Makes the renames durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_five_private_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("nested/report");
        let report = testdata::report();
        let written = write_outputs(&report, &out, None).unwrap();
        assert_eq!(
            written,
            FILES.iter().map(|f| out.join(f)).collect::<Vec<_>>()
        );
        let mut expected: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(listing(&out), expected, "no temporary file left behind");
        assert_eq!(
            fs::read(out.join("findings.csv")).unwrap(),
            csv::findings(&report).unwrap()
        );
        assert_eq!(
            fs::read(out.join("findings.json")).unwrap(),
            json::render(&report).unwrap()
        );
        assert_eq!(
            fs::read_to_string(out.join("report.html")).unwrap(),
            html::render(&report, None).unwrap()
        );
        #[cfg(unix)]
        {
            assert_eq!(mode(&out), 0o700);
            for path in &written {
                assert_eq!(mode(path), 0o600, "{}", path.display());
            }
        }
    }

    #[test]
    fn replaces_earlier_reports() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        for name in FILES {
            fs::write(out.join(name), b"old").unwrap();
        }
        write_outputs(&testdata::report(), out, None).unwrap();
        for name in FILES {
            assert_ne!(fs::read(out.join(name)).unwrap(), b"old", "{name}");
            #[cfg(unix)]
            assert_eq!(mode(&out.join(name)), 0o600, "{name}");
        }
        assert_eq!(listing(out).len(), FILES.len());
    }

    #[test]
    fn a_failed_render_leaves_earlier_reports_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let report = testdata::report();
        write_outputs(&report, &out, None).unwrap();
        let before: Vec<Vec<u8>> = FILES
            .iter()
            .map(|f| fs::read(out.join(f)).unwrap())
            .collect();

        let templates = tmp.path().join("templates");
        fs::create_dir(&templates).unwrap();
        fs::write(templates.join("_findings.html.j2"), "{{ report.typo }}").unwrap();
        let mut changed = report.clone();
        changed.findings.clear();
        let err = write_outputs(&changed, &out, Some(&templates)).unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert_eq!(err.exit_code(), 2);

        let after: Vec<Vec<u8>> = FILES
            .iter()
            .map(|f| fs::read(out.join(f)).unwrap())
            .collect();
        assert_eq!(before, after, "byte-identical");
        assert_eq!(
            listing(&out).len(),
            FILES.len(),
            "no temporary file left behind"
        );
    }

    #[test]
    fn a_failed_render_creates_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let templates = tmp.path().join("templates");
        fs::create_dir(&templates).unwrap();
        fs::write(templates.join("report.html.j2"), "{% endfor %}").unwrap();
        assert!(write_outputs(&testdata::report(), &out, Some(&templates)).is_err());
        assert!(!out.exists());
    }

    #[test]
    fn an_unwritable_target_is_an_io_error() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("file");
        fs::write(&out, b"not a directory").unwrap();
        let err = write_outputs(&testdata::report(), &out, None).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
    }
}
