//! The OAuth providers an app has, from the environment variables Chainlit
//! uses (`OAUTH_GITHUB_CLIENT_ID`, `OAUTH_GOOGLE_CLIENT_SECRET`, …): a
//! provider is on when its client id is set, and a missing companion
//! variable stops the server with its name.

use std::collections::HashMap;

use secrecy::SecretString;

/// Prompt values a provider may be asked for (OpenID Connect Core 3.1.2.1).
const PROMPTS: [&str; 4] = ["none", "login", "consent", "select_account"];

/// How a provider is spoken to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Endpoints {
    /// OpenID Connect with discovery at the issuer.
    Oidc {
        issuer: String,
        /// Azure AD's `common` endpoint: ID tokens carry the user's own
        /// tenant as issuer, checked against the `tid` claim instead.
        any_azure_tenant: bool,
    },
    /// GitHub (OAuth 2.0, no ID token): the web and API bases.
    GitHub { web: String, api: String },
    /// Plain OAuth 2.0 with a user-info endpoint (AWS Cognito's hosted UI).
    OAuth2 {
        authorize: String,
        token: String,
        userinfo: String,
    },
}

/// One configured provider.
#[derive(Clone, Debug)]
pub(crate) struct ProviderConfig {
    /// In the paths: `/auth/oauth/<id>`, `/auth/oauth/<id>/callback`.
    pub(crate) id: String,
    /// On the login page's button.
    pub(crate) label: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) endpoints: Endpoints,
    pub(crate) scopes: Vec<String>,
    pub(crate) prompt: Option<String>,
}

/// A provider's configuration is incomplete or wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProviderError {
    #[error("{set} is set but {missing} is not: set both to enable the provider")]
    Missing { set: String, missing: String },
    #[error("{name} must be one of none, login, consent, select_account (found `{value}`)")]
    Prompt { name: String, value: String },
    #[error("{name} is not a usable provider name (letters, digits, - and _)")]
    Name { name: String },
}

struct Env<'a>(&'a HashMap<String, String>);

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn require(&self, set: &str, name: &str) -> Result<String, ProviderError> {
        self.get(name).ok_or_else(|| ProviderError::Missing {
            set: set.to_string(),
            missing: name.to_string(),
        })
    }
}

const OIDC_SCOPES: &[&str] = &["openid", "profile", "email"];

fn https(domain: &str) -> String {
    let domain = domain.trim_end_matches('/');
    if domain.starts_with("https://") || domain.starts_with("http://") {
        domain.to_string()
    } else {
        format!("https://{domain}")
    }
}

