//! LHÉO reader and writer.
//!
//! [`parse`] reads a whole LHÉO file (2.3, 2.2 or `lheo-index`) in any declared encoding. Problems
//! with the file itself (not XML, malformed, wrong root or namespace, no offers) reject it as a
//! whole ([`LheoError`]); a training with problems is rejected with all its reasons, in French, and
//! the others are still returned. The reader streams the document and builds a small tree for one
//! `formation` at a time, so memory follows the largest training, not the file.
//!
//! [`write`] produces LHÉO 2.3 in UTF-8 that validates against the schema for any [`Training`]
//! the reader can produce: the reader refuses values the schema would refuse (lengths, codes,
//! counts), so that an export never fails validation because of an import. `parse(write(x))`
//! gives `x` back.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::encoding::DetectedEncoding;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use serde::Serialize;

use super::model::{
    Action, Address, Contact, Funding, LheoDate, RecruitmentState, ResponsibleOrganisation,
    Session, Training,
};

/// Namespace of LHÉO 2.3 (the one the writer uses).
pub const NAMESPACE_2_3: &str = "http://lheo.gouv.fr/2.3";
/// Namespace of LHÉO 2.2, still produced by many publishers.
pub const NAMESPACE_2_2: &str = "http://www.lheo.org/2.2";
/// Namespace of the Mon Compte Formation catalogue (the Caisse des dépôts' format for the
/// offers of training centres).
///
/// Its schema is not published with the LHÉO ones; what the reader assumes: the document is
/// LHÉO (`lheo` → `offres` → `formation` → `action` → `session`) with every element in this
/// namespace instead of LHÉO's, plus extension elements of its own beside the LHÉO ones.
/// An element of this namespace whose name LHÉO 2.3 declares ([`LHEO_ELEMENTS`]) is read as
/// that LHÉO element, with LHÉO's rules; any other one is an extension, kept whole in the
/// `extras` of the training, action or session it appears in (`extras info="moncompteformation"`,
/// see [`EXTRA_MCF`]), so that nothing the file says is lost and the export stays valid LHÉO.
pub const NAMESPACE_MCF: &str = "https://www.of.moncompteformation.gouv.fr";

/// Every element name the LHÉO 2.3 schema declares (`xs:element name`), sorted: in a Mon
/// Compte Formation file, these are read as LHÉO, the others are its extensions.
pub const LHEO_ELEMENTS: &[&str] = &[
    "SIRET",
    "SIRET-formateur",
    "SIRET-lieu-formation",
    "SIRET-organisme-formation",
    "a-distance",
    "acces-handicapes",
    "action",
    "adresse",
    "adresse-information",
    "adresse-inscription",
    "alternance",
    "annee-cycle",
    "bloc-competences",
    "blocs-competences",
    "capacite-cumulee",
    "capacite-simultanee",
    "certifiante",
    "certification",
    "civilite",
    "code-CERTIFINFO",
    "code-CPF",
    "code-ELU",
    "code-FORMACODE",
    "code-INSEE-canton",
    "code-INSEE-commune",
    "code-NSF",
    "code-RNCP",
    "code-ROME",
    "code-RS",
    "code-UAI",
    "code-UAI-formateur",
    "code-UAI-lieu-formation",
    "code-UAI-organisme-formation",
    "code-bloc",
    "code-financeur",
    "code-modalite-pedagogique",
    "code-niveau-entree",
    "code-niveau-sortie",
    "code-perimetre-recrutement",
    "code-public-vise",
    "code-type-formation",
    "codepostal",
    "commentaire",
    "conditions-specifiques",
    "contact-formateur",
    "contact-formation",
    "contact-formation-resume",
    "contact-organisme",
    "contact-session",
    "contenu-formation",
    "conventionnement",
    "coordonnees",
    "coordonnees-organisme",
    "courriel",
    "cout-indicatif-equipement",
    "cycle",
    "date",
    "date-information",
    "debut",
    "denomination",
    "departement",
    "detail-conditions-prise-en-charge",
    "domaine-formation",
    "duree-conventionnee",
    "duree-cycle",
    "duree-indicative",
    "effectif-minimal",
    "enseignement",
    "equipement",
    "etat-recrutement",
    "extra",
    "extras",
    "fax",
    "fin",
    "formation",
    "frais-restants",
    "geolocalisation",
    "hebergement",
    "heure-debut",
    "heure-fin",
    "identifiant-module",
    "info-public-vise",
    "infos-perimetre-recrutement",
    "intitule-formation",
    "langue-formation",
    "latitude",
    "lheo",
    "lheo-index",
    "lheo-plus",
    "libelle-bloc",
    "libelle-enseignement",
    "lieu-de-formation",
    "ligne",
    "longitude",
    "modalite-recrutement",
    "modalites-alternance",
    "modalites-enseignement",
    "modalites-entrees-sorties",
    "modalites-inscription",
    "modalites-pedagogiques",
    "modalites-recrutement",
    "modules-prerequis",
    "nb-places",
    "nb-places-financees",
    "niveau-entree-obligatoire",
    "nom",
    "nom-organisme",
    "nombre-heures-centre",
    "nombre-heures-entreprise",
    "nombre-heures-total",
    "numero-activite",
    "numtel",
    "objectif-formation",
    "objectif-general-formation",
    "obligatoire",
    "offres",
    "organisme-financeur",
    "organisme-formateur",
    "organisme-formation-responsable",
    "parcours-de-formation",
    "pays",
    "periode",
    "periode-inscription",
    "portable",
    "positionnement",
    "potentiel",
    "prenom",
    "prise-en-charge-frais-possible",
    "prix-horaire-TTC",
    "prix-total-TTC",
    "raison-sociale",
    "raison-sociale-formateur",
    "recrutement",
    "reference-certification",
    "reference-code-CERTIFINFO",
    "reference-code-FORMACODE",
    "reference-code-RNCP",
    "reference-code-RS",
    "reference-module",
    "region",
    "renseignements-specifiques",
    "restauration",
    "resultats-attendus",
    "resume-offre",
    "resume-organisme",
    "resumes-offres",
    "resumes-organismes",
    "rythme-alternance",
    "rythme-formation",
    "session",
    "sous-module",
    "sous-modules",
    "telfixe",
    "transport",
    "type-alternance",
    "type-contact",
    "type-cycle",
    "type-enseignement",
    "type-equipement",
    "type-module",
    "unite-rythme-alternance",
    "unites-centre",
    "unites-entreprise",
    "url-action",
    "url-formation",
    "url-session",
    "urlweb",
    "validation-blocs",
    "ville",
    "web",
];

/// `@info` of the `extras` block holding a Mon Compte Formation file's extension elements.
pub const EXTRA_MCF: &str = "moncompteformation";

/// `extra` of a session holding its number of places.
const EXTRA_PLACES: &str = "nb-places";
/// `extra` of an action telling that applying needs a prescriber.
const EXTRA_PRESCRIPTION: &str = "prescription-obligatoire";

/// Most levels of nested elements a file may have, the root included. A real LHÉO file has
/// about ten (`lheo/offres/formation/action/session/adresse-inscription/adresse/…`, a few more
/// inside `extras`); the limit keeps every walk of the tree (reading, writing extras, dropping
/// it) far from the end of the stack, whatever a partner sends.
pub const MAX_DEPTH: usize = 100;

// ------------------------------------------------------------------------------------------------
// Public types
// ------------------------------------------------------------------------------------------------

/// Which kind of LHÉO file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LheoVersion {
    /// `lheo` in `http://lheo.gouv.fr/2.3`.
    V2_3,
    /// `lheo` in `http://www.lheo.org/2.2`.
    V2_2,
    /// `lheo-index` (summaries of offers), in either namespace.
    Index,
    /// `lheo` in the Mon Compte Formation namespace ([`NAMESPACE_MCF`]): LHÉO with extensions.
    MonCompteFormation,
}

/// What [`parse`] found in a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parsed {
    pub version: LheoVersion,
    /// One entry per `formation` (empty for an index).
    pub trainings: Vec<ParsedTraining>,
    /// One entry per `resume-offre` (empty unless the file is an index).
    pub summaries: Vec<Summary>,
}

impl Parsed {
    /// The trainings that were read without problem.
    pub fn accepted(&self) -> impl Iterator<Item = &Training> {
        self.trainings.iter().filter_map(|t| t.result.as_ref().ok())
    }

    /// The trainings that were rejected, with their reasons.
    pub fn rejected(&self) -> impl Iterator<Item = &ParsedTraining> {
        self.trainings.iter().filter(|t| t.result.is_err())
    }
}

/// One `formation` of the file, read or rejected.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParsedTraining {
    /// 1-based index of the `formation` in the file.
    pub position: usize,
    /// Line of the `<formation>` start tag.
    pub line: usize,
    /// `@numero`, when present (even if the training is rejected).
    pub numero: Option<String>,
    /// `intitule-formation`, when present (even if the training is rejected).
    pub title: Option<String>,
    /// The training, or every reason (in French) why it was rejected.
    pub result: Result<Training, Vec<String>>,
}

/// One `resume-offre` of an `lheo-index` file: a lightweight summary of an offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// 1-based index of the `resume-offre` in the file.
    pub position: usize,
    /// Line of the `<resume-offre>` start tag.
    pub line: usize,
    /// `@numero`: the training's identifier.
    pub numero: Option<String>,
    /// `@href`: where the full offer can be fetched.
    pub href: Option<String>,
    /// `@datemaj`: last update.
    pub updated: Option<LheoDate>,
    /// `@datecrea`: creation.
    pub created: Option<LheoDate>,
    /// `intitule-formation`.
    pub title: Option<String>,
    /// `nom-organisme`.
    pub organisation_name: Option<String>,
    /// `SIRET` of the responsible organisation.
    pub siret: Option<String>,
    pub postcode: Option<String>,
    /// `code-INSEE-commune`.
    pub insee: Option<String>,
    pub city: Option<String>,
    pub department: Option<String>,
    /// `domaine-formation/code-FORMACODE`.
    pub formacode_codes: Vec<String>,
    /// `domaine-formation/code-ROME`.
    pub rome_codes: Vec<String>,
    pub certifying: Option<bool>,
    pub entry_level: Option<i32>,
    pub hours_total: Option<i32>,
    /// `certification/code-RNCP`.
    pub rncp_codes: Vec<String>,
    pub sessions: Vec<SummarySession>,
    /// Values that could not be read (in French); the summary is kept anyway.
    pub problems: Vec<String>,
}

/// A `session` of a `resume-offre`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummarySession {
    pub numero: Option<String>,
    pub start: Option<LheoDate>,
    pub end: Option<LheoDate>,
    pub recruitment: Option<RecruitmentState>,
}

/// Why a whole file cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LheoError {
    #[error("Le fichier est vide.")]
    Empty,
    #[error(
        "Le fichier contient des données binaires : ce n’est pas un fichier XML LHÉO (vérifiez qu’il ne s’agit pas d’une archive, d’un PDF ou d’un tableur)."
    )]
    Binary,
    #[error("Le fichier n’est pas un document XML : il devrait commencer par « <?xml » ou « < ».")]
    NotXml,
    #[error("Encodage « {0} » inconnu dans la déclaration XML.")]
    UnknownEncoding(String),
    #[error(
        "Le fichier contient des caractères invalides pour l’encodage {encoding} (ligne {line}) : précisez le bon encodage dans la déclaration XML, par exemple <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>."
    )]
    Encoding { encoding: String, line: usize },
    #[error("XML mal formé, ligne {line} : {message}.")]
    Malformed { line: usize, message: String },
    #[error(
        "Élément racine « {found} » inattendu : un fichier LHÉO commence par « lheo » (ou « lheo-index »)."
    )]
    WrongRoot { found: String },
    #[error("{}", wrong_namespace_message(.found.as_deref()))]
    WrongNamespace { found: Option<String> },
    #[error("Le fichier ne contient pas d’élément « {expected} » : aucune offre à lire.")]
    NoOffers { expected: &'static str },
    #[error(
        "Éléments imbriqués trop profondément, ligne {line} : plus de {max} niveaux. Un fichier LHÉO n’en compte qu’une dizaine ; vérifiez le logiciel qui a produit ce fichier."
    )]
    TooDeep { line: usize, max: usize },
}

fn wrong_namespace_message(found: Option<&str>) -> String {
    let accepted = format!(
        "espaces de noms acceptés : « {NAMESPACE_2_3} » (LHÉO 2.3), « {NAMESPACE_2_2} » (LHÉO 2.2) et « {NAMESPACE_MCF} » (catalogue Mon Compte Formation)"
    );
    match found {
        Some(ns) => {
            format!("Espace de noms « {ns} » non reconnu pour l’élément racine ; {accepted}.")
        }
        None => format!("L’élément racine n’a pas d’espace de noms ; {accepted}."),
    }
}

// ------------------------------------------------------------------------------------------------
// Decoding
// ------------------------------------------------------------------------------------------------

/// Turns the bytes into text, after the BOM and the XML declaration.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, LheoError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(LheoError::Empty);
    }
    let bytes = match quick_xml::encoding::detect_encoding(bytes) {
        Some(
            detected @ (DetectedEncoding::Utf16LeBom
            | DetectedEncoding::Utf16BeBom
            | DetectedEncoding::Utf16LeLike
            | DetectedEncoding::Utf16BeLike),
        ) => {
            let bom = matches!(
                detected,
                DetectedEncoding::Utf16LeBom | DetectedEncoding::Utf16BeBom
            );
            let encoding = detected.encoding();
            let body = if bom { &bytes[2..] } else { bytes };
            let Ok(text) = quick_xml::encoding::decode(body, encoding) else {
                return Err(LheoError::Binary);
            };
            check_start(text.as_bytes())?;
            return Ok(Cow::Owned(text.into_owned()));
        }
        Some(DetectedEncoding::Utf8Bom) => &bytes[3..],
        _ => bytes,
    };
    check_start(bytes)?;
    if let Some(text) = decode_declared(bytes)? {
        return Ok(text);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(error) => Err(LheoError::Encoding {
            encoding: "UTF-8".into(),
            line: 1 + count_newlines(&bytes[..error.valid_up_to()]),
        }),
    }
}

/// An XML document starts with `<`, after blanks; binary data betrays itself sooner.
fn check_start(bytes: &[u8]) -> Result<(), LheoError> {
    if looks_binary(bytes) {
        return Err(LheoError::Binary);
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'<') {
        return Err(LheoError::NotXml);
    }
    Ok(())
}

