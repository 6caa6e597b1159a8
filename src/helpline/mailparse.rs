//! A small, careful reader of the RFC 5322 messages the mail server drops in the line's
//! Maildir: unfolded headers, RFC 2047 encoded words, MIME multipart bodies (the first
//! text/plain part, or text/html stripped of its tags), quoted-printable and base64, and
//! the usual charsets. Anything it cannot make sense of is an error, never a panic.

/// What the line needs of a received message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from_name: Option<String>,
    pub from_address: String,
    pub subject: String,
    pub message_id: Option<String>,
    /// Message-IDs of In-Reply-To and References, `<…>` included.
    pub thread_ids: Vec<String>,
    pub body: String,
    /// An automatic message (out of office, delivery report): never answered.
    pub automatic: bool,
}

/// Largest message read (bigger ones are rejected).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
const MAX_DEPTH: usize = 5;

type Headers = Vec<(String, String)>;

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits a message or part into its raw headers and body.
fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    for (i, w) in raw.windows(2).enumerate() {
        if w == b"\n\n" {
            return (&raw[..i], &raw[i + 2..]);
        }
        if i + 4 <= raw.len() && &raw[i..i + 4] == b"\r\n\r\n" {
            return (&raw[..i], &raw[i + 4..]);
        }
    }
    (raw, &[])
}

/// Header lines, unfolded; raw 8-bit bytes read as UTF-8 or else Latin-1.
fn parse_headers(raw: &[u8]) -> Result<Headers, String> {
    let text = bytes_to_string(raw, None);
    let mut headers: Headers = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                None => return Err("ligne de continuation sans en-tête".into()),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("ligne d’en-tête illisible : {line:.60}"));
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("nom d’en-tête invalide : {name:.60}"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(headers)
}

fn bytes_to_string(bytes: &[u8], charset: Option<&str>) -> String {
    let label = charset.unwrap_or("utf-8").trim().to_ascii_lowercase();
    if matches!(label.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii")
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return text.to_owned();
    }
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
        .filter(|e| *e != encoding_rs::UTF_8 || std::str::from_utf8(bytes).is_ok())
        // Undeclared or wrongly declared 8-bit text is most often Windows-1252 in France.
        .unwrap_or(encoding_rs::WINDOWS_1252);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// `type/subtype` (lower case) and parameters of a Content-Type value.
fn content_type(value: Option<&str>) -> (String, Vec<(String, String)>) {
    let value = value.unwrap_or("text/plain; charset=us-ascii");
    let mut parts = split_params(value).into_iter();
    let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_owned(),
            ))
        })
        .collect();
    (mime, params)
}

/// Splits on `;` outside double quotes.
fn split_params(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.last_mut().expect("not empty").push(c);
            }
            ';' if !quoted => out.push(String::new()),
            _ => out.last_mut().expect("not empty").push(c),
        }
    }
    out
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'=' {
            // Soft line break.
            if input.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if input.get(i + 1) == Some(&b'\r') && input.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            let hex = input
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn decode_base64(input: &[u8]) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let compact: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
        .map_err(|e| format!("base64 illisible : {e}"))
}

/// Decodes RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`); whitespace
/// between two encoded words disappears.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match encoded_word(candidate) {
            Some((text, len)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &candidate[len..];
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and its length.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let text = &inner[..end];
    if text.contains(char::is_whitespace) {
        return None;
    }
    // RFC 2231 language suffix: utf-8*fr.
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = match encoding {
        "B" | "b" => decode_base64(text.as_bytes()).ok()?,
        "Q" | "q" => decode_quoted_printable(text.replace('_', " ").as_bytes()),
        _ => return None,
    };
    let consumed = 2 + s[2..].find('?')? + 1 + encoding.len() + 1 + end + 2;
    Some((bytes_to_string(&bytes, Some(charset)), consumed))
}

