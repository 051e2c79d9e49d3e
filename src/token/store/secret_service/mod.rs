//! Reading from the Secret Service (GNOME Keyring, KWallet) without the keyring crate: the
//! stored-token lookup of every prompt that enters a project and of `ca-env token`, and the
//! check that the keyring is unlocked before anything is written to it.
//!
//! The keyring crate (libdbus underneath) makes every step wait for the one before: the
//! authentication (two exchanges), Hello, OpenSession, SearchItems and GetSecret, and ca-env
//! ran it on a thread of its own to bound it. Here a client of ca-env's own speaks the protocol
//! on the bus's Unix socket, which carries its own time limits, and sends the authentication,
//! Hello, OpenSession and SearchItems at once (the bus reads a connection's bytes in order, so
//! each is handled after the one before, and the search needs no session); then GetSecret,
//! which names the session OpenSession returned. Two waits instead of six, and no thread. The
//! session is `plain` (see docs/decisions.md, Tokens). The search also tells whether the item
//! is locked, so the collection is asked only when nothing was found. Nothing here can show an
//! unlock dialog: no call it makes asks for one.

mod wire;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use super::{Answer, Unavailable};
use wire::Arg;

const SECRETS: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";

/// The text of the one unlocked item with `attributes`, within `patience`: none when there is
/// none (and the default collection is unlocked) or several. A locked item, or a locked
/// collection when nothing was found, makes the keyring unavailable.
pub fn find(attributes: &[(&str, &str)], patience: Duration) -> Answer<Option<String>> {
    let mut bus = Bus::connect(patience)?;
    let replies = bus.calls(&[
        Call::service("OpenSession", vec![Arg::Str("plain"), Arg::Variant("")]),
        Call::service("SearchItems", vec![Arg::Dict(attributes)]),
    ])?;
    let mut open = replies[0].body("vo").map_err(malformed)?;
    // The plain algorithm's output is empty: a string (the specification's), or bytes.
    match open.variant().map_err(malformed)? {
        "s" => open.string().map(|_| ()),
        "ay" => open.bytes().map(|_| ()),
        _ => Err(wire::Malformed),
    }
    .map_err(malformed)?;
    let session = open.string().map_err(malformed)?.to_string();
    let mut search = replies[1].body("aoao").map_err(malformed)?;
    let unlocked = search.paths().map_err(malformed)?;
    let locked = search.paths().map_err(malformed)?;
    if !locked.is_empty() {
        return Err(locked_keyring());
    }
    match unlocked.as_slice() {
        [item] => {
            let get = Call {
                path: item,
                interface: "org.freedesktop.Secret.Item",
                member: "GetSecret",
                args: vec![Arg::Path(&session)],
            };
            let replies = bus.calls(&[get])?;
            let mut secret = replies[0].body("(oayays)").map_err(malformed)?;
            secret.open_struct().map_err(malformed)?;
            secret.string().map_err(malformed)?;
            secret.bytes().map_err(malformed)?;
            let value = secret.bytes().map_err(malformed)?;
            // Not UTF-8: not ours, so missing.
            Ok(std::str::from_utf8(value).ok().map(str::to_string))
        }
        // Nothing found: missing, unless the keyring is locked (then a token fetched now would
        // have nowhere to go, which `status` should say).
        [] => bus.default_unlocked().map(|()| None),
        // Several items for one key count as missing, as the keyring crate's reads do.
        _ => Ok(None),
    }
}

/// Whether the default collection is unlocked (so that the keyring crate can write without
/// asking for it to be unlocked), within `patience`.
pub fn default_unlocked(patience: Duration) -> Answer<()> {
    Bus::connect(patience)?.default_unlocked()
}

pub fn locked_keyring() -> Unavailable {
    Unavailable(format!(
        "{} (unlock it, or run 'ca-env login' on a terminal)",
        super::keyring::LOCKED
    ))
}

/// One method call to the Secret Service.
struct Call<'a> {
    path: &'a str,
    interface: &'a str,
    member: &'a str,
    args: Vec<Arg<'a>>,
}