/// A NUL byte, or more than a few control characters that XML text cannot hold, at the start
/// of the file betray binary data (a stray one in a text is only dropped).
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    head.contains(&0)
        || head
            .iter()
            .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            .count()
            > 8
}

/// The text decoded with the encoding the XML declaration names, when it names one other than
/// UTF-8 (ISO-8859-1 and windows-1252 are common).
fn decode_declared(bytes: &[u8]) -> Result<Option<Cow<'_, str>>, LheoError> {
    if !bytes.starts_with(b"<?xml") {
        return Ok(None);
    }
    let Some(end) = bytes.iter().take(1024).position(|&b| b == b'>') else {
        return Ok(None);
    };
    let Ok(declaration) = std::str::from_utf8(&bytes[..=end]) else {
        return Ok(None);
    };
    let mut reader = quick_xml::Reader::from_str(declaration);
    let Ok(Event::Decl(decl)) = reader.read_event() else {
        return Ok(None);
    };
    let Some(Ok(label)) = decl.encoding() else {
        return Ok(None);
    };
    let Some(encoding) = decl.encoder() else {
        return Err(LheoError::UnknownEncoding(label.trim().to_string()));
    };
    // Without a BOM the file starts with "<?xml" in ASCII: a UTF-16 label is wrong, read UTF-8.
    if encoding.name() == "UTF-8" || encoding.name().starts_with("UTF-16") {
        return Ok(None);
    }
    match quick_xml::encoding::decode(bytes, encoding) {
        Ok(text) => Ok(Some(text)),
        Err(_) => Err(LheoError::Encoding {
            encoding: label.trim().to_string(),
            line: 1,
        }),
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Line numbers of byte offsets, counted once as the reader moves forward.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: u64) -> usize {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if offset < self.offset {
            return 1 + count_newlines(&self.bytes[..offset]);
        }
        self.line += count_newlines(&self.bytes[self.offset..offset]);
        self.offset = offset;
        self.line
    }
}

// ------------------------------------------------------------------------------------------------
// A small tree for one `formation` (or `resume-offre`) at a time
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Element {
    /// Local name.
    name: String,
    /// `None` for LHÉO elements (2.3, 2.2, or no namespace); the namespace otherwise.
    ns: Option<String>,
    attrs: Vec<Attr>,
    children: Vec<Node>,
}

#[derive(Clone, Debug)]
struct Attr {
    /// `(prefix, namespace)` of a prefixed attribute.
    prefix: Option<(String, String)>,
    name: String,
    value: String,
}

#[derive(Clone, Debug)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn is(&self, name: &str) -> bool {
        self.ns.is_none() && self.name == name
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children(name).next()
    }

    fn children<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter_map(move |node| match node {
            Node::Element(e) if e.is(name) => Some(e),
            _ => None,
        })
    }

    /// The element's own text, trimmed.
    fn text(&self) -> String {
        let mut text = String::new();
        for node in &self.children {
            if let Node::Text(t) = node {
                text.push_str(t);
            }
        }
        let trimmed = text.trim();
        if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_string()
        }
    }

    /// An unprefixed attribute, trimmed; `None` when absent or blank.
    fn attr(&self, name: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|a| a.prefix.is_none() && a.name == name)
            .map(|a| a.value.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let clean = clean_chars(text);
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(&clean);
        } else {
            self.children.push(Node::Text(clean.into_owned()));
        }
    }
}

/// Drops the characters XML 1.0 forbids (they can only come from character references).
fn clean_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// An element being collected: its tree, and where it started.
struct Capture {
    stack: Vec<Element>,
    line: usize,
}

// ------------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------------

/// Reads a whole LHÉO file (2.3, 2.2, or `lheo-index`), in the encoding its declaration names.
pub fn parse(bytes: &[u8]) -> Result<Parsed, LheoError> {
    let text = decode(bytes)?;
    let text: &str = &text;
    let mut reader = NsReader::from_str(text);
    let mut walk = Walk {
        lines: Lines::new(text),
        version: None,
        root_done: false,
        depth: 0,
        open: Vec::new(),
        in_container: false,
        container_seen: false,
        capture: None,
        trainings: Vec::new(),
        sirets: Vec::new(),
        summaries: Vec::new(),
    };
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                let offset = reader.error_position();
                return Err(walk.malformed(offset, french_xml_error(&error)));
            }
        };
        match event {
            Event::Start(start) => walk.open(&reader, &start, false, before)?,
            Event::Empty(start) => walk.open(&reader, &start, true, before)?,
            Event::End(_) => walk.close(),
            Event::Text(text) => walk.text(&text.xml10_content(), before)?,
            Event::CData(data) => walk.text(&data.xml10_content(), before)?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match predefined_entity(&reference) {
                        Some(text) => text.to_string(),
                        None => {
                            let message = format!("entité « &{}; » inconnue", &*reference);
                            return Err(walk.malformed(before, message));
                        }
                    },
                    Err(_) => {
                        let message =
                            format!("référence de caractère « &{}; » invalide", &*reference);
                        return Err(walk.malformed(before, message));
                    }
                };
                walk.text(&resolved, before)?;
            }
            Event::Eof => {
                if walk.depth > 0 {
                    let name = walk
                        .capture
                        .as_ref()
                        .and_then(|c| c.stack.last())
                        .map(|e| e.name.clone())
                        .or_else(|| walk.open.last().cloned())
                        .unwrap_or_default();
                    let message = format!(
                        "fin de fichier inattendue, l’élément « {name} » n’est pas fermé (fichier tronqué ?)"
                    );
                    return Err(walk.malformed(reader.buffer_position(), message));
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }

    let Some(version) = walk.version else {
        return Err(LheoError::NotXml);
    };
    if !walk.container_seen {
        return Err(LheoError::NoOffers {
            expected: container_name(version),
        });
    }
    mark_duplicates(&mut walk.trainings, &walk.sirets);
    Ok(Parsed {
        version,
        trainings: walk.trainings,
        summaries: walk.summaries,
    })
}

/// The state of the streaming read.
struct Walk<'a> {
    lines: Lines<'a>,
    version: Option<LheoVersion>,
    root_done: bool,
    /// Number of open elements.
    depth: usize,
    /// Names of the open elements outside a capture (for the message of a truncated file).
    open: Vec<String>,
    /// Inside `offres` (or `resumes-offres`).
    in_container: bool,
    container_seen: bool,
    /// The `formation` (or `resume-offre`) being collected.
    capture: Option<Capture>,
    trainings: Vec<ParsedTraining>,
    /// SIRET of each training, for duplicates.
    sirets: Vec<Option<String>>,
    summaries: Vec<Summary>,
}

impl Walk<'_> {
    fn malformed(&mut self, offset: u64, message: String) -> LheoError {
        LheoError::Malformed {
            line: self.lines.at(offset),
            message,
        }
    }

    fn open<R>(
        &mut self,
        reader: &NsReader<R>,
        start: &BytesStart,
        empty: bool,
        before: u64,
    ) -> Result<(), LheoError> {
        if self.depth >= MAX_DEPTH {
            return Err(LheoError::TooDeep {
                line: self.lines.at(before),
                max: MAX_DEPTH,
            });
        }
        // In a Mon Compte Formation file, what an extension element or an `extra` holds keeps
        // its namespace: it is kept as it came, not read as LHÉO.
        let verbatim = self.version == Some(LheoVersion::MonCompteFormation)
            && self
                .capture
                .as_ref()
                .and_then(|c| c.stack.last())
                .is_some_and(|parent| parent.ns.is_some() || parent.is("extra"));
        let (ns, local) = match resolve_element(reader, start, self.version, verbatim) {
            Ok(resolved) => resolved,
            Err(message) => return Err(self.malformed(before, message)),
        };
        if self.capture.is_some() {
            let element = match read_element(reader, start, local, ns) {
                Ok(element) => element,
                Err(message) => return Err(self.malformed(before, message)),
            };
            if let Some(capture) = self.capture.as_mut() {
                capture.stack.push(element);
            }
            if empty {
                self.close_captured();
            } else {
                self.depth += 1;
            }
            return Ok(());
        }
        let version = self.version;
        match self.depth {
            0 => {
                if self.root_done {
                    let message = "contenu après la fin de l’élément racine".to_string();
                    return Err(self.malformed(before, message));
                }
                let (namespace, _) = reader.resolver().resolve_element(start.name());
                let namespace = match namespace {
                    ResolveResult::Bound(ns) => Some(ns.as_ref().to_string()),
                    _ => None,
                };
                self.version = Some(root_version(&local, namespace.as_deref())?);
                if empty {
                    self.root_done = true;
                }
            }
            1 if ns.is_none() && version.is_some_and(|v| local == container_name(v)) => {
                self.container_seen = true;
                self.in_container = !empty;
            }
            2 if self.in_container
                && ns.is_none()
                && version.is_some_and(|v| local == item_name(v)) =>
            {
                let element = match read_element(reader, start, local, ns) {
                    Ok(element) => element,
                    Err(message) => return Err(self.malformed(before, message)),
                };
                let line = self.lines.at(before);
                self.capture = Some(Capture {
                    stack: vec![element],
                    line,
                });
                if empty {
                    self.close_captured();
                } else {
                    self.depth += 1;
                }
                return Ok(());
            }
            _ => {}
        }
        if !empty {
            self.open.push(local);
            self.depth += 1;
        }
        Ok(())
    }

    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        if self.capture.is_some() {
            self.close_captured();
            return;
        }
        self.open.pop();
        match self.depth {
            0 => self.root_done = true,
            1 => self.in_container = false,
            _ => {}
        }
    }

    fn text(&mut self, text: &str, before: u64) -> Result<(), LheoError> {
        if let Some(capture) = self.capture.as_mut() {
            // Indentation between elements says nothing, except inside an `extra`, kept as is.
            let indentation = text.bytes().all(|b| b.is_ascii_whitespace())
                && !capture.stack.iter().any(|e| e.is("extra"));
            if let Some(current) = capture.stack.last_mut() {
                let follows_text = matches!(current.children.last(), Some(Node::Text(_)));
                if !indentation || follows_text {
                    current.push_text(text);
                }
            }
        } else if self.depth == 0 && !text.trim().is_empty() {
            let message = "texte en dehors de l’élément racine".to_string();
            return Err(self.malformed(before, message));
        }
        Ok(())
    }

    /// Closes the innermost captured element; once the whole `formation` (or `resume-offre`)
    /// is complete, reads it.
    fn close_captured(&mut self) {
        let Some(capture) = self.capture.as_mut() else {
            return;
        };
        let Some(element) = capture.stack.pop() else {
            return;
        };
        if let Some(parent) = capture.stack.last_mut() {
            parent.children.push(Node::Element(element));
            return;
        }
        let line = capture.line;
        self.capture = None;
        if self.version == Some(LheoVersion::Index) {
            let mut summary = read_summary(&element);
            summary.position = self.summaries.len() + 1;
            summary.line = line;
            self.summaries.push(summary);
        } else {
            let (result, siret) = read_training(&element);
            self.trainings.push(ParsedTraining {
                position: self.trainings.len() + 1,
                line,
                numero: element.attr("numero"),
                title: element
                    .child("intitule-formation")
                    .map(Element::text)
                    .filter(|t| !t.is_empty()),
                result,
            });
            self.sirets.push(siret);
        }
    }
}

fn container_name(version: LheoVersion) -> &'static str {
    match version {
        LheoVersion::Index => "resumes-offres",
        _ => "offres",
    }
}

fn item_name(version: LheoVersion) -> &'static str {
    match version {
        LheoVersion::Index => "resume-offre",
        _ => "formation",
    }
}

fn root_version(local: &str, namespace: Option<&str>) -> Result<LheoVersion, LheoError> {
    let index = match local {
        "lheo" => false,
        "lheo-index" => true,
        _ => {
            return Err(LheoError::WrongRoot {
                found: local.to_string(),
            });
        }
    };
    match namespace {
        Some(_) if index && namespace.is_some_and(is_lheo_namespace) => Ok(LheoVersion::Index),
        Some(NAMESPACE_2_3) => Ok(LheoVersion::V2_3),
        Some(NAMESPACE_2_2) => Ok(LheoVersion::V2_2),
        Some(NAMESPACE_MCF) if !index => Ok(LheoVersion::MonCompteFormation),
        other => Err(LheoError::WrongNamespace {
            found: other.map(str::to_string),
        }),
    }
}

/// The element's local name and namespace class: `None` for LHÉO (2.3, 2.2 or no namespace;
/// in a Mon Compte Formation file, its elements that LHÉO declares, unless `verbatim`).
fn resolve_element<R>(
    reader: &NsReader<R>,
    start: &BytesStart,
    version: Option<LheoVersion>,
    verbatim: bool,
) -> Result<(Option<String>, String), String> {
    let (resolved, local) = reader.resolver().resolve_element(start.name());
    let local = local.as_ref().to_string();
    match resolved {
        ResolveResult::Unbound => Ok((None, local)),
        ResolveResult::Bound(ns) if is_lheo_namespace(ns.as_ref()) => Ok((None, local)),
        ResolveResult::Bound(ns)
            if is_mcf_namespace(ns.as_ref())
                && version == Some(LheoVersion::MonCompteFormation)
                && !verbatim
                && LHEO_ELEMENTS.binary_search(&local.as_str()).is_ok() =>
        {
            Ok((None, local))
        }
        ResolveResult::Bound(ns) => Ok((Some(ns.as_ref().to_string()), local)),
        ResolveResult::Unknown(prefix) => Err(format!(
            "préfixe d’espace de noms « {prefix} » non déclaré (élément « {} »)",
            start.name().as_ref()
        )),
    }
}

fn is_lheo_namespace(ns: &str) -> bool {
    ns == NAMESPACE_2_3 || ns == NAMESPACE_2_2
}

fn is_mcf_namespace(ns: &str) -> bool {
    ns == NAMESPACE_MCF
}

