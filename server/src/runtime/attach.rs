//! A client's `hello`: [`Runtime::attach`] finds the session it asks for
//! (only its user's), opens the thread it names, or starts a new session
//! under the caps of [`crate::SessionLimits`].

use std::net::IpAddr;
use std::sync::Arc;

use loquat_app::protocol::{pick_profile, ChatProfile, ErrorCode};

use super::live::Live;
use super::{Refusal, ResumeError, Runtime};
use crate::auth::User;
use crate::cluster::Located;
use crate::ids::{SessionId, ThreadId, UserId};

/// What a client says when it connects, its ids parsed by the transport.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hello {
    /// The session it was attached to before, if it named a well-formed one.
    pub(crate) session_id: Option<SessionId>,
    /// It named a session before, well-formed or not: when none of its
    /// user's matches, the new session is reported as replacing an expired
    /// one.
    pub(crate) named_session: bool,
    /// The last event it applied there.
    pub(crate) last_seq: Option<u64>,
    /// The thread of history it wants to open, if any.
    pub(crate) thread_id: Option<ThreadId>,
    /// The user's `[project] user_env` values (only the configured keys).
    pub(crate) user_env: std::collections::HashMap<String, String>,
    /// The chat profile a new chat is to start with, as the browser asks.
    pub(crate) chat_profile: Option<String>,
}

/// The session a client is attached to, and how to bring it up to date.
pub(crate) struct Attached {
    pub(crate) session: Live,
    /// It asked for a session that has ended; this one is new.
    pub(crate) expired: bool,
    /// Replay from here (only when continuing the very same session).
    pub(crate) last_seq: Option<u64>,
}

/// Longest the app's `chat_profiles` hook may take.
const PROFILES_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Runtime {
    /// The chat profiles the app offers `user` (none without the hook, or
    /// when it takes longer than 5 s).
    pub(crate) async fn chat_profiles(&self, user: Option<&User>) -> Vec<ChatProfile> {
        let Some(hook) = self.hooks.chat_profiles.clone() else {
            return Vec::new();
        };
        match tokio::time::timeout(PROFILES_TIMEOUT, hook(user.cloned())).await {
            Ok(profiles) => profiles,
            Err(_) => {
                tracing::warn!("the chat_profiles hook took longer than 5 s; none offered");
                Vec::new()
            }
        }
    }

    /// The profile a new chat of `user` gets: the one asked for if it is
    /// offered to them, else their default one (never one they are not
    /// offered).
    pub(crate) async fn chat_profile_for(
        &self,
        user: Option<&User>,
        wanted: Option<&str>,
    ) -> Option<ChatProfile> {
        let offered = self.chat_profiles(user).await;
        pick_profile(&offered, wanted).cloned()
    }

    /// The session for `user`'s `hello` from `client`.
    pub(crate) async fn attach(
        self: &Arc<Self>,
        user: &UserId,
        profile: Option<Arc<User>>,
        client: IpAddr,
        hello: Hello,
    ) -> Result<Attached, Refusal> {
        let Hello {
            session_id,
            named_session,
            last_seq,
            thread_id,
            user_env,
            chat_profile,
        } = hello;
        let existing = session_id
            .as_ref()
            .and_then(|id| self.session(id))
            .filter(|s| s.owner() == user)
            .filter(|s| {
                thread_id
                    .as_ref()
                    .is_none_or(|t| s.thread_id() == t.as_str())
            });
        if let Some(session) = existing {
            session.set_user_env(user_env);
            return Ok(Attached {
                session: Live::Local(session),
                expired: false,
                last_seq,
            });
        }
        // In a cluster, the session (or the thread's live session) may run
        // on another node: the tab follows it there, or, when that node is
        // gone, the thread is taken over below.
        let mut orphan = None;
        if let Some(cluster) = &self.cluster {
            let found = cluster
                .locate(
                    user,
                    session_id.as_ref(),
                    thread_id.as_ref(),
                    self.replay.clone(),
                )
                .await;
            match found {
                Located::Remote(remote) => {
                    return Ok(Attached {
                        session: Live::Remote(remote),
                        expired: false,
                        last_seq,
                    })
                }
                Located::Orphaned { thread } => orphan = Some(thread),
                Located::Nowhere => {}
            }
        }
        // The thread asked for, else the one of the session taken over.
        let taking_over = thread_id.is_none() && orphan.is_some();
        let (session, expired) = match thread_id.or(orphan) {
            Some(thread_id) => {
                match self
                    .open_thread(user, profile.clone(), client, &thread_id)
                    .await
                {
                    Ok(live) => (live, false),
                    // A chat never saved cannot be taken over: a new one.
                    Err(ResumeError::NotFound) if taking_over => {
                        self.new_chat(user, profile, client, chat_profile).await?
                    }
                    Err(err) => return Err(resume_refusal(err)),
                }
            }
            None => {
                let (session, _) = self.new_chat(user, profile, client, chat_profile).await?;
                (session, named_session)
            }
        };
        if let Live::Local(session) = &session {
            session.set_user_env(user_env);
        }
        Ok(Attached {
            session,
            expired,
            last_seq: None,
        })
    }

    /// A new chat for `user`, recorded in the cluster's directory.
    async fn new_chat(
        self: &Arc<Self>,
        user: &UserId,
        profile: Option<Arc<User>>,
        client: IpAddr,
        chat_profile: Option<String>,
    ) -> Result<(Live, bool), Refusal> {
        let chat_profile = self
            .chat_profile_for(profile.as_deref(), chat_profile.as_deref())
            .await;
        let session = self
            .create_session(user, profile, client, chat_profile)
            .map_err(|cap| Refusal::new(ErrorCode::TooManySessions, cap.to_string()))?;
        if let Some(cluster) = &self.cluster {
            cluster.register(&session).await;
        }
        Ok((Live::Local(session), true))
    }
}

/// What the client is told when a thread could not be opened.
fn resume_refusal(err: ResumeError) -> Refusal {
    match err {
        ResumeError::NotFound => Refusal::thread_not_found(),
        ResumeError::Cap(cap) => Refusal::new(ErrorCode::TooManySessions, cap.to_string()),
        ResumeError::Data(err) => {
            tracing::error!(error = %err, "loading a thread failed");
            Refusal::new(
                ErrorCode::Storage,
                "the conversation could not be loaded; try again later",
            )
        }
        ResumeError::Cluster(err) => {
            tracing::error!(error = %err, "taking a thread over failed");
            Refusal::new(
                ErrorCode::Storage,
                "the conversation could not be opened; try again in a moment",
            )
        }
    }
}
