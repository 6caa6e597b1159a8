//! Reads the RFC 5322 messages the mail server drops in the line's Maildir with the
//! `mail-parser` crate (MIME multipart, RFC 2047 encoded words, quoted-printable, base64,
//! charsets) and keeps what the line needs: sender, subject, thread ids and the readable
//! text (the first text/plain part, or text/html stripped of its tags). On top of the
//! crate, which makes the best of anything, the line keeps its stricter rules: a malformed
//! header block, a multipart without parts or an undecodable text part is an error (the
//! message goes to `rejected/`), never a panic; undeclared 8-bit text is Windows-1252.

use std::borrow::Cow;

use encoding_rs::WINDOWS_1252;
use mail_parser::decoders::html::html_to_text;
use mail_parser::{
    Encoding, Header, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};

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

/// Length of the header block: up to the first empty line (or the whole message).
fn header_len(raw: &[u8]) -> usize {
    let mut pos = 0;
    while pos < raw.len() {
        let end = raw[pos..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(raw.len(), |i| pos + i);
        let line = &raw[pos..end];
        if line.is_empty() || line == b"\r" {
            return pos;
        }
        pos = end + 1;
    }
    raw.len()
}

/// Every header line is `Name: value` or the continuation of one (mail-parser would
/// silently skip anything else, and take a text that is no mail for one).
fn check_header_lines(head: &str) -> Result<(), String> {
    let mut seen = false;
    for line in head.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if !seen {
                return Err("ligne de continuation sans en-tête".into());
            }
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return Err(format!("ligne d’en-tête illisible : {line:.60}"));
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("nom d’en-tête invalide : {name:.60}"));
        }
        seen = true;
    }
    if seen {
        Ok(())
    } else {
        Err("aucun en-tête".into())
    }
}

/// The message with a checked header block in UTF-8: raw 8-bit header bytes that are not
/// UTF-8 are read as Windows-1252 (mail-parser would turn them into U+FFFD). A message
/// without body gets its empty line (mail-parser drops an unterminated last header).
fn with_utf8_headers(raw: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let head = &raw[..header_len(raw)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(head).0,
    };
    check_header_lines(&text)?;
    if matches!(text, Cow::Borrowed(_)) && head.len() < raw.len() {
        return Ok(Cow::Borrowed(raw));
    }
    let mut bytes = text.into_owned().into_bytes();
    bytes.extend_from_slice(&raw[head.len()..]);
    if head.len() == raw.len() {
        bytes.extend_from_slice(b"\r\n\r\n");
    }
    Ok(Cow::Owned(bytes))
}

/// The first header of that name (mail-parser's own accessors take the last one).
fn first_header<'a, 'x>(message: &'a Message<'x>, name: HeaderName<'_>) -> Option<&'a Header<'x>> {
    message.headers().iter().find(|h| h.name == name)
}

/// The raw (unfolded-as-is, trimmed) value of the first header of that name.
fn raw_header<'a>(message: &'a Message<'_>, name: &str) -> Option<&'a str> {
    let header = first_header(message, HeaderName::from(name))?;
    message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .map(str::trim)
}

/// Message-IDs of a parsed id header, given back with their `<…>`.
fn message_ids(value: Option<&HeaderValue<'_>>) -> Vec<String> {
    let ids: Vec<&str> = match value {
        Some(HeaderValue::Text(id)) => vec![id.as_ref()],
        Some(HeaderValue::TextList(ids)) => ids.iter().map(|id| id.as_ref()).collect(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .filter(|id| !id.is_empty() && id.len() < 498)
        .map(|id| format!("<{id}>"))
        .collect()
}

fn ids_of(message: &Message<'_>, name: HeaderName<'_>) -> Vec<String> {
    message_ids(first_header(message, name).map(|h| &h.value))
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"))
}

fn is_text_part(part: &MessagePart<'_>) -> bool {
    part.content_type().is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("plain") || s.eq_ignore_ascii_case("html"))
    })
}

