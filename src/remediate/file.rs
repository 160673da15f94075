//! The plan file: `{"sha256": HEX, "plan": {...}}`, where HEX is the
//! SHA-256 of the plan's compact JSON. Reading it recomputes the hash over
//! the plan as read: any change to what the plan says (a step added, a
//! username edited) is refused, while the layout (indentation) may change.
//! Unknown fields are refused too, so nothing can ride along unhashed.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::remediate::plan::{PLAN_VERSION, Plan};

/// Plans are small: a few hundred bytes per step.
const PLAN_MAX_BYTES: u64 = 64 << 20;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    sha256: String,
    plan: Plan,
}

/// A plan read back, with the hash that names it.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub plan: Plan,
    pub sha256: String,
}

/// The hash of `plan`.
pub fn sha256(plan: &Plan) -> String {
    let bytes = serde_json::to_vec(plan).expect("plans serialize");
    hex::encode(Sha256::digest(&bytes))
}

/// The file's bytes: pretty JSON, ending with a newline.
pub fn seal(plan: &Plan) -> Sealed {
    Sealed {
        sha256: sha256(plan),
        plan: plan.clone(),
    }
}

impl Sealed {
    pub fn to_bytes(&self) -> Vec<u8> {
        let envelope = Envelope {
            sha256: self.sha256.clone(),
            plan: self.plan.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&envelope).expect("plans serialize");
        bytes.push(b'\n');
        bytes
    }
}

/// Reads and checks a plan file: JSON errors name the line and column.
pub fn read(path: &Path) -> Result<Sealed> {
    let bytes =
        crate::input_file::read(path, PLAN_MAX_BYTES, "plan").map_err(Error::unreadable_input)?;
    let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|e| Error::Input {
        path: path.to_path_buf(),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
        message: format!("not a plan written by `hfaudit plan`: {e}"),
    })?;
    let input = |message: String| Error::Input {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message,
    };
    if envelope.plan.version != PLAN_VERSION {
        return Err(input(format!(
            "plan format {} is not the one this hfaudit writes ({PLAN_VERSION}); make a new plan",
            envelope.plan.version
        )));
    }
    let actual = sha256(&envelope.plan);
    if actual != envelope.sha256 {
        return Err(input(format!(
            "the plan was changed after `hfaudit plan` wrote it (its sha256 is {actual}, the file \
             says {}); nothing was applied: make a new plan",
            envelope.sha256
        )));
    }
    Ok(Sealed {
        plan: envelope.plan,
        sha256: actual,
    })
}
