//! Just enough of the Chrome DevTools Protocol to drive Debian's headless
//! Chromium from a test: start it with a throw-away profile, read the
//! `DevTools listening on ws://…` line from its stderr, and speak CDP (JSON
//! over one websocket, with flattened target sessions) synchronously.
//!
//! Every wait has a deadline. On drop the browser is asked to close, and
//! what is left of its process group is killed and reaped.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

pub type Result<T> = std::result::Result<T, String>;

/// How Chromium is started (issue 5), before the debugging port and profile.
pub const FLAGS: [&str; 5] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
];

/// The longest any single command or event is waited for.
pub const WAIT: Duration = Duration::from_secs(20);

/// `chromium` on `PATH`, else Debian's `/usr/bin/chromium`.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// The Chromium process group and its profile directory.
struct Process {
    child: Child,
    /// Set once `Browser.close` was sent: the process gets time to exit.
    closing: bool,
    stderr: Arc<Mutex<Vec<String>>>,
    _profile: tempfile::TempDir,
}

impl Process {
    fn stderr_tail(&self) -> String {
        let lines = self.stderr.lock().map(|l| l.clone()).unwrap_or_default();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let grace = if self.closing { 5000 } else { 0 };
        let deadline = Instant::now() + Duration::from_millis(grace);
        let exited = loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break true,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => break false,
            }
        };
        // The leader's group id is its pid (process_group(0)); this also
        // catches a renderer or zygote outliving it.
        let group = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        if !exited {
            let _ = self.child.wait();
        }
    }
}

/// A running headless Chromium and the CDP connection to it.
pub struct Browser {
    ws: WebSocket<TcpStream>,
    next_id: u64,
    /// Every event received so far, in order.
    events: Vec<Value>,
    process: Process,
}

impl Browser {
    pub fn launch(binary: &Path) -> Result<Browser> {
        let profile = tempfile::tempdir().map_err(|e| format!("profile dir: {e}"))?;
        let mut child = Command::new(binary)
            .args(FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pipe = child.stderr.take().expect("piped stderr");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let log = Arc::clone(&stderr);
        // Drains stderr for as long as the browser lives, so it never blocks.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(std::io::Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
                if let Ok(mut log) = log.lock() {
                    log.push(line);
                }
            }
        });
        let mut process = Process {
            child,
            closing: false,
            stderr,
            _profile: profile,
        };
        let url = rx.recv_timeout(WAIT).map_err(|_| {
            let status = process.child.try_wait().ok().flatten();
            format!(
                "{} printed no DevTools URL within {WAIT:?} (exit status {status:?}); its stderr:\n{}",
                binary.display(),
                process.stderr_tail()
            )
        })?;
        let ws = connect(&url).map_err(|e| format!("{e}; stderr:\n{}", process.stderr_tail()))?;
        Ok(Browser {
            ws,
            next_id: 0,
            events: Vec::new(),
            process,
        })
    }

    /// Opens a blank tab and attaches to it with Page, Runtime, Log and
    /// Network events on, so nothing the page does later goes unseen.
    pub fn new_page(&mut self) -> Result<Page<'_>> {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}))?;
        let target = target["targetId"].as_str().ok_or("no targetId")?.to_owned();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        )?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or("no sessionId")?
            .to_owned();
        let mut page = Page {
            browser: self,
            session,
        };
        for domain in ["Page", "Runtime", "Log", "Network"] {
            page.call(&format!("{domain}.enable"), json!({}))?;
        }
        Ok(page)
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<u64> {
        self.next_id += 1;
        let mut message = json!({"id": self.next_id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| format!("{method}: cannot send: {e}"))?;
        Ok(self.next_id)
    }

    /// Reads one message if one arrives within the socket's read timeout;
    /// events are kept, responses returned.
    fn pump(&mut self) -> Result<Option<Value>> {
        let text = match self.ws.read() {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) => return Err("Chromium closed the DevTools connection".into()),
            Ok(_) => return Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(format!("DevTools connection: {e}")),
        };
        let message: Value =
            serde_json::from_str(text.as_str()).map_err(|e| format!("bad CDP message: {e}"))?;
        if message.get("id").is_some() {
            return Ok(Some(message));
        }
        if message["method"] == "Page.javascriptDialogOpening" {
            // An open alert() blocks the page: dismiss it (the event stays
            // recorded for the test to see).
            let session = message["sessionId"].as_str().map(str::to_owned);
            self.send(
                session.as_deref(),
                "Page.handleJavaScriptDialog",
                json!({"accept": false}),
            )?;
        }
        self.events.push(message);
        Ok(None)
    }

    /// Sends a command and waits for its result.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value> {
        let id = self.send(session, method, params)?;
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(response) = self.pump()?
                && response["id"] == id
            {
                if let Some(error) = response.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(response["result"].clone());
            }
        }
        Err(format!("{method}: no answer within {WAIT:?}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Asked to close, Chromium ends and reaps its own helper processes.
        if self.send(None, "Browser.close", json!({})).is_ok() {
            self.process.closing = true;
        }
    }
}