/// Every provider whose client id is set in `vars`.
pub(crate) fn from_env(
    vars: &HashMap<String, String>,
) -> Result<Vec<ProviderConfig>, ProviderError> {
    let env = Env(vars);
    let mut providers = Vec::new();
    // (variable prefix, id, label)
    let known: [(&str, &str, &str); 10] = [
        ("GITHUB", "github", "GitHub"),
        ("GITLAB", "gitlab", "GitLab"),
        ("GOOGLE", "google", "Google"),
        ("AZURE_AD", "azure-ad", "Microsoft"),
        ("OKTA", "okta", "Okta"),
        ("AUTH0", "auth0", "Auth0"),
        ("COGNITO", "aws-cognito", "AWS Cognito"),
        ("KEYCLOAK", "keycloak", "Keycloak"),
        ("DESCOPE", "descope", "Descope"),
        ("GENERIC", "generic", "OpenID Connect"),
    ];
    for (prefix, id, label) in known {
        let id_var = format!("OAUTH_{prefix}_CLIENT_ID");
        let Some(client_id) = env.get(&id_var) else {
            continue;
        };
        let var = |suffix: &str| format!("OAUTH_{prefix}_{suffix}");
        let client_secret = env.require(&id_var, &var("CLIENT_SECRET"))?;
        let oidc = |issuer: String| Endpoints::Oidc {
            issuer,
            any_azure_tenant: false,
        };
        let mut id = id.to_string();
        let mut label = label.to_string();
        let endpoints = match prefix {
            "GITHUB" => match env.get(&var("ENTERPRISE_URL")) {
                Some(base) => Endpoints::GitHub {
                    web: https(&base),
                    api: format!("{}/api/v3", https(&base)),
                },
                None => Endpoints::GitHub {
                    web: "https://github.com".into(),
                    api: "https://api.github.com".into(),
                },
            },
            "GITLAB" => oidc(https(&env.require(&id_var, &var("DOMAIN"))?)),
            "GOOGLE" => oidc("https://accounts.google.com".into()),
            "AZURE_AD" => {
                let single = env
                    .get(&var("ENABLE_SINGLE_TENANT"))
                    .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
                let tenant = match env.get(&var("TENANT_ID")) {
                    Some(tenant) => tenant,
                    None if single => {
                        env.require(&var("ENABLE_SINGLE_TENANT"), &var("TENANT_ID"))?
                    }
                    None => "common".into(),
                };
                let any = !single && tenant == "common";
                Endpoints::Oidc {
                    issuer: format!("https://login.microsoftonline.com/{tenant}/v2.0"),
                    any_azure_tenant: any,
                }
            }
            "OKTA" => {
                let domain = https(&env.require(&id_var, &var("DOMAIN"))?);
                match env.get(&var("AUTHORIZATION_SERVER_ID")) {
                    Some(server) if server != "false" => oidc(format!("{domain}/oauth2/{server}")),
                    _ => oidc(domain),
                }
            }
            "AUTH0" => {
                let domain = env.require(&id_var, &var("DOMAIN"))?;
                let issuer_domain = env.get(&var("ORIGINAL_DOMAIN")).unwrap_or(domain);
                oidc(format!("{}/", https(&issuer_domain)))
            }
            "COGNITO" => {
                let domain = https(&env.require(&id_var, &var("DOMAIN"))?);
                Endpoints::OAuth2 {
                    authorize: format!("{domain}/oauth2/authorize"),
                    token: format!("{domain}/oauth2/token"),
                    userinfo: format!("{domain}/oauth2/userInfo"),
                }
            }
            "KEYCLOAK" => {
                let base = https(&env.require(&id_var, &var("BASE_URL"))?);
                let realm = env.require(&id_var, &var("REALM"))?;
                if let Some(name) = env.get(&var("NAME")) {
                    id = checked_name(&var("NAME"), &name)?;
                    label = name;
                }
                oidc(format!("{base}/realms/{realm}"))
            }
            "DESCOPE" => oidc(format!("https://api.descope.com/{client_id}")),
            _ => {
                let issuer = https(&env.require(&id_var, &var("ISSUER"))?);
                if let Some(name) = env.get(&var("NAME")) {
                    id = checked_name(&var("NAME"), &name)?;
                    label = name;
                }
                oidc(issuer)
            }
        };
        let scopes = match (env.get(&var("SCOPES")), &endpoints) {
            (Some(scopes), _) => scopes
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            (None, Endpoints::GitHub { .. }) => vec!["read:user".into(), "user:email".into()],
            (None, _) => OIDC_SCOPES.iter().map(|s| s.to_string()).collect(),
        };
        let prompt = prompt_for(&env, prefix)?;
        providers.push(ProviderConfig {
            id,
            label,
            client_id,
            client_secret: SecretString::from(client_secret),
            endpoints,
            scopes,
            prompt,
        });
    }
    Ok(providers)
}

