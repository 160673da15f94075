//! The fake Hub's plain request and response values.
//!
//! Routes work on these instead of HTTP types so that faults and the
//! rate-limit headers can be applied in one place (`server.rs`) afterwards.

use serde_json::{Value, json};

use super::faults::status_error;

/// Decoded query pairs, in order; a name may repeat (`expand=private&expand=gated`).
#[derive(Clone, Debug, Default)]
pub(super) struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A numeric parameter: `Ok(None)` when absent, `Err` when not a number.
    pub fn number(&self, name: &str) -> Result<Option<usize>, Reply> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| Reply::error(400, &format!("Invalid {name}: {text:?}"))),
        }
    }
}

/// A response before it is turned into HTTP.
#[derive(Clone, Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: serde_json::to_vec(value).expect("JSON values serialize"),
        }
    }

    pub fn ok(value: &Value) -> Reply {
        Reply::json(200, value)
    }

    /// An error the Hub's way: `X-Error-Code`, `X-Error-Message` and `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Reply {
        let (code, _) = status_error(status);
        Reply::json(status, &json!({ "error": message }))
            .header("x-error-code", code)
            .header("x-error-message", message)
    }

    /// An injected error with the status's stock message.
    pub fn injected(status: u16) -> Reply {
        Reply::error(status, status_error(status).1)
    }

    /// Replaces the stock `X-Error-Code` (e.g. `RepoNotFound`).
    pub fn code(mut self, code: &str) -> Reply {
        self.headers.retain(|(name, _)| name != "x-error-code");
        self.header("x-error-code", code)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}