fn read_element<R>(
    reader: &NsReader<R>,
    start: &BytesStart,
    name: String,
    ns: Option<String>,
) -> Result<Element, String> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|_| {
            format!(
                "attribut mal formé dans l’élément « {} »",
                start.name().as_ref()
            )
        })?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| {
                format!(
                    "valeur d’attribut invalide (entité inconnue ?) dans l’élément « {} »",
                    start.name().as_ref()
                )
            })?;
        let (local, prefix) = attr.key.decompose();
        let prefix = match prefix {
            None => None,
            Some(prefix) if prefix.as_ref() == "xml" => Some((
                "xml".to_string(),
                "http://www.w3.org/XML/1998/namespace".to_string(),
            )),
            Some(prefix) => match reader.resolver().resolve_attribute(attr.key).0 {
                ResolveResult::Bound(ns) => {
                    Some((prefix.as_ref().to_string(), ns.as_ref().to_string()))
                }
                _ => {
                    return Err(format!(
                        "préfixe d’espace de noms « {} » non déclaré (attribut « {} »)",
                        prefix.as_ref(),
                        attr.key.as_ref()
                    ));
                }
            },
        };
        attrs.push(Attr {
            prefix,
            name: local.as_ref().to_string(),
            value: clean_chars(&value).into_owned(),
        });
    }
    Ok(Element {
        name,
        ns,
        attrs,
        children: Vec::new(),
    })
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

/// Rejects a second training with the same `numero` for the same organisation: it is the key
/// updates are made on.
fn mark_duplicates(trainings: &mut [ParsedTraining], sirets: &[Option<String>]) {
    let mut seen: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for (training, siret) in trainings.iter_mut().zip(sirets) {
        let Some(numero) = training.numero.clone() else {
            continue;
        };
        let key = (numero.clone(), siret.clone().unwrap_or_default());
        match seen.get(&key) {
            Some(&(position, line)) => {
                let reason = format!(
                    "formation « {numero} » en double dans le fichier pour le même organisme (déjà en position {position}, ligne {line})"
                );
                match &mut training.result {
                    Ok(_) => training.result = Err(vec![reason]),
                    Err(reasons) => reasons.push(reason),
                }
            }
            None => {
                seen.insert(key, (training.position, training.line));
            }
        }
    }
}

fn french_xml_error(error: &XmlError) -> String {
    match error {
        XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            format!("balise fermante « </{found}> » trouvée à la place de « </{expected}> »")
        }
        XmlError::IllFormed(IllFormedError::UnmatchedEndTag(tag)) => {
            format!("balise fermante « </{tag}> » sans balise ouvrante")
        }
        XmlError::IllFormed(IllFormedError::MissingEndTag(tag)) => {
            format!("l’élément « {tag} » n’est pas fermé")
        }
        XmlError::IllFormed(IllFormedError::UnclosedReference) => {
            "« & » isolé ou référence sans « ; » (écrivez « &amp; » pour une esperluette)".into()
        }
        XmlError::IllFormed(
            IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion,
        ) => "déclaration XML invalide (version 1.0 attendue)".into(),
        XmlError::IllFormed(IllFormedError::MissingDoctypeName) => {
            "déclaration DOCTYPE sans nom".into()
        }
        XmlError::IllFormed(IllFormedError::DoubleHyphenInComment) => {
            "« -- » interdit dans un commentaire".into()
        }
        XmlError::Syntax(SyntaxError::UnclosedTag) => {
            "balise non terminée : « > » manquant avant la fin du fichier".into()
        }
        XmlError::Syntax(
            SyntaxError::UnclosedDoubleQuotedAttributeValue
            | SyntaxError::UnclosedSingleQuotedAttributeValue,
        ) => "valeur d’attribut sans guillemet fermant".into(),
        XmlError::Syntax(SyntaxError::UnclosedComment) => "commentaire non fermé (« --> »)".into(),
        XmlError::Syntax(SyntaxError::UnclosedCData) => "section CDATA non fermée (« ]]> »)".into(),
        XmlError::Syntax(SyntaxError::UnclosedPI | SyntaxError::UnclosedXmlDecl) => {
            "instruction de traitement non fermée (« ?> »)".into()
        }
        XmlError::Syntax(SyntaxError::UnclosedDoctype) => "déclaration DOCTYPE non fermée".into(),
        XmlError::Syntax(SyntaxError::InvalidBangMarkup) => "balisage « <! » invalide".into(),
        XmlError::InvalidAttr(_) => "attribut mal formé".into(),
        XmlError::Escape(_) => "référence d’entité invalide".into(),
        XmlError::Namespace(_) => "déclaration d’espace de noms invalide".into(),
        XmlError::Encoding(_) => "caractères invalides".into(),
        XmlError::Io(_) => "lecture impossible".into(),
    }
}

// ------------------------------------------------------------------------------------------------
// From a `formation` tree to a `Training`
// ------------------------------------------------------------------------------------------------

/// The reasons collected for one training; `location` names the action or session at hand.
#[derive(Default)]
struct Reasons {
    list: Vec<String>,
    location: String,
}

impl Reasons {
    fn add(&mut self, message: impl Into<String>) {
        let message = message.into();
        if self.location.is_empty() {
            self.list.push(message);
        } else {
            self.list.push(format!("{} : {message}", self.location));
        }
    }

    fn too_many(&mut self, path: &str, count: usize, max: usize) {
        self.add(format!("trop d’éléments {path} : {count} ({max} au plus)"));
    }

    fn missing(&mut self, path: &str) {
        self.add(format!("élément obligatoire manquant : {path}"));
    }

    /// Checks the length the schema allows (in characters).
    fn length(&mut self, path: &str, value: &str, min: usize, max: usize) -> bool {
        let count = value.chars().count();
        if min == max && count != min {
            self.add(format!(
                "{path} « {value} » invalide ({min} caractères attendus)"
            ));
            false
        } else if count > max {
            self.add(format!(
                "{path} trop long : {count} caractères ({max} au plus)"
            ));
            false
        } else if count < min {
            self.add(format!(
                "{path} « {value} » trop court ({min} caractères au moins)"
            ));
            false
        } else {
            true
        }
    }

    /// A mandatory text element (trimmed, not blank, within the schema's lengths).
    fn text(&mut self, parent: &Element, name: &str, path: &str, max: usize) -> Option<String> {
        let Some(element) = parent.child(name) else {
            self.missing(path);
            return None;
        };
        let text = element.text();
        if text.is_empty() {
            self.add(format!("élément obligatoire vide : {path}"));
            return None;
        }
        self.length(path, &text, 1, max).then_some(text)
    }

    /// An optional text element; blank counts as absent.
    fn optional_text(
        &mut self,
        parent: &Element,
        name: &str,
        path: &str,
        min: usize,
        max: usize,
    ) -> Option<String> {
        let text = parent.child(name)?.text();
        if text.is_empty() {
            return None;
        }
        self.length(path, &text, min, max).then_some(text)
    }

    /// Every non-blank occurrence of a code (e.g. `code-ROME`), with its length and count.
    fn codes(
        &mut self,
        parent: &Element,
        name: &str,
        path: &str,
        (min, max): (usize, usize),
        at_most: usize,
    ) -> Vec<String> {
        let mut codes = Vec::new();
        for element in parent.children(name) {
            let code = element.text();
            if !code.is_empty() && self.length(path, &code, min, max) {
                codes.push(code);
            }
        }
        if codes.len() > at_most {
            self.too_many(path, codes.len(), at_most);
        }
        codes
    }

    /// A mandatory `0`/`1` element.
    fn flag(&mut self, parent: &Element, name: &str, path: &str) -> Option<bool> {
        let Some(element) = parent.child(name) else {
            self.missing(path);
            return None;
        };
        match element.text().as_str() {
            "1" => Some(true),
            "0" => Some(false),
            other => {
                self.add(format!("{path} « {other} » invalide (0 ou 1 attendu)"));
                None
            }
        }
    }

    /// A numeric code among `allowed` (described for people in `allowed_label`).
    fn code(
        &mut self,
        parent: &Element,
        name: &str,
        path: &str,
        allowed: &[i32],
        allowed_label: &str,
        required: bool,
    ) -> Option<i32> {
        let Some(element) = parent.child(name) else {
            if required {
                self.missing(path);
            }
            return None;
        };
        let text = element.text();
        if text.is_empty() && !required {
            return None;
        }
        match text.parse::<i32>() {
            Ok(code) if allowed.contains(&code) => Some(code),
            Ok(_) => {
                self.add(format!("{path} « {text} » inconnu ({allowed_label})"));
                None
            }
            Err(_) => {
                self.add(format!("{path} « {text} » n’est pas un nombre"));
                None
            }
        }
    }

    /// An optional whole number of hours or places (`xs:long` in the schema, never negative
    /// here).
    fn count(&mut self, parent: &Element, name: &str, path: &str) -> Option<i32> {
        let text = parent.child(name)?.text();
        if text.is_empty() {
            return None;
        }
        match text.parse::<i32>() {
            Ok(value) if value >= 0 => Some(value),
            _ => {
                self.add(format!(
                    "{path} « {text} » n’est pas un nombre entier positif"
                ));
                None
            }
        }
    }

    /// A date `AAAAMMJJ`.
    fn date(&mut self, parent: &Element, name: &str, path: &str) -> Option<LheoDate> {
        let Some(element) = parent.child(name) else {
            self.missing(path);
            return None;
        };
        let text = element.text();
        let date = LheoDate::parse(&text);
        if date.is_none() {
            self.add(format!(
                "date invalide « {text} » dans {path} (format AAAAMMJJ attendu)"
            ));
        }
        date
    }

    /// The first `urlweb` of an `url-*` or `web` element.
    fn url(&mut self, parent: &Element, name: &str, path: &str) -> Option<String> {
        let holder = parent.child(name)?;
        let url = holder
            .children("urlweb")
            .map(Element::text)
            .find(|u| !u.is_empty())?;
        self.length(&format!("{path}/urlweb"), &url, 3, 400)
            .then_some(url)
    }

    /// Runs `read` with its messages prefixed by `location` (an action, a session).
    fn within<T>(&mut self, location: String, read: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.location, location);
        let result = read(self);
        self.location = saved;
        result
    }
}

/// `code-financeur` values the schema admits.
const FUNDER_CODES: &[i32] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
];
/// `code-niveau-entree` / `code-niveau-sortie` values the schema admits.
const LEVELS: &[i32] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18];
const LEVELS_LABEL: &str = "valeurs admises : 0 à 8, 11 à 18";

/// Reads a `formation`; also returns its organisation's SIRET (for duplicates).
fn read_training(formation: &Element) -> (Result<Training, Vec<String>>, Option<String>) {
    let mut r = Reasons::default();
    let numero = formation.attr("numero");
    if numero.is_none() {
        r.add(
            "attribut numero manquant sur formation : l’identifiant de la formation est obligatoire pour la mise à jour",
        );
    }

    let (formacode_codes, nsf_codes, rome_codes) = match formation.child("domaine-formation") {
        Some(domain) => (
            r.codes(
                domain,
                "code-FORMACODE",
                "domaine-formation/code-FORMACODE",
                (5, 5),
                5,
            ),
            r.codes(domain, "code-NSF", "domaine-formation/code-NSF", (3, 3), 3),
            r.codes(
                domain,
                "code-ROME",
                "domaine-formation/code-ROME",
                (5, 5),
                5,
            ),
        ),
        None => {
            r.missing("domaine-formation");
            Default::default()
        }
    };
    let title = r.text(formation, "intitule-formation", "intitule-formation", 255);
    let objectives = r.text(formation, "objectif-formation", "objectif-formation", 3000);
    let expected_results = r.text(formation, "resultats-attendus", "resultats-attendus", 3000);
    let content = r.text(formation, "contenu-formation", "contenu-formation", 3000);
    let certifying = r.flag(formation, "certifiante", "certifiante");
    let contact = match formation.child("contact-formation") {
        Some(holder) => read_contact(&mut r, holder, "contact-formation"),
        None => {
            r.missing("contact-formation");
            Contact::default()
        }
    };
    let pathway = r.code(
        formation,
        "parcours-de-formation",
        "parcours-de-formation",
        &[1, 2, 3, 4],
        "valeurs admises : 1 à 4",
        true,
    );
    let entry_level = r.code(
        formation,
        "code-niveau-entree",
        "code-niveau-entree",
        LEVELS,
        LEVELS_LABEL,
        true,
    );
    let mut rncp_codes = Vec::new();
    let mut rs_codes = Vec::new();
    for certification in formation.children("certification") {
        rncp_codes.extend(r.codes(
            certification,
            "code-RNCP",
            "certification/code-RNCP",
            (1, 10),
            usize::MAX,
        ));
        rs_codes.extend(r.codes(
            certification,
            "code-RS",
            "certification/code-RS",
            (3, 10),
            usize::MAX,
        ));
    }
    if rncp_codes.len() > 5 {
        r.too_many("certification/code-RNCP", rncp_codes.len(), 5);
    }
    if rs_codes.len() > 5 {
        r.too_many("certification/code-RS", rs_codes.len(), 5);
    }
    let exit_level = r.code(
        formation,
        "code-niveau-sortie",
        "code-niveau-sortie",
        LEVELS,
        LEVELS_LABEL,
        false,
    );
    let url = r.url(formation, "url-formation", "url-formation");

    let mut actions = Vec::new();
    let mut action_numeros: Vec<String> = Vec::new();
    for (index, element) in formation.children("action").enumerate() {
        if let Some(numero) = element.attr("numero") {
            if action_numeros.contains(&numero) {
                r.add(format!("action « {numero} » en double dans la formation"));
            }
            action_numeros.push(numero);
        }
        if let Some(action) = read_action(&mut r, element, index + 1) {
            actions.push(action);
        }
    }
    if formation.child("action").is_none() {
        r.missing("action");
    }

    let organisation = match formation.child("organisme-formation-responsable") {
        Some(element) => read_organisation(&mut r, element),
        None => {
            r.missing("organisme-formation-responsable");
            None
        }
    };
    let siret = organisation.as_ref().map(|o| o.siret.clone()).or_else(|| {
        formation
            .child("organisme-formation-responsable")
            .and_then(|o| o.child("SIRET-organisme-formation"))
            .and_then(|s| s.child("SIRET"))
            .map(|s| s.text().split_whitespace().collect())
    });
    let extras = joined(
        take_extras(formation, None).0,
        take_extensions(formation, "action"),
    );

    let (
        Some(numero),
        Some(title),
        Some(objectives),
        Some(expected_results),
        Some(content),
        Some(certifying),
        Some(pathway),
        Some(entry_level),
        Some(organisation),
    ) = (
        numero,
        title,
        objectives,
        expected_results,
        content,
        certifying,
        pathway,
        entry_level,
        organisation,
    )
    else {
        return (Err(finish(r)), siret);
    };
    if !r.list.is_empty() {
        return (Err(r.list), siret);
    }
    let training = Training {
        numero,
        title,
        objectives,
        expected_results,
        content,
        certifying,
        rncp_codes,
        rs_codes,
        rome_codes,
        formacode_codes,
        nsf_codes,
        pathway,
        entry_level,
        exit_level,
        url,
        contact,
        organisation,
        actions,
        extras,
    };
    (Ok(training), siret)
}

