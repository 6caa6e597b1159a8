//! `Path`, `Query`, `Form`, `Json` and `Multipart` extractors whose rejections are French,
//! structured errors (a French page on pages, `{"code","message"}` under `/api`), never the
//! English text of axum or serde.
//!
//! Query strings and URL-encoded forms are read leniently: a parameter given several times
//! keeps one value when the target has room for one (the last non-empty one: a link that adds
//! a filter already in the address chooses the new value) and unknown parameters are ignored, so that an address built by
//! hand or by an old link never answers 400 for its shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Where the pairs come from, for the wording of errors.
#[derive(Clone, Copy)]
enum Source {
    Query,
    Form,
}

impl Source {
    fn missing(self, name: &str) -> String {
        match self {
            Source::Query => format!("Le paramètre « {name} » manque dans l’adresse."),
            Source::Form => format!("Le champ « {name} » manque au formulaire."),
        }
    }

    fn invalid(self, name: &str) -> String {
        match self {
            Source::Query => {
                format!("La valeur du paramètre « {name} » de l’adresse n’est pas valide.")
            }
            Source::Form => format!("La valeur du champ « {name} » n’est pas valide."),
        }
    }

    fn unreadable(self) -> &'static str {
        match self {
            Source::Query => "Les paramètres de l’adresse ne sont pas valides.",
            Source::Form => "Le formulaire envoyé est incomplet ou mal formé.",
        }
    }
}

/// The pairs of a URL-encoded string, one per name: a repeated name keeps its last non-empty
/// value (at the place of its first occurrence).
pub fn merged_pairs(input: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(input.as_bytes()) {
        match pairs.iter_mut().find(|(n, _)| *n == name) {
            Some((_, kept)) => {
                if !value.trim().is_empty() || kept.trim().is_empty() {
                    *kept = value.into_owned();
                }
            }
            None => pairs.push((name.into_owned(), value.into_owned())),
        }
    }
    pairs
}

/// Deserializes a URL-encoded string leniently (see the module), with a French error naming
/// the parameter at fault. The pairs are read as they come first, so that a target that wants
/// every pair (`Vec<(String, String)>`: a list of checkboxes) gets them all; only when that
/// fails (a struct refusing a repeated field) are repeated names merged.
fn deserialize_lenient<T: DeserializeOwned>(input: &str, source: Source) -> Result<T, AppError> {
    let read = |text: &str| {
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(text.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(deserializer)
    };
    if let Ok(value) = read(input) {
        return Ok(value);
    }
    let merged = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(merged_pairs(input))
        .finish();
    read(&merged).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let message = if let Some(field) = inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            source.missing(field)
        } else if path.is_empty() || path == "." || path == "?" {
            source.unreadable().to_owned()
        } else {
            source.invalid(&path)
        };
        AppError::bad_request(message)
    })
}

pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Query<T> {
    /// Reads the query of an address, leniently and with the same French errors as the
    /// extractor.
    pub fn from_uri(uri: &axum::http::Uri) -> Result<Self, AppError> {
        Self::from_query(uri.query().unwrap_or_default())
    }

    /// Reads a query string (without its `?`), as [`Query::from_uri`] does.
    pub fn from_query(query: &str) -> Result<Self, AppError> {
        deserialize_lenient(query, Source::Query).map(Query)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        Self::from_uri(&parts.uri)
    }
}

pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if req.method() == Method::GET || req.method() == Method::HEAD {
            return deserialize_lenient(req.uri().query().unwrap_or_default(), Source::Form)
                .map(Form);
        }
        let url_encoded = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !url_encoded {
            return Err(AppError::bad_request(
                "Le formulaire doit être envoyé encodé (application/x-www-form-urlencoded).",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status()))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| AppError::bad_request(Source::Form.unreadable()))?;
        deserialize_lenient(text, Source::Form).map(Form)
    }
}

/// A body that could not be read: too large, or cut off.
fn body_error(status: StatusCode) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Les données envoyées sont trop volumineuses.",
        )
    } else {
        AppError::bad_request("Les données envoyées n’ont pas pu être lues en entier.")
    }
}

pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !is_json {
            return Err(AppError::bad_request(
                "Le corps doit être du JSON (en-tête Content-Type: application/json).",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status()))?;
        json_from_slice(&bytes).map(Json)
    }
}

