//! The Hub's own OpenAPI description as the judge of the fake Hub and of
//! our decoding: `fixtures/hub-openapi.json` is a vendored copy of
//! `../shared/hub-openapi.json` (the Hub's description, cut to the
//! operations hfaudit reads), kept equal to it by `vendored_copy`.

#[path = "contract/access.rs"]
mod access;
#[path = "contract/decode.rs"]
mod decode;
#[path = "contract/fake_hub.rs"]
mod fake_hub;
#[path = "contract/groups.rs"]
mod groups;
#[path = "contract/vendored.rs"]
mod vendored;
