//! The README's two commands compile polars once: the dev-dependencies
//! switch on no feature of a crate the program shares with them, so
//! `cargo build` after `cargo test` (and a release build after the benches')
//! reuses every dependency. Cargo.toml names those features on the normal
//! dependencies; this test notices when a new dev-dependency adds one.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Package (name and version) → enabled features, from `cargo tree`.
fn features(extra: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "hfaudit",
            "--prefix",
            "none",
        ])
        .args(["-f", "{p} {f}"])
        .args(extra)
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let line = line.trim_end_matches(" (*)");
        let mut parts = line.split(' ');
        let (Some(name), Some(version)) = (parts.next(), parts.next()) else {
            continue;
        };
        let feats = parts.next().filter(|f| !f.starts_with('('));
        map.entry(format!("{name} {version}")).or_default().extend(
            feats
                .into_iter()
                .flat_map(|f| f.split(','))
                .map(str::to_string),
        );
    }
    map
}

#[test]
fn normal_and_test_builds_enable_the_same_features() {
    let normal = features(&["-e", "no-dev"]);
    let all = features(&[]);
    assert!(
        normal.keys().any(|k| k.starts_with("polars ")),
        "{normal:?}"
    );
    let differ: Vec<String> = normal
        .iter()
        .filter_map(|(package, feats)| {
            let with_dev = all.get(package)?;
            (with_dev != feats).then(|| {
                let added: Vec<&String> = with_dev.difference(feats).collect();
                format!("{package}: the dev-dependencies add {added:?}")
            })
        })
        .collect();
    assert!(
        differ.is_empty(),
        "name these features on the normal dependencies in Cargo.toml, or \
         `cargo build` and `cargo test` each compile the crates below (and \
         what depends on them, polars included):\n  {}",
        differ.join("\n  ")
    );
}
