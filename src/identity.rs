//! Tying Hub accounts to roster people, recording how (SPEC.md "Identity
//! matching"): the roster's own `hf_username`, then an identities mapping
//! file, then an email the Hub reports (SCIM or a verified email), then a
//! heuristic that is only ever a "probable match".

use crate::collections::{HashMap, HashMapExt};
use std::path::Path;

use crate::error::Result;
use crate::model::{MatchMethod, Person};
use crate::table::{Kind, Table, error, is_one_of, shown};

/// The identities file, for the table reader's messages.
const KIND: Kind = Kind {
    what: "identities file",
    example: "hf_username,email",
    row: "account",
    export: "save the identities file",
};

/// Headers of the username column (compared folded, as roster headers are).
const USER_HEADERS: &[&str] = &["hf_username", "username", "Hugging Face Username", "user"];
/// Headers of the email column.
const EMAIL_HEADERS: &[&str] = &["email", "Work Email", "Email Address"];

/// The result of matching one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Index into the roster's people.
    pub person: Option<usize>,
    pub method: MatchMethod,
}

impl Match {
    pub const UNMATCHED: Match = Match {
        person: None,
        method: MatchMethod::Unmatched,
    };
}

/// `--identities FILE`: `hf_username,email` rows mapping accounts to people.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    /// Lower-cased username → lower-cased email.
    by_username: HashMap<String, String>,
}

impl Identities {
    pub fn load(path: &Path) -> Result<Identities> {
        let bytes =
            crate::input_file::read(path, crate::input_file::CSV_MAX_BYTES, "identities file")?;
        Identities::parse(&bytes, path)
    }

    /// Parses the file's bytes with the roster's table reader (delimiter,
    /// BOM, encodings, `file:line:column` errors); `path` is only used in
    /// messages.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Identities> {
        let is_known = |f: &str| is_one_of(f, USER_HEADERS) || is_one_of(f, EMAIL_HEADERS);
        let mut table = Table::open(bytes, path, &KIND, &is_known)?;
        let (Some(user_col), Some(email_col)) =
            (table.column(USER_HEADERS), table.column(EMAIL_HEADERS))
        else {
            let found: Vec<String> = table.headers.iter().map(|h| shown(h)).collect();
            return Err(error(
                path,
                Some(table.header_line),
                None,
                format!(
                    "expected the header hf_username,email; its headers are {}",
                    found.join(", ")
                ),
            ));
        };
        let mut by_username = HashMap::new();
        while let Some((line, record)) = table.next_row()? {
            let cell = |c: usize| record.get(c).unwrap_or("").trim();
            let user = cell(user_col).trim_start_matches('@');
            let email = cell(email_col);
            if user.is_empty() && email.is_empty() {
                continue;
            }
            if user.is_empty() {
                return Err(error(
                    path,
                    Some(line),
                    Some(user_col as u64 + 1),
                    "the hf_username is empty",
                ));
            }
            if !email.contains('@') {
                return Err(error(
                    path,
                    Some(line),
                    Some(email_col as u64 + 1),
                    format!("'{email}' is not an email address"),
                ));
            }
            by_username.insert(user.to_lowercase(), email.to_lowercase());
        }
        Ok(Identities { by_username })
    }

    pub fn email_of(&self, username: &str) -> Option<&str> {
        self.by_username
            .get(&username.to_lowercase())
            .map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.by_username.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_username.is_empty()
    }
}

/// Lower-case and drop everything but letters and digits: `Maria.Lopez-42`
/// and `maria_lopez42` fold to the same key.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Full names compared case-insensitively with white space collapsed.
fn name_key(s: &str) -> String {
    let mut key = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&word.to_lowercase());
    }
    key
}

/// An email the Hub reports for an account, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct HubEmail<'a> {
    pub email: &'a str,
    /// `Scim` or `HubEmail`.
    pub method: MatchMethod,
}

/// Indexes over the roster for the four match methods.
#[derive(Debug)]
pub struct Matcher<'r> {
    people: &'r [Person],
    identities: &'r Identities,
    by_username: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
    /// Folded email local part → the one person with it, `None` when
    /// several have it (ambiguous: no match).
    by_local: HashMap<String, Option<usize>>,
    /// Full name key → the one person with it, `None` when several do.
    by_name: HashMap<String, Option<usize>>,
}

/// Records `i` under `key`, or marks the key ambiguous if it is taken.
fn index_unique(map: &mut HashMap<String, Option<usize>>, key: String, i: usize) {
    map.entry(key)
        .and_modify(|found| *found = None)
        .or_insert(Some(i));
}