/// The reasons, never empty (a value is only ever missing with a reason).
fn finish(r: Reasons) -> Vec<String> {
    if r.list.is_empty() {
        vec!["formation incomplète".to_string()]
    } else {
        r.list
    }
}

fn read_action(r: &mut Reasons, element: &Element, index: usize) -> Option<Action> {
    let numero = element.attr("numero");
    let location = match &numero {
        Some(numero) => format!("action « {numero} »"),
        None => format!("action n° {index}"),
    };
    r.within(location, |r| {
        if numero.is_none() {
            r.add("attribut numero manquant : l’identifiant de l’action est obligatoire");
        }
        let before = r.list.len();
        let rhythm = r.text(element, "rythme-formation", "action/rythme-formation", 3000);
        let public_codes = r.codes(
            element,
            "code-public-vise",
            "action/code-public-vise",
            (5, 5),
            10,
        );
        if element.child("code-public-vise").is_none() {
            r.missing("action/code-public-vise");
        }
        let public_info = r.optional_text(
            element,
            "info-public-vise",
            "action/info-public-vise",
            1,
            250,
        );
        let entry_level_required = r.flag(
            element,
            "niveau-entree-obligatoire",
            "action/niveau-entree-obligatoire",
        );
        let work_study = r.text(
            element,
            "modalites-alternance",
            "action/modalites-alternance",
            3000,
        );
        let teaching_mode = r.code(
            element,
            "modalites-enseignement",
            "action/modalites-enseignement",
            &[0, 1, 2],
            "0 présentiel, 1 mixte, 2 à distance",
            true,
        );
        let specific_conditions = r.text(
            element,
            "conditions-specifiques",
            "action/conditions-specifiques",
            3000,
        );
        let funding_possible = r.flag(
            element,
            "prise-en-charge-frais-possible",
            "action/prise-en-charge-frais-possible",
        );
        let place = element
            .child("lieu-de-formation")
            .and_then(|l| l.child("coordonnees"))
            .filter(|c| c.child("adresse").is_some())
            .and_then(|c| read_address(r, c, "action/lieu-de-formation/coordonnees/adresse"));
        let entry_mode = r.code(
            element,
            "modalites-entrees-sorties",
            "action/modalites-entrees-sorties",
            &[0, 1],
            "0 dates fixes, 1 entrées et sorties permanentes",
            true,
        );
        let url = r.url(element, "url-action", "action/url-action");

        let mut sessions = Vec::new();
        let mut session_numeros: Vec<String> = Vec::new();
        for (position, session) in element.children("session").enumerate() {
            if let Some(numero) = session.attr("numero") {
                if session_numeros.contains(&numero) {
                    r.add(format!("session « {numero} » en double dans l’action"));
                }
                session_numeros.push(numero);
            }
            if let Some(session) = read_session(r, session, position + 1) {
                sessions.push(session);
            }
        }
        if element.child("session").is_none() {
            r.missing("action/session");
        }

        let mut info_dates = Vec::new();
        for information in element.children("date-information") {
            if let Some(date) = r.date(information, "date", "action/date-information/date") {
                info_dates.push(date);
            }
        }
        if info_dates.len() > 3 {
            r.too_many("action/date-information", info_dates.len(), 3);
        }
        let price_total = element
            .child("prix-total-TTC")
            .map(Element::text)
            .filter(|t| !t.is_empty())
            .and_then(|text| {
                let price = parse_price(&text);
                if price.is_none() {
                    r.add(format!(
                        "action/prix-total-TTC « {text} » n’est pas un montant en euros (par exemple 1250.50)"
                    ));
                }
                price
            });
        let hours_centre = r.count(
            element,
            "nombre-heures-centre",
            "action/nombre-heures-centre",
        );
        let hours_company = r.count(
            element,
            "nombre-heures-entreprise",
            "action/nombre-heures-entreprise",
        );
        let hours_total = r.count(element, "nombre-heures-total", "action/nombre-heures-total");

        let mut funders = Vec::new();
        for funder in element.children("organisme-financeur") {
            let code = r.code(
                funder,
                "code-financeur",
                "action/organisme-financeur/code-financeur",
                FUNDER_CODES,
                "valeurs admises : 0 à 20",
                true,
            );
            let places = r.count(
                funder,
                "nb-places-financees",
                "action/organisme-financeur/nb-places-financees",
            );
            if let Some(code) = code {
                funders.push(Funding {
                    code: code.to_string(),
                    places,
                });
            }
        }
        if funders.len() > 8 {
            r.too_many("action/organisme-financeur", funders.len(), 8);
        }

        let (extras, values) = take_extras(element, Some(EXTRA_PRESCRIPTION));
        let extras = joined(extras, take_extensions(element, "session"));
        let prescription_required = read_extra_value(r, &values, EXTRA_PRESCRIPTION, |v| {
            match v.to_lowercase().as_str() {
                "1" | "oui" | "true" | "vrai" => Some(true),
                "0" | "non" | "false" | "faux" => Some(false),
                _ => None,
            }
        }, "1 ou oui, 0 ou non attendu")
        .unwrap_or(false);

        if r.list.len() > before {
            return None;
        }
        Some(Action {
            numero: numero?,
            rhythm: rhythm?,
            public_codes,
            public_info,
            entry_level_required: entry_level_required?,
            work_study: work_study?,
            teaching_mode: teaching_mode?,
            specific_conditions: specific_conditions?,
            funding_possible: funding_possible?,
            place,
            entry_mode: entry_mode?,
            url,
            info_dates,
            hours_total,
            hours_centre,
            hours_company,
            price_total,
            funders,
            prescription_required,
            sessions,
            extras,
        })
    })
}

fn read_session(r: &mut Reasons, element: &Element, index: usize) -> Option<Session> {
    let numero = element.attr("numero");
    let location = match &numero {
        Some(numero) => format!("{}, session « {numero} »", r.location),
        None => format!("{}, session n° {index}", r.location),
    };
    r.within(location, |r| {
        if numero.is_none() {
            r.add("attribut numero manquant : l’identifiant de la session est obligatoire");
        }
        let before = r.list.len();
        let (start, end) = match element.child("periode") {
            Some(period) => (
                r.date(period, "debut", "session/periode/debut"),
                r.date(period, "fin", "session/periode/fin"),
            ),
            None => {
                r.missing("session/periode");
                (None, None)
            }
        };
        let registration_address = match element.child("adresse-inscription") {
            Some(holder) => read_address(r, holder, "session/adresse-inscription/adresse"),
            None => {
                r.missing("session/adresse-inscription");
                None
            }
        };
        let recruitment = match element.child("etat-recrutement").map(Element::text) {
            None => Some(RecruitmentState::Open),
            Some(text) if text.is_empty() => Some(RecruitmentState::Open),
            Some(text) => {
                let state = RecruitmentState::from_lheo_code(&text);
                if state.is_none() {
                    r.add(format!(
                        "etat-recrutement « {text} » inconnu (1 ouvert, 2 fermé, 3 suspendu)"
                    ));
                }
                state
            }
        };
        let (extras, values) = take_extras(element, Some(EXTRA_PLACES));
        let extras = joined(extras, take_extensions(element, ""));
        let places = read_extra_value(
            r,
            &values,
            EXTRA_PLACES,
            |v| v.parse::<i32>().ok().filter(|n| *n >= 0),
            "nombre entier positif attendu",
        );
        if r.list.len() > before {
            return None;
        }
        Some(Session {
            numero: numero?,
            start: start?,
            end: end?,
            recruitment: recruitment?,
            registration_address: registration_address?,
            places,
            extras,
        })
    })
}

/// The value of a modelled `extra`, read with `read`; several occurrences must agree.
fn read_extra_value<T: PartialEq>(
    r: &mut Reasons,
    values: &[String],
    info: &str,
    read: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Option<T> {
    let mut result: Option<T> = None;
    for value in values {
        match read(value) {
            Some(parsed) => match &result {
                Some(previous) if *previous != parsed => {
                    r.add(format!(
                        "extra « {info} » présent plusieurs fois avec des valeurs différentes"
                    ));
                }
                _ => result = Some(parsed),
            },
            None => r.add(format!(
                "extra « {info} » : « {value} » invalide ({expected})"
            )),
        }
    }
    result
}

/// `adresse` inside `holder`; `path` names that `adresse` for messages.
fn read_address(r: &mut Reasons, holder: &Element, path: &str) -> Option<Address> {
    let Some(address) = holder.child("adresse") else {
        r.missing(path);
        return None;
    };
    let before = r.list.len();
    let name = r.optional_text(
        address,
        "denomination",
        &format!("{path}/denomination"),
        1,
        255,
    );
    let line_path = format!("{path}/ligne");
    let mut lines = Vec::new();
    for line in address.children("ligne") {
        let text = line.text();
        if !text.is_empty() && r.length(&line_path, &text, 1, 50) {
            lines.push(text);
        }
    }
    if lines.is_empty() {
        r.missing(&line_path);
    } else if lines.len() > 4 {
        r.too_many(&line_path, lines.len(), 4);
    }
    let postcode = r.text(address, "codepostal", &format!("{path}/codepostal"), 5);
    if let Some(postcode) = &postcode {
        r.length(&format!("{path}/codepostal"), postcode, 5, 5);
    }
    let city = r.text(address, "ville", &format!("{path}/ville"), 50);
    let insee = r.optional_text(
        address,
        "code-INSEE-commune",
        &format!("{path}/code-INSEE-commune"),
        5,
        5,
    );
    let (mut latitude, mut longitude) = (None, None);
    if let Some(geo) = address.child("geolocalisation") {
        latitude = read_coordinate(r, geo, "latitude", &format!("{path}/geolocalisation"), 90.0);
        longitude = read_coordinate(
            r,
            geo,
            "longitude",
            &format!("{path}/geolocalisation"),
            180.0,
        );
    }
    if r.list.len() > before {
        return None;
    }
    Some(Address {
        name,
        lines,
        postcode: postcode?,
        city: city?,
        insee,
        latitude,
        longitude,
    })
}

fn read_coordinate(
    r: &mut Reasons,
    geo: &Element,
    name: &str,
    path: &str,
    bound: f64,
) -> Option<f64> {
    let path = format!("{path}/{name}");
    let Some(element) = geo.child(name) else {
        r.missing(&path);
        return None;
    };
    let text = element.text();
    let value = text
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() <= bound && format_number(*v).len() <= 30);
    if value.is_none() {
        r.add(format!(
            "{path} « {text} » invalide (nombre décimal entre -{bound} et {bound} attendu)"
        ));
    }
    value
}

/// A price in euros: `1250.50`, `1250,50`, `1 250,50 €`; written back in at most 10 characters.
fn parse_price(text: &str) -> Option<f64> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    compact
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0 && format_number(*v).len() <= 10)
}

/// The shortest text that reads back as the same number (never in exponent form).
fn format_number(value: f64) -> String {
    format!("{value}")
}

/// `coordonnees` inside `holder` (`contact-formation`, `contact-organisme`).
fn read_contact(r: &mut Reasons, holder: &Element, path: &str) -> Contact {
    let Some(details) = holder.child("coordonnees") else {
        r.missing(&format!("{path}/coordonnees"));
        return Contact::default();
    };
    let path = format!("{path}/coordonnees");
    let last_name = r.optional_text(details, "nom", &format!("{path}/nom"), 1, 50);
    let first_name = r.optional_text(details, "prenom", &format!("{path}/prenom"), 1, 50);
    let name = match (first_name, last_name) {
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (first, last) => last.or(first),
    };
    let phone = ["telfixe", "portable"].iter().find_map(|kind| {
        let number = details
            .child(kind)?
            .children("numtel")
            .map(Element::text)
            .find(|n| !n.is_empty())?;
        r.length(&format!("{path}/{kind}/numtel"), &number, 1, 25)
            .then_some(number)
    });
    let email = r.optional_text(details, "courriel", &format!("{path}/courriel"), 3, 160);
    let web = r.url(details, "web", &format!("{path}/web"));
    Contact {
        name,
        phone,
        email,
        web,
    }
}

fn read_organisation(r: &mut Reasons, element: &Element) -> Option<ResponsibleOrganisation> {
    const PATH: &str = "organisme-formation-responsable";
    let before = r.list.len();
    let numero = element.attr("numero");
    let activity_number = r.text(
        element,
        "numero-activite",
        &format!("{PATH}/numero-activite"),
        11,
    );
    if let Some(number) = &activity_number {
        r.length(&format!("{PATH}/numero-activite"), number, 11, 11);
    }
    let siret = match element.child("SIRET-organisme-formation") {
        Some(holder) => {
            let path = format!("{PATH}/SIRET-organisme-formation/SIRET");
            match holder.child("SIRET").map(Element::text) {
                None => {
                    r.missing(&path);
                    None
                }
                Some(text) => {
                    let digits: String = text.split_whitespace().collect();
                    if digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()) {
                        Some(digits)
                    } else {
                        r.add(format!("{path} « {text} » invalide (14 chiffres attendus)"));
                        None
                    }
                }
            }
        }
        None => {
            r.missing(&format!("{PATH}/SIRET-organisme-formation"));
            None
        }
    };
    let name = r.optional_text(
        element,
        "nom-organisme",
        &format!("{PATH}/nom-organisme"),
        1,
        250,
    );
    let legal_name = r.text(
        element,
        "raison-sociale",
        &format!("{PATH}/raison-sociale"),
        250,
    );
    let address = match element.child("coordonnees-organisme") {
        Some(holder) => match holder.child("coordonnees") {
            Some(details) if details.child("adresse").is_some() => read_address(
                r,
                details,
                &format!("{PATH}/coordonnees-organisme/coordonnees/adresse"),
            ),
            Some(_) => Some(Address::default()),
            None => {
                r.missing(&format!("{PATH}/coordonnees-organisme/coordonnees"));
                None
            }
        },
        None => {
            r.missing(&format!("{PATH}/coordonnees-organisme"));
            None
        }
    };
    let contact = match element.child("contact-organisme") {
        Some(holder) => read_contact(r, holder, &format!("{PATH}/contact-organisme")),
        None => {
            r.missing(&format!("{PATH}/contact-organisme"));
            Contact::default()
        }
    };
    if r.list.len() > before {
        return None;
    }
    let legal_name = legal_name?;
    Some(ResponsibleOrganisation {
        numero,
        activity_number: activity_number?,
        siret: siret?,
        name: name.unwrap_or_else(|| legal_name.clone()),
        legal_name,
        address: address?,
        contact,
    })
}

