//! Writes the six report files into `--out DIR` as one set, so that a
//! failed or killed run never leaves a set that looks complete but mixes
//! old and new files:
//!
//! 1. each file is rendered straight into a 0600 temporary file
//!    `.NAME.PID.N.tmp` in `DIR`, hashed as it is written, then fsynced
//!    (a template error removes them, and `DIR` if this run created it:
//!    nothing is left);
//! 2. so does [`SET_MANIFEST`], naming all six with their sha256;
//! 3. under `DIR/.hfaudit-report.lock` (two runs never interleave their
//!    renames), the previous manifest is removed, the six are renamed over
//!    the previous reports, and the new manifest is renamed in last.
//!
//! So `report-set.json` exists, and its hashes match the six files, only
//! when they were published together; a run killed while renaming leaves
//! no manifest. Temporary files left by a killed run (they hold personal
//! data) are removed by the next run.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

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

/// Names the set of [`FILES`] published together, with their hashes;
/// written last, absent while a set is being published.
pub const SET_MANIFEST: &str = "report-set.json";

/// Held while a set is published into the directory.
const PUBLISH_LOCK: &str = ".hfaudit-report.lock";

/// How long a run waits for another one publishing into the same
/// directory (renaming six files takes milliseconds).
const PUBLISH_WAIT: Duration = Duration::from_secs(60);

/// The content of [`SET_MANIFEST`].
#[derive(Serialize)]
struct SetManifest<'a> {
    /// Unique per published set: the generation time and the process.
    set_id: String,
    generated_at: String,
    tool_version: &'static str,
    files: Vec<SetFile<'a>>,
}

#[derive(Serialize)]
struct SetFile<'a> {
    name: &'a str,
    bytes: usize,
    sha256: String,
}

/// Writes report.html, findings.csv, seats.csv, seats_history.csv,
/// access.csv and findings.json into `out` (created 0700 if missing) as
/// one set, then [`SET_MANIFEST`]. Returns the paths written, the
/// manifest last.
///
/// Each file goes to its temporary file as soon as it is rendered (the
/// CSVs and the JSON are written and fsynced while the HTML still
/// renders); a failed render removes them, and the directories this call
/// created, so a set is published whole or not at all.
pub fn write_outputs(
    report: &Report,
    out: &Path,
    templates: Option<&Path>,
) -> Result<Vec<PathBuf>> {
    let started = Instant::now();
    let staging = Staging::prepare(out)?;
    // The HTML and the JSON are the big ones: render them beside the CSVs,
    // each hashed (for the manifest) and staged in the thread that
    // rendered it.
    let (files, rendered_at) = std::thread::scope(|scope| {
        let staging = &staging;
        let html = scope.spawn(move || {
            let html = staging.stage(FILES[0], |w| html::render_to(report, templates, w));
            (Instant::now(), html)
        });
        let json = scope.spawn(move || staging.stage(FILES[5], |w| json::write(report, w)));
        let whole = |bytes: Result<Vec<u8>>| {
            move |w: &mut dyn Write| -> Result<()> {
                w.write_all(&bytes?).map_err(|e| Error::io("<report>", e))
            }
        };
        let csvs = [
            staging.stage(FILES[1], whole(csv::findings(report))),
            staging.stage(FILES[2], whole(csv::seats(report))),
            staging.stage(FILES[3], whole(csv::seats_history(report))),
            staging.stage(FILES[4], whole(csv::access(report))),
        ];
        let json = joined(json);
        let (rendered_at, html) = joined(html);
        let [findings, seats, seats_history, access] = csvs;
        (
            [html, findings, seats, seats_history, access, json],
            rendered_at,
        )
    });
    tracing::debug!(
        "reports rendered in {} ms",
        rendered_at.duration_since(started).as_millis()
    );
    // A render error (a broken template) is the one to report, before any
    // error writing another file.
    let mut staged = Vec::with_capacity(files.len() + 1);
    let mut render_error = None;
    let mut write_error = None;
    for file in files {
        match file {
            Ok(Ok(file)) => staged.push(file),
            Ok(Err(e)) => write_error = write_error.or(Some(e)),
            Err(e) => render_error = render_error.or(Some(e)),
        }
    }
    if let Some(e) = render_error.or(write_error) {
        staging.abandon(&staged);
        return Err(e);
    }
    let manifest = set_manifest(&staged).map(|bytes| {
        staging.stage(SET_MANIFEST, |w| {
            w.write_all(&bytes).map_err(|e| Error::io(SET_MANIFEST, e))
        })
    });
    match manifest {
        Ok(Ok(Ok(file))) => staged.push(file),
        Ok(Ok(Err(e))) | Ok(Err(e)) | Err(e) => {
            staging.abandon(&staged);
            return Err(e);
        }
    }
    let temps: Vec<(PathBuf, PathBuf)> = staged
        .into_iter()
        .map(|f| (f.temp, out.join(f.name)))
        .collect();
    let published = lock_publishing(out).and_then(|_lock| publish(out, &temps));
    if published.is_err() {
        remove_all(&temps);
    }
    published?;
    tracing::debug!(
        "reports written in {} ms",
        rendered_at.elapsed().as_millis()
    );
    Ok(temps.into_iter().map(|(_, target)| target).collect())
}