/// What mail-parser recovered from but the line does not take in: a multipart without
/// delimiter or parts, a text part whose declared transfer encoding cannot be decoded.
fn check_parts(message: &Message<'_>) -> Result<(), String> {
    for part in &message.parts {
        if let Some(ct) = part.content_type()
            && ct.ctype().eq_ignore_ascii_case("multipart")
            && !matches!(part.body, PartType::Multipart(_))
        {
            return Err(match ct.attribute("boundary") {
                Some(_) => "aucune partie MIME trouvée".into(),
                None => "multipart sans délimiteur".into(),
            });
        }
        let declared = part
            .content_transfer_encoding()
            .map(|e| e.trim().to_ascii_lowercase());
        if part.is_encoding_problem
            && matches!(declared.as_deref(), Some("base64" | "quoted-printable"))
            && is_text_part(part)
            && !is_attachment(part)
        {
            return Err(format!(
                "partie de texte illisible ({})",
                declared.unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// A part whose charset is missing, UTF-8 or unknown but whose bytes were not UTF-8 is
/// read again as Windows-1252, as undeclared 8-bit text most often is in France.
fn undeclared_8bit_text(message: &Message<'_>, part: &MessagePart<'_>) -> Option<String> {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(|c| c.trim().to_ascii_lowercase());
    let utf8_or_unknown = charset.as_deref().is_none_or(|c| {
        matches!(c, "utf-8" | "utf8") || encoding_rs::Encoding::for_label(c.as_bytes()).is_none()
    });
    if !utf8_or_unknown {
        return None;
    }
    let body = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)?;
    let transfer = match part.encoding {
        Encoding::QuotedPrintable => "quoted-printable",
        Encoding::Base64 => "base64",
        Encoding::None => "8bit",
    };
    let mut single = format!(
        "Content-Type: text/plain; charset=windows-1252\r\n\
         Content-Transfer-Encoding: {transfer}\r\n\r\n"
    )
    .into_bytes();
    single.extend_from_slice(body);
    match &MessageParser::default().parse(&single)?.parts.first()?.body {
        PartType::Text(text) => Some(text.clone().into_owned()),
        _ => None,
    }
}

/// Tags removed, entities decoded, blanks collapsed line by line.
fn strip_html(html: &str) -> String {
    html_to_text(html)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The readable text: the first text/plain body part, else the first text/html one.
fn body_text(message: &Message<'_>) -> String {
    let chosen = message
        .text_bodies()
        .find(|p| matches!(p.body, PartType::Text(_)) && is_text_part(p))
        .or_else(|| {
            message
                .html_bodies()
                .chain(message.text_bodies())
                .find(|p| matches!(p.body, PartType::Html(_)))
        });
    let Some(part) = chosen else {
        return String::new();
    };
    let (text, html) = match &part.body {
        PartType::Text(text) => (text.as_ref(), false),
        PartType::Html(html) => (html.as_ref(), true),
        _ => return String::new(),
    };
    let text = match text.contains('\u{fffd}') {
        true => undeclared_8bit_text(message, part).map_or(Cow::Borrowed(text), Cow::Owned),
        false => Cow::Borrowed(text),
    };
    let text = text.replace("\r\n", "\n");
    if html { strip_html(&text) } else { text }
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
    let raw = with_utf8_headers(raw)?;
    let message = MessageParser::default()
        .parse(raw.as_ref())
        .filter(|m| !m.parts.is_empty() && !m.headers().is_empty())
        .ok_or("aucun en-tête")?;
    let from = first_header(&message, HeaderName::From).ok_or("pas d’expéditeur (From)")?;
    let sender = from.value.as_address().and_then(|a| a.first());
    let from_address = sender
        .and_then(|a| a.address.as_deref())
        .and_then(|a| crate::types::EmailAddress::parse(a).ok())
        .ok_or_else(|| {
            let raw = raw_header(&message, "From").unwrap_or_default();
            format!("adresse d’expéditeur invalide : {raw:.80}")
        })?;
    let from_name = sender
        .and_then(|a| a.name.as_deref())
        .map(|n| n.trim().trim_matches('"').trim().to_owned())
        .filter(|n| !n.is_empty());
    let subject = first_header(&message, HeaderName::Subject)
        .and_then(|h| h.value.as_text())
        .unwrap_or("")
        .trim()
        .to_owned();
    let mut thread_ids = ids_of(&message, HeaderName::InReplyTo);
    thread_ids.extend(ids_of(&message, HeaderName::References));
    check_parts(&message)?;
    let body = body_text(&message);
    let automatic = raw_header(&message, "Auto-Submitted")
        .is_some_and(|v| !v.eq_ignore_ascii_case("no"))
        || raw_header(&message, "X-Autoreply").is_some()
        || raw_header(&message, "Precedence").is_some_and(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "bulk" | "junk" | "auto_reply"
            )
        });
    Ok(ReceivedMail {
        from_name,
        from_address: from_address.as_str().to_owned(),
        subject,
        message_id: ids_of(&message, HeaderName::MessageId).into_iter().next(),
        thread_ids,
        body: body.trim().to_owned(),
        automatic,
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
            b"From: a@b.fr\nContent-Type: multipart/mixed; boundary=x\n\nno part",
            b"From: a@b.fr\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n@@@###",
            &[0xff, 0xfe, 0x00, 0x01, b'\n', b'\n'],
        ] {
            assert!(parse(raw).is_err(), "{:?}", String::from_utf8_lossy(raw));
        }
        // Headers only, no body: a message all the same.
        let mail = parse(b"From: a@b.fr\r\nSubject: vide").unwrap();
        assert_eq!((mail.subject.as_str(), mail.body.as_str()), ("vide", ""));
    }

    #[test]
    fn quoted_reply_is_trimmed() {
        let text = "Merci, c’est clair.\n\nLe 22/11/2026 à 10:00, Cap Info a écrit :\n> Bonjour";
        assert_eq!(strip_quoted(text), "Merci, c’est clair.");
    }

    fn subject_of(subject: &str) -> String {
        parse(format!("From: a@exemple.fr\nSubject: {subject}\n\nx").as_bytes())
            .unwrap()
            .subject
    }

    #[test]
    fn encoded_words_in_subject() {
        assert_eq!(subject_of("pas =?encodé"), "pas =?encodé");
        assert_eq!(subject_of("=?utf-8?q?a?= =?utf-8?q?b?= c"), "ab c");
        // ISO-8859-1, Q and B encodings.
        assert_eq!(
            subject_of("=?ISO-8859-1?Q?Demande_d'=E9tude_=E0_No=EBl?="),
            "Demande d'étude à Noël"
        );
        assert_eq!(
            subject_of("=?iso-8859-1?B?UulpbnNjcmlwdGlvbiDgIGxhIGZvcm1hdGlvbg==?="),
            "Réinscription à la formation"
        );
        // Raw 8-bit Latin-1 in a header is read as Windows-1252.
        let raw = b"From: a@exemple.fr\nSubject: Caf\xe9 \x80 2\n\nx";
        assert_eq!(parse(raw).unwrap().subject, "Café € 2");
    }

    #[test]
    fn windows_1252_bodies() {
        let raw = b"From: =?windows-1252?Q?Ma=EFwenn_L=E9on?= <maiwenn@exemple.fr>\r\n\
Subject: Co\xfbt\r\n\
Content-Type: text/plain; charset=windows-1252\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Le co=FBt est de 1=A0200 =80, =93 tout compris =94=85 pour l=92ann=E9e.=\r\n\
\r\n";
        let mail = parse(raw).unwrap();
        assert_eq!(mail.from_name.as_deref(), Some("Maïwenn Léon"));
        assert_eq!(mail.subject, "Coût");
        assert_eq!(
            mail.body,
            "Le coût est de 1\u{a0}200 €, “ tout compris ”… pour l’année."
        );
        // Undeclared (or wrongly declared) 8-bit text is Windows-1252 too.
        for content_type in ["", "Content-Type: text/plain; charset=utf-8\n"] {
            let mut raw = format!("From: a@exemple.fr\n{content_type}\n").into_bytes();
            raw.extend_from_slice(b"Tr\xe8s \xe9t\xe9");
            assert_eq!(parse(&raw).unwrap().body, "Très été", "{content_type}");
        }
    }

    #[test]
    fn attachments_and_nesting() {
        let raw = b"From: a@exemple.fr\n\
Content-Type: multipart/mixed; boundary=out\n\
\n\
--out\n\
Content-Type: text/plain; name=cv.txt\n\
Content-Disposition: attachment; filename=cv.txt\n\
\n\
Pi\xe8ce jointe\n\
--out\n\
Content-Type: multipart/alternative; boundary=in\n\
\n\
--in\n\
Content-Type: text/html; charset=utf-8\n\
\n\
<html><head><style>p {}</style></head><body><p>Bonjour&nbsp;!</p><p>Une &lt;question&gt;</p></body></html>\n\
--in--\n\
--out\n\
Content-Type: image/png\n\
Content-Transfer-Encoding: base64\n\
\n\
@@@ broken but not text\n\
--out--\n";
        let mail = parse(raw).unwrap();
        assert_eq!(mail.body, "Bonjour !\nUne <question>");
        assert!(mail.message_id.is_none() && mail.thread_ids.is_empty());
    }
}
