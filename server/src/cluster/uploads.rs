//! Uploads through a node other than the chat's: the bytes go to the
//! storage every node shares, from the node the request reached; the
//! chat's node says which files it takes (`upload_plan`) and keeps the
//! stored file for the next message or answer (`upload_add`).

use std::time::Duration;

use bytes::Bytes;
use loquat_app::protocol::FileRules;

use super::rpc::{session_of, Unreachable};
use super::wire::{Placement, UploadAdd, UploadAddReply, UploadPlan, UploadPlanReply};
use super::Cluster;
use crate::http::ApiError;
use crate::ids::{SessionId, UserId};
use crate::runtime::session::Upload;
use crate::runtime::Runtime;

/// Longest the chat's node may take to answer about an upload.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(10);

fn unavailable(err: Unreachable) -> ApiError {
    tracing::warn!(error = %err, "asking a chat's node about an upload failed");
    ApiError::Busy("the server running this chat did not answer; try again".into())
}

impl Cluster {
    /// Which files session `id` of `user` takes now, and how many bytes it
    /// can still keep, as its node says.
    pub(crate) async fn upload_plan(
        &self,
        user: &UserId,
        id: &SessionId,
        ask: Option<String>,
    ) -> Result<(Placement, FileRules, u64), ApiError> {
        const NO_SESSION: ApiError = ApiError::NotFound("no such chat session");
        let entry = self
            .directory
            .session(id)
            .await
            .map_err(|err| {
                tracing::warn!(error = %err, "reading the directory failed");
                ApiError::Busy("the chat could not be found just now; try again".into())
            })?
            .ok_or(NO_SESSION)?;
        let placement = entry.placement;
        if placement.user != user.as_str() || placement.node == self.node {
            return Err(NO_SESSION);
        }
        let body = UploadPlan {
            session: placement.session.clone(),
            user: placement.user.clone(),
            ask,
        };
        let reply = self
            .ask(
                &placement.node,
                "upload_plan",
                super::rpc::encode(&body),
                UPLOAD_TIMEOUT,
            )
            .await;
        let reply: UploadPlanReply = match reply {
            Ok(reply) => super::rpc::decode(&reply.payload).map_err(unavailable)?,
            Err(Unreachable::Gone) => return Err(NO_SESSION),
            Err(err) => return Err(unavailable(err)),
        };
        match reply {
            UploadPlanReply::Ready { rules, room } => Ok((placement, rules, room)),
            UploadPlanReply::Refused { status, message } => Err(ApiError::relayed(status, message)),
            UploadPlanReply::Gone => Err(NO_SESSION),
        }
    }

    /// Hands a stored file to the chat's node; false when it had no room
    /// left for it.
    pub(crate) async fn upload_add(
        &self,
        placement: &Placement,
        upload: Upload,
    ) -> Result<bool, ApiError> {
        let body = UploadAdd {
            session: placement.session.clone(),
            user: placement.user.clone(),
            upload,
        };
        let reply = self
            .ask(
                &placement.node,
                "upload_add",
                super::rpc::encode(&body),
                UPLOAD_TIMEOUT,
            )
            .await
            .map_err(unavailable)?;
        match super::rpc::decode(&reply.payload).map_err(unavailable)? {
            UploadAddReply::Kept => Ok(true),
            UploadAddReply::Full => Ok(false),
            UploadAddReply::Gone => Err(ApiError::NotFound("no such chat session")),
        }
    }
}

/// Answers `upload_plan` for a session of this node.
pub(super) fn answer_plan(runtime: &Runtime, payload: &[u8]) -> Bytes {
    let reply = match serde_json::from_slice::<UploadPlan>(payload) {
        Err(_) => UploadPlanReply::Gone,
        Ok(plan) => match session_of(runtime, &plan.session, &plan.user) {
            None => UploadPlanReply::Gone,
            Some(session) => match crate::http::upload_plan(runtime, &session, plan.ask.as_deref())
            {
                Ok((rules, slot)) => UploadPlanReply::Ready {
                    rules,
                    room: slot.room,
                },
                Err(err) => UploadPlanReply::Refused {
                    status: err.status().as_u16(),
                    message: err.to_string(),
                },
            },
        },
    };
    super::rpc::encode(&reply)
}

/// Answers `upload_add` for a session of this node.
pub(super) fn answer_add(runtime: &Runtime, payload: &[u8]) -> Bytes {
    let reply = match serde_json::from_slice::<UploadAdd>(payload) {
        Err(_) => UploadAddReply::Gone,
        Ok(add) => match session_of(runtime, &add.session, &add.user) {
            None => UploadAddReply::Gone,
            Some(session) if session.add_upload(add.upload) => UploadAddReply::Kept,
            Some(_) => UploadAddReply::Full,
        },
    };
    super::rpc::encode(&reply)
}
