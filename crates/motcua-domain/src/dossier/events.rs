//! What each kind of event is called on a timeline, in Vietnamese and English: one list for the
//! officer's page, the citizen's page, the public lookup and the kiosk.

/// The label of an event kind (`accept`, `forward`…) as a person reads it on a timeline.
///
/// ```
/// use motcua_domain::dossier::event_label;
/// assert_eq!(event_label("accept", false), "Tiếp nhận hồ sơ");
/// assert_eq!(event_label("accept", true), "Accepted");
/// assert_eq!(event_label("something-new", false), "Cập nhật");
/// ```
pub fn event_label(kind: &str, english: bool) -> &'static str {
    let (vi, en) = match kind {
        "submitted" => ("Nộp hồ sơ", "Submitted"),
        "accept" => ("Tiếp nhận hồ sơ", "Accepted"),
        "ask_to_complete" => ("Yêu cầu hoàn thiện hồ sơ", "Completion requested"),
        "resubmit" => ("Nộp lại hồ sơ", "Resubmitted"),
        "refuse_intake" => ("Từ chối tiếp nhận", "Not accepted"),
        "forward" => ("Chuyển xử lý", "Passed on"),
        "send_back" => ("Trả lại bước trước", "Sent back"),
        "request_supplement" => ("Yêu cầu bổ sung", "Documents requested"),
        "supplement_received" => ("Nhận hồ sơ bổ sung", "Documents received"),
        "request_payment" => ("Yêu cầu thực hiện nghĩa vụ tài chính", "Fees or taxes requested"),
        "payment_received" => ("Đã thực hiện nghĩa vụ tài chính", "Fees or taxes paid"),
        "reappoint" => ("Xin lỗi và hẹn lại ngày trả kết quả", "Apology and new date"),
        "move_due_date" => ("Dời ngày hẹn trả do ngày nghỉ mới", "Due date moved past a new day off"),
        "refuse" => ("Từ chối giải quyết", "Refused"),
        "withdraw" => ("Dừng giải quyết theo yêu cầu", "Withdrawn"),
        "approve" => ("Có kết quả", "Result ready"),
        "return_result" => ("Đã trả kết quả", "Result returned"),
        "attach_document" => ("Nộp giấy tờ", "Document added"),
        "attach_result" => ("Đính kèm tệp kết quả", "Result file added"),
        _ => ("Cập nhật", "Updated"),
    };
    if english { en } else { vi }
}
