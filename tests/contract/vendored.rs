//! The vendored description stays the shared one, byte for byte.

use std::io::Write as _;
use std::path::Path;

const VENDORED: &str = "fixtures/hub-openapi.json";
const SHARED: &str = "../shared/hub-openapi.json";

#[test]
fn vendored_openapi_equals_the_shared_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vendored = std::fs::read(root.join(VENDORED)).expect("fixtures/hub-openapi.json");
    let shared = match std::fs::read(root.join(SHARED)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Shown with --nocapture; not an eprintln (clippy.toml bans those).
            let note = format!(
                "skipped: {} is absent (a checkout without ../shared); the vendored copy is \
                 used as is\n",
                root.join(SHARED).display()
            );
            std::io::stderr().write_all(note.as_bytes()).unwrap();
            return;
        }
        Err(e) => panic!("{}: {e}", root.join(SHARED).display()),
    };
    assert!(
        vendored == shared,
        "{VENDORED} differs from {SHARED}: copy the shared one over it \
         (cp ../shared/hub-openapi.json fixtures/) and review what the Hub changed"
    );
    let parsed: serde_json::Value = serde_json::from_slice(&vendored).expect("valid JSON");
    assert_eq!(parsed["openapi"], "3.1.0", "an OpenAPI 3.1 description");
}