impl<'a> Call<'a> {
    fn service(member: &'a str, args: Vec<Arg<'a>>) -> Call<'a> {
        Call {
            path: SERVICE_PATH,
            interface: SERVICE,
            member,
            args,
        }
    }
}

/// A connection to the session bus.
struct Bus {
    socket: UnixStream,
    /// The server's GUID the address names, if it does: the server must say the same.
    guid: Option<String>,
    /// Whether the authentication and Hello went out: they go before the first calls.
    started: bool,
    serial: u32,
    /// What was read and not yet taken as messages. Wiped when the connection goes: it held
    /// a secret.
    input: Vec<u8>,
    until: Instant,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let capacity = self.input.capacity();
        self.input.resize(capacity, 0);
        crate::secret::wipe_bytes(&mut self.input);
    }
}

impl Bus {
    /// A connection to the first Unix socket `DBUS_SESSION_BUS_ADDRESS` names. Nothing is said
    /// on it yet.
    fn connect(patience: Duration) -> Answer<Bus> {
        // Without a session bus address libdbus would try X11 autolaunch; ca-env tries nothing.
        let address = std::env::var(crate::tools::registry::DBUS_SESSION_BUS_ADDRESS)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Unavailable("no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)".into())
            })?;
        let mut failed = None;
        for (target, guid) in address.split(';').filter_map(unix_socket) {
            match dial(&target, patience) {
                Ok(socket) => {
                    return Ok(Bus {
                        socket,
                        guid,
                        started: false,
                        serial: 0,
                        input: Vec::new(),
                        until: Instant::now() + patience,
                    })
                }
                Err(e) => failed = Some(e),
            }
        }
        Err(Unavailable(match failed {
            Some(e) => format!("no Secret Service: {}", crate::error::io_reason(&e)),
            None => "no Secret Service: the D-Bus session address names no Unix socket".into(),
        }))
    }

    /// Whether the default collection is unlocked: its path, then its `Locked` property.
    fn default_unlocked(&mut self) -> Answer<()> {
        let alias = self.calls(&[Call::service("ReadAlias", vec![Arg::Str("default")])])?;
        let collection = alias[0]
            .body("o")
            .and_then(|mut r| r.string().map(str::to_string))
            .map_err(malformed)?;
        if collection == "/" {
            return Err(Unavailable(
                "the Secret Service has no default keyring".into(),
            ));
        }
        let get = Call {
            path: &collection,
            interface: "org.freedesktop.DBus.Properties",
            member: "Get",
            args: vec![
                Arg::Str("org.freedesktop.Secret.Collection"),
                Arg::Str("Locked"),
            ],
        };
        let replies = self.calls(&[get])?;
        let mut value = replies[0].body("v").map_err(malformed)?;
        if value.variant().map_err(malformed)? != "b" {
            return Err(malformed(wire::Malformed));
        }
        match value.boolean().map_err(malformed)? {
            false => Ok(()),
            true => Err(locked_keyring()),
        }
    }

    /// Sends `calls` at once (after the authentication and Hello, the first time) and waits
    /// for every answer: their answers, in order. An error answer to any is a failure.
    fn calls(&mut self, calls: &[Call]) -> Answer<Vec<wire::Message>> {
        let mut out = Vec::new();
        let mut serials = Vec::new();
        let first = !self.started;
        if first {
            self.started = true;
            // SAFETY: geteuid cannot fail.
            let uid = unsafe { libc::geteuid() }.to_string();
            let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
            out.extend_from_slice(format!("\0AUTH EXTERNAL {hex}\r\nBEGIN\r\n").as_bytes());
            let serial = self.next_serial();
            out.extend(wire::method_call(
                serial,
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "Hello",
                &[],
            ));
            serials.push(serial);
        }
        for c in calls {
            let serial = self.next_serial();
            out.extend(wire::method_call(
                serial,
                SECRETS,
                c.path,
                c.interface,
                c.member,
                &c.args,
            ));
            serials.push(serial);
        }
        self.socket.write_all(&out).map_err(|e| self.failed(&e))?;
        if first {
            self.authenticated()?;
        }
        let mut replies: Vec<Option<wire::Message>> = serials.iter().map(|_| None).collect();
        while replies.iter().any(Option::is_none) {
            let Some((m, used)) = wire::read_message(&self.input).map_err(malformed)? else {
                self.read_more()?;
                continue;
            };
            self.input.drain(..used);
            // Signals (NameAcquired) and anything else that answers no call of ours.
            let Some(at) = m
                .reply_serial
                .and_then(|r| serials.iter().position(|s| *s == r))
            else {
                continue;
            };
            if m.kind == 3 {
                return Err(refused(&m));
            }
            replies[at] = Some(m);
        }
        // Hello's answer (this connection's name) is not needed.
        let skip = usize::from(first);
        Ok(replies.into_iter().skip(skip).flatten().collect())
    }

    fn next_serial(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    /// Reads the server's answer to the authentication: `OK` and its GUID.
    fn authenticated(&mut self) -> Answer<()> {
        let end = loop {
            if let Some(end) = self.input.windows(2).position(|w| w == b"\r\n") {
                break end;
            }
            if self.input.len() > 512 {
                return Err(malformed(wire::Malformed));
            }
            self.read_more()?;
        };
        let line = String::from_utf8_lossy(&self.input[..end]).into_owned();
        self.input.drain(..end + 2);
        let guid = line.strip_prefix("OK ").ok_or_else(|| {
            Unavailable(format!(
                "the session bus refused ca-env: {}",
                crate::output::printable(&line)
            ))
        })?;
        match &self.guid {
            Some(want) if want != guid => Err(Unavailable(
                "the session bus is not the one DBUS_SESSION_BUS_ADDRESS names (another GUID)"
                    .into(),
            )),
            _ => Ok(()),
        }
    }

    /// Reads what the bus sent next, waiting at most until the deadline.
    fn read_more(&mut self) -> Answer<()> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(too_slow());
        }
        self.socket
            .set_read_timeout(Some(left))
            .map_err(|e| self.failed(&e))?;
        let mut chunk = [0u8; 4096];
        let n = loop {
            match self.socket.read(&mut chunk) {
                Ok(0) => return Err(Unavailable("the session bus closed the connection".into())),
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.failed(&e)),
            }
        };
        if self.input.len() + n > wire::MAX_MESSAGE + 512 {
            return Err(malformed(wire::Malformed));
        }
        self.input.extend_from_slice(&chunk[..n]);
        crate::secret::wipe_bytes(&mut chunk);
        Ok(())
    }

    fn failed(&self, e: &std::io::Error) -> Unavailable {
        match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => too_slow(),
            _ => Unavailable(format!(
                "the Secret Service failed: {}",
                crate::error::io_reason(e)
            )),
        }
    }
}

