//! One cell at a time: text, emails and Hugging Face usernames, and how a cell
//! is quoted back in a message.
//!
//! Cells are trimmed; an empty cell is `None`. Nothing is repaired by guessing:
//! a cell that cannot be what its column says is an error.

pub(crate) use crate::table::shown;

/// A trimmed cell, or `None` when it is empty.
pub(crate) fn text(cell: &str) -> Option<String> {
    let cell = cell.trim();
    (!cell.is_empty()).then(|| cell.to_owned())
}

/// A work email: trimmed and lower-cased; it must look like `name@domain`.
pub(crate) fn email(cell: &str, what: &str) -> Result<Option<String>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    if !looks_like_email(cell) {
        return Err(format!(
            "{what} {} is not an email address (expected name@domain)",
            shown(cell)
        ));
    }
    Ok(Some(if cell.is_ascii() {
        cell.to_ascii_lowercase()
    } else {
        cell.to_lowercase()
    }))
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
    let domain_ok = |c: char| c.is_alphanumeric() || c == '.' || c == '-';
    !local.is_empty()
        && !domain.is_empty()
        && local.chars().all(local_ok)
        && domain.chars().all(domain_ok)
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// A Hugging Face username, accepting `@name` and profile URLs.
pub(crate) fn hf_username(cell: &str) -> Result<Option<String>, String> {
    let raw = cell.trim();
    let mut name = raw;
    for prefix in ["https://", "http://"] {
        if let Some(rest) = strip_prefix_ignore_case(name, prefix) {
            name = rest;
        }
    }
    for host in ["www.huggingface.co/", "huggingface.co/", "hf.co/"] {
        if let Some(rest) = strip_prefix_ignore_case(name, host) {
            name = rest;
            break;
        }
    }
    let name = name.strip_prefix('@').unwrap_or(name);
    let name = name.strip_suffix('/').unwrap_or(name);
    if name.is_empty() {
        return if raw.is_empty() {
            Ok(None)
        } else {
            Err(format!("hf_username {} has no username in it", shown(raw)))
        };
    }
    if name.contains('@') {
        return Err(format!(
            "hf_username {} looks like an email address; this column takes the Hugging Face username (huggingface.co/USERNAME)",
            shown(raw)
        ));
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !name.chars().all(ok) {
        return Err(format!(
            "hf_username {} is not a Hugging Face username (letters, digits, '-', '_' and '.' only)",
            shown(raw)
        ));
    }
    Ok(Some(name.to_owned()))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}
