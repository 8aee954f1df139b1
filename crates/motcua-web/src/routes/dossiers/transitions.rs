//! One endpoint per transition: `POST /api/v1/dossiers/{id}/<action>` with a JSON body holding
//! the `version` the caller last read and the action's own fields. A stale version is refused
//! (409), as is an action the state or the caller's role does not allow.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use motcua_domain::dossier::{Action, EventKind};
use serde::Deserialize;
use uuid::Uuid;

use super::view::{TransitionResponse, apply_and_store};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

/// The body of every transition: the version read, plus the action's fields (see each endpoint).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    /// The dossier's `version` as last read.
    pub version: i64,
    /// The action's fields, e.g. `reason`, `note`, `new_due_date`, `result_number`, `channel`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

async fn run(
    state: AppState,
    actor: motcua_domain::org::Actor,
    id: Uuid,
    action: EventKind,
    req: TransitionRequest,
) -> ApiResult<Json<TransitionResponse>> {
    let dossier = state.readable_dossier(&actor, id).await?;
    let mut fields = req.fields;
    if fields.contains_key("file") {
        // A result's file is what the server stored from an upload of this dossier
        // (`POST /office/dossiers/{id}/result`), never a hash the client names.
        return Err(ApiError::field(
            "file",
            "tệp kết quả chỉ được đính kèm bằng cách tải lên / upload the result file",
        ));
    }
    fields.insert("action".into(), serde_json::Value::String(action.as_str().to_owned()));
    let action: Action = serde_json::from_value(serde_json::Value::Object(fields)).map_err(ApiError::shape)?;
    Ok(Json(apply_and_store(&state, &actor, &dossier, req.version, action).await?))
}

macro_rules! transitions {
    ($( $handler:ident, $action:ident, $path:literal, $summary:literal; )*) => {
        $(
            #[utoipa::path(post, path = $path, tag = "transitions", summary = $summary,
                params(("id" = Uuid, Path)), request_body = TransitionRequest,
                responses((status = 200, body = TransitionResponse), (status = 403, body = ErrorBody),
                          (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
                security(("token" = [])))]
            pub async fn $handler(
                State(state): State<AppState>,
                Caller(actor): Caller,
                Path(id): Path<Uuid>,
                ApiJson(req): ApiJson<TransitionRequest>,
            ) -> ApiResult<Json<TransitionResponse>> {
                run(state, actor, id, EventKind::$action, req).await
            }
        )*

        pub fn router() -> Router<AppState> {
            Router::new()$(.route($path, post($handler)))*
        }
    };
}

transitions! {
    accept, Accept, "/api/v1/dossiers/{id}/accept", "Tiếp nhận (Mẫu 01): cấp mã, hẹn ngày trả";
    ask_to_complete, AskToComplete, "/api/v1/dossiers/{id}/ask-to-complete", "Yêu cầu hoàn thiện trước khi tiếp nhận (Mẫu 02): reason";
    resubmit, Resubmit, "/api/v1/dossiers/{id}/resubmit", "Nộp lại hồ sơ đã hoàn thiện";
    refuse_intake, RefuseIntake, "/api/v1/dossiers/{id}/refuse-intake", "Từ chối tiếp nhận (Mẫu 03): reason";
    forward, Forward, "/api/v1/dossiers/{id}/forward", "Chuyển bước tiếp theo: note?, assignee?";
    send_back, SendBack, "/api/v1/dossiers/{id}/send-back", "Trả lại bước trước: note";
    request_supplement, RequestSupplement, "/api/v1/dossiers/{id}/request-supplement", "Yêu cầu bổ sung (Mẫu 02): reason";
    supplement_received, SupplementReceived, "/api/v1/dossiers/{id}/supplement-received", "Nhận hồ sơ bổ sung: note?";
    request_payment, RequestPayment, "/api/v1/dossiers/{id}/request-payment", "Yêu cầu thực hiện nghĩa vụ tài chính: reason";
    payment_received, PaymentReceived, "/api/v1/dossiers/{id}/payment-received", "Đã thực hiện nghĩa vụ tài chính: note?";
    reappoint, Reappoint, "/api/v1/dossiers/{id}/reappoint", "Xin lỗi và hẹn lại (Mẫu 04): new_due_date, reason";
    move_due_date, MoveDueDate, "/api/v1/dossiers/{id}/move-due-date", "Dời ngày hẹn trả qua ngày nghỉ mới (lãnh đạo cơ quan): new_due_date, reason";
    refuse, Refuse, "/api/v1/dossiers/{id}/refuse", "Từ chối giải quyết: reason";
    withdraw, Withdraw, "/api/v1/dossiers/{id}/withdraw", "Dừng giải quyết theo yêu cầu: reason";
    approve, Approve, "/api/v1/dossiers/{id}/approve", "Duyệt kết quả: result_number, result_date";
    return_result, ReturnResult, "/api/v1/dossiers/{id}/return-result", "Trả kết quả: channel";
}