/// An error answer. A locked item (it was locked after the search) is a locked keyring.
fn refused(m: &wire::Message) -> Unavailable {
    let name = m.error_name.as_deref().unwrap_or("an error");
    if name == "org.freedesktop.Secret.Error.IsLocked" {
        return locked_keyring();
    }
    let text = m
        .body("s")
        .and_then(|mut r| r.string().map(str::to_string))
        .unwrap_or_default();
    Unavailable(format!(
        "the Secret Service failed: {}",
        crate::output::printable(&format!("{name}: {text}"))
    ))
}

fn too_slow() -> Unavailable {
    Unavailable("the Secret Service did not answer in time".into())
}

fn malformed(_: wire::Malformed) -> Unavailable {
    Unavailable("the Secret Service answered something ca-env cannot read".into())
}

/// Where a Unix socket is: a path, or a name in Linux's abstract namespace.
#[derive(Debug, PartialEq, Eq)]
enum Socket {
    Path(Vec<u8>),
    Abstract(Vec<u8>),
}

/// The socket one address of a D-Bus address list names (`unix:path=…` or
/// `unix:abstract=…`), with the server's GUID if given; none for other transports.
fn unix_socket(address: &str) -> Option<(Socket, Option<String>)> {
    let keys = address.strip_prefix("unix:")?;
    let (mut socket, mut guid) = (None, None);
    for pair in keys.split(',') {
        let (key, value) = pair.split_once('=')?;
        let value = unescape(value)?;
        match key {
            "path" => socket = Some(Socket::Path(value)),
            "abstract" => socket = Some(Socket::Abstract(value)),
            "guid" => guid = Some(String::from_utf8(value).ok()?),
            _ => {}
        }
    }
    Some((socket?, guid))
}

