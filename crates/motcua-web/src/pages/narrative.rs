//! The draft narrative report ("Báo cáo kết quả thực hiện giải pháp nâng cao chỉ số hài lòng…")
//! pre-filled with the period's numbers — Biểu 06, the Decision 766 indicators, evaluations, the
//! survey, late dossiers by unit — for the department to edit and print. Nothing is stored: the
//! numbers are the day's, the words are the department's.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use motcua_domain::evaluation::Overall;
use motcua_domain::types::thousands;
use motcua_quality::catalog::CatalogCounts;
use motcua_quality::index766::Status;
use motcua_quality::report06::Column;
use motcua_quality::sipas::{self, Survey};
use serde::Deserialize;

use super::error::PageResult;
use super::reports::{Scope, scope};
use super::roles::Officer;
use super::session::{CsrfForm, Shell, Web};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct NarrativeParams {
    #[serde(default)]
    period: String,
    #[serde(default)]
    agency: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "narrative.html")]
pub struct NarrativePage {
    shell: Shell,
    agency_code: String,
    period: String,
    label: String,
    text: String,
}

fn pct(num: u64, den: u64) -> String {
    if den == 0 {
        "—".into()
    } else {
        format!("{:.2}%", motcua_quality::report06::percent(num, den)).replace('.', ",")
    }
}

