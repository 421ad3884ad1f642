//! OpenID Connect providers: discovery (cached for an hour), the
//! authorization URL with PKCE (S256), `state`, `nonce` and `prompt`, and
//! the code exchange whose ID token must pass every check: signature by a
//! key of the provider's JWKS, issuer, audience, expiry and nonce.

use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreAuthPrompt, CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::http_client::OAuthHttp;
use super::providers::ProviderConfig;
use super::OAuthError;
use super::PendingFlow;

/// How long discovered metadata (and the keys) are used before asking again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// Discovered metadata, kept between sign-ins.
#[derive(Default)]
pub(crate) struct Discovered(Mutex<Option<(Instant, CoreProviderMetadata)>>);

impl Discovered {
    async fn get(
        &self,
        issuer: &str,
        lenient_issuer: bool,
        http: &OAuthHttp,
        fresh: bool,
    ) -> Result<CoreProviderMetadata, OAuthError> {
        let mut cached = self.0.lock().await;
        if let Some((at, metadata)) = cached.as_ref() {
            if !fresh && at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer_url = IssuerUrl::new(issuer.to_string())
            .map_err(|err| OAuthError::Failed(format!("issuer URL: {err}")))?;
        let metadata = if lenient_issuer {
            discover_any_issuer(&issuer_url, http).await?
        } else {
            CoreProviderMetadata::discover_async(issuer_url, &http.as_fn())
                .await
                .map_err(|err| OAuthError::from_discovery(&err))?
        };
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }
}

/// Discovery for Azure AD's multi-tenant endpoint, whose document names a
/// `{tenantid}` placeholder as issuer: read as is; each ID token's issuer
/// is then checked against its own tenant.
async fn discover_any_issuer(
    issuer: &IssuerUrl,
    http: &OAuthHttp,
) -> Result<CoreProviderMetadata, OAuthError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.as_str().trim_end_matches('/')
    );
    let response = http
        .client()
        .get(url)
        .send()
        .await
        .map_err(|err| OAuthError::from_request(&err))?;
    let body = super::http_client::read_bounded(response)
        .await
        .map_err(|err| OAuthError::Failed(err.to_string()))?;
    let metadata: CoreProviderMetadata = serde_json::from_slice(&body)
        .map_err(|err| OAuthError::Failed(format!("discovery document: {err}")))?;
    let jwks = openidconnect::JsonWebKeySet::fetch_async(metadata.jwks_uri(), &http.as_fn())
        .await
        .map_err(|err| OAuthError::Failed(format!("provider keys: {err}")))?;
    Ok(metadata.set_jwks(jwks))
}

fn client(
    config: &ProviderConfig,
    metadata: CoreProviderMetadata,
    redirect_uri: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    OAuthError,
> {
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .map_err(|err| OAuthError::Failed(format!("redirect URI: {err}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(
            config.client_secret.expose_secret().to_string(),
        )),
    )
    .set_redirect_uri(redirect))
}

fn prompt(value: &str) -> CoreAuthPrompt {
    match value {
        "none" => CoreAuthPrompt::None,
        "login" => CoreAuthPrompt::Login,
        "consent" => CoreAuthPrompt::Consent,
        "select_account" => CoreAuthPrompt::SelectAccount,
        other => CoreAuthPrompt::Extension(other.to_string()),
    }
}

/// Where to send the browser.
pub(crate) async fn authorize_url(
    config: &ProviderConfig,
    discovered: &Discovered,
    lenient_issuer: bool,
    http: &OAuthHttp,
    redirect_uri: &str,
    flow: &PendingFlow,
) -> Result<String, OAuthError> {
    let issuer = issuer_of(config);
    let metadata = discovered.get(issuer, lenient_issuer, http, false).await?;
    let client = client(config, metadata, redirect_uri)?;
    let verifier = PkceCodeVerifier::new(flow.verifier.clone());
    let state = flow.state.clone();
    let nonce = flow.nonce.clone();
    let mut request = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            move || CsrfToken::new(state),
            move || Nonce::new(nonce),
        )
        .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
    for scope in config.scopes.iter().filter(|s| s.as_str() != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if let Some(value) = &config.prompt {
        request = request.add_prompt(prompt(value));
    }
    Ok(request.url().0.to_string())
}

fn issuer_of(config: &ProviderConfig) -> &str {
    match &config.endpoints {
        super::providers::Endpoints::Oidc { issuer, .. } => issuer,
        _ => "",
    }
}

/// The verified claims of the sign-in (ID token, completed by the user-info
/// endpoint when there is one) and the access token.
pub(crate) async fn finish(
    config: &ProviderConfig,
    discovered: &Discovered,
    any_azure_tenant: bool,
    http: &OAuthHttp,
    redirect_uri: &str,
    flow: &PendingFlow,
    code: String,
) -> Result<(String, Map<String, Value>), OAuthError> {
    let issuer = issuer_of(config);
    let metadata = discovered
        .get(issuer, any_azure_tenant, http, false)
        .await?;
    let client = client(config, metadata, redirect_uri)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|err| OAuthError::Failed(err.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(&http.as_fn())
        .await
        .map_err(|err| OAuthError::from_token(&err))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| OAuthError::Failed("the provider sent no ID token".into()))?;
    let verifier = client
        .id_token_verifier()
        .require_issuer_match(!any_azure_tenant);
    let claims = id_token
        .claims(&verifier, &Nonce::new(flow.nonce.clone()))
        .map_err(|err| OAuthError::Refused(format!("ID token: {err}")))?;
    // The signature is verified: the payload is the provider's word.
    let mut all = payload(&id_token.to_string())?;
    if any_azure_tenant {
        let tenant = all.get("tid").and_then(Value::as_str).unwrap_or_default();
        let expected = format!("https://login.microsoftonline.com/{tenant}/v2.0");
        if tenant.is_empty() || claims.issuer().as_str() != expected {
            return Err(OAuthError::Refused(
                "ID token: the issuer is not the token's own tenant".into(),
            ));
        }
    }
    let access = token.access_token().clone();
    if let Ok(request) = client.user_info(access.clone(), Some(claims.subject().clone())) {
        let info: Result<openidconnect::core::CoreUserInfoClaims, _> =
            request.request_async(&http.as_fn()).await;
        match info {
            Ok(info) => {
                if let Ok(Value::Object(extra)) = serde_json::to_value(&info) {
                    for (key, value) in extra {
                        all.entry(key).or_insert(value);
                    }
                }
            }
            Err(err) => tracing::debug!(error = %err, "user info unavailable; using the ID token"),
        }
    }
    Ok((access.secret().clone(), all))
}

/// The claims of a JWT whose signature was checked.
fn payload(jwt: &str) -> Result<Map<String, Value>, OAuthError> {
    let part = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| OAuthError::Failed("malformed ID token".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|err| OAuthError::Failed(format!("ID token payload: {err}")))?;
    serde_json::from_slice(&bytes).map_err(|err| OAuthError::Failed(format!("ID token: {err}")))
}