/// A D-Bus address value with its `%XX` escapes decoded.
fn unescape(value: &str) -> Option<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Connects to `socket`, giving up after `patience` (a bus whose queue of connections is full
/// makes a connect wait), with reads and writes bounded the same way.
fn dial(socket: &Socket, patience: Duration) -> std::io::Result<UnixStream> {
    use std::os::unix::io::FromRawFd;
    let name: Vec<u8> = match socket {
        Socket::Path(p) => p.iter().copied().chain([0]).collect(),
        Socket::Abstract(n) => [0].into_iter().chain(n.iter().copied()).collect(),
    };
    // SAFETY: zeroed is a valid sockaddr_un.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    if name.len() > addr.sun_path.len() || name.len() < 2 {
        return Err(std::io::ErrorKind::InvalidInput.into());
    }
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (to, from) in addr.sun_path.iter_mut().zip(&name) {
        *to = *from as libc::c_char;
    }
    // SAFETY: socket(2) with constant arguments; the descriptor is owned by the stream at once.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a socket just made and owned by nothing else.
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    // SO_SNDTIMEO also bounds connect(2) on a Unix socket.
    stream.set_write_timeout(Some(patience))?;
    stream.set_read_timeout(Some(patience))?;
    let len = std::mem::offset_of!(libc::sockaddr_un, sun_path) + name.len();
    // SAFETY: `addr` is a sockaddr_un whose first `len` bytes are set.
    let connected = unsafe {
        libc::connect(
            fd,
            (&raw const addr).cast::<libc::sockaddr>(),
            len as libc::socklen_t,
        )
    };
    if connected != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_addresses_name_a_unix_socket_or_nothing() {
        type Found = Option<(Socket, Option<&'static str>)>;
        let cases: [(&str, Found); 6] = [
            (
                "unix:path=/run/user/1000/bus",
                Some((Socket::Path(b"/run/user/1000/bus".to_vec()), None)),
            ),
            (
                "unix:abstract=/tmp/dbus-AbC,guid=0123abcd",
                Some((
                    Socket::Abstract(b"/tmp/dbus-AbC".to_vec()),
                    Some("0123abcd"),
                )),
            ),
            (
                "unix:path=/tmp/a%20b%2cc",
                Some((Socket::Path(b"/tmp/a b,c".to_vec()), None)),
            ),
            ("tcp:host=localhost,port=4000", None),
            ("unix:path=/tmp/bad%zz", None),
            ("autolaunch:", None),
        ];
        for (address, want) in cases {
            let got = unix_socket(address);
            let want = want.map(|(s, g)| (s, g.map(str::to_string)));
            assert_eq!(got, want, "{address}");
        }
        let list = "tcp:host=x,port=1;unix:path=/run/bus";
        let found: Vec<_> = list.split(';').filter_map(unix_socket).collect();
        assert_eq!(found, [(Socket::Path(b"/run/bus".to_vec()), None)]);
    }

    #[test]
    fn a_socket_nobody_listens_on_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bus");
        let socket = Socket::Path(path.as_os_str().as_encoded_bytes().to_vec());
        let started = Instant::now();
        assert!(dial(&socket, Duration::from_secs(2)).is_err());
        assert!(started.elapsed() < Duration::from_secs(1));
        let long = Socket::Path(vec![b'a'; 200]);
        assert!(dial(&long, Duration::from_secs(2)).is_err());
    }
}