/// The readable text of a part (recursively for multiparts).
fn text_of(headers: &Headers, body: &[u8], depth: usize) -> Result<Option<String>, String> {
    if depth > MAX_DEPTH {
        return Err("imbrication MIME trop profonde".into());
    }
    let (mime, params) = content_type(header(headers, "Content-Type"));
    if mime.starts_with("multipart/") {
        let boundary = param(&params, "boundary").ok_or("multipart sans délimiteur")?;
        let parts = split_multipart(body, boundary)?;
        let mut html = None;
        for part in parts {
            let (h, b) = split(part);
            let h = parse_headers(h)?;
            let (part_mime, _) = content_type(header(&h, "Content-Type"));
            let disposition = header(&h, "Content-Disposition").unwrap_or("");
            if disposition.to_ascii_lowercase().starts_with("attachment") {
                continue;
            }
            if part_mime == "text/html" {
                if html.is_none() {
                    html = text_of(&h, b, depth + 1)?;
                }
                continue;
            }
            if let Some(text) = text_of(&h, b, depth + 1)? {
                return Ok(Some(text));
            }
        }
        return Ok(html);
    }
    if mime != "text/plain" && mime != "text/html" && !mime.is_empty() {
        return Ok(None);
    }
    let encoding = header(headers, "Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => decode_base64(body)?,
        _ => body.to_vec(),
    };
    let text = bytes_to_string(&bytes, param(&params, "charset"));
    let text = text.replace("\r\n", "\n");
    Ok(Some(if mime == "text/html" {
        strip_html(&text)
    } else {
        text
    }))
}

fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<&'a [u8]>, String> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    let mut closed = false;
    while pos <= body.len() {
        let end = body[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |i| pos + i);
        let line = &body[pos..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(delimiter.as_bytes()) {
            let tail = &line[delimiter.len()..];
            if let Some(s) = start {
                // The part ends before the line break preceding the delimiter.
                let mut e = pos.saturating_sub(1);
                if e > s && body.get(e - 1) == Some(&b'\r') {
                    e -= 1;
                }
                parts.push(&body[s..e.max(s)]);
            }
            if tail.starts_with(b"--") {
                closed = true;
                break;
            }
            start = Some((end + 1).min(body.len()));
        }
        pos = end + 1;
    }
    if parts.is_empty() && !closed {
        return Err("aucune partie MIME trouvée".into());
    }
    Ok(parts)
}

fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Name <address>` or `address`.
fn mailbox(value: &str) -> Option<(Option<String>, String)> {
    let decoded = decode_words(value);
    let (name, address) = match (decoded.rfind('<'), decoded.rfind('>')) {
        (Some(open), Some(close)) if open < close => (
            Some(decoded[..open].trim().trim_matches('"').trim().to_owned())
                .filter(|n| !n.is_empty()),
            decoded[open + 1..close].trim().to_owned(),
        ),
        _ => (None, decoded.trim().to_owned()),
    };
    let address = crate::types::EmailAddress::parse(&address).ok()?;
    Some((name, address.as_str().to_owned()))
}

fn message_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let id = &rest[open..open + close + 1];
        if id.len() > 2 && id.len() < 500 {
            ids.push(id.to_owned());
        }
        rest = &rest[open + close + 1..];
    }
    ids
}

/// Removes what the requester's mail program quoted from earlier messages.
pub fn strip_quoted(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let attribution = (t.starts_with("Le ")
            && (t.ends_with("a écrit :") || t.ends_with("a écrit:")))
            || (t.starts_with("On ") && t.ends_with("wrote:"))
            || t == "-----Original Message-----"
            || t == "-----Message d'origine-----";
        if attribution {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    kept.join("\n").trim().to_owned()
}

/// Reads a message; `Err` says in French why it cannot be taken in.
pub fn parse(raw: &[u8]) -> Result<ReceivedMail, String> {
    if raw.len() > MAX_BYTES {
        return Err("message trop volumineux".into());
    }
    let (head, body) = split(raw);
    let headers = parse_headers(head)?;
    if headers.is_empty() {
        return Err("aucun en-tête".into());
    }
    let from = header(&headers, "From").ok_or("pas d’expéditeur (From)")?;
    let (from_name, from_address) =
        mailbox(from).ok_or_else(|| format!("adresse d’expéditeur invalide : {from:.80}"))?;
    let subject = decode_words(header(&headers, "Subject").unwrap_or(""))
        .trim()
        .to_owned();
    let mut thread_ids = message_ids(header(&headers, "In-Reply-To").unwrap_or(""));
    thread_ids.extend(message_ids(header(&headers, "References").unwrap_or("")));
    let text = text_of(&headers, body, 0)?.unwrap_or_default();
    let auto = header(&headers, "Auto-Submitted").is_some_and(|v| !v.eq_ignore_ascii_case("no"))
        || header(&headers, "X-Autoreply").is_some()
        || header(&headers, "Precedence").is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "bulk" | "junk" | "auto_reply"
            )
        });
    Ok(ReceivedMail {
        from_name,
        from_address,
        subject,
        message_id: message_ids(header(&headers, "Message-ID").unwrap_or(""))
            .into_iter()
            .next(),
        thread_ids,
        body: text.trim().to_owned(),
        automatic: auto,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_message() {
        let raw = "From: =?utf-8?q?L=C3=A9a_Morvan?= <Lea.Morvan@Exemple.fr>\r\n\
                   To: capinfo@passerelle.test\r\n\
                   Subject: =?utf-8?B?UXVlbGxlIGZvcm1hdGlvbiA/?=\r\n =?utf-8?B?IEFwcHJlbnRpc3NhZ2U=?=\r\n\
                   Message-ID: <abc@exemple.fr>\r\n\
                   Content-Type: text/plain; charset=utf-8\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\
                   \r\n\
                   Bonjour, je voudrais entrer en formation =C3=A0 Rennes.=\r\n Merci.\r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(mail.from_name.as_deref(), Some("Léa Morvan"));
        assert_eq!(mail.from_address, "lea.morvan@exemple.fr");
        assert_eq!(mail.subject, "Quelle formation ? Apprentissage");
        assert_eq!(mail.message_id.as_deref(), Some("<abc@exemple.fr>"));
        assert_eq!(
            mail.body,
            "Bonjour, je voudrais entrer en formation à Rennes. Merci."
        );
        assert!(!mail.automatic);
    }

    #[test]
    fn multipart_latin1_and_thread() {
        let raw = b"From: yann@exemple.fr\n\
Subject: =?iso-8859-1?Q?Re=A0:_[CAP-1A2B3C4D]_R=E9ponse?=\n\
In-Reply-To: <m1@passerelle>\n\
References: <a@exemple.fr>\n <m1@passerelle>\n\
MIME-Version: 1.0\n\
Content-Type: multipart/alternative; boundary=\"b1\"\n\
\n\
preamble\n\
--b1\n\
Content-Type: text/html; charset=utf-8\n\
\n\
<p>HTML</p>\n\
--b1\n\
Content-Type: text/plain; charset=iso-8859-1\n\
Content-Transfer-Encoding: base64\n\
\n\
TWVyY2kgYmVhdWNvdXAgIQo+IHF1b3Tp\n\
--b1--\n";
        let mail = parse(raw).unwrap();
        assert_eq!(mail.subject, "Re\u{a0}: [CAP-1A2B3C4D] Réponse");
        assert_eq!(
            mail.thread_ids,
            vec!["<m1@passerelle>", "<a@exemple.fr>", "<m1@passerelle>"]
        );
        assert_eq!(mail.body, "Merci beaucoup !\n> quoté");
        assert_eq!(strip_quoted(&mail.body), "Merci beaucoup !");
    }

    #[test]
    fn html_only_and_auto_replies() {
        let raw = "From: a@exemple.fr\nAuto-Submitted: auto-replied\nContent-Type: text/html\n\n<p>Je suis absent&nbsp;jusqu&#39;au 3.</p>";
        let mail = parse(raw.as_bytes()).unwrap();
        assert!(mail.automatic);
        assert_eq!(mail.body, "Je suis absent jusqu'au 3.");
    }

    #[test]
    fn malformed_messages_are_errors() {
        for raw in [
            &b""[..],
            b"this is not a mail",
            b"Subject: no sender\n\nbody",
            b"From: not an address\n\nbody",
            b" continuation first\nFrom: a@b.fr\n\nx",
            b"From: a@b.fr\nContent-Type: multipart/mixed\n\nno boundary",
            b"From: a@b.fr\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n@@@###",
            &[0xff, 0xfe, 0x00, 0x01, b'\n', b'\n'],
        ] {
            assert!(parse(raw).is_err(), "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn quoted_reply_is_trimmed() {
        let text = "Merci, c’est clair.\n\nLe 22/11/2026 à 10:00, Cap Info a écrit :\n> Bonjour";
        assert_eq!(strip_quoted(text), "Merci, c’est clair.");
        assert_eq!(decode_words("pas =?encodé"), "pas =?encodé");
        assert_eq!(decode_words("=?utf-8?q?a?= =?utf-8?q?b?= c"), "ab c");
    }
}