fn read_summary(element: &Element) -> Summary {
    let mut r = Reasons::default();
    let mut summary = Summary {
        numero: element.attr("numero"),
        href: element.attr("href"),
        ..Summary::default()
    };
    if summary.numero.is_none() {
        r.add("attribut numero manquant sur resume-offre");
    }
    for (attribute, slot) in [
        ("datemaj", &mut summary.updated),
        ("datecrea", &mut summary.created),
    ] {
        if let Some(text) = element.attr(attribute) {
            *slot = LheoDate::parse(&text);
            if slot.is_none() {
                r.add(format!(
                    "date invalide « {text} » dans resume-offre/@{attribute} (format AAAAMMJJ attendu)"
                ));
            }
        }
    }
    let text = |name: &str| {
        element
            .child(name)
            .map(Element::text)
            .filter(|t| !t.is_empty())
    };
    summary.title = text("intitule-formation");
    summary.organisation_name = text("nom-organisme");
    summary.siret = text("SIRET").map(|s| s.split_whitespace().collect());
    summary.postcode = text("codepostal");
    summary.insee = text("code-INSEE-commune");
    summary.city = text("ville");
    summary.department = text("departement");
    if let Some(domain) = element.child("domaine-formation") {
        let codes = |name: &str| {
            domain
                .children(name)
                .map(Element::text)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        };
        summary.formacode_codes = codes("code-FORMACODE");
        summary.rome_codes = codes("code-ROME");
    }
    summary.certifying = match text("certifiante").as_deref() {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    };
    summary.entry_level = text("code-niveau-entree").and_then(|t| t.parse().ok());
    summary.hours_total = text("nombre-heures-total").and_then(|t| t.parse().ok());
    summary.rncp_codes = element
        .children("certification")
        .flat_map(|c| c.children("code-RNCP"))
        .map(Element::text)
        .filter(|t| !t.is_empty())
        .collect();
    for session in element.children("session") {
        let numero = session.attr("numero");
        let label = numero.clone().unwrap_or_default();
        let mut date = |name: &str| {
            let text = session.child("periode")?.child(name)?.text();
            let date = LheoDate::parse(&text);
            if date.is_none() {
                r.add(format!(
                    "session « {label} » : date invalide « {text} » dans session/periode/{name} (format AAAAMMJJ attendu)"
                ));
            }
            date
        };
        let start = date("debut");
        let end = date("fin");
        let recruitment = session
            .child("etat-recrutement")
            .and_then(|e| RecruitmentState::from_lheo_code(&e.text()));
        summary.sessions.push(SummarySession {
            numero,
            start,
            end,
            recruitment,
        });
    }
    summary.problems = r.list;
    summary
}

// ------------------------------------------------------------------------------------------------
// Extras
// ------------------------------------------------------------------------------------------------

/// The `extras` blocks of `holder`, in canonical form, without the `extra` whose `@info` is
/// `modelled` (its values are returned apart).
fn take_extras(holder: &Element, modelled: Option<&str>) -> (Option<String>, Vec<String>) {
    let mut kept = String::new();
    let mut values = Vec::new();
    for block in holder.children("extras") {
        let mut block = canonical_extras(block);
        if let Some(info) = modelled {
            block.children.retain(|node| match node {
                Node::Element(extra)
                    if extra.is("extra")
                        && extra
                            .attr("info")
                            .is_some_and(|i| i.eq_ignore_ascii_case(info)) =>
                {
                    values.push(deep_text(extra).trim().to_string());
                    false
                }
                _ => true,
            });
        }
        if block.children.is_empty() && block.attrs.is_empty() {
            continue;
        }
        write_canonical(&block, None, &mut kept);
    }
    ((!kept.is_empty()).then_some(kept), values)
}

/// The extension elements of a Mon Compte Formation file in `holder` (outside its `extras`
/// and its `skip` children, read on their own), as one `extras info="moncompteformation"`
/// block: each kept whole in an `extra` whose `@info` is its path from `holder`
/// (`frais-anpec`, `organisme-formation-responsable/qualiopi`).
fn take_extensions(holder: &Element, skip: &str) -> Option<String> {
    fn collect(element: &Element, skip: &str, path: &str, found: &mut Vec<Node>) {
        for node in &element.children {
            let Node::Element(child) = node else {
                continue;
            };
            let inner = if path.is_empty() {
                child.name.clone()
            } else {
                format!("{path}/{}", child.name)
            };
            if child.ns.as_deref().is_some_and(is_mcf_namespace) {
                found.push(Node::Element(Element {
                    name: "extra".into(),
                    ns: None,
                    attrs: vec![Attr {
                        prefix: None,
                        name: "info".into(),
                        value: inner,
                    }],
                    children: vec![Node::Element(child.clone())],
                }));
            } else if child.ns.is_none() && !child.is("extras") && !child.is(skip) {
                collect(child, "", &inner, found);
            }
        }
    }
    let mut found = Vec::new();
    collect(holder, skip, "", &mut found);
    if found.is_empty() {
        return None;
    }
    let block = Element {
        name: "extras".into(),
        ns: None,
        attrs: vec![Attr {
            prefix: None,
            name: "info".into(),
            value: EXTRA_MCF.into(),
        }],
        children: found,
    };
    let mut out = String::new();
    write_canonical(&block, None, &mut out);
    Some(out)
}

/// Two series of `extras` blocks, one after the other.
fn joined(first: Option<String>, second: Option<String>) -> Option<String> {
    match (first, second) {
        (Some(a), Some(b)) => Some(a + &b),
        (a, b) => a.or(b),
    }
}

/// An `extras` block reduced to what the schema allows there: `extra` and `extras` children,
/// and the plain attributes; the content of each `extra` is kept as it is.
fn canonical_extras(block: &Element) -> Element {
    let children = block
        .children
        .iter()
        .filter_map(|node| match node {
            Node::Element(e) if e.is("extras") => Some(Node::Element(canonical_extras(e))),
            Node::Element(e) if e.is("extra") => {
                let mut extra = e.clone();
                extra.attrs.retain(|a| {
                    !(a.prefix.is_none()
                        && matches!(
                            a.name.as_str(),
                            "id" | "idref"
                                | "horodatage-creation"
                                | "horodatage-modification"
                                | "horodatage-export"
                        ))
                });
                Some(Node::Element(extra))
            }
            _ => None,
        })
        .collect();
    Element {
        name: block.name.clone(),
        ns: None,
        attrs: block
            .attrs
            .iter()
            .filter(|a| {
                a.prefix.is_none() && matches!(a.name.as_str(), "numero" | "info" | "ref" | "tag")
            })
            .cloned()
            .collect(),
        children,
    }
}

/// All the text inside an element, its descendants' included.
fn deep_text(element: &Element) -> String {
    let mut text = String::new();
    fn collect(element: &Element, text: &mut String) {
        for node in &element.children {
            match node {
                Node::Text(t) => text.push_str(t),
                Node::Element(e) => collect(e, text),
            }
        }
    }
    collect(element, &mut text);
    text
}

/// Writes an element without namespace prefix: LHÉO elements go in the default namespace of
/// the document they are written into (LHÉO 2.3), others declare their own.
fn write_canonical(element: &Element, parent_ns: Option<&str>, out: &mut String) {
    out.push('<');
    out.push_str(&element.name);
    let ns = element.ns.as_deref();
    if ns != parent_ns {
        let _ = write!(
            out,
            " xmlns=\"{}\"",
            escape_attribute(ns.unwrap_or(NAMESPACE_2_3))
        );
    }
    let mut declared: Vec<&str> = Vec::new();
    for attr in &element.attrs {
        if let Some((prefix, uri)) = &attr.prefix
            && prefix != "xml"
            && !declared.contains(&prefix.as_str())
        {
            let _ = write!(out, " xmlns:{prefix}=\"{}\"", escape_attribute(uri));
            declared.push(prefix);
        }
    }
    for attr in &element.attrs {
        out.push(' ');
        if let Some((prefix, _)) = &attr.prefix {
            out.push_str(prefix);
            out.push(':');
        }
        let _ = write!(out, "{}=\"{}\"", attr.name, escape_attribute(&attr.value));
    }
    if element.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for node in &element.children {
        match node {
            Node::Text(text) => out.push_str(&escape_text(text)),
            Node::Element(child) => write_canonical(child, ns, out),
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

fn escape_text(text: &str) -> Cow<'_, str> {
    let escaped = quick_xml::escape::escape(text);
    if escaped.contains('\r') {
        Cow::Owned(escaped.replace('\r', "&#13;"))
    } else {
        escaped
    }
}

fn escape_attribute(text: &str) -> Cow<'_, str> {
    let escaped = quick_xml::escape::escape(text);
    if escaped.contains(['\r', '\n', '\t']) {
        Cow::Owned(
            escaped
                .replace('\r', "&#13;")
                .replace('\n', "&#10;")
                .replace('\t', "&#9;"),
        )
    } else {
        escaped
    }
}

// ------------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------------

/// Writes `trainings` as an LHÉO 2.3 document in UTF-8.
///
/// The schema requires at least one `formation`: an empty slice gives a document with an empty
/// `offres`, which does not validate.
pub fn write(trainings: &[Training], out: &mut impl Write) -> io::Result<()> {
    write_catalogue(trainings, &[], out)
}

/// French notice of a catalogue entry known by its summary only.
pub const SUMMARY_NOTICE: &str = "Fiche résumée : le détail complet n’a pas encore été transmis.";

/// [`write`], then the catalogue entries known by an `lheo-index` summary only (each with the
/// address of its full record, when known): they cannot be `formation`s (a summary lacks what
/// LHÉO requires there), so they follow `offres` in an `extras info="fiches-resumees"` block,
/// one `extras info="fiche-resumee"` each, with what is known as `extra`s named after the
/// `resume-offre` elements and a French notice saying it is a summary.
pub fn write_catalogue(
    trainings: &[Training],
    summaries: &[(&Training, Option<&str>)],
    out: &mut impl Write,
) -> io::Result<()> {
    out.write_all(
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lheo xmlns=\"{NAMESPACE_2_3}\">\n  <offres>\n"
        )
        .as_bytes(),
    )?;
    let mut buffer = String::new();
    for training in trainings {
        buffer.clear();
        let mut xml = Xml {
            out: &mut buffer,
            depth: 2,
        };
        xml.training(training);
        out.write_all(buffer.as_bytes())?;
    }
    out.write_all(b"  </offres>\n")?;
    if !summaries.is_empty() {
        buffer.clear();
        let mut xml = Xml {
            out: &mut buffer,
            depth: 1,
        };
        xml.summaries(summaries);
        out.write_all(buffer.as_bytes())?;
    }
    out.write_all(b"</lheo>\n")
}

/// [`write`] into a string.
pub fn write_to_string(trainings: &[Training]) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write(trainings, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// An indented XML writer into a string.
struct Xml<'a> {
    out: &'a mut String,
    depth: usize,
}

