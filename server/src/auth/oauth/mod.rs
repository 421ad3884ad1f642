//! OAuth 2.0 and OpenID Connect sign-in: the authorization-code flow with
//! PKCE, `state` and `nonce`, for the built-in providers (see
//! [`providers`]) and any OpenID provider by discovery. The app's
//! `Loquat::oauth` callback may accept, change or refuse each user.
//!
//! Every failure (the user cancelled, a wrong `state`, an expired or
//! foreign ID token, a provider that does not answer in time) ends on the
//! login page with a fixed message; details go to the log.

mod flow;
mod github;
mod http_client;
mod oidc;
mod profile;
mod providers;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

pub(crate) use flow::{same_state, PendingFlow};
use http_client::OAuthHttp;
pub use providers::ProviderError;
use providers::{Endpoints, ProviderConfig};

use super::User;

/// The whole exchange with the provider (token, keys, user info) must end
/// within this.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// `Loquat::oauth`: (provider id, access token, the provider's raw user,
/// the default user) → the user to sign in, or `None` to refuse.
pub(crate) type OAuthCallback =
    Arc<dyn Fn(String, String, Value, User) -> BoxFuture<'static, Option<User>> + Send + Sync>;

pub(crate) fn oauth_callback<F, Fut>(f: F) -> OAuthCallback
where
    F: Fn(String, String, Value, User) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<User>> + Send + 'static,
{
    Arc::new(move |provider, token, raw, default| Box::pin(f(provider, token, raw, default)))
}

/// Why a sign-in with a provider did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OAuthError {
    #[error("no such provider")]
    UnknownProvider,
    #[error("the user or the app refused the sign-in")]
    Denied,
    #[error("the provider did not answer in time")]
    Timeout,
    /// The provider's answer did not pass a check (ID token, state).
    #[error("refused: {0}")]
    Refused(String),
    #[error("failed: {0}")]
    Failed(String),
}

impl OAuthError {
    /// The login page's code for it.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            OAuthError::UnknownProvider => "not_enabled",
            OAuthError::Denied => "oauth_denied",
            OAuthError::Timeout => "oauth_timeout",
            OAuthError::Refused(_) | OAuthError::Failed(_) => "oauth_failed",
        }
    }

    fn from_request(err: &reqwest::Error) -> OAuthError {
        if err.is_timeout() {
            OAuthError::Timeout
        } else {
            OAuthError::Failed(err.to_string())
        }
    }

    fn from_discovery<E: std::error::Error + 'static>(err: &E) -> OAuthError {
        OAuthError::from_chain(err, "discovery")
    }

    fn from_token<E: std::error::Error + 'static>(err: &E) -> OAuthError {
        OAuthError::from_chain(err, "token exchange")
    }

    /// A timeout anywhere in the chain is a timeout.
    fn from_chain(err: &(dyn std::error::Error + 'static), what: &str) -> OAuthError {
        if let Some(cause) = crate::error::find_cause::<reqwest::Error>(err) {
            if cause.is_timeout() {
                return OAuthError::Timeout;
            }
        }
        let mut text = format!("{what}: {err}");
        let mut source = err.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        OAuthError::Failed(text)
    }
}

struct Provider {
    config: ProviderConfig,
    discovered: oidc::Discovered,
}

/// The app's providers.
pub(crate) struct OAuth {
    providers: Vec<Provider>,
    http: OAuthHttp,
    callback: Option<OAuthCallback>,
}

impl OAuth {
    /// The providers configured in `vars` (the process environment), or
    /// none.
    pub(crate) fn from_env(
        vars: &std::collections::HashMap<String, String>,
        callback: Option<OAuthCallback>,
    ) -> Result<Option<OAuth>, ProviderError> {
        let configs = providers::from_env(vars)?;
        if configs.is_empty() {
            return Ok(None);
        }
        Ok(Some(OAuth {
            providers: configs
                .into_iter()
                .map(|config| Provider {
                    config,
                    discovered: oidc::Discovered::default(),
                })
                .collect(),
            http: OAuthHttp::new(),
            callback,
        }))
    }

