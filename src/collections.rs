//! The hash maps and sets of hfaudit.
//!
//! Their keys are text from the Hub and the roster, which outsiders choose
//! (a username, a repo name, an email). aHash's hasher is keyed at random
//! per process from the OS, so like std's SipHash it resists a flood of
//! colliding keys, at a fraction of SipHash's cost on short keys (std's
//! hasher was some 4% of a large org's report).
//!
//! `HashMap::new()` and `with_capacity` come from the `*Ext` traits.

pub(crate) use ahash::{HashMap, HashMapExt, HashSet, HashSetExt};