impl Xml<'_> {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str, numero: Option<&str>) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        if let Some(numero) = numero {
            let _ = write!(self.out, " numero=\"{}\"", escape_attribute(numero));
        }
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>{}</{name}>", escape_text(text));
    }

    fn flag(&mut self, name: &str, value: bool) {
        self.leaf(name, if value { "1" } else { "0" });
    }

    fn number(&mut self, name: &str, value: impl std::fmt::Display) {
        self.leaf(name, &value.to_string());
    }

    fn url(&mut self, name: &str, url: &str) {
        self.open(name, None);
        self.leaf("urlweb", url);
        self.close(name);
    }

    fn raw(&mut self, xml: &str) {
        self.indent();
        self.out.push_str(xml);
        self.out.push('\n');
    }

    fn extras(&mut self, kept: Option<&str>, modelled: &[(&str, String)]) {
        if let Some(kept) = kept {
            self.raw(kept);
        }
        if !modelled.is_empty() {
            self.open("extras", None);
            for (info, value) in modelled {
                self.indent();
                let _ = writeln!(
                    self.out,
                    "<extra info=\"{}\">{}</extra>",
                    escape_attribute(info),
                    escape_text(value)
                );
            }
            self.close("extras");
        }
    }

    fn extra(&mut self, info: &str, value: &str) {
        self.indent();
        let _ = writeln!(
            self.out,
            "<extra info=\"{}\">{}</extra>",
            escape_attribute(info),
            escape_text(value)
        );
    }

    fn summaries(&mut self, summaries: &[(&Training, Option<&str>)]) {
        self.indent();
        self.out.push_str("<extras info=\"fiches-resumees\">\n");
        self.depth += 1;
        for (t, href) in summaries {
            self.indent();
            let _ = writeln!(
                self.out,
                "<extras info=\"fiche-resumee\" numero=\"{}\">",
                escape_attribute(&t.numero)
            );
            self.depth += 1;
            self.extra("avertissement", SUMMARY_NOTICE);
            if let Some(href) = href {
                self.extra("lien-fiche-complete", href);
            }
            self.extra("intitule-formation", &t.title);
            let o = &t.organisation;
            for (info, value) in [
                ("nom-organisme", &o.name),
                ("SIRET", &o.siret),
                ("codepostal", &o.address.postcode),
                ("ville", &o.address.city),
            ] {
                if !value.is_empty() {
                    self.extra(info, value);
                }
            }
            if let Some(insee) = &o.address.insee {
                self.extra("code-INSEE-commune", insee);
            }
            for code in &t.formacode_codes {
                self.extra("code-FORMACODE", code);
            }
            for code in &t.rome_codes {
                self.extra("code-ROME", code);
            }
            for code in &t.rncp_codes {
                self.extra("code-RNCP", code);
            }
            self.extra("certifiante", if t.certifying { "1" } else { "0" });
            if t.entry_level >= 0 {
                self.extra("code-niveau-entree", &t.entry_level.to_string());
            }
            for action in &t.actions {
                if let Some(hours) = action.hours_total {
                    self.extra("nombre-heures-total", &hours.to_string());
                }
                // A session whose dates are both unknown says nothing (the catalogue gives one
                // to a summary that lists none).
                for s in action
                    .sessions
                    .iter()
                    .filter(|s| (s.start, s.end) != (LheoDate::Unknown, LheoDate::Unknown))
                {
                    self.indent();
                    let _ = writeln!(
                        self.out,
                        "<extras info=\"session\" numero=\"{}\">",
                        escape_attribute(&s.numero)
                    );
                    self.depth += 1;
                    self.extra("debut", &s.start.to_lheo(false));
                    self.extra("fin", &s.end.to_lheo(true));
                    self.extra("etat-recrutement", &s.recruitment.lheo_code().to_string());
                    self.close("extras");
                }
            }
            self.close("extras");
        }
        self.close("extras");
    }

    fn training(&mut self, t: &Training) {
        self.open("formation", Some(&t.numero));
        self.open("domaine-formation", None);
        for code in t.formacode_codes.iter().take(5) {
            self.leaf("code-FORMACODE", code);
        }
        for code in t.nsf_codes.iter().take(3) {
            self.leaf("code-NSF", code);
        }
        for code in t.rome_codes.iter().take(5) {
            self.leaf("code-ROME", code);
        }
        self.close("domaine-formation");
        self.leaf("intitule-formation", &t.title);
        self.leaf("objectif-formation", &t.objectives);
        self.leaf("resultats-attendus", &t.expected_results);
        self.leaf("contenu-formation", &t.content);
        self.flag("certifiante", t.certifying);
        self.open("contact-formation", None);
        self.details(&t.contact);
        self.close("contact-formation");
        self.number("parcours-de-formation", t.pathway);
        self.number("code-niveau-entree", t.entry_level);
        let certifications = t.rncp_codes.len().max(t.rs_codes.len()).min(5);
        for index in 0..certifications {
            self.open("certification", None);
            if let Some(code) = t.rncp_codes.get(index) {
                self.leaf("code-RNCP", code);
            }
            if let Some(code) = t.rs_codes.get(index) {
                self.leaf("code-RS", code);
            }
            self.close("certification");
        }
        if let Some(level) = t.exit_level {
            self.number("code-niveau-sortie", level);
        }
        if let Some(url) = &t.url {
            self.url("url-formation", url);
        }
        for action in &t.actions {
            self.action(action);
        }
        self.organisation(&t.organisation);
        self.extras(t.extras.as_deref(), &[]);
        self.close("formation");
    }

    fn action(&mut self, a: &Action) {
        self.open("action", Some(&a.numero));
        self.leaf("rythme-formation", &a.rhythm);
        for code in a.public_codes.iter().take(10) {
            self.leaf("code-public-vise", code);
        }
        if let Some(info) = &a.public_info {
            self.leaf("info-public-vise", info);
        }
        self.flag("niveau-entree-obligatoire", a.entry_level_required);
        self.leaf("modalites-alternance", &a.work_study);
        self.number("modalites-enseignement", a.teaching_mode);
        self.leaf("conditions-specifiques", &a.specific_conditions);
        self.flag("prise-en-charge-frais-possible", a.funding_possible);
        if let Some(place) = &a.place {
            self.open("lieu-de-formation", None);
            self.open("coordonnees", None);
            self.address(place);
            self.close("coordonnees");
            self.close("lieu-de-formation");
        }
        self.number("modalites-entrees-sorties", a.entry_mode);
        if let Some(url) = &a.url {
            self.url("url-action", url);
        }
        for session in &a.sessions {
            self.session(session);
        }
        for date in a.info_dates.iter().take(3) {
            self.open("date-information", None);
            self.leaf("date", &date.to_lheo(false));
            self.close("date-information");
        }
        if let Some(price) = a.price_total {
            self.leaf("prix-total-TTC", &format_number(price));
        }
        if let Some(hours) = a.hours_centre {
            self.number("nombre-heures-centre", hours);
        }
        if let Some(hours) = a.hours_company {
            self.number("nombre-heures-entreprise", hours);
        }
        if let Some(hours) = a.hours_total {
            self.number("nombre-heures-total", hours);
        }
        for funder in a.funders.iter().take(8) {
            self.open("organisme-financeur", None);
            self.leaf("code-financeur", &funder.code);
            if let Some(places) = funder.places {
                self.number("nb-places-financees", places);
            }
            self.close("organisme-financeur");
        }
        let modelled = if a.prescription_required {
            vec![(EXTRA_PRESCRIPTION, "1".to_string())]
        } else {
            Vec::new()
        };
        self.extras(a.extras.as_deref(), &modelled);
        self.close("action");
    }

    fn session(&mut self, s: &Session) {
        self.open("session", Some(&s.numero));
        self.open("periode", None);
        self.leaf("debut", &s.start.to_lheo(false));
        self.leaf("fin", &s.end.to_lheo(true));
        self.close("periode");
        self.open("adresse-inscription", None);
        self.address(&s.registration_address);
        self.close("adresse-inscription");
        self.number("etat-recrutement", s.recruitment.lheo_code());
        let modelled = match s.places {
            Some(places) => vec![(EXTRA_PLACES, places.to_string())],
            None => Vec::new(),
        };
        self.extras(s.extras.as_deref(), &modelled);
        self.close("session");
    }

    fn organisation(&mut self, o: &ResponsibleOrganisation) {
        self.open("organisme-formation-responsable", o.numero.as_deref());
        self.leaf("numero-activite", &o.activity_number);
        self.open("SIRET-organisme-formation", None);
        self.leaf("SIRET", &o.siret);
        self.close("SIRET-organisme-formation");
        self.leaf("nom-organisme", &o.name);
        self.leaf("raison-sociale", &o.legal_name);
        self.open("coordonnees-organisme", None);
        self.open("coordonnees", None);
        if !o.address.lines.is_empty() {
            self.address(&o.address);
        }
        self.close("coordonnees");
        self.close("coordonnees-organisme");
        self.open("contact-organisme", None);
        self.details(&o.contact);
        self.close("contact-organisme");
        self.close("organisme-formation-responsable");
    }

    /// `coordonnees` of a contact.
    fn details(&mut self, contact: &Contact) {
        self.open("coordonnees", None);
        if let Some(name) = &contact.name {
            match split_name(name) {
                (Some(first), last) => {
                    self.leaf("nom", last);
                    self.leaf("prenom", first);
                }
                (None, last) => self.leaf("nom", last),
            }
        }
        if let Some(phone) = &contact.phone {
            let kind = if is_mobile(phone) {
                "portable"
            } else {
                "telfixe"
            };
            self.open(kind, None);
            self.leaf("numtel", phone);
            self.close(kind);
        }
        if let Some(email) = &contact.email {
            self.leaf("courriel", email);
        }
        if let Some(web) = &contact.web {
            self.url("web", web);
        }
        self.close("coordonnees");
    }

    fn address(&mut self, a: &Address) {
        self.open("adresse", None);
        if let Some(name) = &a.name {
            self.leaf("denomination", name);
        }
        for line in a.lines.iter().take(4) {
            self.leaf("ligne", line);
        }
        self.leaf("codepostal", &a.postcode);
        self.leaf("ville", &a.city);
        if let Some(insee) = &a.insee {
            self.leaf("code-INSEE-commune", insee);
        }
        if let (Some(latitude), Some(longitude)) = (a.latitude, a.longitude) {
            self.open("geolocalisation", None);
            self.leaf("latitude", &format_number(latitude));
            self.leaf("longitude", &format_number(longitude));
            self.close("geolocalisation");
        }
        self.close("adresse");
    }
}

/// Splits a contact's name into `prenom` and `nom` only when it is longer than `nom` allows
/// (50 characters): the reader joins them back with one space.
fn split_name(name: &str) -> (Option<&str>, &str) {
    if name.chars().count() <= 50 {
        return (None, name);
    }
    for (index, c) in name.char_indices() {
        if c != ' ' {
            continue;
        }
        let (first, last) = (&name[..index], &name[index + 1..]);
        let stable = |part: &str| !part.is_empty() && part.trim() == part;
        if stable(first)
            && stable(last)
            && first.chars().count() <= 50
            && last.chars().count() <= 50
        {
            return (Some(first), last);
        }
    }
    (None, name)
}