/// How much of a file is written at a time while it renders.
const STAGE_BUFFER: usize = 256 << 10;

/// A temporary file as it is written: what reaches it is counted and
/// hashed, and the first error writing it is kept.
struct Hashing {
    file: File,
    /// The temporary file, for fault injection.
    path: PathBuf,
    sha256: Sha256,
    bytes: usize,
    failed: Option<std::io::Error>,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = crate::fault::point("report-write", &self.path)
            .map_err(std::io::Error::other)
            .and_then(|()| self.file.write(buf));
        match written {
            Ok(n) => {
                self.sha256.update(&buf[..n]);
                self.bytes += n;
                Ok(n)
            }
            Err(e) => {
                let kept = std::io::Error::new(e.kind(), e.to_string());
                self.failed.get_or_insert(e);
                Err(kept)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A file rendered and in its fsynced temporary file.
struct Staged {
    name: &'static str,
    temp: PathBuf,
    bytes: usize,
    sha256: String,
}

/// The output directory while a set is staged: created (and the stale
/// temporary files of dead runs swept) before anything renders, and
/// removed again if the set is abandoned and this run created it.
struct Staging<'a> {
    out: &'a Path,
    /// The directories this run created, outermost first.
    created: Vec<PathBuf>,
}

impl<'a> Staging<'a> {
    fn prepare(out: &'a Path) -> Result<Self> {
        let created: Vec<PathBuf> = out
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        create_dir(out)?;
        sweep_stale_temps(out);
        Ok(Staging {
            out,
            created: created.into_iter().rev().collect(),
        })
    }

    /// The file `render` writes, hashed and fsynced in its temporary file
    /// as it is written (a 12 MB page is never held whole): `Err` when it
    /// did not render, `Ok(Err)` when it could not be written. Either way
    /// the temporary file is gone.
    fn stage(
        &self,
        name: &'static str,
        render: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<Result<Staged>> {
        let (temp, file) = match create_temp(self.out, name) {
            Ok(created) => created,
            Err(e) => return Ok(Err(e)),
        };
        // Renderers write in small pieces: they are gathered before they
        // are hashed and written.
        let mut w = std::io::BufWriter::with_capacity(
            STAGE_BUFFER,
            Hashing {
                file,
                path: temp.clone(),
                sha256: Sha256::new(),
                bytes: 0,
                failed: None,
            },
        );
        let rendered = render(&mut w);
        let flushed = w.flush();
        // What a failed flush left unwritten is dropped: the file is removed.
        let (mut hashing, _unwritten) = w.into_parts();
        // A write that failed under the renderer is a write error, whatever
        // the renderer made of it.
        let written = match (rendered, hashing.failed.take()) {
            (_, Some(e)) => Ok(Err(e)),
            (Err(e), None) => Err(e),
            (Ok(()), None) => Ok(flushed.and_then(|()| hashing.file.sync_all())),
        };
        match written {
            Ok(Ok(())) => Ok(Ok(Staged {
                name,
                temp,
                bytes: hashing.bytes,
                sha256: hex::encode(hashing.sha256.finalize()),
            })),
            Ok(Err(e)) => {
                let _ = fs::remove_file(&temp);
                Ok(Err(Error::io(&temp, e)))
            }
            Err(e) => {
                let _ = fs::remove_file(&temp);
                Err(e)
            }
        }
    }

    /// Removes the staged temporary files, and the directories this run
    /// created for them (only while empty).
    fn abandon(&self, staged: &[Staged]) {
        for file in staged {
            let _ = fs::remove_file(&file.temp);
        }
        for dir in self.created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Renames the temporary files over their targets, the manifest (last of
/// `temps`) last and only after the previous one is gone.
fn publish(out: &Path, temps: &[(PathBuf, PathBuf)]) -> Result<()> {
    let (manifest, files) = temps.split_last().expect("the manifest and the files");
    match fs::remove_file(&manifest.1) {
        Ok(()) => sync_dir(out)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&manifest.1, e)),
    }
    for (temp, target) in files {
        fs::rename(temp, target).map_err(|e| Error::io(target, e))?;
        crate::fault::point("report-publish", target)?;
    }
    // The six renames are durable before the manifest says they are a set.
    sync_dir(out)?;
    fs::rename(&manifest.0, &manifest.1).map_err(|e| Error::io(&manifest.1, e))?;
    sync_dir(out)
}

/// The manifest naming the staged files (in [`FILES`] order).
fn set_manifest(staged: &[Staged]) -> Result<Vec<u8>> {
    let now = chrono::Utc::now();
    let manifest = SetManifest {
        set_id: format!(
            "{}-{}",
            now.format("%Y%m%dT%H%M%S%.3fZ"),
            std::process::id()
        ),
        generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        tool_version: env!("CARGO_PKG_VERSION"),
        files: staged
            .iter()
            .map(|file| SetFile {
                name: file.name,
                bytes: file.bytes,
                sha256: file.sha256.clone(),
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Usage(format!("cannot serialise {SET_MANIFEST}: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Takes the directory's publishing lock (never through a symlink),
/// waiting up to [`PUBLISH_WAIT`] for another run.
fn lock_publishing(out: &Path) -> Result<File> {
    let path = out.join(PUBLISH_LOCK);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&path).map_err(|e| Error::io(&path, e))?;
    let deadline = Instant::now() + PUBLISH_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked { path, holder: None });
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
    }
}

/// Removes the temporary files (`.NAME.PID.N.tmp`, NAME one of ours) that
/// a run which no longer exists left in `out`. Best effort: a file that
/// cannot be removed is only logged.
fn sweep_stale_temps(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(stale_temp_pid) else {
            continue;
        };
        if pid == std::process::id() || process_exists(pid) {
            continue;
        }
        // Only plain files: a symlink or a directory with that name is not
        // ours to touch.
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        match fs::remove_file(&path) {
            Ok(()) => tracing::warn!(
                "removed {}, left by an earlier run (pid {pid}) that was stopped while writing",
                path.display()
            ),
            Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
        }
    }
}

/// The writer's pid if `name` is one of our temporary files.
fn stale_temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, n) = rest.rsplit_once('.')?;
    let (file, pid) = rest.rsplit_once('.')?;
    n.parse::<u32>().ok()?;
    let ours = FILES.contains(&file) || file == SET_MANIFEST;
    ours.then(|| pid.parse().ok()).flatten()
}

/// Whether process `pid` exists (signal 0 reaches it, or it exists but is
/// not ours to signal).
fn process_exists(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: kill with signal 0 sends nothing; it only checks that the
        // process exists and may be signalled.
        if unsafe { libc::kill(pid, 0) } == 0 {
            return true;
        }
        std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Writes one private file (0600) at `path`, given as `what`, atomically:
/// a temporary file beside it, fsynced, renamed over it. A missing parent
/// is created (0700).
pub(crate) fn write_private(path: &Path, bytes: &[u8], what: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::input(path, format!("{what} must name a file")))?
        .to_string_lossy()
        .into_owned();
    create_dir(dir)?;
    let temp = write_temp(dir, &name, bytes)?;
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(Error::io(path, e));
    }
    sync_dir(dir)
}

/// Drops `value` on a thread of its own: a large tree of small
/// allocations (a roster, a template view) takes milliseconds to free,
/// which need not be spent on the way to the reports. If no thread can
/// be started, it is dropped here.
pub(crate) fn drop_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("hfaudit-free".into())
        .spawn(move || drop(value));
}

/// The result of a scoped thread; a panic in it goes on in this one.
pub(crate) fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn create_dir(out: &Path) -> Result<()> {
    if out.is_dir() {
        return Ok(());
    }
    if out.exists() {
        return Err(Error::not_a_directory(out, "--out"));
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(out)
        .map_err(|e| Error::dir_io(out, "--out", e))
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

    /// The files of a published set, the manifest and the lock.
    fn published() -> Vec<String> {
        let mut names: Vec<String> = FILES
            .iter()
            .chain(&[SET_MANIFEST, PUBLISH_LOCK])
            .map(|f| f.to_string())
            .collect();
        names.sort();
        names
    }

    fn manifest(out: &Path) -> serde_json::Value {
        serde_json::from_slice(&fs::read(out.join(SET_MANIFEST)).unwrap()).unwrap()
    }

    #[test]
    fn writes_six_private_files_and_their_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("nested/report");
        let report = testdata::report();
        let written = write_outputs(&report, &out, None).unwrap();
        assert_eq!(
            written,
            FILES
                .iter()
                .chain(&[SET_MANIFEST])
                .map(|f| out.join(f))
                .collect::<Vec<_>>()
        );
        assert_eq!(listing(&out), published(), "no temporary file left behind");
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
            for path in written.iter().chain([&out.join(PUBLISH_LOCK)]) {
                assert_eq!(mode(path), 0o600, "{}", path.display());
            }
        }
    }

    #[test]
    fn the_manifest_names_each_file_with_its_size_and_hash() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        write_outputs(&testdata::report(), out, None).unwrap();
        let m = manifest(out);
        assert_eq!(m["tool_version"], env!("CARGO_PKG_VERSION"));
        assert!(m["set_id"].as_str().is_some_and(|id| !id.is_empty()));
        let files = m["files"].as_array().unwrap();
        let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(names, FILES);
        for f in files {
            let bytes = fs::read(out.join(f["name"].as_str().unwrap())).unwrap();
            assert_eq!(f["bytes"], bytes.len(), "{f}");
            assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{f}");
        }
        // A second run is a new set.
        let first = m["set_id"].clone();
        std::thread::sleep(Duration::from_millis(2));
        write_outputs(&testdata::report(), out, None).unwrap();
        assert_ne!(manifest(out)["set_id"], first);
    }

