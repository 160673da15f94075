//! Plausible people: full names, unique Hub usernames in the styles people
//! pick (`jdoe`, `maria-lopez42`, `k.tanaka`), and unique work emails.

use std::collections::HashSet;

use super::random::Rng;

const FIRST: &[&str] = &[
    "Alice", "Bob", "Maria", "John", "Kenji", "Priya", "Wei", "Fatima", "Lucas", "Emma", "Olivia",
    "Noah", "Sofia", "Mateo", "Aisha", "Yuki", "Lars", "Ingrid", "Chen", "Amara", "Diego",
    "Hannah", "Omar", "Leila", "Tomas", "Zoe", "Ravi", "Anya", "Felix", "Nadia", "Samuel", "Clara",
    "Hugo", "Mei", "Jonas", "Elena", "Kwame", "Ines", "Marco", "Sara", "Daniel", "Julia", "Arjun",
    "Freya", "Pedro", "Lina", "Viktor", "Chloe", "Ibrahim", "Nora", "Kai", "Rosa", "Ethan", "Mila",
    "Tariq", "Greta", "Leo", "Ana", "Sven", "Keiko",
];

const LAST: &[&str] = &[
    "Martin",
    "Doe",
    "Lopez",
    "Tanaka",
    "Sharma",
    "Zhang",
    "Haddad",
    "Silva",
    "Schmidt",
    "Rossi",
    "Nguyen",
    "Kowalski",
    "Okafor",
    "Johansson",
    "Dubois",
    "Garcia",
    "Kim",
    "Petrov",
    "Yilmaz",
    "Novak",
    "Smith",
    "Brown",
    "Wright",
    "Mueller",
    "Fischer",
    "Ito",
    "Sato",
    "Patel",
    "Singh",
    "Costa",
    "Ferreira",
    "Moreau",
    "Lambert",
    "Bianchi",
    "Andersen",
    "Larsen",
    "Virtanen",
    "Horvat",
    "Mensah",
    "Abebe",
    "Cohen",
    "Levi",
    "Wong",
    "Chan",
    "Reyes",
    "Cruz",
    "Torres",
    "Ramos",
    "Walsh",
    "Byrne",
    "Murphy",
    "Kelly",
    "Fernandez",
    "Alvarez",
    "Jansen",
    "de-Vries",
    "Bakker",
    "Weber",
    "Hoffmann",
    "Suzuki",
];

/// A generated person before they become a member, invitee or outsider.
#[derive(Clone, Debug)]
pub struct Person {
    pub user: String,
    pub fullname: String,
    pub first: String,
    pub last: String,
}

/// Hands out people whose usernames (and emails) never repeat.
#[derive(Debug, Default)]
pub struct People {
    users: HashSet<String>,
    emails: HashSet<String>,
}

impl People {
    /// Keeps `user` from being generated.
    pub fn reserve(&mut self, user: &str) {
        self.users.insert(user.to_lowercase());
    }

    pub fn person(&mut self, rng: &mut Rng) -> Person {
        let first = rng.pick(FIRST).to_string();
        let last = rng.pick(LAST).to_string();
        let (f, l) = (first.to_lowercase(), last.to_lowercase().replace('-', ""));
        let initial = &f[..1];
        let base = match rng.below(7) {
            0 => format!("{initial}{l}"),
            1 => format!("{f}-{l}{}", rng.below(90) + 10),
            2 => format!("{initial}.{l}"),
            3 => format!("{f}_{}", &l[..1]),
            4 => format!("{f}{l}"),
            5 => format!("{f}{}", rng.below(90) + 10),
            _ => format!("{l}{initial}"),
        };
        let user = unique(&mut self.users, &base);
        Person {
            fullname: format!("{first} {}", last.replace('-', " ")),
            first,
            last,
            user,
        }
    }

    /// `first.last@domain`, numbered when taken.
    pub fn email(&mut self, person: &Person, domain: &str) -> String {
        let local = format!("{}.{}", person.first, person.last.replace('-', "")).to_lowercase();
        unique(&mut self.emails, &format!("{local}@{domain}"))
    }
}

/// `base`, or `base2`, `base3`... (before any `@`), whichever is free; then taken.
fn unique(taken: &mut HashSet<String>, base: &str) -> String {
    let (stem, domain) = base
        .split_once('@')
        .map_or((base, None), |(s, d)| (s, Some(d)));
    let mut candidate = base.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = match domain {
            Some(domain) => format!("{stem}{n}@{domain}"),
            None => format!("{stem}{n}"),
        };
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}