/// `OAUTH_<PROVIDER>_PROMPT`, else `OAUTH_PROMPT`.
fn prompt_for(env: &Env<'_>, prefix: &str) -> Result<Option<String>, ProviderError> {
    let own = format!("OAUTH_{prefix}_PROMPT");
    let (name, value) = match env.get(&own) {
        Some(value) => (own, value),
        None => match env.get("OAUTH_PROMPT") {
            Some(value) => ("OAUTH_PROMPT".to_string(), value),
            None => return Ok(None),
        },
    };
    let value = value.to_ascii_lowercase();
    if PROMPTS.contains(&value.as_str()) {
        Ok(Some(value))
    } else {
        Err(ProviderError::Prompt { name, value })
    }
}

fn checked_name(var: &str, name: &str) -> Result<String, ProviderError> {
    let id = name.to_ascii_lowercase();
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id)
    } else {
        Err(ProviderError::Name {
            name: var.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_provider_is_on_when_its_client_id_is_set() {
        assert!(from_env(&vars(&[])).unwrap_or_default().is_empty());
        let providers = from_env(&vars(&[
            ("OAUTH_GITHUB_CLIENT_ID", "id"),
            ("OAUTH_GITHUB_CLIENT_SECRET", "secret"),
            ("OAUTH_KEYCLOAK_CLIENT_ID", "kc"),
            ("OAUTH_KEYCLOAK_CLIENT_SECRET", "s"),
            ("OAUTH_KEYCLOAK_BASE_URL", "https://sso.example.com/"),
            ("OAUTH_KEYCLOAK_REALM", "staff"),
            ("OAUTH_KEYCLOAK_NAME", "Staff-SSO"),
            ("OAUTH_PROMPT", "consent"),
            ("OAUTH_GITHUB_PROMPT", "login"),
        ]))
        .unwrap_or_default();
        assert_eq!(providers.len(), 2);
        assert_eq!(providers[0].id, "github");
        assert_eq!(providers[0].prompt.as_deref(), Some("login"));
        assert_eq!(providers[1].id, "staff-sso");
        assert_eq!(providers[1].label, "Staff-SSO");
        assert_eq!(providers[1].prompt.as_deref(), Some("consent"));
        assert_eq!(
            providers[1].endpoints,
            Endpoints::Oidc {
                issuer: "https://sso.example.com/realms/staff".into(),
                any_azure_tenant: false
            }
        );
    }

    #[test]
    fn a_missing_companion_variable_is_named() {
        let err = from_env(&vars(&[("OAUTH_GOOGLE_CLIENT_ID", "id")])).err();
        assert_eq!(
            err,
            Some(ProviderError::Missing {
                set: "OAUTH_GOOGLE_CLIENT_ID".into(),
                missing: "OAUTH_GOOGLE_CLIENT_SECRET".into()
            })
        );
        let err = from_env(&vars(&[
            ("OAUTH_GOOGLE_CLIENT_ID", "id"),
            ("OAUTH_GOOGLE_CLIENT_SECRET", "s"),
            ("OAUTH_PROMPT", "always"),
        ]))
        .err();
        assert!(matches!(err, Some(ProviderError::Prompt { .. })), "{err:?}");
    }

    #[test]
    fn azure_is_single_tenant_only_when_asked() {
        let base = [
            ("OAUTH_AZURE_AD_CLIENT_ID", "id"),
            ("OAUTH_AZURE_AD_CLIENT_SECRET", "s"),
        ];
        let multi = from_env(&vars(&base)).unwrap_or_default();
        assert_eq!(
            multi[0].endpoints,
            Endpoints::Oidc {
                issuer: "https://login.microsoftonline.com/common/v2.0".into(),
                any_azure_tenant: true
            }
        );
        let mut single = base.to_vec();
        single.push(("OAUTH_AZURE_AD_TENANT_ID", "contoso"));
        single.push(("OAUTH_AZURE_AD_ENABLE_SINGLE_TENANT", "true"));
        let single = from_env(&vars(&single)).unwrap_or_default();
        assert_eq!(
            single[0].endpoints,
            Endpoints::Oidc {
                issuer: "https://login.microsoftonline.com/contoso/v2.0".into(),
                any_azure_tenant: false
            }
        );
    }
}
