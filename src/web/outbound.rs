//! Outgoing HTTP requests to addresses partners or the region configured (partners'
//! webhooks, the SMS provider's endpoint): one client for the whole process, HTTPS with the
//! Mozilla roots (webpki-roots, TLS by rustls on ring) or plain HTTP, a deadline per request.
//! The answer's body is kept short: it is recorded in delivery logs, never trusted.

use std::sync::OnceLock;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// What came back: the status and the start of the body (at most [`MAX_BODY`] bytes read).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The most of an answer's body read (and kept).
pub const MAX_BODY: usize = 4096;

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

fn client() -> &'static HttpsClient {
    static CLIENT: OnceLock<HttpsClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .expect("the ring provider supports the default TLS versions")
            .https_or_http()
            .enable_http1()
            .build();
        Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector)
    })
}

/// Checks that `url` is an absolute `http` or `https` address with a host; the French
/// message says what is wrong (shown on the forms where partners type it).
pub fn check_url(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|_| "Cette adresse n’est pas une URL complète (https://…).".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(
            "L’adresse doit commencer par https:// (ou http://) et nommer un serveur.".into(),
        );
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("L’adresse ne doit pas contenir d’identifiant ni de mot de passe.".into());
    }
    Ok(parsed)
}

/// POSTs `body` to `url` with `headers` (and `content_type`), waiting at most `timeout` for
/// the whole exchange. An error is a failure to connect, a TLS failure or the deadline; any
/// HTTP status is an [`Answer`].
pub async fn post(
    url: &str,
    content_type: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> anyhow::Result<Answer> {
    let url = check_url(url).map_err(anyhow::Error::msg)?;
    let mut request = hyper::Request::post(url.as_str())
        .header(hyper::header::CONTENT_TYPE, content_type)
        .header(
            hyper::header::USER_AGENT,
            concat!("Passerelle/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request.body(Full::new(Bytes::from(body)))?;
    let exchange = async {
        let response = client().request(request).await?;
        let status = response.status().as_u16();
        // Read at most MAX_BODY bytes; a longer answer is cut, never an error.
        let mut collected = Vec::new();
        let mut body = response.into_body();
        while collected.len() < MAX_BODY {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        collected.extend_from_slice(data);
                    }
                }
                Some(Err(e)) => return Err(anyhow::anyhow!("lecture de la réponse : {e}")),
                None => break,
            }
        }
        collected.truncate(MAX_BODY);
        anyhow::Ok(Answer {
            status,
            body: String::from_utf8_lossy(&collected).into_owned(),
        })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| anyhow::anyhow!("pas de réponse en {} s", timeout.as_secs()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_full_http_addresses_are_accepted() {
        assert!(check_url("https://erp.example.fr/hooks/passerelle").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("ftp://example.fr/").is_err());
        assert!(check_url("example.fr/hook").is_err());
        assert!(check_url("https://user:pw@example.fr/").is_err());
    }

    #[tokio::test]
    async fn posts_to_a_local_receiver_and_reads_its_answer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = vec![0u8; 8192];
            let mut seen = Vec::new();
            while !String::from_utf8_lossy(&seen).contains("bonjour") {
                let n = socket.read(&mut buffer).await.unwrap();
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buffer[..n]);
            }
            socket
                .write_all(
                    b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                )
                .await
                .unwrap();
            String::from_utf8_lossy(&seen).into_owned()
        });
        let answer = post(
            &format!("http://{address}/hook"),
            "application/json",
            &[("x-test", "1".into())],
            b"{\"x\":\"bonjour\"}".to_vec(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(answer.status, 202);
        assert!(answer.is_success());
        assert_eq!(answer.body, "ok");
        let request = server.await.unwrap();
        assert!(request.starts_with("POST /hook HTTP/1.1"), "{request}");
        assert!(request.to_ascii_lowercase().contains("x-test: 1"));
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let _keep = tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let error = post(
            &format!("http://{address}/"),
            "text/plain",
            &[],
            Vec::new(),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains("pas de réponse"), "{error}");
    }
}