fn connect(url: &str) -> Result<WebSocket<TcpStream>> {
    let authority = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("unexpected DevTools URL {url:?}"))?;
    let addr: SocketAddr = authority
        .parse()
        .map_err(|e| format!("DevTools address {authority:?}: {e}"))?;
    let stream = TcpStream::connect_timeout(&addr, WAIT).map_err(|e| format!("{url}: {e}"))?;
    let io = |e: std::io::Error| format!("{url}: {e}");
    stream.set_read_timeout(Some(WAIT)).map_err(io)?;
    stream.set_write_timeout(Some(WAIT)).map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    // Screenshots and PDFs arrive as one large base64 message.
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let (ws, _) = tungstenite::client::client_with_config(url, stream, Some(config))
        .map_err(|e| format!("websocket handshake with {url}: {e}"))?;
    // From now on a read returns soon, so every wait can check its deadline.
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(io)?;
    Ok(ws)
}

/// One tab, attached over its own session.
pub struct Page<'b> {
    browser: &'b mut Browser,
    session: String,
}

impl Page<'_> {
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        self.browser.call(Some(&self.session), method, params)
    }

    /// Loads `url` and waits for its load event.
    pub fn navigate(&mut self, url: &str) -> Result<()> {
        let mark = self.browser.events.len();
        let result = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(error) = result.get("errorText") {
            return Err(format!("navigating to {url}: {error}"));
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let loaded = self.browser.events[mark..]
                .iter()
                .any(|e| e["sessionId"] == *self.session && e["method"] == "Page.loadEventFired");
            if loaded {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("{url} did not finish loading within {WAIT:?}"));
            }
            self.browser.pump()?;
        }
    }

    /// Evaluates a JavaScript expression in the page; its value, as JSON.
    /// An exception thrown by the expression is an error.
    pub fn eval(&mut self, expression: &str) -> Result<Value> {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            return Err(format!("{expression}\nthrew {details}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// A trusted left click at viewport coordinates, as a mouse makes it.
    pub fn click_at(&mut self, x: f64, y: f64) -> Result<()> {
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            )?;
        }
        Ok(())
    }

    /// Reads events for `duration`, for messages that arrive late.
    pub fn settle(&mut self, duration: Duration) -> Result<()> {
        let deadline = Instant::now() + duration;
        while Instant::now() < deadline {
            self.browser.pump()?;
        }
        Ok(())
    }

    /// The parameters of every event `method` of this page so far.
    pub fn events(&self, method: &str) -> Vec<Value> {
        self.browser
            .events
            .iter()
            .filter(|e| e["sessionId"] == *self.session && e["method"] == method)
            .map(|e| e["params"].clone())
            .collect()
    }
}

/// Standard base64 (CDP's encoding of screenshots and PDFs).
pub fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: {:?}", char::from(c))),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}
