//! The HTTP client of the OAuth exchanges: the `reqwest` client Loquat
//! already links (the OAuth crates' own `reqwest` feature would add a
//! second major version of it), without redirects (an endpoint that
//! redirects is refused rather than followed) and with bounded answers.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};

/// Largest answer read from a provider.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Longest one request to a provider may take.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A request to the provider failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("the provider could not be reached: {0}")]
    Request(#[from] reqwest::Error),
    #[error("the provider's answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("the provider's answer is malformed: {0}")]
    Malformed(#[from] openidconnect::http::Error),
}

/// The shared client.
#[derive(Clone)]
pub(crate) struct OAuthHttp(reqwest::Client);

impl OAuthHttp {
    pub(crate) fn new() -> OAuthHttp {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("loquat/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        OAuthHttp(client)
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.0
    }

    /// Sends one request, as the OAuth crates ask for it.
    pub(crate) async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let response = self
            .0
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_bounded(response).await?;
        let mut builder = openidconnect::http::Response::builder().status(status);
        if let Some(target) = builder.headers_mut() {
            *target = headers;
        }
        Ok(builder.body(body)?)
    }

    /// A closure the OAuth crates take as their async HTTP client.
    pub(crate) fn as_fn(
        &self,
    ) -> impl Fn(
        HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send>,
    > + '_ {
        move |request| {
            let http = self.clone();
            Box::pin(async move { http.call(request).await })
        }
    }
}

/// The body, refused past [`MAX_RESPONSE_BYTES`].
pub(crate) async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(HttpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