impl<'r> Matcher<'r> {
    pub fn new(people: &'r [Person], identities: &'r Identities) -> Matcher<'r> {
        // Four indexes of a large roster (tens of thousands of keys to fold
        // and hash): built two by two on two threads.
        let ((by_username, by_email), (by_local, by_name)) = std::thread::scope(|scope| {
            let exact = scope.spawn(|| {
                let mut by_username = HashMap::with_capacity(people.len());
                let mut by_email = HashMap::with_capacity(people.len());
                for (i, p) in people.iter().enumerate() {
                    if let Some(u) = &p.hf_username {
                        by_username.insert(u.to_lowercase(), i);
                    }
                    if let Some(e) = &p.email {
                        by_email.insert(e.to_lowercase(), i);
                    }
                }
                (by_username, by_email)
            });
            let mut by_local = HashMap::with_capacity(people.len());
            let mut by_name = HashMap::with_capacity(people.len());
            for (i, p) in people.iter().enumerate() {
                if let Some((local, _)) = p.email.as_deref().and_then(|e| e.split_once('@')) {
                    index_unique(&mut by_local, fold(local), i);
                }
                if let Some(n) = &p.full_name {
                    index_unique(&mut by_name, name_key(n), i);
                }
            }
            let exact = exact.join().expect("a roster indexer panicked");
            (exact, (by_local, by_name))
        });
        Matcher {
            people,
            identities,
            by_username,
            by_email,
            by_local,
            by_name,
        }
    }

    pub fn person(&self, m: Match) -> Option<&'r Person> {
        m.person.map(|i| &self.people[i])
    }

    /// Matches one Hub account, trying SPEC.md's methods in order.
    pub fn match_account(
        &self,
        username: &str,
        fullname: Option<&str>,
        emails: &[HubEmail<'_>],
    ) -> Match {
        let found = |person, method| Match {
            person: Some(person),
            method,
        };
        if let Some(&i) = self.by_username.get(&username.to_lowercase()) {
            return found(i, MatchMethod::Roster);
        }
        if let Some(&i) = self
            .identities
            .email_of(username)
            .and_then(|e| self.by_email.get(e))
        {
            return found(i, MatchMethod::Mapping);
        }
        for e in emails {
            if let Some(&i) = self.by_email.get(&e.email.trim().to_lowercase()) {
                return found(i, e.method);
            }
        }
        if let Some(Some(i)) = self.by_local.get(&fold(username)) {
            return found(*i, MatchMethod::Heuristic);
        }
        if let Some(Some(i)) = fullname
            .map(name_key)
            .filter(|k| !k.is_empty())
            .and_then(|k| self.by_name.get(&k))
        {
            return found(*i, MatchMethod::Heuristic);
        }
        Match::UNMATCHED
    }

    /// Matches an account the Hub describes by an optional username and an
    /// optional email it reports (an invitee, a gated-repo requester whose
    /// identity may be hidden).
    pub fn match_reported(
        &self,
        username: Option<&str>,
        fullname: Option<&str>,
        email: Option<&str>,
        method: MatchMethod,
    ) -> Match {
        match (username, email) {
            (Some(u), _) => {
                let emails: Vec<HubEmail> = email
                    .iter()
                    .map(|e| HubEmail { email: e, method })
                    .collect();
                self.match_account(u, fullname, &emails)
            }
            (None, Some(e)) => self.match_email(e, method),
            (None, None) => Match::UNMATCHED,
        }
    }

    /// Matches an invitee known only by an email address.
    pub fn match_email(&self, email: &str, method: MatchMethod) -> Match {
        match self.by_email.get(&email.trim().to_lowercase()) {
            Some(&i) => Match {
                person: Some(i),
                method,
            },
            None => Match::UNMATCHED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EmploymentStatus;

    fn person(line: u64, email: &str, name: &str, hf: Option<&str>) -> Person {
        Person {
            line,
            employee_id: Some(format!("E{line}")),
            email: Some(email.into()),
            full_name: Some(name.into()),
            status: EmploymentStatus::Active,
            status_text: None,
            termination_date: None,
            hf_username: hf.map(str::to_string),
            department: None,
            cost_center: None,
            manager_email: None,
        }
    }

    fn people() -> Vec<Person> {
        vec![
            person(2, "alice.martin@acme.com", "Alice Martin", Some("AliceM")),
            person(3, "bob@acme.com", "Bob Stone", None),
            person(4, "maria.lopez@acme.com", "María López", None),
            person(5, "j.doe@acme.com", "John Doe", None),
            person(6, "j.doe@acme-labs.com", "John Doe", None),
        ]
    }

    #[test]
    fn methods_apply_in_order() {
        let people = people();
        let ids = Identities::parse(
            b"hf_username,email\nbobby,BOB@acme.com\n",
            Path::new("ids.csv"),
        )
        .unwrap();
        let m = Matcher::new(&people, &ids);
        // 1. roster hf_username, case-insensitive, wins over everything.
        let hub = [HubEmail {
            email: "bob@acme.com",
            method: MatchMethod::HubEmail,
        }];
        assert_eq!(
            m.match_account("alicem", None, &hub),
            Match {
                person: Some(0),
                method: MatchMethod::Roster
            }
        );
        // 2. mapping file.
        assert_eq!(
            m.match_account("Bobby", None, &[]),
            Match {
                person: Some(1),
                method: MatchMethod::Mapping
            }
        );
        // 3. an email the Hub reports.
        assert_eq!(
            m.match_account("stone", None, &hub),
            Match {
                person: Some(1),
                method: MatchMethod::HubEmail
            }
        );
        let scim = [HubEmail {
            email: " Bob@Acme.com ",
            method: MatchMethod::Scim,
        }];
        assert_eq!(m.match_account("x", None, &scim).method, MatchMethod::Scim);
        // 4. heuristic: the local part, ignoring . _ - and case…
        assert_eq!(
            m.match_account("Maria_Lopez", None, &[]),
            Match {
                person: Some(2),
                method: MatchMethod::Heuristic
            }
        );
        // …or a unique full name.
        assert_eq!(
            m.match_account("bs", Some("bob  STONE"), &[]),
            Match {
                person: Some(1),
                method: MatchMethod::Heuristic
            }
        );
        // Ambiguous local parts and names match nobody.
        assert_eq!(
            m.match_account("jdoe", Some("John Doe"), &[]),
            Match::UNMATCHED
        );
        assert_eq!(m.match_account("nobody", None, &[]), Match::UNMATCHED);
    }

    #[test]
    fn zero_people_match_nothing() {
        let ids = Identities::default();
        let m = Matcher::new(&[], &ids);
        assert_eq!(
            m.match_account("alice", Some("Alice"), &[]),
            Match::UNMATCHED
        );
        assert_eq!(
            m.match_email("a@b.c", MatchMethod::HubEmail),
            Match::UNMATCHED
        );
    }

    #[test]
    fn identities_file_errors_name_the_place() {
        let err = Identities::parse(b"user,email\nalice,not-an-email\n", Path::new("ids.csv"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ids.csv:2:2: 'not-an-email' is not an email address"
        );
        assert_eq!(err.exit_code(), 2);
        let err = Identities::parse(b"who,what\n", Path::new("ids.csv")).unwrap_err();
        assert!(err.to_string().starts_with("ids.csv:1:"), "{err}");
        let ok = Identities::parse(
            b"\xEF\xBB\xBFHF Username,Email\n@alice,Alice@X.com\n\n",
            Path::new("i"),
        )
        .unwrap();
        assert_eq!(ok.email_of("ALICE"), Some("alice@x.com"));
        assert_eq!(ok.len(), 1);
    }

    fn ids(bytes: &[u8]) -> Result<Identities> {
        Identities::parse(bytes, Path::new("ids.csv"))
    }

    #[test]
    fn identities_accept_what_the_roster_accepts() {
        let zero = ids(b"hf_username;email\n").unwrap();
        assert!(zero.is_empty());
        let one = ids(b"hf_username\temail\nalice\tAlice@X.com\n").unwrap();
        assert_eq!(one.email_of("alice"), Some("alice@x.com"));
        for many in [
            &b"hf_username;email\nalice;Alice@X.com\nbob;bob@x.com\n"[..],
            b"HF-Username\tE-mail\r\nalice\tAlice@X.com\r\nbob\tbob@x.com\r\n",
            b"\xEF\xBB\xBFsep=;\nhf_username;email\n@alice;alice@x.com\n\nbob;\"bob@x.com\"\n",
            b"Username [Hub],Email\nalice,alice@x.com\nbob,bob@x.com\n",
        ] {
            let text = String::from_utf8_lossy(many);
            let got = ids(many).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(got.len(), 2, "{text:?}");
            assert_eq!(got.email_of("ALICE"), Some("alice@x.com"), "{text:?}");
            assert_eq!(got.email_of("bob"), Some("bob@x.com"), "{text:?}");
        }
    }

    #[test]
    fn identities_errors_have_the_roster_form() {
        let message = |bytes: &[u8]| ids(bytes).unwrap_err().to_string();
        assert_eq!(
            message(b"hf_username,email\nalice,a@x.com,extra\n"),
            "ids.csv:2:3: this row has 3 cells but the header has 2; a cell containing ',' \
             is not in double quotes, or the row has a stray ','"
        );
        assert_eq!(
            message(b"hf_username;email\n\n\"bob\nby\";b@x.com\ncarol;nope\n"),
            "ids.csv:5:2: 'nope' is not an email address",
            "blank lines and quoted line ends are counted"
        );
        assert!(
            message(b"\xFF\xFEh\0f\0")
                .starts_with("ids.csv: the identities file is UTF-16 encoded"),
            "{}",
            message(b"\xFF\xFEh\0f\0")
        );
        assert_eq!(
            message(b"PK\x03\x04\x14\0\x06\0"),
            "ids.csv: this is a ZIP archive (an .xlsx or .ods spreadsheet?), not a CSV file; \
             save the identities file as CSV (UTF-8)"
        );
        assert_eq!(
            message(b"hf_username,email\nalice,\"a@x.com\n"),
            "ids.csv:2:2: the quoted cell starting on this line is never closed (a '\"' is missing), \
             so the rest of the file was read as one cell"
        );
        assert!(message(b"").starts_with("ids.csv: the identities file is empty"));
        assert_eq!(
            message(b"who,what\n"),
            "ids.csv:1: expected the header hf_username,email; its headers are 'who', 'what'"
        );
    }
}
