//! Duplicate people: the same email or the same employee_id on two rows.
//!
//! SPEC.md: duplicates are reported and "the most recent row wins". A roster
//! has no reliable "as of" column, so the rule is:
//!
//! 1. when both rows have a termination date, the row with the later date
//!    wins: it describes the later period of employment (whatever the file
//!    order);
//! 2. otherwise the row further down the file wins.
//!
//! Rows are never merged: the winner is kept exactly as written. We do not
//! let an "active" row beat a terminated one just because it looks like a
//! rehire: without dates that could hide a leaver, and a wrongly flagged
//! rehire is one muted finding while a hidden leaver is an open door.
//!
//! The same hf_username on two different people is only warned about: both
//! rows are kept and identity matching decides.
//!
//! Rows are indexed by key without copying the keys (a 50,000-row roster
//! would otherwise spend most of its parse time allocating them).

use ahash::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::path::Path;

use super::cells::shown;
use crate::model::Person;

/// Collects people in file order, resolving duplicates as they arrive.
#[derive(Debug)]
pub(crate) struct People {
    source: String,
    /// Every row read. A row that lost to a duplicate points at the row that
    /// beat it in `forward`; a live row points at itself.
    rows: Vec<Person>,
    forward: Vec<usize>,
    emails: KeyIndex,
    ids: KeyIndex,
    usernames: KeyIndex,
    warnings: Vec<String>,
}

impl People {
    /// `capacity`: the expected number of rows.
    pub(crate) fn new(path: &Path, capacity: usize) -> Self {
        let hasher = RandomState::new();
        People {
            source: path.display().to_string(),
            rows: Vec::with_capacity(capacity),
            forward: Vec::with_capacity(capacity),
            emails: KeyIndex::new(Key::Email, hasher.clone(), capacity),
            ids: KeyIndex::new(Key::EmployeeId, hasher.clone(), capacity),
            usernames: KeyIndex::new(Key::HfUsername, hasher, capacity),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, person: Person) {
        let new = self.rows.len();
        let line = person.line;
        // Each key of the new row, hashed once for the lookup and the insert.
        let hashes = [&self.emails, &self.ids, &self.usernames]
            .map(|index| index.key.of(&person).map(|k| index.hash(k)));
        let mut matches: Vec<(usize, Vec<String>)> = Vec::new();
        for (index, hash) in [&self.emails, &self.ids].into_iter().zip(hashes) {
            let (Some(key), Some(hash)) = (index.key.of(&person), hash) else {
                continue;
            };
            let Some(found) = index.find(hash, key, &self.rows) else {
                continue;
            };
            let slot = resolve(&self.forward, found);
            let what = match index.key {
                Key::Email => format!("email {key}"),
                _ => format!("employee_id {}", shown(key)),
            };
            match matches.iter_mut().find(|(s, _)| *s == slot) {
                Some((_, whats)) => whats.push(what),
                None => matches.push((slot, vec![what])),
            }
        }
        matches.sort_by_key(|(slot, _)| *slot);
        let namesake = match (person.hf_username.as_deref(), hashes[2]) {
            (Some(name), Some(hash)) => self
                .usernames
                .find(hash, name, &self.rows)
                .map(|i| resolve(&self.forward, i)),
            _ => None,
        };
        self.rows.push(person);
        self.forward.push(new);

        let mut winner = new;
        for (old, whats) in matches {
            let (keep_old, outcome) = decide(&self.rows[old], &self.rows[winner]);
            self.warnings.push(format!(
                "{}:{line}: duplicate {} (also on line {}); {outcome}",
                self.source,
                whats.join(" and "),
                self.rows[old].line
            ));
            if keep_old {
                self.forward[winner] = old;
                winner = old;
            } else {
                self.forward[old] = new;
            }
        }
        if winner != new {
            self.forward[new] = winner;
        }
        if let Some(other) = namesake
            && winner == new
            && resolve(&self.forward, other) != new
        {
            let p = &self.rows[new];
            self.warnings.push(format!(
                "{}:{line}: hf_username {} is also on line {} for a different person; both rows are kept, check the roster",
                self.source,
                p.hf_username.as_deref().unwrap_or_default(),
                self.rows[other].line
            ));
        }
        let indexes = [&mut self.emails, &mut self.ids, &mut self.usernames];
        for (index, hash) in indexes.into_iter().zip(hashes) {
            if let Some(hash) = hash {
                index.insert(hash, new, &self.rows);
            }
        }
    }

    /// The people in file order, and the warnings.
    pub(crate) fn finish(self) -> (Vec<Person>, Vec<String>) {
        let mut rows = self.rows;
        let mut live = self.forward.iter().enumerate().map(|(i, &f)| i == f);
        rows.retain(|_| live.next().unwrap_or(false));
        (rows, self.warnings)
    }
}

/// Follows the forward pointers to the live row.
fn resolve(forward: &[usize], mut i: usize) -> usize {
    while forward[i] != i {
        i = forward[i];
    }
    i
}

/// A key that identifies a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Email,
    EmployeeId,
    /// Case-insensitive.
    HfUsername,
}