/// French mobile numbers (06, 07, +33 6, +33 7) go in `portable`.
fn is_mobile(phone: &str) -> bool {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national = if phone.trim_start().starts_with('+') {
        digits.strip_prefix("33").map(|rest| format!("0{rest}"))
    } else {
        Some(digits)
    };
    national.is_some_and(|n| n.starts_with("06") || n.starts_with("07"))
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use chrono::NaiveDate;

    use super::*;

    const BRETAGNE: &[u8] = include_bytes!("../../tests/fixtures/lheo/offres-bretagne-2.3.xml");
    const PREFIXED_2_2: &[u8] = include_bytes!("../../tests/fixtures/lheo/offres-2.2-prefixe.xml");
    const INDEX: &[u8] = include_bytes!("../../tests/fixtures/lheo/index.xml");
    const LATIN_1: &[u8] = include_bytes!("../../tests/fixtures/lheo/iso-8859-1.xml");
    const REJECTS: &[u8] = include_bytes!("../../tests/fixtures/lheo/rejets.xml");
    const WRONG_NAMESPACE: &[u8] =
        include_bytes!("../../tests/fixtures/lheo/espace-de-noms-inconnu.xml");
    const TRUNCATED: &[u8] = include_bytes!("../../tests/fixtures/lheo/tronque.xml");
    const BINARY: &[u8] = include_bytes!("../../tests/fixtures/lheo/binaire.bin");
    const MON_COMPTE_FORMATION: &[u8] =
        include_bytes!("../../tests/fixtures/lheo/moncompteformation.xml");

    fn day(y: i32, m: u32, d: u32) -> LheoDate {
        LheoDate::Day(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn accepted(bytes: &[u8]) -> Vec<Training> {
        let parsed = parse(bytes).expect("file should be read");
        if let Some(rejected) = parsed.rejected().next() {
            panic!(
                "training {:?} rejected: {:?}",
                rejected.numero, rejected.result
            );
        }
        parsed.accepted().cloned().collect()
    }

    fn reasons(parsed: &Parsed, position: usize) -> Vec<String> {
        parsed.trainings[position - 1]
            .result
            .clone()
            .expect_err("training should be rejected")
    }

    /// Validates `xml` against the LHÉO 2.3 schema with xmllint.
    fn assert_valid(xml: &str) {
        let schema = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/lheo/lheo-2.3.xsd"
        );
        let child = Command::new("xmllint")
            .args(["--noout", "--schema", schema, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                "xmllint is missing: install Debian's libxml2-utils (apt-get install -y libxml2-utils) to validate LHÉO exports against the schema"
            ),
            Err(error) => panic!("cannot run xmllint: {error}"),
        };
        let mut stdin = child.stdin.take().unwrap();
        let input = xml.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(
            output.status.success(),
            "the export does not validate against lheo-2.3.xsd:\n{}\n--- export ---\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// parse → write → parse gives the same trainings, and the export validates.
    fn assert_round_trip(trainings: &[Training]) {
        let xml = write_to_string(trainings);
        assert_valid(&xml);
        let again = accepted(xml.as_bytes());
        assert_eq!(again, trainings);
        // Writing twice gives the same text.
        assert_eq!(write_to_string(&again), xml);
    }

    #[test]
    fn reads_a_realistic_2_3_file() {
        let parsed = parse(BRETAGNE).unwrap();
        assert_eq!(parsed.version, LheoVersion::V2_3);
        assert!(parsed.summaries.is_empty());
        let positions: Vec<_> = parsed
            .trainings
            .iter()
            .map(|t| (t.position, t.line, t.numero.as_deref().unwrap()))
            .collect();
        assert_eq!(
            positions,
            [
                (1, 5, "CFA-BOUL-2027"),
                (2, 155, "TP-SA-BREST"),
                (3, 274, "NUM-LORIENT-01")
            ]
        );
        let trainings = accepted(BRETAGNE);

        let cap = &trainings[0];
        assert_eq!(cap.title, "CAP Boulanger en apprentissage");
        assert_eq!(
            parsed.trainings[0].title.as_deref(),
            Some(cap.title.as_str())
        );
        assert!(cap.objectives.starts_with("Préparer le CAP Boulanger"));
        assert!(cap.objectives.ends_with("sécurité alimentaire."));
        assert!(cap.content.ends_with("Pétrissage, façonnage & cuisson."));
        assert!(cap.certifying);
        assert_eq!(cap.formacode_codes, ["21528"]);
        assert_eq!(cap.nsf_codes, ["221"]);
        assert_eq!(cap.rome_codes, ["D1102"]);
        assert_eq!(cap.rncp_codes, ["RNCP37496"]);
        assert!(cap.rs_codes.is_empty());
        assert_eq!(
            (cap.pathway, cap.entry_level, cap.exit_level),
            (1, 0, Some(3))
        );
        assert_eq!(
            cap.url.as_deref(),
            Some("https://cfa-metiers-rennes.example/cap-boulanger")
        );
        assert_eq!(
            cap.contact,
            Contact {
                name: Some("Gwenaëlle Le Goff".into()),
                phone: Some("02 99 00 11 22".into()),
                email: Some("apprentissage@cfa-metiers-rennes.example".into()),
                web: None,
            }
        );
        assert_eq!(
            cap.extras.as_deref(),
            Some(r#"<extras><extra info="identifiant-carif">BRE-2027-000154</extra></extras>"#)
        );

        let organisation = &cap.organisation;
        assert_eq!(organisation.numero.as_deref(), Some("OF-CFA-RENNES"));
        assert_eq!(organisation.activity_number, "53350123435");
        assert_eq!(organisation.siret, "13002526500013");
        assert_eq!(organisation.name, "CFA des Métiers de Rennes");
        assert_eq!(
            organisation.legal_name,
            "Chambre de métiers et de l’artisanat d’Ille-et-Vilaine"
        );
        assert_eq!(
            organisation.address.lines,
            ["2 cours des Alliés", "CS 51218"]
        );
        assert_eq!(organisation.address.postcode, "35012");
        assert_eq!(organisation.contact.name.as_deref(), Some("Accueil du CFA"));
        assert_eq!(
            organisation.contact.web.as_deref(),
            Some("https://cfa-metiers-rennes.example")
        );

        let action = &cap.actions[0];
        assert_eq!(action.numero, "CFA-BOUL-2027-A1");
        assert_eq!(action.public_codes, ["80056", "81042"]);
        assert!(!action.entry_level_required);
        assert!(action.funding_possible);
        assert_eq!((action.teaching_mode, action.entry_mode), (0, 0));
        let place = action.place.as_ref().unwrap();
        assert_eq!(place.name.as_deref(), Some("CFA des Métiers de Rennes"));
        assert_eq!(place.insee.as_deref(), Some("35238"));
        assert_eq!(
            (place.latitude, place.longitude),
            (Some(48.1173), Some(-1.6778))
        );
        assert_eq!(
            action.info_dates,
            [day(2027, 3, 15), LheoDate::Month(2027, 4)]
        );
        assert_eq!(action.price_total, Some(0.0));
        assert_eq!(
            (
                action.hours_centre,
                action.hours_company,
                action.hours_total
            ),
            (Some(800), Some(2400), Some(3200))
        );
        assert_eq!(
            action.funders,
            [
                Funding {
                    code: "2".into(),
                    places: Some(12)
                },
                Funding {
                    code: "10".into(),
                    places: None
                }
            ]
        );
        assert!(action.prescription_required);
        assert_eq!(
            action.extras.as_deref(),
            Some(
                r#"<extras info="passerelle"><extra info="code-UAI-site">0352482X</extra></extras>"#
            )
        );

        let first = &action.sessions[0];
        assert_eq!(first.numero, "CFA-BOUL-2027-S1");
        assert_eq!(
            (first.start, first.end),
            (day(2027, 9, 6), day(2029, 6, 30))
        );
        assert_eq!(first.recruitment, RecruitmentState::Open);
        assert_eq!(first.places, Some(12));
        assert_eq!(first.registration_address.city, "Rennes");
        assert_eq!(
            first.extras.as_deref(),
            Some(
                r#"<extras><extra info="salle"><batiment>B</batiment> fournil n° 2</extra></extras>"#
            )
        );
        let second = &action.sessions[1];
        assert_eq!(
            (second.start, second.end),
            (LheoDate::Month(2028, 1), LheoDate::Unknown)
        );
        assert_eq!(second.recruitment, RecruitmentState::Suspended);
        assert_eq!((second.places, second.extras.as_deref()), (None, None));

        let secretary = &trainings[1];
        assert_eq!(secretary.formacode_codes, ["35054", "35028"]);
        assert_eq!(secretary.rome_codes, ["M1607", "M1602"]);
        assert_eq!(secretary.rncp_codes, ["36805"]);
        assert_eq!(secretary.rs_codes, ["RS5466"]);
        assert_eq!(secretary.contact.name.as_deref(), Some("Yann Kervella"));
        assert_eq!(secretary.contact.phone.as_deref(), Some("06 12 34 56 78"));
        assert_eq!(secretary.organisation.numero, None);
        let action = &secretary.actions[0];
        assert_eq!(
            action.specific_conditions,
            "Maîtrise du français écrit et oral ; tests de positionnement <2 h>."
        );
        assert_eq!(action.price_total, Some(6930.5));
        assert_eq!((action.teaching_mode, action.entry_mode), (1, 1));
        assert!(!action.prescription_required);
        assert_eq!(
            (action.sessions[0].start, action.sessions[0].end),
            (LheoDate::Month(2027, 2), LheoDate::Month(2027, 9))
        );
        assert_eq!(action.sessions[0].recruitment, RecruitmentState::Closed);
        assert_eq!(
            (action.sessions[1].start, action.sessions[1].end),
            (LheoDate::Unknown, LheoDate::Year(2027))
        );
        // The only extra was the number of places: nothing left to keep.
        assert_eq!(
            (
                action.sessions[1].places,
                action.sessions[1].extras.as_deref()
            ),
            (Some(8), None)
        );

        let digital = &trainings[2];
        assert!(!digital.certifying);
        assert_eq!(digital.contact, Contact::default());
        assert_eq!(digital.exit_level, None);
        let action = &digital.actions[0];
        assert!(!action.prescription_required);
        assert_eq!(action.extras, None);
        assert_eq!(action.place, None);
        let session = &action.sessions[0];
        assert_eq!(
            (session.start, session.end),
            (LheoDate::Unknown, LheoDate::Unknown)
        );
        assert_eq!(
            session.registration_address.lines,
            ["Maison de l’emploi", "3 quai du Péristyle"]
        );
    }

    #[test]
    #[should_panic(expected = "does not validate")]
    fn the_schema_check_catches_invalid_exports() {
        assert_valid(&format!(
            "<lheo xmlns=\"{NAMESPACE_2_3}\"><offres></offres></lheo>"
        ));
    }

    #[test]
    fn fixtures_meant_to_be_valid_are() {
        assert_valid(std::str::from_utf8(BRETAGNE).unwrap());
        assert_valid(std::str::from_utf8(INDEX).unwrap());
    }

    #[test]
    fn entries_known_by_a_summary_follow_the_offers_and_validate() {
        let trainings = accepted(BRETAGNE);
        // Any training stands for a catalogue entry made from a summary.
        let mut summary = trainings[1].clone();
        summary.numero = "IDX-1".into();
        let mut out = Vec::new();
        write_catalogue(
            &trainings[..1],
            &[(&summary, Some("https://carif.example/IDX-1.xml"))],
            &mut out,
        )
        .unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert_valid(&xml);
        assert!(
            xml.contains(&format!(
                "<extras info=\"fiche-resumee\" numero=\"IDX-1\">\n      <extra info=\"avertissement\">{SUMMARY_NOTICE}</extra>\n      <extra info=\"lien-fiche-complete\">https://carif.example/IDX-1.xml</extra>"
            )),
            "{xml}"
        );
        assert!(xml.contains("<extra info=\"debut\">"), "{xml}");
        // Read back, the file gives the full trainings only.
        assert_eq!(accepted(xml.as_bytes()), trainings[..1]);
    }

    #[test]
    fn round_trips_and_validates() {
        assert_round_trip(&accepted(BRETAGNE));
        assert_round_trip(&accepted(PREFIXED_2_2));
        assert_round_trip(&accepted(LATIN_1));
        let rejects = parse(REJECTS).unwrap();
        assert_round_trip(&rejects.accepted().cloned().collect::<Vec<_>>());
    }

    #[test]
    fn round_trips_edge_values() {
        let mut training = accepted(BRETAGNE).remove(0);
        training.numero = "F<&\"'>\t1".into();
        training.title = "Pâtisserie & chocolaterie <niveau 1> « découverte »".into();
        training.objectives = "Ligne 1\r\nLigne 2\n\tavec tabulation".into();
        training.contact.name =
            Some("Marie-Anne-Gwenaëlle-Françoise Le Bihan de Kerguélen-Tréguier".into());
        training.contact.phone = Some("+33 7 00 00 00 00".into());
        training.organisation.address = Address::default();
        training.organisation.contact = Contact::default();
        training.rncp_codes = vec!["1".into(), "2".into()];
        training.rs_codes = vec!["RS1".into()];
        training.exit_level = None;
        training.url = None;
        let action = &mut training.actions[0];
        action.price_total = Some(1234.56);
        action.place.as_mut().unwrap().latitude = Some(-0.000001);
        action.public_info = None;
        action.info_dates = vec![LheoDate::Unknown, LheoDate::Year(2027)];
        action.prescription_required = false;
        action.extras = None;
        let session = &mut action.sessions[0];
        session.places = Some(0);
        session.start = LheoDate::Unknown;
        session.end = LheoDate::Unknown;
        session.extras = None;
        assert_round_trip(&[training]);
    }

    #[test]
    fn reads_2_2_with_prefixes() {
        let parsed = parse(PREFIXED_2_2).unwrap();
        assert_eq!(parsed.version, LheoVersion::V2_2);
        let training = accepted(PREFIXED_2_2).remove(0);
        assert_eq!(training.title, "Soudeur / soudeuse assembleur industriel");
        // Without nom-organisme, the legal name stands for it.
        assert_eq!(
            training.organisation.name,
            "Institut de soudure des Côtes-d’Armor"
        );
        assert_eq!(training.organisation.legal_name, training.organisation.name);
        let session = &training.actions[0].sessions[0];
        assert_eq!(session.places, Some(10));
        assert_eq!(
            session.extras.as_deref(),
            Some(concat!(
                r#"<extras><extra xmlns:x="urn:exemple:carif" info="carif" x:source="gref">"#,
                r#"<code xmlns="urn:exemple:carif">A-12</code> salle <ligne>atelier</ligne>"#,
                "</extra></extras>"
            ))
        );
    }

    #[test]
    fn the_element_names_are_those_of_the_schema() {
        let xsd = include_str!("../../tests/fixtures/lheo/lheo-2.3.xsd");
        let mut declared: Vec<&str> = xsd
            .split("<xs:element name=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        declared.sort_unstable();
        declared.dedup();
        assert_eq!(LHEO_ELEMENTS, declared.as_slice());
    }

    #[test]
    fn reads_mon_compte_formation_as_lheo_keeping_its_extensions() {
        let parsed = parse(MON_COMPTE_FORMATION).expect("file should be read");
        assert_eq!(parsed.version, LheoVersion::MonCompteFormation);
        let trainings = accepted(MON_COMPTE_FORMATION);
        let [training] = trainings.as_slice() else {
            panic!("one training expected: {trainings:?}");
        };
        // Its LHÉO elements are read as LHÉO.
        assert_eq!(training.numero, "MCF-ANGLAIS-PRO");
        assert_eq!(
            training.title,
            "Anglais professionnel – préparation au TOEIC"
        );
        assert_eq!(training.rs_codes, ["RS5544"]);
        assert_eq!(training.organisation.siret, "52010203400027");
        assert_eq!(
            training.contact.email.as_deref(),
            Some("cpf@langues-vannes.example")
        );
        let mcf =
            |name: &str, text: &str| format!("<{name} xmlns=\"{NAMESPACE_MCF}\">{text}</{name}>");
        // Its own elements are kept in the extras where they appear, whole, in their namespace.
        assert_eq!(
            training.extras.as_deref(),
            Some(
                format!(
                    "<extras info=\"moncompteformation\"><extra info=\"eligible-cpf\">{}</extra><extra info=\"organisme-formation-responsable/qualiopi\">{}</extra></extras>",
                    mcf("eligible-cpf", "1"),
                    mcf("qualiopi", "1"),
                )
                .as_str()
            )
        );
        let action = &training.actions[0];
        assert_eq!(action.teaching_mode, 1);
        assert!(!action.prescription_required);
        assert_eq!(
            action.place.as_ref().and_then(|p| p.insee.as_deref()),
            Some("56260")
        );
        // An extension's children stay its own, even when LHÉO has an element of that name.
        assert_eq!(
            action.extras.as_deref(),
            Some(
                format!(
                    "<extras info=\"moncompteformation\"><extra info=\"frais-anpec\">{}</extra><extra info=\"modalites-handicap\"><modalites-handicap xmlns=\"{NAMESPACE_MCF}\"><accessible>1</accessible><ligne>Salle de plain-pied, référent handicap sur place</ligne></modalites-handicap></extra></extras>",
                    mcf("frais-anpec", "0"),
                )
                .as_str()
            )
        );
        let session = &action.sessions[0];
        assert_eq!(session.start, day(2027, 1, 11));
        assert_eq!(session.places, Some(10));
        assert_eq!(
            session.extras.as_deref(),
            Some(
                format!(
                    "<extras info=\"moncompteformation\"><extra info=\"places-cpf\">{}</extra></extras>",
                    mcf("places-cpf", "6")
                )
                .as_str()
            )
        );
        // Exported as LHÉO 2.3, valid, and read back the same.
        assert_round_trip(&trainings);
        let xml = write_to_string(&trainings);
        assert!(xml.contains(&mcf("frais-anpec", "0")), "{xml}");

        // The same file with a prefix for some of its elements reads the same.
        let prefixed = std::str::from_utf8(MON_COMPTE_FORMATION)
            .unwrap()
            .replace(
                "<lheo xmlns=",
                &format!("<m:lheo xmlns:m=\"{NAMESPACE_MCF}\" xmlns="),
            )
            .replace("</lheo>", "</m:lheo>")
            .replace("<offres>", "<m:offres>")
            .replace("</offres>", "</m:offres>")
            .replace("<formation ", "<m:formation ")
            .replace("</formation>", "</m:formation>");
        let again = parse(prefixed.as_bytes()).expect("prefixed file should be read");
        assert_eq!(again.accepted().collect::<Vec<_>>(), [training]);

        // An LHÉO 2.3 file may carry one of its elements too: kept the same way.
        let in_lheo = std::str::from_utf8(MON_COMPTE_FORMATION)
            .unwrap()
            .replace(
                &format!("<lheo xmlns=\"{NAMESPACE_MCF}\">"),
                &format!("<lheo xmlns=\"{NAMESPACE_2_3}\" xmlns:m=\"{NAMESPACE_MCF}\">"),
            )
            .replace(
                "<frais-anpec>0</frais-anpec>",
                "<m:frais-anpec>0</m:frais-anpec>",
            );
        let from_lheo = accepted(in_lheo.as_bytes());
        assert!(
            from_lheo[0].actions[0]
                .extras
                .as_deref()
                .is_some_and(|e| e.contains(&mcf("frais-anpec", "0"))),
            "{:?}",
            from_lheo[0].actions[0].extras
        );
    }

    #[test]
    fn an_index_is_not_read_in_the_mon_compte_formation_namespace() {
        assert_eq!(
            parse(
                format!("<lheo-index xmlns=\"{NAMESPACE_MCF}\"><resumes-offres/></lheo-index>")
                    .as_bytes()
            ),
            Err(LheoError::WrongNamespace {
                found: Some(NAMESPACE_MCF.into())
            })
        );
    }

    #[test]
    fn reads_an_index() {
        let parsed = parse(INDEX).unwrap();
        assert_eq!(parsed.version, LheoVersion::Index);
        assert!(parsed.trainings.is_empty());
        let [cap, secretary] = &parsed.summaries[..] else {
            panic!("two summaries expected: {:?}", parsed.summaries);
        };
        assert_eq!(
            cap,
            &Summary {
                position: 1,
                line: 4,
                numero: Some("CFA-BOUL-2027".into()),
                href: Some("https://carif.example/offres/CFA-BOUL-2027.xml".into()),
                updated: Some(day(2026, 11, 2)),
                created: Some(day(2025, 9, 15)),
                title: Some("CAP Boulanger en apprentissage".into()),
                organisation_name: Some("CFA des Métiers de Rennes".into()),
                siret: Some("13002526500013".into()),
                postcode: Some("35000".into()),
                insee: Some("35238".into()),
                city: Some("Rennes".into()),
                department: Some("35".into()),
                formacode_codes: vec!["21528".into()],
                rome_codes: vec!["D1102".into()],
                certifying: Some(true),
                entry_level: Some(0),
                hours_total: Some(3200),
                rncp_codes: vec!["RNCP37496".into()],
                sessions: vec![SummarySession {
                    numero: Some("CFA-BOUL-2027-S1".into()),
                    start: Some(day(2027, 9, 6)),
                    end: Some(day(2029, 6, 30)),
                    recruitment: Some(RecruitmentState::Open),
                }],
                problems: vec![],
            }
        );
        assert_eq!((secretary.position, secretary.line), (2, 45));
        assert_eq!(secretary.updated, Some(day(2026, 10, 31)));
        assert_eq!(secretary.sessions[0].start, Some(LheoDate::Month(2027, 2)));
        assert_eq!(secretary.sessions[0].end, None);
        assert_eq!(
            secretary.problems,
            [
                "session « TP-SA-BREST-2027-1 » : date invalide « 20270931 » dans session/periode/fin (format AAAAMMJJ attendu)"
            ]
        );
    }

    #[test]
    fn honours_the_declared_encoding() {
        // « à » is the single byte 0xE0 in Latin-1.
        assert!(LATIN_1.windows(3).any(|w| w == b" \xe0 "));
        let training = accepted(LATIN_1).remove(0);
        assert_eq!(
            training.title,
            "Conducteur du transport routier interurbain de voyageurs à Quimper"
        );
        assert!(training.objectives.starts_with("Être capable"));
        assert_eq!(training.contact.name.as_deref(), Some("Hélène Quéméner"));
        assert_eq!(
            training.actions[0].sessions[0].registration_address.lines,
            ["Pôle formation, 8 allée de Kérogan"]
        );

        // windows-1252 has the typographic apostrophe at 0x92.
        let cp1252 = replace_bytes(LATIN_1, b"ISO-8859-1", b"windows-1252");
        let cp1252 = replace_bytes(&cp1252, b"d'accueillir", b"d\x92accueillir");
        let training = accepted(&cp1252).remove(0);
        assert!(training.objectives.contains("d’accueillir"));
    }

    fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = haystack
            .windows(from.len())
            .position(|w| w == from)
            .expect("pattern present");
        [&haystack[..at], to, &haystack[at + from.len()..]].concat()
    }

    #[test]
    fn skips_a_utf8_bom_and_reads_utf16() {
        let expected = accepted(BRETAGNE);
        let with_bom = [b"\xef\xbb\xbf".as_slice(), BRETAGNE].concat();
        assert_eq!(accepted(&with_bom), expected);

        let text = std::str::from_utf8(BRETAGNE)
            .unwrap()
            .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(accepted(&utf16), expected);
    }

    #[test]
    fn rejects_trainings_one_by_one() {
        let parsed = parse(REJECTS).unwrap();
        let summary: Vec<_> = parsed
            .trainings
            .iter()
            .map(|t| (t.position, t.line, t.numero.clone(), t.result.is_ok()))
            .collect();
        assert_eq!(
            summary,
            [
                (1, 4, Some("F-OK".to_string()), true),
                (2, 38, Some("F-DATE".to_string()), false),
                (3, 72, Some("F-OBJ".to_string()), false),
                (4, 105, None, false),
                (5, 139, Some("F-OK-2".to_string()), true),
                (6, 173, Some("F-OK".to_string()), false),
                (7, 207, Some("F-OK".to_string()), true),
            ]
        );
        assert_eq!(
            parsed.trainings[1].title.as_deref(),
            Some("Formation à la date invalide")
        );
        assert_eq!(
            reasons(&parsed, 2),
            [
                "action « A1 », session « S1 » : date invalide « 20170931 » dans session/periode/debut (format AAAAMMJJ attendu)",
                "action « A1 », session « S1 » : etat-recrutement « 7 » inconnu (1 ouvert, 2 fermé, 3 suspendu)",
            ]
        );
        assert_eq!(
            reasons(&parsed, 3),
            [
                "élément obligatoire manquant : objectif-formation",
                "code-niveau-entree « x » n’est pas un nombre",
            ]
        );
        assert_eq!(
            reasons(&parsed, 4),
            [
                "attribut numero manquant sur formation : l’identifiant de la formation est obligatoire pour la mise à jour",
                "action n° 1 : attribut numero manquant : l’identifiant de l’action est obligatoire",
                "action n° 1, session n° 1 : attribut numero manquant : l’identifiant de la session est obligatoire",
            ]
        );
        assert_eq!(
            reasons(&parsed, 6),
            [
                "formation « F-OK » en double dans le fichier pour le même organisme (déjà en position 1, ligne 4)"
            ]
        );
        assert_eq!(parsed.accepted().count(), 3);
    }

    #[test]
    fn rejects_values_the_schema_refuses() {
        let text = std::str::from_utf8(REJECTS).unwrap();
        let first_end = text.find("</formation>").unwrap() + "</formation>".len();
        let head = &text[..first_end];
        let file = |formation: String| {
            format!(
                "<?xml version=\"1.0\"?>\n<lheo xmlns=\"{NAMESPACE_2_3}\"><offres>\n{}\n</offres></lheo>",
                &formation[formation.find("<formation").unwrap()..]
            )
        };
        let broken = head
            .replace("<SIRET>13002526500013</SIRET>", "<SIRET>130025265</SIRET>")
            .replace(
                "<code-FORMACODE>21528</code-FORMACODE>",
                &format!(
                    "<code-FORMACODE>2152</code-FORMACODE>{}",
                    "<code-ROME>D1102</code-ROME>".repeat(6)
                ),
            )
            .replace("<certifiante>0</certifiante>", "<certifiante>non</certifiante>")
            .replace("<codepostal>56000</codepostal>", "<codepostal>560</codepostal>")
            .replace(
                "<etat-recrutement>1</etat-recrutement>",
                "<etat-recrutement>1</etat-recrutement><extras><extra info=\"nb-places\">douze</extra></extras>",
            )
            .replace("<rythme-formation>Temps plein</rythme-formation>", "");
        let parsed = parse(file(broken).as_bytes()).unwrap();
        assert_eq!(
            reasons(&parsed, 1),
            [
                "domaine-formation/code-FORMACODE « 2152 » invalide (5 caractères attendus)",
                "trop d’éléments domaine-formation/code-ROME : 6 (5 au plus)",
                "certifiante « non » invalide (0 ou 1 attendu)",
                "action « A1 » : élément obligatoire manquant : action/rythme-formation",
                "action « A1 », session « S1 » : session/adresse-inscription/adresse/codepostal « 560 » invalide (5 caractères attendus)",
                "action « A1 », session « S1 » : extra « nb-places » : « douze » invalide (nombre entier positif attendu)",
                "organisme-formation-responsable/SIRET-organisme-formation/SIRET « 130025265 » invalide (14 chiffres attendus)",
                "organisme-formation-responsable/coordonnees-organisme/coordonnees/adresse/codepostal « 560 » invalide (5 caractères attendus)",
            ]
        );
        let long_title = head.replace(
            "<intitule-formation>Formation valide</intitule-formation>",
            &format!(
                "<intitule-formation>{}</intitule-formation>",
                "é".repeat(256)
            ),
        );
        let parsed = parse(file(long_title).as_bytes()).unwrap();
        assert_eq!(
            reasons(&parsed, 1),
            ["intitule-formation trop long : 256 caractères (255 au plus)"]
        );
    }

    #[test]
    fn whole_file_errors() {
        assert_eq!(
            parse(WRONG_NAMESPACE),
            Err(LheoError::WrongNamespace {
                found: Some("http://www.lheo.org/2.1".into())
            })
        );
        assert_eq!(
            parse(WRONG_NAMESPACE).unwrap_err().to_string(),
            "Espace de noms « http://www.lheo.org/2.1 » non reconnu pour l’élément racine ; espaces de noms acceptés : « http://lheo.gouv.fr/2.3 » (LHÉO 2.3), « http://www.lheo.org/2.2 » (LHÉO 2.2) et « https://www.of.moncompteformation.gouv.fr » (catalogue Mon Compte Formation)."
        );
        assert_eq!(
            parse(TRUNCATED),
            Err(LheoError::Malformed {
                line: 163,
                message: "fin de fichier inattendue, l’élément « intitule-formation » n’est pas fermé (fichier tronqué ?)".into()
            })
        );
        assert_eq!(parse(BINARY), Err(LheoError::Binary));
        assert_eq!(parse(b""), Err(LheoError::Empty));
        assert_eq!(parse(b" \n "), Err(LheoError::Empty));
        assert_eq!(
            parse(b"numero;intitule\n1;CAP Boulanger\n"),
            Err(LheoError::NotXml)
        );
        assert_eq!(
            parse(b"<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>"),
            Err(LheoError::WrongRoot {
                found: "html".into()
            })
        );
        assert_eq!(
            parse(b"<lheo><offres/></lheo>"),
            Err(LheoError::WrongNamespace { found: None })
        );
        let ns = format!("<lheo xmlns=\"{NAMESPACE_2_3}\"><extras/></lheo>");
        assert_eq!(
            parse(ns.as_bytes()),
            Err(LheoError::NoOffers { expected: "offres" })
        );
        assert_eq!(
            parse(format!("<lheo-index xmlns=\"{NAMESPACE_2_2}\"/>").as_bytes()),
            Err(LheoError::NoOffers {
                expected: "resumes-offres"
            })
        );
        // A prefixed root whose children forgot the prefix is still read.
        let sloppy = format!("<l:lheo xmlns:l=\"{NAMESPACE_2_3}\"><offres/></l:lheo>");
        assert_eq!(
            parse(sloppy.as_bytes()).map(|p| p.version),
            Ok(LheoVersion::V2_3)
        );
        let empty = parse(format!("<lheo xmlns=\"{NAMESPACE_2_3}\"><offres/></lheo>").as_bytes());
        assert_eq!(empty.map(|p| p.trainings.len()), Ok(0));
        assert_eq!(
            parse(format!("<?xml version=\"1.0\"?>\n<lheo xmlns=\"{NAMESPACE_2_3}\">\n<offres>\n</offre>\n</lheo>").as_bytes()),
            Err(LheoError::Malformed {
                line: 4,
                message: "balise fermante « </offre> » trouvée à la place de « </offres> »".into()
            })
        );
        assert_eq!(
            parse(
                format!("<lheo xmlns=\"{NAMESPACE_2_3}\">\n<offres>caf&eacute;</offres></lheo>")
                    .as_bytes()
            ),
            Err(LheoError::Malformed {
                line: 2,
                message: "entité « &eacute; » inconnue".into()
            })
        );
        assert_eq!(
            parse(b"<?xml version=\"1.0\"?>\n<lheo>\xe9t\xe9</lheo>"),
            Err(LheoError::Encoding {
                encoding: "UTF-8".into(),
                line: 2
            })
        );
        assert_eq!(
            parse(b"<?xml version=\"1.0\" encoding=\"KLINGON\"?><lheo/>"),
            Err(LheoError::UnknownEncoding("KLINGON".into()))
        );
        assert_eq!(
            parse(format!("<lheo xmlns=\"{NAMESPACE_2_3}\"><offres/></lheo><lheo/>").as_bytes()),
            Err(LheoError::Malformed {
                line: 1,
                message: "contenu après la fin de l’élément racine".into()
            })
        );
        assert_eq!(
            LheoError::Malformed {
                line: 4,
                message: "balise non terminée".into()
            }
            .to_string(),
            "XML mal formé, ligne 4 : balise non terminée."
        );
    }

    #[test]
    fn splits_long_names_and_recognises_mobiles() {
        assert_eq!(split_name("Anne Le Gall"), (None, "Anne Le Gall"));
        let long = "Marie-Anne-Gwenaëlle-Françoise Le Bihan de Kerguélen-Tréguier";
        assert_eq!(
            split_name(long),
            (
                Some("Marie-Anne-Gwenaëlle-Françoise"),
                "Le Bihan de Kerguélen-Tréguier"
            )
        );
        assert!(is_mobile("06 12 34 56 78"));
        assert!(is_mobile("+33 7 00 00 00 00"));
        assert!(!is_mobile("02 99 00 11 22"));
        assert!(!is_mobile("+44 7700 900000"));
    }

    /// `depth` elements named `name`, each inside the previous one.
    fn nested(name: &str, depth: usize) -> String {
        format!("<{name}>").repeat(depth) + &format!("</{name}>").repeat(depth)
    }

    fn bretagne_with(anchor: &str, insert: &str) -> String {
        let text = std::str::from_utf8(BRETAGNE).unwrap();
        let at = text.find(anchor).expect("anchor in the fixture") + anchor.len();
        format!("{}{insert}{}", &text[..at], &text[at..])
    }

    #[test]
    fn a_file_nested_ten_thousand_levels_inside_an_extra_is_refused() {
        // 70 KB that used to overflow the stack and abort the whole server.
        let xml = bretagne_with(r#"<extra info="salle">"#, &nested("niveau", 10_000));
        let error = parse(xml.as_bytes()).unwrap_err();
        assert_eq!(
            error,
            LheoError::TooDeep {
                line: 84,
                max: MAX_DEPTH
            }
        );
        assert_eq!(
            error.to_string(),
            "Éléments imbriqués trop profondément, ligne 84 : plus de 100 niveaux. Un fichier LHÉO n’en compte qu’une dizaine ; vérifiez le logiciel qui a produit ce fichier."
        );
    }

    #[test]
    fn a_file_nested_forty_thousand_levels_inside_a_formation_is_refused() {
        let anchor = "</modalites-entrees-sorties>";
        let xml = bretagne_with(anchor, &nested("bloc", 40_000));
        let line = 1 + xml[..xml.find(anchor).unwrap()].matches('\n').count();
        assert_eq!(
            parse(xml.as_bytes()),
            Err(LheoError::TooDeep {
                line,
                max: MAX_DEPTH
            })
        );
        // Outside any `formation` too.
        let xml = bretagne_with("<offres>", &nested("bloc", 40_000));
        assert!(matches!(
            parse(xml.as_bytes()),
            Err(LheoError::TooDeep { .. })
        ));
    }

    #[test]
    fn nesting_up_to_the_limit_is_read() {
        // `lheo`, `offres` and `formation` are the first three levels.
        let file = |depth: usize| {
            format!(
                r#"<lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation numero="F1">{}</formation></offres></lheo>"#,
                nested("bloc", depth)
            )
        };
        let parsed = parse(file(MAX_DEPTH - 3).as_bytes()).expect("within the limit");
        assert_eq!(parsed.trainings.len(), 1);
        assert!(matches!(
            parse(file(MAX_DEPTH - 2).as_bytes()),
            Err(LheoError::TooDeep {
                line: 1,
                max: MAX_DEPTH
            })
        ));
    }
}
