//! GitHub (and GitHub Enterprise Server), which speaks OAuth 2.0 without
//! OpenID Connect: the code flow (with PKCE, which GitHub supports), then
//! the user from `GET /user` and their verified primary address from
//! `GET /user/emails`. Also plain OAuth 2.0 providers with a user-info
//! endpoint (AWS Cognito's hosted UI).

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde_json::{Map, Value};

use super::http_client::{read_bounded, OAuthHttp};
use super::providers::ProviderConfig;
use super::{OAuthError, PendingFlow};

/// The endpoints of a plain OAuth 2.0 provider.
pub(crate) struct Plain<'a> {
    pub(crate) authorize: &'a str,
    pub(crate) token: &'a str,
}

fn client(
    config: &ProviderConfig,
    endpoints: &Plain<'_>,
    redirect_uri: &str,
) -> Result<
    BasicClient<
        oauth2::EndpointSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    >,
    OAuthError,
> {
    let url_error = |err: oauth2::url::ParseError| OAuthError::Failed(format!("URL: {err}"));
    Ok(BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            config.client_secret.expose_secret().to_string(),
        ))
        .set_auth_uri(AuthUrl::new(endpoints.authorize.to_string()).map_err(url_error)?)
        .set_token_uri(TokenUrl::new(endpoints.token.to_string()).map_err(url_error)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(url_error)?))
}

/// Where to send the browser.
pub(crate) fn authorize_url(
    config: &ProviderConfig,
    endpoints: &Plain<'_>,
    redirect_uri: &str,
    flow: &PendingFlow,
) -> Result<String, OAuthError> {
    let client = client(config, endpoints, redirect_uri)?;
    let verifier = PkceCodeVerifier::new(flow.verifier.clone());
    let state = flow.state.clone();
    let mut request = client
        .authorize_url(move || CsrfToken::new(state))
        .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
    for scope in &config.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if let Some(prompt) = &config.prompt {
        request = request.add_extra_param("prompt", prompt.clone());
    }
    Ok(request.url().0.to_string())
}

/// The access token for the code.
pub(crate) async fn exchange(
    config: &ProviderConfig,
    endpoints: &Plain<'_>,
    http: &OAuthHttp,
    redirect_uri: &str,
    flow: &PendingFlow,
    code: String,
) -> Result<String, OAuthError> {
    let client = client(config, endpoints, redirect_uri)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(&http.as_fn())
        .await
        .map_err(|err| OAuthError::from_token(&err))?;
    Ok(token.access_token().secret().clone())
}

/// A JSON document from an API, with the access token.
pub(crate) async fn get_json(
    http: &OAuthHttp,
    url: &str,
    token: &str,
) -> Result<Value, OAuthError> {
    let response = http
        .client()
        .get(url)
        .bearer_auth(token)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|err| OAuthError::from_request(&err))?;
    if !response.status().is_success() {
        return Err(OAuthError::Failed(format!(
            "{url} answered {}",
            response.status()
        )));
    }
    let body = read_bounded(response)
        .await
        .map_err(|err| OAuthError::Failed(err.to_string()))?;
    serde_json::from_slice(&body).map_err(|err| OAuthError::Failed(format!("{url}: {err}")))
}

/// GitHub's user, with `emails` added when the token may read them.
pub(crate) async fn github_user(
    http: &OAuthHttp,
    api: &str,
    token: &str,
) -> Result<Map<String, Value>, OAuthError> {
    let Value::Object(mut user) = get_json(http, &format!("{api}/user"), token).await? else {
        return Err(OAuthError::Failed("GitHub's user is not an object".into()));
    };
    if let Ok(emails) = get_json(http, &format!("{api}/user/emails"), token).await {
        user.insert("emails".into(), emails);
    }
    Ok(user)
}

/// The default user for GitHub's answer: known by their login, as Chainlit
/// does; the verified primary address in the metadata.
pub(crate) fn github_default_user(user: &Map<String, Value>) -> Option<crate::auth::User> {
    let login = user.get("login")?.as_str()?.trim();
    if login.is_empty() {
        return None;
    }
    let mut profile = crate::auth::User::new(login).metadata("provider", "github");
    profile.display_name = user
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    if let Some(avatar) = user.get("avatar_url").and_then(Value::as_str) {
        profile = profile.metadata("image", avatar);
    }
    let primary = user
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e["primary"] == Value::Bool(true) && e["verified"] == Value::Bool(true))
        .and_then(|e| e["email"].as_str());
    if let Some(email) = primary {
        profile = profile.metadata("email", email);
    }
    Some(profile)
}
