//! Identity-provider user exports read as rosters (SPEC.md "Roster"), for
//! companies whose IdP, not an HR system, is the source of truth.
//!
//! An export is recognised by its header line, and each adds a little to
//! what an HR export means:
//!
//! - Google Workspace's user download (`Email Address [Required]`,
//!   `Status [READ ONLY]`: Active, Suspended). Its bracketed suffixes are
//!   ignored by [`crate::table::fold`] like any header's.
//! - Okta's user report (`Username`, `Primary email`, `Status`: ACTIVE,
//!   STAGED, LOCKED_OUT, SUSPENDED, DEPROVISIONED…).
//! - Microsoft Entra ID's user download (`userPrincipalName`, `mail`,
//!   `accountEnabled`: True/False). `mail` is empty for an account without a
//!   mailbox; its `userPrincipalName` (the sign-in address) stands in.
//!
//! In all three an account's status words are IdP states
//! ([`Vocabulary::Idp`]): a suspended account belongs to a leaver, not to
//! someone on leave. A bare `ID` column is the IdP's account id, not an
//! employee id, and is ignored. None carries a termination date or a
//! Hugging Face username: the status alone says who has departed, and
//! `--identities` ties Hub accounts to people.

use super::headers::Field;
use super::status::Vocabulary;
use crate::table::{fold, without_bracketed_suffix};

/// The system that wrote a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// An HR system (Workday, BambooHR…), or a hand-made roster.
    Hris,
    GoogleWorkspace,
    Okta,
    Entra,
}

/// Headers only Entra's download uses for our fields, `(field, rank,
/// header)` as in [`super::aliases::ALIASES`].
pub(crate) const ENTRA_ALIASES: &[(Field, u8, &str)] = &[
    (Field::Email, 1, "mail"),
    (Field::Email, 2, "userPrincipalName"),
    (Field::Status, 0, "accountEnabled"),
];

/// The bracketed suffixes of Google Workspace's user download.
const GOOGLE_MARKERS: [&str; 3] = ["required", "readonly", "uploadonly"];

impl Source {
    /// Which system wrote these header cells.
    pub(crate) fn detect(headers: &[String]) -> Source {
        let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
        let has = |name: &str| folded.iter().any(|f| *f == fold(name));
        // HR exports may carry a userPrincipalName too, but not with `mail`.
        if has("accountEnabled") || has("userPrincipalName") && has("mail") {
            Source::Entra
        } else if headers.iter().any(|h| is_google_header(h)) {
            Source::GoogleWorkspace
        } else if has("Username") && has("Primary email") {
            Source::Okta
        } else {
            Source::Hris
        }
    }

    /// The headers this source adds to the HR aliases.
    pub(crate) fn aliases(self) -> &'static [(Field, u8, &'static str)] {
        match self {
            Source::Entra => ENTRA_ALIASES,
            Source::Hris | Source::GoogleWorkspace | Source::Okta => &[],
        }
    }

    /// Whether a (folded) header that is an HR alias means something else
    /// here.
    pub(crate) fn ignores(self, folded: &str) -> bool {
        self != Source::Hris && folded == "id"
    }

    /// The column whose cell stands in for an empty email cell.
    pub(crate) fn email_fallback(self, folded: &[String]) -> Option<usize> {
        match self {
            Source::Entra => folded.iter().position(|f| f == "userprincipalname"),
            Source::Hris | Source::GoogleWorkspace | Source::Okta => None,
        }
    }

    /// The words of the status column, given its (folded) header.
    pub(crate) fn vocabulary(self, status_header: Option<&str>) -> Vocabulary {
        match (self, status_header) {
            (Source::Entra, Some("accountenabled")) => Vocabulary::AccountEnabled,
            (Source::Hris, _) => Vocabulary::Hris,
            _ => Vocabulary::Idp,
        }
    }
}

/// `Email Address [Required]`, `Status [READ ONLY]`, `New Status [UPLOAD ONLY]`.
fn is_google_header(header: &str) -> bool {
    let head = without_bracketed_suffix(header);
    head.len() < header.len() && GOOGLE_MARKERS.contains(&fold(&header[head.len()..]).as_str())
}