    /// A renderer turns the errors of its writer into its own (minijinja's
    /// into a template error): a failed write is still reported as one,
    /// and its temporary file is gone.
    #[test]
    fn a_write_that_fails_under_the_renderer_is_a_write_error() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::prepare(tmp.path()).unwrap();
        crate::fault::FAIL_AT.with(|f| f.set(Some(("report-write", 1))));
        let staged = staging.stage(FILES[0], |w| {
            w.write_all(&vec![b'x'; 4 * STAGE_BUFFER])
                .map_err(|e| Error::Config {
                    path: "templates/report.html.j2".into(),
                    message: e.to_string(),
                })
        });
        crate::fault::FAIL_AT.with(|f| f.set(None));
        match staged {
            Ok(Err(e)) => {
                assert!(
                    e.to_string().contains("injected failure at report-write"),
                    "{e}"
                );
                assert!(!matches!(e, Error::Config { .. }), "{e:?}");
            }
            Ok(Ok(_)) => panic!("the write failed"),
            Err(e) => panic!("reported as a render error: {e}"),
        }
        assert_eq!(listing(tmp.path()), Vec::<String>::new());
    }

    #[test]
    fn a_run_killed_while_publishing_leaves_no_manifest_and_the_next_one_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        write_outputs(&testdata::report(), out, None).unwrap();
        // Stopped after the third rename: three new files, three old ones,
        // the rest of the set still in temporary files.
        crate::fault::FAIL_AT.with(|f| f.set(Some(("report-publish", 3))));
        let mut changed = testdata::report();
        changed.findings.clear();
        let err = write_outputs(&changed, out, None).unwrap_err();
        crate::fault::FAIL_AT.with(|f| f.set(None));
        assert!(err.to_string().contains("report-publish"), "{err}");
        assert!(
            !out.join(SET_MANIFEST).exists(),
            "a mixed set has no manifest"
        );
        // The failed run removed its own temporary files; a killed one
        // cannot: plant what it would leave, under a pid that is gone.
        let dead = dead_pid();
        for name in ["access.csv", "findings.json", SET_MANIFEST] {
            fs::write(out.join(format!(".{name}.{dead}.0.tmp")), b"personal data").unwrap();
        }
        write_outputs(&changed, out, None).unwrap();
        assert_eq!(
            listing(out),
            published(),
            "the stale temporary files are gone"
        );
        let m = manifest(out);
        for f in m["files"].as_array().unwrap() {
            let bytes = fs::read(out.join(f["name"].as_str().unwrap())).unwrap();
            assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{f}");
        }
    }

    #[test]
    fn temporary_files_of_a_live_run_and_other_files_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        // pid 1 is alive (and, unless we are root, not ours to signal).
        let keep = [
            ".access.csv.1.0.tmp",
            ".notes.txt.4194303.0.tmp",
            ".access.csv.x.0.tmp",
            "access.csv.4194303.0.tmp",
            "notes.txt",
        ];
        for name in keep {
            fs::write(out.join(name), b"x").unwrap();
        }
        let planted = out.join(format!(".seats.csv.{}.0.tmp", dead_pid()));
        #[cfg(unix)]
        std::os::unix::fs::symlink(out.join("notes.txt"), &planted).unwrap();
        write_outputs(&testdata::report(), out, None).unwrap();
        for name in keep {
            assert!(out.join(name).exists(), "{name} kept");
        }
        #[cfg(unix)]
        assert!(
            planted.symlink_metadata().is_ok(),
            "a symlink is not ours to remove"
        );
    }

    #[test]
    fn temp_names_parse_to_the_writer_pid() {
        assert_eq!(stale_temp_pid(".access.csv.123.0.tmp"), Some(123));
        assert_eq!(stale_temp_pid(".report-set.json.9.12.tmp"), Some(9));
        assert_eq!(stale_temp_pid(".notes.csv.123.0.tmp"), None);
        assert_eq!(stale_temp_pid(".access.csv.123.tmp"), None);
        assert_eq!(stale_temp_pid("access.csv.123.0.tmp"), None);
        assert_eq!(stale_temp_pid(".access.csv.-1.0.tmp"), None);
    }

    /// A pid no process has: a child that has exited and been reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_exists(pid));
        pid
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
        assert_eq!(listing(out), published());
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
        assert_eq!(listing(&out), published(), "no temporary file left behind");
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
    fn a_failed_render_removes_what_the_other_files_staged() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("a/b/out");
        let templates = tmp.path().join("templates");
        fs::create_dir(&templates).unwrap();
        // The HTML fails after the CSVs and the JSON were staged.
        fs::write(templates.join("_access.html.j2"), "{{ report.typo }}").unwrap();
        let err = write_outputs(&testdata::report(), &out, Some(&templates)).unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert!(!tmp.path().join("a").exists(), "the directories it created");
        // Into an existing directory: only what was there stays.
        let out = tmp.path().join("existing");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        assert!(write_outputs(&testdata::report(), &out, Some(&templates)).is_err());
        assert_eq!(listing(&out), ["notes.txt"]);
    }

    #[test]
    fn an_out_that_is_a_file_is_bad_input() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("file");
        fs::write(&out, b"not a directory").unwrap();
        let err = write_outputs(&testdata::report(), &out, None).unwrap_err();
        assert!(matches!(err, Error::Input { .. }), "{err:?}");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("is not a directory"), "{err}");
        assert_eq!(fs::read(&out).unwrap(), b"not a directory");
        // Nor may a path below a file.
        let below = out.join("reports");
        let err = write_outputs(&testdata::report(), &below, None).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
    }
}
