//! `hfaudit evidence --review ID --out DIR` copies a closed review's
//! evidence pack; `hfaudit evidence verify DIR` recomputes every checksum
//! of a pack (exit 0 intact, 1 a file changed, missing or extra, 2 no
//! readable manifest).

use super::Done;
use crate::cli::{EvidenceArgs, EvidenceCommand};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::report::write::write_private;
use crate::review::EVIDENCE;
use crate::review::evidence::{self, MANIFEST, PackManifest};
use crate::store::Store;
use crate::term::Term;
use crate::text::clean_line;

pub fn run(settings: &Settings, args: &EvidenceArgs, term: &Term) -> Result<Done> {
    if let Some(EvidenceCommand::Verify { dir }) = &args.command {
        return verify(dir, term);
    }
    let (Some(id), Some(out)) = (&args.review, &args.out) else {
        return Err(Error::Usage(
            "`hfaudit evidence` needs --review ID and --out DIR (or `hfaudit evidence verify DIR`)"
                .into(),
        ));
    };
    let store = Store::new(&settings.store);
    let rel = |name: &str| format!("{EVIDENCE}/{name}");
    let manifest_bytes = store.read_review_file(id, &rel(MANIFEST))?.ok_or_else(|| {
        Error::Usage(format!(
            "review {id} is not closed: `hfaudit review close --review {id}` writes its evidence pack"
        ))
    })?;
    let manifest: PackManifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| Error::store(store.review_dir(id).unwrap_or_default(), e.to_string()))?;
    // Read everything first: a missing file writes nothing.
    let mut files = Vec::new();
    for name in manifest.files.keys() {
        let bytes = store.read_review_file(id, &rel(name))?.ok_or_else(|| {
            Error::store(
                store
                    .review_dir(id)
                    .unwrap_or_default()
                    .join(EVIDENCE)
                    .join(name),
                "is missing from the pack",
            )
        })?;
        files.push((name.clone(), bytes));
    }
    files.push((MANIFEST.to_string(), manifest_bytes));
    for (name, bytes) in &files {
        write_private(&out.join(name), bytes, "--out")?;
    }
    term.line(&format!(
        "evidence pack of review {id} copied to {} ({} files)",
        out.display(),
        files.len()
    ));
    verify(out, term)
}

fn verify(dir: &std::path::Path, term: &Term) -> Result<Done> {
    let evidence::Checked {
        manifest,
        manifest_sha256,
        problems,
    } = evidence::verify_dir(dir)?;
    if problems.is_empty() {
        term.output(&format!(
            "{}: intact: {} file(s) match manifest.json (review {}; manifest.json sha256 \
             {manifest_sha256}, as `review close` printed it)",
            dir.display(),
            manifest.files.len(),
            clean_line(&manifest.review_id, 40)
        ));
        return Ok(Done::Clean);
    }
    for p in &problems {
        term.output(&format!(
            "{}: {}",
            dir.join(clean_line(&p.file, 200)).display(),
            p.what
        ));
    }
    term.output(&format!(
        "{}: NOT intact: {} problem(s)",
        dir.display(),
        problems.len()
    ));
    Ok(Done::Findings)
}
