//! The states of a dossier and their national portal codes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Submitted online, not yet checked (1 Mới đăng ký).
    Submitted,
    /// Asked to complete before acceptance (Mẫu 02; no clock runs).
    NeedsCompletion,
    /// Accepted (Mẫu 01): code and due date given; at the reception step (2 Được tiếp nhận).
    Accepted,
    /// Refused at intake (Mẫu 03; 3 Không được tiếp nhận). Terminal.
    RefusedAtIntake,
    /// In the internal process (4 Đang xử lý).
    Processing,
    /// Waiting for a supplement during appraisal (5 Yêu cầu bổ sung giấy tờ).
    AwaitingSupplement,
    /// Waiting for fees or taxes (6 Yêu cầu thực hiện nghĩa vụ tài chính).
    AwaitingPayment,
    /// Refused after appraisal, or withdrawn at the applicant's request (8 Dừng xử lý). Terminal.
    Stopped,
    /// The result is ready at the one-stop unit (9 Đã xử lý xong).
    ResultReady,
    /// The result was handed over (10 Đã trả kết quả). Terminal.
    Returned,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Submitted,
        State::NeedsCompletion,
        State::Accepted,
        State::RefusedAtIntake,
        State::Processing,
        State::AwaitingSupplement,
        State::AwaitingPayment,
        State::Stopped,
        State::ResultReady,
        State::Returned,
    ];

    pub fn portal_status(self) -> u8 {
        match self {
            State::Submitted => 1,
            State::Accepted => 2,
            State::RefusedAtIntake => 3,
            State::Processing => 4,
            State::NeedsCompletion | State::AwaitingSupplement => 5,
            State::AwaitingPayment => 6,
            State::Stopped => 8,
            State::ResultReady => 9,
            State::Returned => 10,
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, State::RefusedAtIntake | State::Stopped | State::Returned)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::NeedsCompletion => "needs_completion",
            State::Accepted => "accepted",
            State::RefusedAtIntake => "refused_at_intake",
            State::Processing => "processing",
            State::AwaitingSupplement => "awaiting_supplement",
            State::AwaitingPayment => "awaiting_payment",
            State::Stopped => "stopped",
            State::ResultReady => "result_ready",
            State::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The Vietnamese label shown to people (the portal's wording).
    pub fn label_vi(self) -> &'static str {
        match self {
            State::Submitted => "Mới đăng ký",
            State::NeedsCompletion => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            State::Accepted => "Được tiếp nhận",
            State::RefusedAtIntake => "Không được tiếp nhận",
            State::Processing => "Đang xử lý",
            State::AwaitingSupplement => "Yêu cầu bổ sung giấy tờ",
            State::AwaitingPayment => "Yêu cầu thực hiện nghĩa vụ tài chính",
            State::Stopped => "Dừng xử lý",
            State::ResultReady => "Đã xử lý xong",
            State::Returned => "Đã trả kết quả",
        }
    }
}

impl State {
    /// The label in English, for the English pages.
    pub fn label_en(self) -> &'static str {
        match self {
            State::Submitted => "Submitted",
            State::NeedsCompletion => "Completion requested",
            State::Accepted => "Accepted",
            State::RefusedAtIntake => "Not accepted",
            State::Processing => "In process",
            State::AwaitingSupplement => "Documents requested",
            State::AwaitingPayment => "Awaiting fees or taxes",
            State::Stopped => "Stopped",
            State::ResultReady => "Result ready",
            State::Returned => "Result returned",
        }
    }
}

/// How a returned result compares with its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Before the due date (trước hạn).
    Early,
    /// On the due date, by the due instant (đúng hạn).
    OnTime,
    /// After the due instant (trễ hạn).
    Late,
}