    /// (id, label) of each provider, in the login page's order.
    pub(crate) fn buttons(&self) -> impl Iterator<Item = (&str, &str)> {
        self.providers
            .iter()
            .map(|p| (p.config.id.as_str(), p.config.label.as_str()))
    }

    fn provider(&self, id: &str) -> Result<&Provider, OAuthError> {
        self.providers
            .iter()
            .find(|p| p.config.id == id)
            .ok_or(OAuthError::UnknownProvider)
    }

    /// Where to send the browser to sign in with `id`.
    pub(crate) async fn authorize_url(
        &self,
        id: &str,
        redirect_uri: &str,
        flow: &PendingFlow,
    ) -> Result<String, OAuthError> {
        let provider = self.provider(id)?;
        let config = &provider.config;
        let started = async {
            match &config.endpoints {
                Endpoints::Oidc {
                    any_azure_tenant, ..
                } => {
                    oidc::authorize_url(
                        config,
                        &provider.discovered,
                        *any_azure_tenant,
                        &self.http,
                        redirect_uri,
                        flow,
                    )
                    .await
                }
                Endpoints::GitHub { web, .. } => {
                    let authorize = format!("{web}/login/oauth/authorize");
                    let token = format!("{web}/login/oauth/access_token");
                    let plain = github::Plain {
                        authorize: &authorize,
                        token: &token,
                    };
                    github::authorize_url(config, &plain, redirect_uri, flow)
                }
                Endpoints::OAuth2 {
                    authorize, token, ..
                } => {
                    let plain = github::Plain { authorize, token };
                    github::authorize_url(config, &plain, redirect_uri, flow)
                }
            }
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, started)
            .await
            .map_err(|_| OAuthError::Timeout)?
    }

    /// Finishes the sign-in the provider sent back with `code`: the user
    /// the app accepts.
    pub(crate) async fn finish(
        &self,
        id: &str,
        redirect_uri: &str,
        flow: &PendingFlow,
        code: String,
    ) -> Result<User, OAuthError> {
        let provider = self.provider(id)?;
        let (token, raw, default) = tokio::time::timeout(
            EXCHANGE_TIMEOUT,
            self.exchange(provider, redirect_uri, flow, code),
        )
        .await
        .map_err(|_| OAuthError::Timeout)??;
        let Some(default) = default else {
            return Err(OAuthError::Failed(
                "the provider's user has no identifier".into(),
            ));
        };
        match &self.callback {
            Some(callback) => callback(id.to_string(), token, Value::Object(raw), default)
                .await
                .ok_or(OAuthError::Denied),
            None => Ok(default),
        }
    }

    async fn exchange(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        flow: &PendingFlow,
        code: String,
    ) -> Result<(String, Map<String, Value>, Option<User>), OAuthError> {
        let config = &provider.config;
        match &config.endpoints {
            Endpoints::Oidc {
                any_azure_tenant, ..
            } => {
                let (token, claims) = oidc::finish(
                    config,
                    &provider.discovered,
                    *any_azure_tenant,
                    &self.http,
                    redirect_uri,
                    flow,
                    code,
                )
                .await?;
                let default = profile::default_user(&config.id, &claims);
                Ok((token, claims, default))
            }
            Endpoints::GitHub { web, api } => {
                let authorize = format!("{web}/login/oauth/authorize");
                let token_url = format!("{web}/login/oauth/access_token");
                let plain = github::Plain {
                    authorize: &authorize,
                    token: &token_url,
                };
                let token =
                    github::exchange(config, &plain, &self.http, redirect_uri, flow, code).await?;
                let user = github::github_user(&self.http, api, &token).await?;
                let default = github::github_default_user(&user);
                Ok((token, user, default))
            }
            Endpoints::OAuth2 {
                authorize,
                token: token_url,
                userinfo,
            } => {
                let plain = github::Plain {
                    authorize,
                    token: token_url,
                };
                let token =
                    github::exchange(config, &plain, &self.http, redirect_uri, flow, code).await?;
                let Value::Object(claims) = github::get_json(&self.http, userinfo, &token).await?
                else {
                    return Err(OAuthError::Failed("the user info is not an object".into()));
                };
                let default = profile::default_user(&config.id, &claims);
                Ok((token, claims, default))
            }
        }
    }
}
