//! The D-Bus wire format, as much of it as reading one secret needs: method calls with string,
//! object path, variant-of-string and `a{ss}` arguments, written little-endian; and any message
//! read back, in either byte order, with a reader for the types the Secret Service answers with.
//! Every read is bounds-checked: a malformed message is an error, never a panic.

/// Longest message accepted. An answer holding a token is a few KiB; the protocol allows
/// 128 MiB, which no answer ca-env asks for needs.
pub const MAX_MESSAGE: usize = 1 << 20;

/// One argument of a method call.
pub enum Arg<'a> {
    Str(&'a str),
    Path(&'a str),
    /// A string in a variant (`v` holding `s`).
    Variant(&'a str),
    /// A dictionary of strings (`a{ss}`).
    Dict(&'a [(&'a str, &'a str)]),
}

impl Arg<'_> {
    fn signature(&self) -> &'static str {
        match self {
            Arg::Str(_) => "s",
            Arg::Path(_) => "o",
            Arg::Variant(_) => "v",
            Arg::Dict(_) => "a{ss}",
        }
    }
}

/// Bytes being written, aligned from the start of the message.
struct Writer(Vec<u8>);

impl Writer {
    fn align(&mut self, n: usize) {
        while !self.0.len().is_multiple_of(n) {
            self.0.push(0);
        }
    }

    fn u32(&mut self, v: u32) {
        self.align(4);
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// A string or an object path.
    fn string(&mut self, s: &str) {
        self.u32(len32(s.len()));
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
    }

    fn signature(&mut self, s: &str) {
        self.0
            .push(u8::try_from(s.len()).expect("a signature ca-env writes is short"));
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
    }

    /// Writes a u32 to fill in later (an array's length): where it is.
    fn placeholder(&mut self) -> usize {
        self.u32(0);
        self.0.len() - 4
    }

    fn fill(&mut self, at: usize, v: u32) {
        self.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn arg(&mut self, arg: &Arg) {
        match arg {
            Arg::Str(s) | Arg::Path(s) => self.string(s),
            Arg::Variant(s) => {
                self.signature("s");
                self.string(s);
            }
            Arg::Dict(pairs) => {
                let at = self.placeholder();
                // Dictionary entries are aligned to 8, and the length leaves out that padding.
                self.align(8);
                let start = self.0.len();
                for (k, v) in *pairs {
                    self.align(8);
                    self.string(k);
                    self.string(v);
                }
                let len = len32(self.0.len() - start);
                self.fill(at, len);
            }
        }
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("what ca-env writes is far below 4 GiB")
}

/// A method call numbered `serial`, ready to send.
pub fn method_call(
    serial: u32,
    destination: &str,
    path: &str,
    interface: &str,
    member: &str,
    args: &[Arg],
) -> Vec<u8> {
    let mut body = Writer(Vec::new());
    // The body starts 8-aligned in the message, so aligning it on its own is the same.
    for a in args {
        body.arg(a);
    }
    let signature: String = args.iter().map(Arg::signature).collect();

    // Little-endian, a method call, no flags, protocol version 1.
    let mut m = Writer(vec![b'l', 1, 0, 1]);
    m.u32(len32(body.0.len()));
    m.u32(serial);
    let at = m.placeholder();
    let start = m.0.len();
    let mut field = |code: u8, kind: &str, value: &str| {
        m.align(8);
        m.0.push(code);
        m.signature(kind);
        if kind == "g" {
            m.signature(value);
        } else {
            m.string(value);
        }
    };
    field(1, "o", path);
    field(2, "s", interface);
    field(3, "s", member);
    field(6, "s", destination);
    if !signature.is_empty() {
        field(8, "g", &signature);
    }
    let len = len32(m.0.len() - start);
    m.fill(at, len);
    m.align(8);
    m.0.extend_from_slice(&body.0);
    m.0
}

/// A message that cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// A message read off the connection.
pub struct Message {
    /// 2: a method's answer; 3: an error; 4: a signal.
    pub kind: u8,
    pub reply_serial: Option<u32>,
    pub error_name: Option<String>,
    pub signature: String,
    big_endian: bool,
    pub body: Vec<u8>,
}

impl Message {
    /// A reader of the body, when its signature is `signature`.
    pub fn body(&self, signature: &str) -> Result<Reader<'_>, Malformed> {
        if self.signature != signature {
            return Err(Malformed);
        }
        Ok(Reader {
            bytes: &self.body,
            at: 0,
            big_endian: self.big_endian,
        })
    }
}

/// The first whole message in `bytes` and its length; none while it is incomplete.
pub fn read_message(bytes: &[u8]) -> Result<Option<(Message, usize)>, Malformed> {
    if bytes.len() < 16 {
        return Ok(None);
    }
    let big_endian = match bytes[0] {
        b'l' => false,
        b'B' => true,
        _ => return Err(Malformed),
    };
    let mut head = Reader {
        bytes,
        at: 4,
        big_endian,
    };
    let body_len = head.u32()? as usize;
    let _serial = head.u32()?;
    let fields_len = head.u32()? as usize;
    let fields_end = 16 + fields_len;
    let body_start = fields_end.div_ceil(8) * 8;
    let total = body_start.checked_add(body_len).ok_or(Malformed)?;
    if bytes[3] != 1 || total > MAX_MESSAGE {
        return Err(Malformed);
    }
    if bytes.len() < total {
        return Ok(None);
    }
    let mut message = Message {
        kind: bytes[1],
        reply_serial: None,
        error_name: None,
        signature: String::new(),
        big_endian,
        body: bytes[body_start..total].to_vec(),
    };
    let mut fields = Reader {
        bytes: &bytes[..fields_end],
        at: 16,
        big_endian,
    };
    while fields.at < fields_end {
        fields.align(8)?;
        let code = fields.byte()?;
        match fields.signature()? {
            "u" => {
                let v = fields.u32()?;
                if code == 5 {
                    message.reply_serial = Some(v);
                }
            }
            "s" | "o" => {
                let v = fields.string()?;
                if code == 4 {
                    message.error_name = Some(v.to_string());
                }
            }
            "g" => {
                let v = fields.signature()?;
                if code == 8 {
                    message.signature = v.to_string();
                }
            }
            _ => return Err(Malformed),
        }
    }
    Ok(Some((message, total)))
}

/// Reads the values of a message body in order.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    big_endian: bool,
}

impl<'a> Reader<'a> {
    fn align(&mut self, n: usize) -> Result<(), Malformed> {
        let to = self.at.div_ceil(n) * n;
        if to > self.bytes.len() {
            return Err(Malformed);
        }
        self.at = to;
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.at.checked_add(n).ok_or(Malformed)?;
        let b = self.bytes.get(self.at..end).ok_or(Malformed)?;
        self.at = end;
        Ok(b)
    }

    fn byte(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Malformed> {
        self.align(4)?;
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| Malformed)?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// A string or an object path.
    pub fn string(&mut self) -> Result<&'a str, Malformed> {
        let len = self.u32()? as usize;
        let s = self.take(len)?;
        if self.byte()? != 0 {
            return Err(Malformed);
        }
        std::str::from_utf8(s).map_err(|_| Malformed)
    }

    pub fn signature(&mut self) -> Result<&'a str, Malformed> {
        let len = usize::from(self.byte()?);
        let s = self.take(len)?;
        if self.byte()? != 0 {
            return Err(Malformed);
        }
        std::str::from_utf8(s).map_err(|_| Malformed)
    }

    /// An array of bytes (`ay`).
    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    pub fn boolean(&mut self) -> Result<bool, Malformed> {
        match self.u32()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Malformed),
        }
    }

    /// An array of object paths (`ao`).
    pub fn paths(&mut self) -> Result<Vec<&'a str>, Malformed> {
        let len = self.u32()? as usize;
        let end = self.at.checked_add(len).ok_or(Malformed)?;
        if end > self.bytes.len() {
            return Err(Malformed);
        }
        let mut out = Vec::new();
        while self.at < end {
            out.push(self.string()?);
        }
        Ok(out)
    }

    /// The start of a struct.
    pub fn open_struct(&mut self) -> Result<(), Malformed> {
        self.align(8)
    }

    /// A variant's signature; its value is read next.
    pub fn variant(&mut self) -> Result<&'a str, Malformed> {
        self.signature()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_reads_back_with_its_fields_and_arguments() {
        let pairs = [("service", "ca-env"), ("username", "k")];
        let args = [
            Arg::Str("plain"),
            Arg::Variant(""),
            Arg::Dict(&pairs),
            Arg::Path("/a/b"),
        ];
        let call = method_call(7, "org.x", "/p", "org.x.I", "M", &args);
        let (m, used) = read_message(&call).unwrap().unwrap();
        assert_eq!(used, call.len());
        assert_eq!(m.kind, 1);
        assert_eq!(m.signature, "sva{ss}o");
        let mut r = m.body("sva{ss}o").unwrap();
        assert_eq!(r.string().unwrap(), "plain");
        assert_eq!(r.variant().unwrap(), "s");
        assert_eq!(r.string().unwrap(), "");
        // The dictionary: its length, then 8-aligned entries.
        let len = r.u32().unwrap() as usize;
        r.align(8).unwrap();
        let end = r.at + len;
        let mut got = Vec::new();
        while r.at < end {
            r.align(8).unwrap();
            got.push((r.string().unwrap(), r.string().unwrap()));
        }
        assert_eq!(got, pairs);
        assert_eq!(r.string().unwrap(), "/a/b");
        assert!(m.body("s").is_err(), "another signature is refused");
    }

    /// A reply as a big-endian peer writes it: REPLY_SERIAL, SIGNATURE, and a `(oayays)` body.
    fn big_endian_secret_reply(serial: u32, value: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        let string = |b: &mut Vec<u8>, s: &[u8]| {
            while !b.len().is_multiple_of(4) {
                b.push(0);
            }
            b.extend_from_slice(&(s.len() as u32).to_be_bytes());
            b.extend_from_slice(s);
            b.push(0);
        };
        string(&mut body, b"/session/1");
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        body.extend_from_slice(&0u32.to_be_bytes());
        body.extend_from_slice(&(value.len() as u32).to_be_bytes());
        body.extend_from_slice(value);
        string(&mut body, b"text/plain");
        let mut fields = vec![5, 1, b'u', 0, 0, 0, 0, 0];
        fields[4..8].copy_from_slice(&serial.to_be_bytes());
        fields.extend_from_slice(&[8, 1, b'g', 0, 8]);
        fields.extend_from_slice(b"(oayays)\0");
        let mut m = vec![b'B', 2, 1, 1];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes());
        m.extend_from_slice(&9u32.to_be_bytes());
        m.extend_from_slice(&(fields.len() as u32).to_be_bytes());
        m.extend_from_slice(&fields);
        while !m.len().is_multiple_of(8) {
            m.push(0);
        }
        m.extend_from_slice(&body);
        m
    }

    #[test]
    fn a_big_endian_answer_is_read() {
        let bytes = big_endian_secret_reply(4, b"s3cret");
        let (m, used) = read_message(&bytes).unwrap().unwrap();
        assert_eq!((m.kind, m.reply_serial, used), (2, Some(4), bytes.len()));
        let mut r = m.body("(oayays)").unwrap();
        r.open_struct().unwrap();
        assert_eq!(r.string().unwrap(), "/session/1");
        assert_eq!(r.bytes().unwrap(), b"");
        assert_eq!(r.bytes().unwrap(), b"s3cret");
        assert_eq!(r.string().unwrap(), "text/plain");
    }

    #[test]
    fn incomplete_messages_wait_and_malformed_ones_fail() {
        let bytes = big_endian_secret_reply(4, b"s3cret");
        for cut in [0, 10, 16, 40, bytes.len() - 1] {
            assert!(read_message(&bytes[..cut]).unwrap().is_none(), "{cut}");
        }
        let mut wrong = bytes.clone();
        wrong[0] = b'x';
        assert_eq!(read_message(&wrong).err(), Some(Malformed));
        let mut huge = bytes.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(read_message(&huge).err(), Some(Malformed));
        // A body cut after the session and the empty parameters: the value is missing.
        let (m, _) = read_message(&bytes).unwrap().unwrap();
        let mut short = Reader {
            bytes: &m.body[..20],
            at: 0,
            big_endian: true,
        };
        assert_eq!(short.string(), Ok("/session/1"));
        assert_eq!(short.bytes(), Ok(&b""[..]));
        assert_eq!(short.bytes().err(), Some(Malformed));
        let mut cut = Reader {
            bytes: &m.body[..12],
            at: 0,
            big_endian: true,
        };
        assert_eq!(cut.string().err(), Some(Malformed));
    }
}