impl Key {
    fn of(self, p: &Person) -> Option<&str> {
        match self {
            Key::Email => p.email.as_deref(),
            Key::EmployeeId => p.employee_id.as_deref(),
            Key::HfUsername => p.hf_username.as_deref(),
        }
    }

    fn same(self, a: &str, b: &str) -> bool {
        match self {
            Key::HfUsername => a.eq_ignore_ascii_case(b),
            _ => a == b,
        }
    }

    fn folded(self, key: &str) -> String {
        match self {
            Key::HfUsername => key.to_ascii_lowercase(),
            _ => key.to_owned(),
        }
    }
}

/// Key → the latest row holding it, without copying keys: the table holds a
/// (randomly seeded) hash of the key and the row, and a lookup compares the
/// key with that row's. A hash shared by two different keys (which does not
/// happen in practice) sends the newer key to a small owned map.
#[derive(Debug)]
struct KeyIndex {
    key: Key,
    hasher: RandomState,
    rows: HashMap<u64, usize, BuildHasherDefault<Prehashed>>,
    collisions: HashMap<String, usize>,
}

impl KeyIndex {
    fn new(key: Key, hasher: RandomState, capacity: usize) -> Self {
        KeyIndex {
            key,
            hasher,
            rows: HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
            collisions: HashMap::new(),
        }
    }

    fn hash(&self, key: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        if self.key == Key::HfUsername {
            let mut buf = [0u8; 32];
            for chunk in key.as_bytes().chunks(buf.len()) {
                let lower = &mut buf[..chunk.len()];
                lower.copy_from_slice(chunk);
                lower.make_ascii_lowercase();
                h.write(lower);
            }
        } else {
            h.write(key.as_bytes());
        }
        h.finish()
    }

    fn find(&self, hash: u64, key: &str, rows: &[Person]) -> Option<usize> {
        let &row = self.rows.get(&hash)?;
        if self
            .key
            .of(&rows[row])
            .is_some_and(|k| self.key.same(k, key))
        {
            return Some(row);
        }
        self.collisions.get(&self.key.folded(key)).copied()
    }

    /// Records `row`, whose key hashes to `hash`.
    fn insert(&mut self, hash: u64, row: usize, rows: &[Person]) {
        let Some(key) = self.key.of(&rows[row]) else {
            return;
        };
        match self.rows.get(&hash) {
            Some(&other)
                if !self
                    .key
                    .of(&rows[other])
                    .is_some_and(|k| self.key.same(k, key)) =>
            {
                self.collisions.insert(self.key.folded(key), row);
            }
            _ => {
                self.rows.insert(hash, row);
            }
        }
    }
}

/// A hasher for keys that are already hashes.
#[derive(Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Which of two duplicate rows wins (`true`: `a`), and the words saying why.
fn decide(a: &Person, b: &Person) -> (bool, String) {
    let (earlier, later, a_is_later) = if a.line > b.line {
        (b, a, true)
    } else {
        (a, b, false)
    };
    match (earlier.termination_date, later.termination_date) {
        (Some(e), Some(l)) if e > l => (
            !a_is_later,
            format!(
                "line {} wins: it has the later termination date ({e}, against {l})",
                earlier.line
            ),
        ),
        _ => (
            a_is_later,
            format!("the later row (line {}) wins", later.line),
        ),
    }
}