pub async fn draft(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<NarrativeParams>,
) -> PageResult<NarrativePage> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    // Biểu 06 and the figures beside it over the report window; the Decision 766 index over the
    // calendar window, as the quality page shows it for the same period. Both as of now while
    // the period is under way.
    let (w, index_window) = (sc.report_window(), sc.index_window());
    let Scope { agency, period, .. } = sc;
    let r = motcua_app::reports::bieu06(&*state.store, &[agency.id], &w).await?;
    let g = |c: Column| thousands(r.total.get(c));
    let received = state.store.facts(&[agency.id], w.start(), w.end(), true).await?;
    let evaluations: HashMap<_, Overall> = state
        .store
        .evaluations(&[agency.id], w.start(), w.end(), true)
        .await?
        .into_iter()
        .map(|e| (e.dossier_id, e.overall))
        .collect();
    let procedures = super::quality::catalog(&state, Some(agency.id), None).await?;
    let catalog = CatalogCounts::of(&procedures, &received);
    let index = super::quality::agency_index(&state, agency.id, index_window).await?;
    let count = |o: Overall| evaluations.values().filter(|x| **x == o).count();
    let survey = Survey::builtin();
    let answers: Vec<sipas::Response> = state
        .store
        .survey_responses(agency.id, w.start(), w.end())
        .await?
        .into_iter()
        .map(|r| sipas::Response {
            answers: serde_json::from_value(r.answers).unwrap_or_default(),
            expectations: serde_json::from_value(r.expectations).unwrap_or_default(),
        })
        .collect();
    let sipas = sipas::index(&survey, &answers);
    let units: HashMap<String, String> =
        state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect();
    let mut late_units: Vec<(String, u64)> = r
        .by_unit
        .iter()
        .map(|(code, l)| {
            (units.get(code).cloned().unwrap_or_else(|| code.clone()), l.get(Column::Late) + l.get(Column::Overdue))
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    late_units.sort_by_key(|(_, n)| std::cmp::Reverse(*n));

    let mut t = String::new();
    let _ = writeln!(t, "{}\n", agency.name.to_uppercase());
    let _ = writeln!(t, "BÁO CÁO");
    let _ = writeln!(
        t,
        "Kết quả thực hiện giải pháp nâng cao chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước"
    );
    let _ = writeln!(t, "{} (số liệu từ ngày {})\n", period.label_vi(), w.label().replace(" – ", " đến ngày "));
    let _ = writeln!(t, "I. KẾT QUẢ THỰC HIỆN\n");
    let _ = writeln!(t, "1. Công khai, minh bạch thủ tục hành chính");
    let _ = writeln!(
        t,
        "Cơ quan công khai {} thủ tục hành chính trên Cổng dịch vụ công và tại Bộ phận Một cửa; {} thủ tục được công bố đầy đủ các bộ phận ({}).\n",
        catalog.procedures,
        catalog.complete,
        pct(catalog.complete, catalog.procedures)
    );
    let _ = writeln!(t, "2. Tiếp nhận, giải quyết hồ sơ");
    let _ = writeln!(
        t,
        "Trong kỳ, cơ quan nhận giải quyết {} hồ sơ (tiếp nhận trực tuyến {}; trực tiếp và qua dịch vụ bưu chính {}; từ kỳ trước chuyển sang {}). Đã giải quyết {} hồ sơ (trước hạn {}, đúng hạn {}, quá hạn {}); đang giải quyết {} hồ sơ (trong hạn {}, quá hạn {}). Tỷ lệ giải quyết trước hạn, đúng hạn đạt {}.\n",
        g(Column::Received),
        g(Column::Online),
        g(Column::Direct),
        g(Column::Carried),
        g(Column::Resolved),
        g(Column::Early),
        g(Column::OnTime),
        g(Column::Late),
        g(Column::Pending),
        g(Column::Within),
        g(Column::Overdue),
        pct(r.total.get(Column::Early) + r.total.get(Column::OnTime), r.total.get(Column::Resolved))
    );
    let _ = writeln!(t, "3. Dịch vụ công trực tuyến");
    let online = received.iter().filter(|f| f.online()).count() as u64;
    let _ = writeln!(
        t,
        "{}/{} thủ tục có dịch vụ công trực tuyến một phần hoặc toàn trình; hồ sơ nộp trực tuyến chiếm {} số hồ sơ tiếp nhận mới trong kỳ.\n",
        catalog.online,
        catalog.procedures,
        pct(online, received.len() as u64)
    );
    let _ = writeln!(t, "4. Lấy ý kiến đánh giá của người dân, tổ chức");
    let _ = writeln!(
        t,
        "Có {} lượt đánh giá việc giải quyết hồ sơ: rất hài lòng {}, hài lòng {}, không hài lòng {}. Khảo sát sự hài lòng: {} phiếu, chỉ số hài lòng chung {}.\n",
        evaluations.len(),
        count(Overall::VerySatisfied),
        count(Overall::Satisfied),
        count(Overall::NotSatisfied),
        sipas.responses,
        sipas.overall.map_or_else(|| "—".to_owned(), |o| format!("{o:.2}%").replace('.', ","))
    );
    let _ = writeln!(
        t,
        "5. Đánh giá chất lượng phục vụ theo Quyết định 766/QĐ-TTg (hồ sơ tiếp nhận từ ngày {}, như Cổng Dịch vụ công quốc gia tính)",
        index_window.label().replace(" – ", " đến ngày ")
    );
    let _ = writeln!(t, "Tổng điểm đạt {} / {:.0} điểm:", format!("{:.2}", index.points).replace('.', ","), index.max);
    for i in index.with_status(Status::Scored) {
        let _ = writeln!(
            t,
            "- {}. {}: {} ({}/{}).",
            i.id,
            i.name,
            format!("{:.2}%", i.rate).replace('.', ","),
            i.numerator,
            i.denominator
        );
    }
    let no_cases: Vec<&str> = index.with_status(Status::NoCases).map(|i| i.id.as_str()).collect();
    if !no_cases.is_empty() {
        let _ = writeln!(t, "- Không phát sinh trong kỳ (0 điểm): chỉ số {}.", no_cases.join(", "));
    }
    if !index.missing.is_empty() {
        let _ = writeln!(t, "- Tính 0 điểm vì chưa có dữ liệu: {}.", index.missing.join(", "));
    }
    let _ = writeln!(t, "\nII. TỒN TẠI, HẠN CHẾ\n");
    if late_units.is_empty() {
        let _ = writeln!(t, "Trong kỳ không có hồ sơ quá hạn.\n");
    } else {
        let list: Vec<String> = late_units.iter().map(|(u, n)| format!("{u} ({n} hồ sơ)")).collect();
        let _ = writeln!(
            t,
            "Còn {} hồ sơ quá hạn (đã giải quyết quá hạn {}, đang giải quyết quá hạn {}), tập trung tại: {}.\n",
            thousands(r.total.get(Column::Late) + r.total.get(Column::Overdue)),
            g(Column::Late),
            g(Column::Overdue),
            list.join("; ")
        );
    }
    let _ = writeln!(t, "III. PHƯƠNG HƯỚNG, GIẢI PHÁP THỜI GIAN TỚI\n\n(Cơ quan bổ sung.)\n");
    let _ = writeln!(t, "IV. KIẾN NGHỊ, ĐỀ XUẤT\n\n(Cơ quan bổ sung.)");
    Ok(NarrativePage {
        agency_code: agency.code.to_string(),
        period: period.to_string(),
        label: period.label_vi(),
        text: t,
        shell: web.shell,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    text: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "narrative_print.html")]
pub struct PrintPage {
    paragraphs: Vec<String>,
}

/// The edited text as a printable page.
pub async fn print(CsrfForm(f): CsrfForm<PrintForm>) -> PageResult<PrintPage> {
    let text = motcua_domain::text::nfc(&f.text.replace("\r\n", "\n"));
    let paragraphs = text.split('\n').map(str::to_owned).collect();
    Ok(PrintPage { paragraphs })
}