/// Reads a JSON body, with a French error naming the field at fault.
pub fn json_from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        json_error(&path, &e.into_inner())
    })?;
    deserializer.end().map_err(|e| json_error("", &e))?;
    Ok(value)
}

fn json_error(path: &str, error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    let at_root = path.is_empty() || path == ".";
    let message = match error.classify() {
        Category::Syntax => format!(
            "Corps JSON illisible (ligne {}, colonne {}).",
            error.line(),
            error.column()
        ),
        Category::Eof | Category::Io => "Corps JSON incomplet.".to_owned(),
        Category::Data => {
            let text = error.to_string();
            if let Some(field) = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
            {
                let within = if at_root {
                    String::new()
                } else {
                    format!(" dans « {path} »")
                };
                format!("Corps JSON invalide : le champ « {field} » manque{within}.")
            } else if at_root {
                "Corps JSON invalide : un objet est attendu.".to_owned()
            } else {
                format!("Corps JSON invalide : la valeur de « {path} » n’est pas valide.")
            }
        }
    };
    AppError::bad_request(message)
}

/// Path parameters: an address whose parameters cannot be read names nothing, so it answers
/// the French 404.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::MissingPathParams(e)) => {
                Err(AppError::internal(anyhow::anyhow!("{}", e.body_text())))
            }
            Err(_) => Err(AppError::not_found()),
        }
    }
}

/// A `multipart/form-data` body; a request that is not one answers in French.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|_| {
                AppError::bad_request(
                    "Le formulaire doit être envoyé avec ses fichiers (multipart/form-data).",
                )
            })
    }
}

/// Empty form fields arrive as `""`: treat them as absent.
pub fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Search {
        contrat: Option<String>,
        page: Option<usize>,
    }

    #[test]
    fn a_repeated_parameter_keeps_its_last_non_empty_value() {
        let read = |q: &str| deserialize_lenient::<Search>(q, Source::Query).unwrap();
        assert_eq!(
            read("contrat=apprentissage&contrat=apprentissage")
                .contrat
                .as_deref(),
            Some("apprentissage")
        );
        assert_eq!(
            read("contrat=apprentissage&contrat=professionnalisation")
                .contrat
                .as_deref(),
            Some("professionnalisation")
        );
        assert_eq!(
            read("contrat=apprentissage&contrat=").contrat.as_deref(),
            Some("apprentissage")
        );
        // A list of pairs keeps every one (checkboxes sharing a name).
        let all: Vec<(String, String)> =
            deserialize_lenient("present=a&present=b", Source::Form).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            read("inconnu=1&inconnu=2&page=2&page=3"),
            Search {
                contrat: None,
                page: Some(3)
            }
        );
    }

    #[test]
    fn errors_name_the_parameter_in_french() {
        let err = deserialize_lenient::<Search>("page=deux", Source::Query).unwrap_err();
        assert_eq!(
            err.message(),
            "La valeur du paramètre « page » de l’adresse n’est pas valide."
        );
        #[derive(Debug, Deserialize)]
        #[expect(dead_code, reason = "only the error is read")]
        struct Needed {
            token: String,
        }
        let err = deserialize_lenient::<Needed>("", Source::Form).unwrap_err();
        assert_eq!(err.message(), "Le champ « token » manque au formulaire.");
    }

    #[test]
    fn json_errors_are_french() {
        #[derive(Debug, Deserialize)]
        #[expect(dead_code, reason = "only the error is read")]
        struct Body {
            title: String,
            places: u32,
        }
        let err = json_from_slice::<Body>(br#"{"places": 3}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "Corps JSON invalide : le champ « title » manque."
        );
        let err = json_from_slice::<Body>(br#"{"title": "x", "places": "trois"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "Corps JSON invalide : la valeur de « places » n’est pas valide."
        );
        let err = json_from_slice::<Body>(b"{\"title\": ").unwrap_err();
        assert_eq!(err.message(), "Corps JSON incomplet.");
        let err = json_from_slice::<Body>(b"{title}").unwrap_err();
        assert!(err.message().starts_with("Corps JSON illisible (ligne 1"));
    }
}
